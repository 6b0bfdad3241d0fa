"""The user's files, read and written so that nothing is lost, half-written or hung on.

- :func:`read_text_or_none` reads a regular file only (links followed), never blocks on a FIFO or a
  device, reads at most :data:`MAX_BYTES` and turns every problem (a folder, a link loop, a file that
  is not UTF-8 ...) into a sentence;
- :func:`check_target` says, before anything is written, where a write would land and refuses what
  must not be replaced (a device, a folder, a link leaving the project, a folder dockwright may not write);
- :func:`write_atomic` (temp file in the same folder, then rename) writes through a link to the file
  it points at, so the link stays; :func:`prepare_write` is its first half, for all-or-nothing writes;
- :func:`state_dir` is where dockwright keeps its own state.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from dockwright.wizard.errors import BadInput, DockwrightError, RefusedOverwrite


def state_dir() -> Path:
    """dockwright's own state: ``$XDG_STATE_HOME/dockwright`` (``~/.local/state/dockwright``)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "dockwright"


# GitLab refuses a CI configuration over 1 MiB (max_yaml_size_bytes); no file dockwright reads is bigger.
MAX_BYTES = 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _name(path: Path, what: str) -> str:
    return f"{what} {path}" if what else str(path)


_REGULAR_ONLY = "Give the path of a regular file, or move it away, and re-run."


def _stat(path: Path, what: str, error: type[DockwrightError]) -> os.stat_result | None:
    """``os.stat`` (links followed) with every failure as a sentence; None when nothing is there."""
    name = _name(path, what)
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise error(f"{name} is a symbolic link to {os.readlink(path)}, which does not exist.",
                        "Point the link at an existing file, or remove it, and re-run.") from None
        return None
    except NotADirectoryError:
        raise BadInput(f"{name} cannot exist: a part of its folder path is a file, not a folder.",
                       "Check the path and re-run.") from None
    except PermissionError:
        raise BadInput(f"{name} cannot be reached: permission denied on one of its folders.",
                       "Check the folder permissions, or use a path you may read, and re-run.") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise error(f"{name} is a symbolic link that loops back on itself.",
                        "Point the link at a real file, or remove it, and re-run.") from None
        raise BadInput(f"{name} cannot be read ({exc.strerror}).", "Check the path and re-run.") from None


def _decode(data: bytes, name: str, error: type[DockwrightError]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[:2].count(b"\x00") == 1:
        raise error(f"{name} is UTF-16 text; dockwright reads UTF-8.",
                    "Save it as UTF-8 (most editors: 'Save with encoding') and re-run.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}).",
                    "Save it as UTF-8 and re-run.") from None


def read_text_or_none(path: str | os.PathLike[str], *, what: str = "", error: type[DockwrightError] = BadInput,
                      limit: int = MAX_BYTES) -> str | None:
    """The text of the regular file ``path`` (links followed), or None when nothing is there.

    ``what`` names the file in sentences ("The answers file"); problems with the file itself (not a regular
    file, a link loop, too big, not UTF-8) raise ``error``, problems with the path or permissions BadInput.
    A UTF-8 byte-order mark is kept as ``\\ufeff``.
    """
    p = Path(path)
    name = _name(p, what)
    st = _stat(p, what, error)
    if st is None:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{name} is {_kind(st.st_mode)}, not a regular file.", _REGULAR_ONLY)
    too_big = error(f"{name} is larger than {limit // 1024} KiB, more than dockwright reads.",
                    "Give a smaller file (GitLab itself refuses a CI configuration over 1 MiB).")
    if st.st_size > limit:
        raise too_big
    try:  # O_NONBLOCK: a FIFO swapped in after the stat never blocks the open
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except PermissionError:
        raise BadInput(f"{name} cannot be read: permission denied.",
                       "Give yourself read permission (or run as its owner) and re-run.") from None
    except OSError as exc:
        raise BadInput(f"{name} cannot be read ({exc.strerror}).", "Check the path and re-run.") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{name} is {_kind(os.fstat(fd).st_mode)}, not a regular file.", _REGULAR_ONLY)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except IsADirectoryError:
        raise error(f"{name} is a folder, not a regular file.", _REGULAR_ONLY) from None
    finally:
        os.close(fd)
    if size > limit:
        raise too_big
    return _decode(b"".join(chunks), name, error)


def _writable_folder(folder: Path, name: str) -> None:
    """The nearest existing folder of ``folder`` must be a folder dockwright may create files in."""
    existing = folder
    while not os.path.lexists(existing) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise BadInput(f"{name} cannot be written: {existing} is a file, not a folder.",
                       "Give a path inside a folder and re-run.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadInput(f"dockwright may not create files in {existing}, so {name} cannot be written.",
                       "Give yourself write permission on that folder (or use another path) and re-run; "
                       "nothing was written.")


def check_target(path: str | os.PathLike[str], *, inside: str | os.PathLike[str] | None = None,
                 what: str = "") -> Path:
    """The real file a write to ``path`` replaces (a symbolic link is written through), checked before any write.

    Refused (:class:`RefusedOverwrite`): anything there that is not a regular file, a dangling or looping
    link, and with ``inside`` a link that leads out of that folder. :class:`BadInput`: a folder dockwright
    may not write in, or a path under a file.
    """
    p = Path(path)
    name = _name(p, what)
    st = _stat(p, what, RefusedOverwrite)
    real = Path(os.path.realpath(p)) if os.path.islink(p) else p
    if real is not p and inside is not None:
        root = Path(os.path.realpath(inside))
        if root != real and root not in real.parents:
            raise RefusedOverwrite(
                f"{name} is a symbolic link to {real}, outside the project {root}, so dockwright left it alone "
                "and wrote nothing.",
                "Replace the link by a file in the project (or point it inside the project) and re-run.")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise RefusedOverwrite(
            f"{name} is {_kind(st.st_mode)}, not a regular file, so dockwright left it alone and wrote nothing.",
            "dockwright writes only regular files: move it away (or give another path) and re-run.")
    _writable_folder(real.parent, name)
    return real


@dataclass
class PendingWrite:
    """A file written to a temp file next to its target: :meth:`commit` renames it in place, :meth:`discard`
    removes it. Lets a caller prepare every file first and rename them all only when all were prepared."""

    target: Path
    tmp: Path

    def commit(self) -> None:
        try:
            os.replace(self.tmp, self.target)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)


def prepare_write(path: str | os.PathLike[str], text: str, mode: int | None = None) -> PendingWrite:
    """Write ``text`` to a temp file beside ``path``'s real file; see :func:`write_atomic`."""
    target = check_target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode is None and target.exists():
        mode = target.stat().st_mode & 0o7777
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except PermissionError:
        raise BadInput(f"dockwright may not create files in {target.parent}, so {path} cannot be written.",
                       "Give yourself write permission on that folder and re-run.") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return PendingWrite(target, Path(tmp))


def write_atomic(path: str | os.PathLike[str], text: str, mode: int | None = None) -> None:
    """Write ``text`` to ``path`` atomically; ``mode`` (e.g. 0o600) is set before the rename.

    Without ``mode`` an existing file keeps its permissions and a new one gets the umask default. A symbolic
    link is written through (the link stays, the file it points at changes); anything else that is not a
    regular file is refused (see :func:`check_target`).
    """
    prepare_write(path, text, mode).commit()
