"""What the parts of :class:`~dockwright.wizard.gitlab.GitLabClient` use of it (wizard/gitlab_pipelines.py,
wizard/gitlab_runners.py): its python-gitlab connection, its URL, and its two helpers, defined in wizard/gitlab.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# Transient failures (5xx, dropped connections, timeouts) are retried this many times with
# python-gitlab's backoff (0.1 s, 0.2 s, 0.4 s, ...); 429 waits as long as Retry-After says.
# Failures no retry can mend (see PERMANENT_NETWORK_FAILURES) are reported at once.
MAX_RETRIES = 5


def _reveal(token: Any) -> str:
    """A Secret's value (or a plain string's), at the one place it leaves: a header or a form field."""
    return token.reveal() if hasattr(token, "reveal") else str(token)


class ClientPart:
    _gl: Any
    _projects: dict[str, Any]
    url: str

    def _call(self, action: str, fn: Callable[[], T], *, project: str | None = None, role: str = "Developer") -> T:
        raise NotImplementedError  # GitLabClient._call

    def _project(self, project: str | int) -> Any:
        raise NotImplementedError  # GitLabClient._project
