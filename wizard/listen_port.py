"""The port a start command listens on, kept in step with the Dockerfile's port.

Detection writes the port twice: in ``dockerfile.port`` (EXPOSE, the health of the preflight run) and inside
the command (``gunicorn --bind 0.0.0.0:8000``, ``uvicorn --port 8000``, ``puma --bind tcp://0.0.0.0:9292``).
When the user changes the port, the command must follow, or the image exposes one port and the app listens
on another. Only the spellings dockwright's Dockerfiles use are changed; any other command is left as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# a word that carries the port: 0.0.0.0:8000 (gunicorn --bind), tcp://0.0.0.0:9292 (puma), :8080, --port=8000
_PORT_WORD = re.compile(r"(?P<head>(?:--bind=)?(?:tcp://)?(?:0\.0\.0\.0|\[::\])?:|--port=)(?P<port>\d{1,5})")


def follow_port(command: Sequence[str], port: int | None) -> tuple[str, ...]:
    """``command`` listening on ``port`` instead of the port it names (unchanged when ``port`` is None or the
    command names none in a spelling dockwright writes)."""
    if port is None:
        return tuple(command)
    moved: list[str] = []
    for i, word in enumerate(command):
        match = _PORT_WORD.fullmatch(word)
        if match:
            word = f"{match['head']}{port}"
        elif i and command[i - 1] in ("--port", "-p") and word.isdigit():
            word = str(port)
        moved.append(word)
    return tuple(moved)
