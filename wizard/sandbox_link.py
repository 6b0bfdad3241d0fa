"""How another dockwright process finds the sandbox that is running on this machine, without the token on disk.

A running sandbox (``dockwright sandbox``, or the one ``dockwright --sandbox`` starts inside the wizard)
listens on a Unix socket next to its state, in a folder only its user may enter (0700). Whoever connects
gets one JSON line: url, token, project. The token lives in the sandbox's memory and crosses the kernel, never
a file; the socket is a rendezvous, not storage. Who may ask:

- only this user: the folder is 0700 and the socket 0600 (on Linux the server also checks the peer's uid
  with SO_PEERCRED and answers nothing to anyone else). That is the rule ssh-agent and gpg-agent live by:
  whoever can connect as you could already read your files and your processes' memory.
- a path too long for a socket name (a deep --data-dir) moves to ``$XDG_RUNTIME_DIR`` (or the temp folder),
  in a ``dockwright-<uid>`` folder that must be ours and 0700, under a name derived from the data folder.

``dockwright watch --sandbox`` and ``dockwright sandbox --show`` ask; the sandbox side is
:mod:`dockwright.sandbox.facts_socket`. UI-free, and imports nothing of the sandbox.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import BadInput
from dockwright.wizard.files import state_dir

SOCKET_NAME = "sandbox.sock"
MAX_SOCKET_PATH = 100  # bytes; AF_UNIX allows 108 on Linux, 104 on macOS
MAX_ANSWER = 64 * 1024


def default_data_dir() -> Path:
    """``$XDG_STATE_HOME/dockwright/sandbox`` (``~/.local/state/dockwright/sandbox``): where a sandbox keeps its
    state unless ``--data-dir`` says otherwise."""
    return state_dir() / "sandbox"


def private_folder(path: Path) -> Path:
    """``path``, created 0700 if missing; refused when it is not a folder of this user's that only they may
    enter (a socket in a folder others can enter would answer them too)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise BadInput(f"{path} is not a folder of this user's, so the sandbox will not put its socket there.",
                       "Give the sandbox a --data-dir of your own.")
    if info.st_mode & 0o077:
        path.chmod(0o700)
    return path


def socket_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the sandbox whose state is in ``data_dir`` answers (the same rule on both sides)."""
    folder = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir().resolve()
    path = folder / "run" / SOCKET_NAME
    if len(os.fsencode(path)) <= MAX_SOCKET_PATH:
        return path
    name = f"dockwright-{os.getuid()}/sandbox-{hashlib.sha256(os.fsencode(folder)).hexdigest()[:16]}.sock"
    bases = [Path(os.environ["XDG_RUNTIME_DIR"])] if os.environ.get("XDG_RUNTIME_DIR") else []
    for base in [*bases, Path(tempfile.gettempdir()), Path("/tmp")]:
        if len(os.fsencode(base / name)) <= MAX_SOCKET_PATH:
            return base / name
    raise BadInput(f"No folder short enough for the sandbox's socket was found (a socket's path has at most "
                   f"{MAX_SOCKET_PATH} bytes).", "Set TMPDIR to a short folder such as /tmp.")


@dataclass(frozen=True)
class SandboxFacts:
    url: str
    token: Secret
    project: str
    data_dir: str


def facts_answer(url: str, token: str, project: str, data_dir: str) -> bytes:
    """The one line the sandbox sends."""
    return (json.dumps({"url": url, "token": token, "project": project, "data_dir": data_dir}) + "\n").encode()


def ask_running_sandbox(data_dir: str | os.PathLike[str] | None = None, timeout: float = 3.0) -> SandboxFacts | None:
    """The facts of the sandbox running with its state in ``data_dir`` (default: the default one), or None
    when none runs there (no socket, or nobody listening on it)."""
    path = socket_path(data_dir)
    try:
        if not stat.S_ISSOCK(path.lstat().st_mode) or path.lstat().st_uid != os.getuid():
            return None  # not a sandbox's socket, or someone else's: never send it anything
    except OSError:
        return None
    chunks: list[bytes] = []
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(os.fspath(path))
            while sum(map(len, chunks)) < MAX_ANSWER and (chunk := conn.recv(4096)):
                chunks.append(chunk)
    except OSError:  # a socket left by a sandbox that was killed: nobody listens
        return None
    try:
        data = json.loads(b"".join(chunks).decode("utf-8"))
        return SandboxFacts(str(data["url"]), Secret(str(data["token"])), str(data["project"]),
                            str(data["data_dir"]))
    except (ValueError, KeyError, TypeError):
        return None


def facts_lines(url: str, token: str | Secret, project: str) -> list[str]:
    """How a sandbox's url, token and project are printed (start of `dockwright sandbox`, --show, the wizard)."""
    shown = token.reveal() if isinstance(token, Secret) else token
    return [f"url: {url}", f"token: {shown}", f"project: {project}"]


def sandbox_farewell(url: str, token: str | Secret, project: str) -> str:
    """Printed when `dockwright --sandbox` (wizard or --plain) ends: the sandbox stops with it."""
    return "\n".join(["dockwright: the practice sandbox stopped with the wizard. It was:",
                      *("  " + line for line in facts_lines(url, token, project)),
                      "  `dockwright sandbox` runs it on its own; `dockwright watch --sandbox` then finds it by itself."])
