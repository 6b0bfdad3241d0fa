"""`dockwright`: the command line. Parses arguments and hands over; no business logic here."""

from __future__ import annotations

import argparse
import importlib
import sys

from dockwright.wizard import __version__
from dockwright.wizard.commands import SUBCOMMANDS
from dockwright.wizard.errors import EXIT_INTERNAL, BadInput, DockwrightError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing for --help
if TYPE_CHECKING:  # typing's Protocol and collections.abc are not imported for --help
    from collections.abc import Sequence
    from typing import Any, Protocol

EPILOG = """\
examples:
  dockwright --sandbox                      practise the whole onboarding on a local sandbox GitLab
  dockwright --sandbox --demo node          the same on a small Node.js project (the stacks: sandbox --help)
  dockwright                                onboard the repository in this folder
  dockwright generate --answers dockwright.yml --dry-run
                                            show the Dockerfile and .gitlab-ci.yml it would write
  dockwright apply --answers dockwright.yml run the onboarding without a screen
  dockwright watch                          follow the pipeline of HEAD in this repository

exit codes: 0 ok, 1 pipeline failed, 2 bad input, 3 refused to overwrite, 4 GitLab refused, 5 network,
            70 a bug in dockwright (the wizard saves your answers and names its traceback log)
"""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line. A subcommand's own arguments (its module's import and its add_argument calls, a
    quarter of `dockwright --help`'s time) are added only when ``argv`` names it; the others are listed with
    their help. ``argv`` None: every subcommand in full (the default parse of sys.argv is not known here)."""
    parser = argparse.ArgumentParser(
        prog="dockwright",
        description="From 'no container, no CI' to a watched, green GitLab pipeline that builds and pushes "
        "a Docker image, explaining each step on the way.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dockwright {__version__}")
    # The wizard itself (no subcommand): Textual screens, or plain prompts with --plain.
    parser.add_argument("--sandbox", action="store_true", help="practise on a local sandbox GitLab (127.0.0.1)")
    parser.add_argument("--demo", metavar="STACK",
                        help="with --sandbox: practise on STACK's small demo project (python by default; node, go, "
                        "... as `dockwright sandbox --help` lists); the demo starts over")
    parser.add_argument("--plain", action="store_true", help="plain prompts instead of the full-screen wizard")
    parser.add_argument("--answers", metavar="F", help="start from this answers file (default: ./dockwright.yml)")
    parser.add_argument("--dir", metavar="D", help="the repository to onboard (default: this folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    named = set(SUBCOMMANDS) if argv is None else set(argv)  # a folder named like a command costs an import
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        if name in named:
            module = importlib.import_module(f"dockwright.wizard.commands.{module_name}")
            p.epilog = getattr(module, "EPILOG", None)
            module.add_arguments(p)
            p.set_defaults(_run=module.run)
    return parser


if TYPE_CHECKING:
    class FullScreen(Protocol):
        """The full-screen UI, plugged in by the console script (screens/entry.py); wizard/ never imports it."""

        def run_wizard(self, args: argparse.Namespace) -> int: ...

        def run_watch(self, client: Any, project: str, target: dict[str, Any]) -> int: ...

        def run_watch_list(self, client: Any, project: str, options: dict[str, Any]) -> int: ...


def main(argv: Sequence[str] | None = None, *, full_screen: FullScreen | None = None) -> int:
    """Run `dockwright`; without ``full_screen`` (``python -m dockwright.wizard.cli``) only line output is available."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    args.full_screen = full_screen
    run = getattr(args, "_run", None)
    if run is None:
        run = _run_wizard
    try:
        return run(args)
    except DockwrightError as exc:
        print(f"dockwright: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("\ndockwright: interrupted; nothing half-done is left that a re-run cannot finish.", file=sys.stderr)
        return 130
    except Exception:  # a bug: its traceback helps a report, but it must not carry a token or a header
        import traceback

        from dockwright.wizard.secret_text import scrub

        print(scrub(traceback.format_exc()), file=sys.stderr, end="")
        print("dockwright: this is a bug in dockwright (the traceback above has any token replaced by ****); "
              "please report it with the command you ran.", file=sys.stderr)
        return EXIT_INTERNAL  # 1 means "the pipeline failed" (wizard/errors.py)


def _run_wizard(args: argparse.Namespace) -> int:
    """No subcommand: the wizard, full screen when the UI is plugged in, else (or with --plain) as prompts."""
    _check_demo(args)
    if args.plain:
        if not sys.stdin.isatty():  # else questionary warns "Input is not a terminal" and stops with 130
            raise BadInput(
                "dockwright --plain asks its questions in a terminal, and its input here is not one (a pipe, a "
                "file or /dev/null).",
                "Run it in a terminal; without one, `dockwright apply --answers dockwright.yml` runs saved answers "
                "(--dry-run shows what it would do; `dockwright init-answers` or the wizard writes the file).")
        from dockwright.wizard.plain import run_plain

        return run_plain(args)
    if args.full_screen is None:
        raise BadInput("The full-screen wizard is not part of `python -m dockwright.wizard.cli`.",
                       "Run `dockwright` (the installed command), or add --plain for the same steps as prompts.")
    return args.full_screen.run_wizard(args)


def _check_demo(args: argparse.Namespace) -> None:
    """``--demo STACK`` picks the sandbox's demo project: only with --sandbox, not with --dir, a known stack."""
    demo = getattr(args, "demo", None)
    if demo is None:
        return
    if not args.sandbox:
        raise BadInput("--demo chooses the practice sandbox's demo project, so it needs --sandbox.",
                       f"Run `dockwright --sandbox --demo {demo}`.")
    if args.dir:
        raise BadInput("--demo practises on the sandbox's demo project, and --dir names a folder of your own: "
                       "dockwright cannot work in both.",
                       "Leave out --dir to practise on the demo, or --demo to practise on your folder.")
    from dockwright.wizard.practice import check_demo_stack

    check_demo_stack(demo)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
