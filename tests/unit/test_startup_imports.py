"""What starting `dockwright` imports before its first frame (a structural check, never a timing).

Each check runs in a fresh interpreter, so what other tests imported does not count. The figures these
imports cost are in bench/first_paint.py and the README's speed section.
"""

import subprocess
import sys

NETWORK_AND_CHECKS = ("gitlab", "requests", "check_jsonschema")


def loaded_after(code: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with one of ``prefixes`` that are in sys.modules after running ``code``."""
    probe = (f"{code}\nimport sys\n"
             f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {prefixes!r})))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_the_console_script_module_imports_no_gitlab_client_or_checks():
    assert loaded_after("import dockwright.screens.entry", NETWORK_AND_CHECKS) == []


def test_help_builds_every_parser_without_textual_or_the_core_work():
    code = ("from dockwright.wizard.cli import build_parser\n"
            "build_parser().format_help()\n"
            "import sys\n"
            "core = [m for m in ('dockwright.wizard.detect', 'dockwright.wizard.plan', 'dockwright.wizard.checks',\n"
            "                    'asyncio', 'urllib.request') if m in sys.modules]\n"
            "assert not core, core\n")
    assert loaded_after(code, ("textual", "rich", "ruamel", *NETWORK_AND_CHECKS)) == []


def test_the_connect_screen_loads_no_preview_help_pages_or_gitlab_client():
    # Connect has no preview and shows no help page until asked: tree-sitter and Markdown come later
    code = "import dockwright.screens.app, dockwright.screens.connect"
    assert loaded_after(code, ("tree_sitter", "markdown_it", "linkify_it", *NETWORK_AND_CHECKS)) == []


def test_the_app_and_connect_screen_load_no_config_parser_or_hmac():
    # read and compared only once the session starts, after the first frame (wizard/credentials.py: ~5 ms)
    code = "import dockwright.screens.app, dockwright.screens.connect, dockwright.wizard.credentials"
    assert loaded_after(code, ("configparser", "hmac", "hashlib")) == []


def test_the_app_and_connect_screen_load_no_yaml_library():
    # ruamel.yaml is imported where an answers file or glab's config is read or written (plan.py, credentials.py)
    code = "import dockwright.screens.app, dockwright.screens.connect, dockwright.wizard.credentials"
    assert loaded_after(code, ("ruamel",)) == []
    assert loaded_after(code + "\nimport sys\nassert 'dockwright.wizard.yaml_guard' not in sys.modules", ()) == []


def test_help_imports_neither_dataclasses_nor_json():
    # the watch and sandbox commands' modules are imported to build their parsers: what they run imports these
    code = ("from dockwright.wizard.cli import build_parser\n"
            "build_parser().format_help()\n"
            "import sys\n"
            "assert 'dataclasses' not in sys.modules and 'json' not in sys.modules, 'imported for --help'\n")
    assert loaded_after(code, ()) == []


def test_help_imports_neither_typing_nor_what_only_a_command_runs():
    # the console script's module, the parser and its help: typing (its TYPE_CHECKING too), getpass (apply's
    # token prompt), threading and signal (the sandbox command's wait) come with what runs, not with --help
    code = ("import dockwright.screens.entry\n"
            "from dockwright.wizard.cli import build_parser\n"
            "build_parser().format_help()\n"
            "import sys\n"
            "late = [m for m in ('typing', 'getpass', 'threading', 'signal', 'dockwright.wizard.secret_text')\n"
            "        if m in sys.modules]\n"
            "assert not late, late\n")
    assert loaded_after(code, ()) == []


def test_help_imports_no_subcommand_module_and_a_subcommand_only_its_own():
    # `dockwright --help` lists the subcommands from wizard/commands/__init__.py's table; `dockwright watch --help`
    # imports watch's module for its arguments, and no other subcommand's
    code = ("from dockwright.wizard.cli import build_parser\n"
            "import sys\n"
            "build_parser(['--help']).format_help()\n"
            "mods = lambda: sorted(m for m in sys.modules if m.startswith('dockwright.wizard.commands.'))\n"
            "assert mods() == [], mods()\n"
            "help_text = build_parser(['watch', '--help'])._subparsers._group_actions[0].choices['watch'].format_help()\n"
            "assert '--follow-ref' in help_text or '--mr' in help_text, help_text\n"
            "assert mods() == ['dockwright.wizard.commands.watch'], mods()\n")
    assert loaded_after(code, ()) == []
