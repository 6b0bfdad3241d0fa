"""Moving between steps, as a person feels it: a key pressed -> the new step painted.

Real processes under a 120x40 pseudo-terminal (as bench/first_paint.py): each run starts the app, waits for its
first screen and for it to go quiet, then presses Ctrl+N through the steps up to Review (each step shown for the
first time), Ctrl+B back to the second step and Ctrl+N forward again (steps shown again), and times each key
from the moment it is written to the pty until the new step's title ("Step 4 of 10: Your runner") appears in
what the app writes. Between keys the app is left to go quiet, as a person reads a step before moving on.

Alternates, in one run:

- ``bare``: a bare Textual app switching between eight screens of a Header, a title, three Inputs, two Buttons
  and a Footer (a new screen the first time, the installed one again after): what Textual itself costs;
- ``dockwright --sandbox`` as the code is now;
- with ``--before COMMIT``: the same at an earlier commit, laid out from ``git archive`` in a temporary folder and
  imported from there instead of this worktree, so before and after are measured in the same loop.

The Connect -> Project step tests the connection first (a request to the sandbox): it is reported on its own.
Prints medians and ratios against the bare app; the machine is shared, so the ratios mean more than the ms.

A walk takes ~45 s (19 keys, each after the app went quiet and READ more seconds): with the warm-ups, 5 runs of
three apps are ~13 minutes. It says how long it expects to take, stops starting runs once ``--max-seconds`` would
be passed (and says how many it measured), and stops with a sentence when an app never goes quiet or never shows
a title. No app is left behind: each dies with the bench (PR_SET_PDEATHSIG, also when the bench is killed with
SIGKILL), and SIGTERM / SIGHUP / Ctrl+C end the bench through its clean-up.
Run: .venv/bin/python bench/step_switch.py [--runs N] [--before COMMIT] [--max-seconds S]
"""

from __future__ import annotations

import argparse
import ctypes
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from first_paint import CHILD_ENV, COLS, OLD_LAUNCHER, ROWS, clean_up, old_tree, project

BIN = Path(sys.executable).parent
CTRL_N, CTRL_B = b"\x0e", b"\x02"
QUIET = 0.4  # seconds without output: the app is idle
READ = 1.0  # then seconds before the next key: a person reads a step at least that long before moving on
TIMEOUT = 30.0
QUIET_AT_MOST = 15.0  # seconds an app may keep writing before the bench says it never goes quiet
PR_SET_PDEATHSIG = 1  # <sys/prctl.h>
WALK_SECONDS = 45.0  # about one walk (19 keys), to say how long a run takes and to keep within --max-seconds
TITLES = ["Connect to GitLab", "Your project", "How jobs run Docker", "Your runner", "Registry and variables",
          "Dockerfile", "Pipeline", "Review"]

BARE_APP = """
from textual.app import App
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Input, Label

class Step(Screen):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def compose(self):
        yield Header()
        yield Label(f"Step {self.n} of 10: bare step {self.n}")
        for name in ("url", "token", "project"):
            yield Input(placeholder=name)
        yield Button("Back")
        yield Button("Next")
        yield Footer()

class Bare(App):
    BINDINGS = [("ctrl+n", "move(1)", "Next"), ("ctrl+b", "move(-1)", "Back"), ("ctrl+q", "quit", "Quit")]
    n = 1

    def on_mount(self):
        self.install_screen(Step(1), name="1")
        self.push_screen("1")

    def action_move(self, by):
        self.n += by
        if not self.is_screen_installed(str(self.n)):
            self.install_screen(Step(self.n), name=str(self.n))
        self.switch_screen(str(self.n))

Bare().run()
"""

def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL it when the bench ends, however the bench ends (Linux's prctl)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _stop_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(f"step_switch: stopped by {signal.Signals(signum).name}; apps killed, temporary folders removed")


class Pty:
    """A process under a 120x40 pty and what it wrote."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        env = {**CHILD_ENV, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS)}
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, close_fds=True,
                                     preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        os.close(slave)
        self.argv = argv
        self.seen = b""

    def _read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return b""
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            raise SystemExit(f"{self.argv}: exited; last output: {self.seen[-400:]!r}")
        return chunk

    def until(self, marker: bytes, since: float) -> float:
        """Seconds from ``since`` until ``marker`` appears in new output."""
        seen = b""
        while True:
            left = TIMEOUT - (time.perf_counter() - since)
            if left <= 0:
                raise SystemExit(f"{self.argv}: no {marker!r} within {TIMEOUT:.0f} s; last: {seen[-600:]!r}")
            chunk = self._read(left)
            seen += chunk
            if chunk and marker in seen:
                self.seen = seen
                return time.perf_counter() - since

    def quiet(self) -> None:
        """Read until the app writes nothing for QUIET seconds; stop the bench if it keeps writing."""
        start, written = time.perf_counter(), 0
        while chunk := self._read(QUIET):
            written += len(chunk)
            if time.perf_counter() - start > QUIET_AT_MOST:
                raise SystemExit(f"{self.argv}: never quiet: kept writing for {QUIET_AT_MOST:.0f} s ({written} bytes; "
                                 f"something repaints all the time); last: {chunk[-300:]!r}")

    def press(self, key: bytes, marker: bytes, read: float = READ) -> float:
        self.quiet()
        time.sleep(read)
        self.quiet()
        start = time.perf_counter()
        os.write(self.master, key)
        return self.until(marker, start)

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        os.close(self.master)


SANDBOX_READY = b"from the sandbox on this machine"  # Connect's URL source, once the sandbox is up


def walk(argv: list[str], cwd: Path, titles: list[str], ready: bytes | None = None,
         read: float = READ) -> dict[str, list[float]]:
    """One run: the first screen, Ctrl+N to the last title, Ctrl+B to the second, Ctrl+N to the last again.
    ``ready``: what the first screen shows once it can go on (the wizard's Connect shows its first frame before the
    sandbox is up, and fills in when it is: Next before that says "One moment"). ``read``: the pause after quiet
    (0 for the warm-up, which is not timed)."""
    def marker(i: int) -> bytes:
        return f"Step {i + 1} of 10: {titles[i]}".encode()

    app = Pty(argv, cwd)
    out: dict[str, list[float]] = {"connect": [], "first": [], "again": []}
    try:
        app.until(marker(0), time.perf_counter())
        if ready is not None and ready not in app.seen:
            app.until(ready, time.perf_counter())
        last = len(titles) - 1
        out["connect"].append(app.press(CTRL_N, marker(1), read))
        out["first"] += [app.press(CTRL_N, marker(i), read) for i in range(2, last + 1)]
        out["again"] += [app.press(CTRL_B, marker(i), read) for i in range(last - 1, 0, -1)]
        out["again"] += [app.press(CTRL_N, marker(i), read) for i in range(2, last + 1)]
    finally:
        app.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before", metavar="COMMIT", help="also measure the code at this commit, in the same loop")
    parser.add_argument("--max-seconds", type=float, default=900.0,
                        help="start no run that would end after this many seconds (default 900)")
    args = parser.parse_args()
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, _stop_on_signal)
    began = time.perf_counter()
    python, dockwright = str(BIN / "python"), str(BIN / "dockwright")
    repo = project()
    old = old_tree(args.before) if args.before else None
    apps = {
        "bare Textual app": lambda read: walk([python, "-c", BARE_APP], repo,
                                              [f"bare step {i}" for i in range(1, len(TITLES) + 1)], read=read),
        "dockwright --sandbox": lambda read: walk([dockwright, "--sandbox"], repo, TITLES, SANDBOX_READY, read),
    }
    if old is not None:
        apps[f"before ({args.before})"] = lambda read: walk(
            [python, "-c", OLD_LAUNCHER.format(root=str(old)), "--sandbox"], repo, TITLES, SANDBOX_READY, read)
    print(f"about {len(apps) * (args.runs * WALK_SECONDS + WALK_SECONDS / 2):.0f} s: {len(apps)} apps, a warm-up and"
          f" {args.runs} runs each, ~{WALK_SECONDS:.0f} s a run (at most {args.max_seconds:.0f} s)", flush=True)
    times: dict[str, dict[str, list[float]]] = {name: {"connect": [], "first": [], "again": []} for name in apps}
    runs = 0
    try:
        for run in apps.values():  # warm-up (page cache, bytecode), not counted; no pause to read
            run(0.0)
        round_seconds = 0.0
        for _ in range(args.runs):
            round_start = time.perf_counter()
            if round_start - began + round_seconds > args.max_seconds:
                print(f"stopped after {runs} of {args.runs} runs: another would pass --max-seconds", flush=True)
                break
            for name, run in apps.items():
                for kind, values in run(READ).items():
                    times[name][kind] += values
            runs += 1
            round_seconds = time.perf_counter() - round_start
    finally:
        clean_up(repo, old)
    if not runs:
        raise SystemExit("step_switch: no run measured")
    print(f"{runs} runs each, alternating; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"{time.perf_counter() - began:.0f} s in all")
    print("key written to the pty -> the new step's title painted, 120x40")
    base = times["bare Textual app"]
    for kind, title in (("first", "a step shown for the first time"), ("again", "a step shown again"),
                        ("connect", "Connect -> Project (tests the connection first)")):
        print(f"\n{title}")
        for name in apps:
            values = times[name][kind]
            median = statistics.median(values)
            print(f"  {name:34} median {median * 1000:6.1f} ms   p90 {_p90(values) * 1000:6.1f} ms"
                  f"   {median / statistics.median(base[kind]):.2f}x   (goal <= 50 ms)")


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]


if __name__ == "__main__":
    main()
