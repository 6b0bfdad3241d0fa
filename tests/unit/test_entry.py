"""The console script plugs the full screen into the core CLI; the core alone never opens it."""

import subprocess
import sys

from dockwright.screens.entry import TextualScreens
from dockwright.wizard.cli import main


class RecordingScreens:
    """A real FullScreen implementation that records what it was asked to open."""

    def __init__(self):
        self.opened = []

    def run_wizard(self, args):
        self.opened.append(("wizard", args.dir))
        return 0

    def run_watch(self, client, project, target):  # pragma: no cover - not reached here
        self.opened.append(("watch", project))
        return 0


def test_no_subcommand_opens_the_plugged_in_wizard():
    screens = RecordingScreens()
    assert main(["--dir", "somewhere"], full_screen=screens) == 0
    assert screens.opened == [("wizard", "somewhere")]


def test_without_a_full_screen_the_core_says_what_to_run(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "Run `dockwright`" in err and "--plain" in err


def test_the_console_script_offers_both_screens_and_loads_no_textual_until_asked():
    assert callable(TextualScreens().run_wizard) and callable(TextualScreens().run_watch)
    code = "import sys, dockwright.screens.entry; print(any(m.startswith('textual') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_wizard_without_a_terminal_says_so_instead_of_waiting(tmp_path):
    """Textual would print "Input is not a terminal" and wait forever; the sentence says what to run instead."""
    proc = subprocess.run([sys.executable, "-m", "dockwright", "--dir", str(tmp_path)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "The full-screen wizard needs a terminal" in proc.stderr
    assert "--plain" in proc.stderr and "dockwright apply --answers dockwright.yml" in proc.stderr
    assert "Input is not a terminal" not in proc.stderr + proc.stdout
    assert list(tmp_path.iterdir()) == []  # nothing written
