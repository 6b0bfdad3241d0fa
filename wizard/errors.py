"""Every failure dockwright knows, as a sentence a newcomer can act on.

Each error carries what went wrong (``sentence``), what to do next (``next_step``) and the
process exit code the command-line tools use. Services raise these; the UI and the CLI only
show them. ``docs/errors.md`` documents the table.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing for --help
if TYPE_CHECKING:
    from pathlib import Path

# Exit codes shared by `generate`, `apply`, `watch` and `--plain`.
EXIT_OK = 0
EXIT_FAILED = 1  # the pipeline failed or was canceled
EXIT_BAD_INPUT = 2
EXIT_REFUSED_OVERWRITE = 3
EXIT_GITLAB_REFUSED = 4  # auth, scope, role
EXIT_NETWORK = 5
# another apply holds the lock of this repository or runner config.toml (wizard/apply_lock.py); nothing was
# changed, re-run when it is done. 75 is EX_TEMPFAIL of BSD's sysexits.h, "try again later".
EXIT_BUSY = 75
# dockwright itself failed (a bug): the wizard saved the answers and wrote a traceback log (wizard/crash.py).
# 70 is EX_SOFTWARE of BSD's sysexits.h, "internal software error".
EXIT_INTERNAL = 70


class DockwrightError(Exception):
    """Base of every error dockwright shows to a person."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, sentence: str, next_step: str = "") -> None:
        # secret_text's patterns are compiled when an error is made, not for --help
        from dockwright.wizard.secret_text import scrub

        sentence, next_step = scrub(sentence), scrub(next_step)  # a token never reaches a message
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
    path: Path | None = None  # the refused file, when known


class GitLabRefused(DockwrightError):
    """GitLab said no: authentication, scope, role, validation, a disabled feature."""

    exit_code = EXIT_GITLAB_REFUSED


class NetworkError(DockwrightError):
    """GitLab could not be reached or kept failing: connection, TLS, DNS, 5xx after retries."""

    exit_code = EXIT_NETWORK


class PipelineFailed(DockwrightError):
    """The pipeline ended failed or canceled, or the expected image tags are missing."""

    exit_code = EXIT_FAILED


# --------------------------------------------------------------------------------------------
# The one error table: every failure talking to GitLab, as a sentence and a next step.
# ``docs/errors.md`` shows the same table; tests/unit/test_errors.py keeps them in step.
# Placeholders: {url} {project} {scope} {role} {action} {detail} {retry_after}
# --------------------------------------------------------------------------------------------

class ErrorEntry:  # neither a dataclass (~20 ms) nor a NamedTuple (typing): `dockwright --help` imports this
    __slots__ = ("cls", "code", "next_step", "sentence", "when")

    def __init__(self, code: str, cls: type[DockwrightError], sentence: str, next_step: str, when: str) -> None:
        self.code, self.cls, self.sentence, self.next_step = code, cls, sentence, next_step
        self.when = when  # what GitLab or the network did, for docs/errors.md


ERROR_TABLE: dict[str, ErrorEntry] = {e.code: e for e in (
    ErrorEntry(
        "token_invalid", GitLabRefused,
        "GitLab at {url} did not accept the token (401 Unauthorized): it is unknown or mistyped.",
        "Create a personal access token with the `api` scope (User settings > Access tokens) and pass it "
        "with --token-env NAME or GITLAB_TOKEN.",
        "401 {\"message\":\"401 Unauthorized\"}"),
    ErrorEntry(
        "token_expired", GitLabRefused,
        "The token for {url} has expired (401 invalid_token).",
        "Create a new personal access token with the `api` scope (User settings > Access tokens) and use it instead.",
        "401 invalid_token, \"Token is expired\""),
    ErrorEntry(
        "token_revoked", GitLabRefused,
        "The token for {url} was revoked (401 invalid_token).",
        "Create a new personal access token with the `api` scope (User settings > Access tokens) and use it instead.",
        "401 invalid_token, \"Token was revoked\""),
    ErrorEntry(
        "scope_missing", GitLabRefused,
        "The token lacks the `{scope}` scope needed to {action} (403 insufficient_scope).",
        "Create a token that has the `{scope}` scope (User settings > Access tokens); scopes of an existing "
        "token cannot be changed.",
        "403 {\"error\":\"insufficient_scope\",\"scope\":...}"),
    ErrorEntry(
        "role_too_low", GitLabRefused,
        "Your role in {project} is too low to {action} (403 Forbidden); it needs at least {role}.",
        "Ask a project Owner or Maintainer to give you the {role} role (Project > Manage > Members).",
        "403 {\"message\":\"403 Forbidden\"}"),
    ErrorEntry(
        "project_not_found", GitLabRefused,
        "GitLab at {url} has no project {project} that this token can see (404).",
        "Check gitlab.project in the answers file (the path after the host, e.g. group/app) and that your "
        "account is a member of it.",
        "404 {\"message\":\"404 Project Not Found\"}"),
    ErrorEntry(
        "not_found", GitLabRefused,
        "GitLab could not find what dockwright asked for while trying to {action} (404: {detail}).",
        "Check that it still exists in {project}; it may have been deleted meanwhile.",
        "404 for anything but the project"),
    ErrorEntry(
        "variable_rules", BadInput,
        "GitLab refused the CI/CD variable while trying to {action} (400: {detail}).",
        "Masked values need 8 or more characters and no spaces; keys use letters, digits and _ only. "
        "Fix the value or the answers file and re-run.",
        "400 {\"message\":{\"value\":[\"is invalid\"]}} and other validation errors"),
    ErrorEntry(
        "hidden_visibility", GitLabRefused,
        "The variable {detail} is masked and hidden in GitLab, and its visibility cannot be changed.",
        "Delete it in Settings > CI/CD > Variables and re-run apply to create it as the answers file says.",
        "400 {\"message\":{\"base\":[\"The visibility setting cannot be changed...\"]}}"),
    ErrorEntry(
        "scope_ambiguous", GitLabRefused,
        "The variable {detail} exists in several environment scopes, so GitLab needs to be told which (409).",
        "Set environment_scope for it in the answers file (e.g. \"*\" or production) and re-run.",
        "409 \"There are multiple variables with provided parameters\""),
    ErrorEntry(
        "registration_disabled", GitLabRefused,
        "GitLab at {url} refused the runner registration token (410 Gone): registration tokens are disabled "
        "by default since GitLab 17.0 and will be removed in 20.0.",
        "Use the new workflow: set runner.workflow: authentication-token so dockwright creates the runner with "
        "POST /user/runners (token scope `create_runner`).",
        "410 on POST /runners"),
    ErrorEntry(
        "bad_request", BadInput,
        "GitLab refused the request to {action} (400: {detail}).",
        "Fix the value named in the message (often in the answers file) and re-run.",
        "any other 400"),
    ErrorEntry(
        "conflict", GitLabRefused,
        "GitLab reported a conflict while trying to {action} (409: {detail}).",
        "Wait a moment and re-run; dockwright picks up where it stopped.",
        "any other 409"),
    ErrorEntry(
        "rate_limited", NetworkError,
        "GitLab at {url} kept answering 429 Too Many Requests while trying to {action}, even after waiting "
        "as it asked{retry_after}.",
        "Wait a few minutes and re-run; dockwright picks up where it stopped.",
        "429 after every retry (Retry-After honoured)"),
    ErrorEntry(
        "server_error", NetworkError,
        "GitLab at {url} kept failing with {detail} while trying to {action}, after several retries.",
        "GitLab may be down or upgrading: check its status page and re-run later; nothing done so far is lost.",
        "500/502/503/504 after every retry"),
    ErrorEntry(
        "connection_refused", NetworkError,
        "Nothing is listening at {url}: the connection was refused.",
        "Check the URL (scheme, host and port) and that GitLab is running.",
        "TCP connection refused"),
    ErrorEntry(
        "connection_dropped", NetworkError,
        "The connection to {url} kept dropping while trying to {action}, after several retries.",
        "Check your network or proxy and re-run; dockwright picks up where it stopped.",
        "connection reset or closed mid-answer"),
    ErrorEntry(
        "timeout", NetworkError,
        "GitLab at {url} did not answer in time while trying to {action}, after several retries.",
        "Check the network, or re-run later when GitLab is less busy.",
        "read or connect timeout"),
    ErrorEntry(
        "tls", NetworkError,
        "The TLS certificate of {url} could not be verified ({detail}).",
        "For a private CA pass --ca-file /path/to/ca.pem; only on a test instance use --insecure.",
        "certificate verify failed"),
    ErrorEntry(
        "dns", NetworkError,
        "The host name in {url} could not be resolved (DNS).",
        "Check the spelling of the URL and your DNS or VPN settings.",
        "name or service not known"),
    ErrorEntry(
        "not_gitlab", BadInput,
        "The server at {url} does not answer like GitLab's API while trying to {action} ({detail}): it is not "
        "GitLab, or GitLab is at another address.",
        "Check the URL: it is the address you open GitLab at in a browser, such as https://gitlab.example.com "
        "(with its path if GitLab is served under one).",
        "a web page or other non-JSON answer below 500"),
    ErrorEntry(
        "tls_plain_http", NetworkError,
        "The server at {url} answered in plain HTTP, so the https:// connection could not start.",
        "Use http:// if that server is meant to be reached without TLS (a local sandbox is http://127.0.0.1:PORT), "
        "or the port where GitLab serves HTTPS.",
        "TLS handshake answered by plain HTTP (wrong version number)"),
    ErrorEntry(
        "http_error", GitLabRefused,
        "GitLab answered {detail} while trying to {action}.",
        "Re-run; if it keeps happening, check the GitLab logs or ask its administrator.",
        "any other status"),
)}

_ROLE_FOR = {"maintainer": "Maintainer", "developer": "Developer", "reporter": "Reporter"}


def gitlab_error(code: str, **facts: object) -> DockwrightError:
    """Build the error of the table row ``code`` with the facts that fill its placeholders."""
    entry = ERROR_TABLE[code]
    values: dict[str, object] = {"url": "GitLab", "project": "the project", "scope": "api", "role": "Maintainer",
              "action": "talk to GitLab", "detail": "", "retry_after": ""}
    values.update({k: v for k, v in facts.items() if v is not None})
    err = entry.cls(entry.sentence.format(**values), entry.next_step.format(**values))
    err.code = code  # type: ignore[attr-defined]
    return err


def classify_http(status: int, body: object, *, reason: str = "") -> tuple[str, dict[str, str]]:
    """Name the table row for a GitLab HTTP error. ``body`` is the parsed JSON (or the raw text).

    Pure, so it can be tested without a server; wizard/gitlab.py calls it for every HTTP error.
    """
    facts: dict[str, str] = {}
    if isinstance(body, (str, bytes)) and status < 500 and status != 429 and _looks_like_html(body):
        facts["detail"] = f"{status} with a web page"
        return "not_gitlab", facts
    msg = body.get("message") if isinstance(body, dict) else None
    err = body.get("error") if isinstance(body, dict) else None
    desc = str(body.get("error_description", "")) if isinstance(body, dict) else ""
    detail = _flatten(msg if msg is not None else (err if err is not None else body))
    facts["detail"] = f"{status} {detail}".strip() if status >= 500 or status not in (400, 404, 409) else detail
    if status == 401:
        if "expired" in desc.lower():
            return "token_expired", facts
        if "revoked" in desc.lower():
            return "token_revoked", facts
        return "token_invalid", facts
    if status == 403:
        if err == "insufficient_scope":
            facts["scope"] = str(body.get("scope") or "api") if isinstance(body, dict) else "api"
            return "scope_missing", facts
        return "role_too_low", facts
    if status == 404:
        if "project not found" in detail.lower():
            return "project_not_found", facts
        return "not_found", facts
    if status == 400:
        if "visibility setting cannot be changed" in detail:
            return "hidden_visibility", facts
        if isinstance(msg, dict) and set(msg) & {"key", "value", "masked", "variable_type"}:
            return "variable_rules", facts
        return "bad_request", facts
    if status == 409:
        if "multiple variables" in detail.lower():
            return "scope_ambiguous", facts
        return "conflict", facts
    if status == 410:
        return "registration_disabled", facts
    if status == 429:
        return "rate_limited", facts
    if status >= 500:
        facts["detail"] = f"{status} {reason}".strip()
        return "server_error", facts
    facts["detail"] = f"{status} {detail}".strip()
    return "http_error", facts


def _looks_like_html(body: str | bytes) -> bool:
    text = (body.decode("utf-8", "replace") if isinstance(body, bytes) else body).lstrip()[:512].lower()
    return text.startswith("<") and ("<html" in text or "<!doctype" in text or "<head" in text or "<body" in text)


def _flatten(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k} {_flatten(v)}" if k != "base" else _flatten(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_flatten(v) for v in value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:300]  # one line, whatever the server sent
