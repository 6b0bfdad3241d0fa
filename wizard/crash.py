"""When dockwright itself fails: a traceback log that holds no secret, and where it and saved answers go.

The log is for a bug report, so it has the whole traceback (no local variables: they hold tokens) and every
value the caller knows to be secret, and anything shaped like a GitLab token, replaced by ``****``.
"""

from __future__ import annotations

import os
import platform
import time
import traceback
from collections.abc import Iterable
from pathlib import Path

from dockwright.wizard import __version__, secret_text
from dockwright.wizard.files import state_dir

SHORTEST_SCRUBBED = 4  # shorter values would blank out ordinary words of the log, and are no real secret


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` (longest first) replaced by ``****``, then what
    :func:`dockwright.wizard.secret_text.scrub` hides: every remembered secret and every token-shaped word."""
    for secret in sorted({s for s in secrets if s and len(s) >= SHORTEST_SCRUBBED}, key=len, reverse=True):
        text = text.replace(secret, "****")
    return secret_text.scrub(text)


def stamped(name: str, suffix: str) -> Path:
    """A new file name in :func:`state_dir`, e.g. ``crash-20250101-120000-4242.log``."""
    return state_dir() / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}{suffix}"


def write_crash_log(error: BaseException, secrets: Iterable[str], *, context: str = "") -> Path:
    """Write the traceback of ``error`` (scrubbed) to a new log in :func:`state_dir`; return its path.

    ``context`` says what was going on (e.g. the step shown); it is scrubbed too.
    """
    secrets = list(secrets)
    lines = [
        f"dockwright {__version__} stopped on an unexpected error at {time.strftime('%Y-%m-%d %H:%M:%S %z')}",
        f"python {platform.python_version()} on {platform.platform()}",
    ]
    if context:
        lines.append(context)
    lines += ["", "".join(traceback.format_exception(error)).rstrip()]
    path = stamped("crash", ".log")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # only the user reads it
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(scrub("\n".join(lines), secrets) + "\n")
    return path
