"""Every failure dockwright knows, as a sentence a newcomer can act on.

Each error carries what went wrong (``sentence``), what to do next (``next_step``) and the
process exit code the command-line tools use. Services raise these; the UI and the CLI only
show them. ``docs/errors.md`` documents the table.
"""

from __future__ import annotations

# Exit codes shared by `generate`, `apply`, `watch` and `--plain`.
EXIT_OK = 0
EXIT_FAILED = 1  # the pipeline failed or was canceled
EXIT_BAD_INPUT = 2
EXIT_REFUSED_OVERWRITE = 3
EXIT_GITLAB_REFUSED = 4  # auth, scope, role
EXIT_NETWORK = 5


class DockwrightError(Exception):
    """Base of every error dockwright shows to a person."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, sentence: str, next_step: str = "") -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.next_step = next_step

    def __str__(self) -> str:
        if self.next_step:
            return f"{self.sentence} {self.next_step}"
        return self.sentence


class BadInput(DockwrightError):
    """The user's input (answers file, flag, field) cannot be used as it is."""

    exit_code = EXIT_BAD_INPUT


class AnswersError(BadInput):
    """An answers file (``dockwright.yml``) with an unknown key, a wrong type or a bad value."""

    def __init__(self, key: str, problem: str, allowed: str, line: int | None = None, path: str = "") -> None:
        where = f"{path}:{line}" if path and line else (f"line {line}" if line else path or "answers")
        super().__init__(f"{where}: `{key}` {problem}.", f"Allowed: {allowed}.")
        self.key = key
        self.line = line
        self.allowed = allowed


class RefusedOverwrite(DockwrightError):
    """An existing file dockwright cannot merge, and ``--overwrite`` was not given."""

    exit_code = EXIT_REFUSED_OVERWRITE


class GitLabRefused(DockwrightError):
    """GitLab said no: authentication, scope, role, validation, a disabled feature."""

    exit_code = EXIT_GITLAB_REFUSED


class NetworkError(DockwrightError):
    """GitLab could not be reached or kept failing: connection, TLS, DNS, 5xx after retries."""

    exit_code = EXIT_NETWORK
