"""Process start -> first frame, as a person starting it in a terminal feels it.

Each run starts a real process under a pseudo-terminal (120x40), reads what it writes until the first frame's
marker appears ("Connect" for the wizard and the bare app), then kills it. Alternates, in one run:

- ``bare``: a bare Textual app (Header, OptionList, Label, three Inputs, Button, Footer), nothing of dockwright;
- ``dockwright``: the console script in a copy of examples/flask-app made a git repository;
- ``sandbox``: ``dockwright --sandbox`` in the same kind of copy;

and, for the command line, ``dockwright --help`` and ``dockwright watch --help`` to exit against
``python -c pass`` importing argparse and printing a parser's help. Prints medians and ratios against the
baselines measured in the same run (the machine is shared, so only the ratios mean something). Each ratio is the
median of one ratio per round (a process against the baseline started just before it): the same code's CPU time
went from ~300 to ~600 ms within minutes here, and a ratio of two medians took the drift between rounds along.

Uses the standard library's ``pty``/``os.openpty`` (no pexpect: all it needs is a pty of a given size and a
read loop with a deadline). Run: .venv/bin/python bench/first_paint.py [--runs N]
"""

from __future__ import annotations

import argparse
import atexit
import fcntl
import os
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COLS, ROWS = 120, 40
TIMEOUT = 30.0
# Bytecode as an installed package has it: this machine sets PYTHONDONTWRITEBYTECODE, which made every start
# compile dockwright's own modules from source (Textual's came with .pyc from pip). The warm-up run writes the
# bytecode of every process here, under one throw-away prefix, so no side pays for compiling.
# The sandbox's state and its link in a throw-away folder too: a sandbox another process runs on this machine (the
# default state folder) made `dockwright --sandbox` refuse to start ("Another sandbox is already running").
# Both are made when this module is imported (keystroke.py and step_switch.py import it too) and removed at exit.
_WORK = tempfile.mkdtemp(prefix="dockwright-first-paint-")
atexit.register(shutil.rmtree, _WORK, ignore_errors=True)
PYCACHE = os.path.join(_WORK, "pyc")
STATE = os.path.join(_WORK, "state")
os.mkdir(STATE)
CHILD_ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPYCACHEPREFIX": PYCACHE,
             "XDG_STATE_HOME": STATE, "XDG_RUNTIME_DIR": STATE}

BARE_APP = """
from textual.app import App
from textual.widgets import Button, Footer, Header, Input, Label, OptionList

class Bare(App):
    BINDINGS = [("ctrl+q", "quit", "Quit"), ("ctrl+s", "bell", "Save answers")]

    def compose(self):
        yield Header()
        yield OptionList(*[f"step {i}" for i in range(9)])
        yield Label("Connect to GitLab")
        for name in ("url", "token", "project"):
            yield Input(placeholder=name)
        yield Button("Test and continue")
        yield Footer()

Bare().run()
"""

ARGPARSE_HELP = """
import argparse
p = argparse.ArgumentParser(prog="dockwright")
p.add_argument("--sandbox", action="store_true")
p.add_argument("--plain", action="store_true")
p.print_help()
"""


def project() -> Path:
    """A copy of examples/flask-app as a fresh git repository (what a user would have cloned)."""
    root = Path(tempfile.mkdtemp(prefix="dockwright-first-paint-"))
    shutil.copytree(ROOT / "examples" / "flask-app", root, dirs_exist_ok=True)
    (root / "dockwright.yml").unlink(missing_ok=True)  # start at Connect, not from saved answers
    git = ["git", "-C", str(root), "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "initial"], check=True)
    return root


# the console script, imported from a folder laid out as the installed package instead of this worktree
OLD_LAUNCHER = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "EditableFinder" not in repr(f)]
sys.path.insert(0, {root!r})
from dockwright.screens.entry import main
sys.exit(main())
"""


def old_tree(commit: str) -> Path:
    """``commit``'s code laid out as the installed package: <tmp>/dockwright/{wizard,screens,sandbox,assets}."""
    root = Path(tempfile.mkdtemp(prefix="dockwright-step-switch-before-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    src = root / "src"
    src.mkdir()
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    pkg = root / "dockwright"
    shutil.copytree(src / "dockwright", pkg)
    for part in ("wizard", "screens", "sandbox", "assets"):
        shutil.copytree(src / part, pkg / part)
    shutil.rmtree(src)
    return root


def clean_up(repo: Path, old: Path | None) -> None:
    """Remove what a run made: the project, the bytecode and state folders, the earlier commit's tree."""
    for folder in (repo, _WORK, old):
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def first_paint(argv: list[str], cwd: Path, marker: bytes) -> tuple[float, float]:
    """Seconds from starting ``argv`` under a 120x40 pty until ``marker`` appears in its output, and the CPU
    seconds the process had used when it was killed right after (:func:`cpu_of`)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {**CHILD_ENV, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS)}
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        while True:
            left = TIMEOUT - (time.perf_counter() - start)
            if left <= 0:
                raise SystemExit(f"{argv}: no {marker!r} within {TIMEOUT:.0f} s; last output: {seen[-400:]!r}")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the process exited and closed the pty
                chunk = b""
            if not chunk:
                raise SystemExit(f"{argv}: exited before {marker!r}; output: {seen[-400:]!r}")
            seen += chunk
            if marker in seen[-(len(chunk) + len(marker)):]:
                wall = time.perf_counter() - start
                os.killpg(proc.pid, signal.SIGKILL)
                return wall, cpu_of(proc)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(master)


def cpu_of(proc: subprocess.Popen) -> float:
    """The user + system CPU seconds of ``proc`` (itself, not its children), reaped. On this shared machine a
    process's wall time swings with what else runs (the bare app's median went from 330 to 590 ms within an
    hour); the CPU it used swings much less, so both are printed."""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def to_exit(argv: list[str]) -> tuple[float, float]:
    """Seconds for ``argv`` to run to its end (output to a pipe), and the CPU seconds it used."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu = cpu_of(proc)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{argv} failed (exit {proc.returncode})")
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", metavar="COMMIT",
                        help="also measure `dockwright` at this commit, in the same loop (as bench/step_switch.py)")
    args = parser.parse_args()
    python, dockwright = str(BIN / "python"), str(BIN / "dockwright")
    repo = project()
    old = None
    try:
        paint = {
            "bare Textual app": lambda: first_paint([python, "-c", BARE_APP], repo, b"Connect"),
            "dockwright": lambda: first_paint([dockwright], repo, b"Connect"),
            "dockwright --sandbox": lambda: first_paint([dockwright, "--sandbox"], repo, b"Connect"),
        }
        if args.before:
            old = old_tree(args.before)
            paint[f"dockwright before ({args.before})"] = lambda: first_paint(
                [python, "-c", OLD_LAUNCHER.format(root=str(old))], repo, b"Connect")
        cli = {
            "python -c pass + argparse": lambda: to_exit([python, "-c", ARGPARSE_HELP]),
            "dockwright --help": lambda: to_exit([dockwright, "--help"]),
            "dockwright watch --help": lambda: to_exit([dockwright, "watch", "--help"]),
        }
        if old is not None:
            launcher = OLD_LAUNCHER.format(root=str(old))
            cli["--help before"] = lambda: to_exit([python, "-c", launcher, "--help"])
            cli["watch --help before"] = lambda: to_exit([python, "-c", launcher, "watch", "--help"])
        for table in (paint, cli):  # a warm-up of each (page cache, .pyc), not counted
            for run in table.values():
                run()
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in (*paint, *cli)}
        for _ in range(args.runs):
            for table in (paint, cli):
                for name, run in table.items():
                    times[name].append(run())
    finally:
        clean_up(repo, old)
    print(f"{args.runs} runs each, alternating; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for title, table in (("process start -> first frame with 'Connect', 120x40 pty", paint),
                         ("process start -> exit", cli)):
        first = next(iter(table))
        print(f"\n{title}: wall time (median, min, ratio) | the process's CPU time (median, ratio)")
        for name in table:
            walls, cpus = [t[0] for t in times[name]], [t[1] for t in times[name]]
            ratio, cpu_ratio = (statistics.median(t[i] / b[i] for t, b in zip(times[name], times[first], strict=True))
                                for i in (0, 1))
            print(f"  {name:28} {statistics.median(walls) * 1000:6.0f} ms  min {min(walls) * 1000:5.0f} ms  "
                  f"{ratio:.2f}x  | cpu {statistics.median(cpus) * 1000:5.0f} ms  {cpu_ratio:.2f}x")


if __name__ == "__main__":
    main()
