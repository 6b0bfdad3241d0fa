"""The start command's listening port follows the Dockerfile's port (wizard/listen_port.py)."""

from __future__ import annotations

import pytest

from dockwright.wizard.listen_port import follow_port


@pytest.mark.parametrize(("command", "port", "expected"), [
    (("gunicorn", "--bind", "0.0.0.0:8000", "app:app"), 9091, ("gunicorn", "--bind", "0.0.0.0:9091", "app:app")),
    (("bundle", "exec", "puma", "--bind", "tcp://0.0.0.0:9292"), 3000,
     ("bundle", "exec", "puma", "--bind", "tcp://0.0.0.0:3000")),
    (("uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"), 81,
     ("uvicorn", "main:app", "--host", "0.0.0.0", "--port", "81")),
    (("hypercorn", "--bind=0.0.0.0:8000", "app:app"), 80, ("hypercorn", "--bind=0.0.0.0:80", "app:app")),
    (("python", "app.py"), 81, ("python", "app.py")),  # no port in the command: left as typed
    (("gunicorn", "--bind", "0.0.0.0:8000", "app:app"), None, ("gunicorn", "--bind", "0.0.0.0:8000", "app:app")),
])
def test_the_listening_port_moves_with_the_port(command, port, expected):
    assert follow_port(command, port) == expected
