"""The running sandbox tells this user's other dockwright processes its url, token and project, on a Unix
socket in a 0700 folder (see dockwright.wizard.sandbox_link for why this is safe and the token never on disk)."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from pathlib import Path

from dockwright.wizard.sandbox_link import facts_answer, private_folder, socket_path


def _peer_is_me(conn: socket.socket) -> bool:
    """Linux: the connecting process runs as this user (SO_PEERCRED). Elsewhere the folder's 0700 decides."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return True
    try:
        _pid, uid, _gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i")))
    except OSError:
        return False
    return uid == os.getuid()


class FactsSocket:
    """Answers every connection with the sandbox's facts, then closes it. ``start()`` / ``stop()``."""

    def __init__(self, data_dir: Path, url: str, token: str, project: str) -> None:
        self.path = socket_path(data_dir)
        self._answer = facts_answer(url, token, project, str(Path(data_dir).resolve()))
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FactsSocket:
        private_folder(self.path.parent)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # left by a sandbox that was killed; the data folder's lock says none runs now
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(os.fspath(self.path))
        self.path.chmod(0o600)  # the 0700 folder already keeps others out; this says it twice
        server.listen(8)
        server.settimeout(0.2)
        self._server = server
        self._thread = threading.Thread(target=self._serve, name="sandbox-facts", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        server = self._server
        while server is not None and server is self._server:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by stop()
            with conn:
                conn.settimeout(2.0)
                if _peer_is_me(conn):
                    with contextlib.suppress(OSError):
                        conn.sendall(self._answer)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
