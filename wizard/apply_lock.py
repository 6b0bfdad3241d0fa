"""One `dockwright apply` at a time per repository and per runner config.toml.

Two applies on one repository with a slow GitLab could both find no runner and both create one (issue 19
item 14). Each apply holds an ``fcntl`` lock on a small file under ``$XDG_STATE_HOME/dockwright/locks/``
named after the repository folder and after the config.toml (so two clones sharing one config.toml wait for
each other too). The kernel releases the lock when the process ends, even killed with SIGKILL: no stale
lock to clean up. A second apply waits up to ``wait`` seconds, then stops with :class:`Busy` (exit 75).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dockwright.wizard.errors import EXIT_BUSY, DockwrightError
from dockwright.wizard.files import state_dir

LOCK_WAIT = 10.0  # seconds a second apply waits for the first one before it stops


class Busy(DockwrightError):
    """Another apply holds the lock of this repository or config.toml."""

    exit_code = EXIT_BUSY


def lock_file(target: Path) -> Path:
    key = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:20]
    return state_dir() / "locks" / f"{key}.lock"


def _holder(path: Path) -> str:
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


@contextlib.contextmanager
def apply_lock(targets: dict[str, Path], *, wait: float = LOCK_WAIT, sleep: Callable[[float], None] = time.sleep,
               clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Hold the lock of every target (``{"the repository /x": Path("/x"), ...}``) while the body runs."""
    held: list[int] = []
    try:
        unique = {str(target.resolve()): (what, target) for what, target in targets.items()}
        for _key, (what, target) in sorted(unique.items()):  # one order for every apply: no deadlock
            path = lock_file(target)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            deadline = clock() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if clock() >= deadline:
                        os.close(fd)
                        raise Busy(f"Another dockwright apply is running on {what}{_holder(path)}; this one waited "
                                   f"{wait:.0f} s and changed nothing.",
                                   "Let it finish, then re-run apply: it finds what the other one did and "
                                   "creates nothing twice.") from None
                    sleep(0.2)
            held.append(fd)
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode("ascii"))
        yield
    finally:
        for fd in held:
            os.close(fd)  # closing the descriptor releases its flock
