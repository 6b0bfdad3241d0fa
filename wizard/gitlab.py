"""Everything dockwright asks GitLab, through python-gitlab: :class:`GitLabClient`. It and its parts,
wizard/gitlab_pipelines.py (pipelines, jobs, lint, registry tags) and wizard/gitlab_runners.py (runners), are the only
modules that import python-gitlab (an import-linter contract in pyproject.toml holds that).

Every method returns plain values (dicts from python-gitlab objects' ``.attributes``, lists,
strings), never python-gitlab objects, and every python-gitlab or requests exception leaves as a
:mod:`dockwright.wizard.errors` error whose sentence says what to do (see ``ERROR_TABLE``).

The token lives only in memory: it is handed to python-gitlab, which sends it as the
``PRIVATE-TOKEN`` header, and is never written, logged or put in a child's argv.

The requests session it hands python-gitlab (fail fast on an unknown host, an untrusted certificate or a
refused connection) and the naming of network failures live in wizard/gitlab_session.py, free of
python-gitlab; PermanentNetworkFailure and PERMANENT_NETWORK_FAILURES are importable from here too.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import gitlab
import gitlab.exceptions
import requests
import urllib3

from dockwright.wizard.credentials import URL_NEXT_STEP, Secret, checked_token, url_problem
from dockwright.wizard.errors import BadInput, DockwrightError, classify_http, gitlab_error
from dockwright.wizard.gitlab_part import MAX_RETRIES, _reveal
from dockwright.wizard.gitlab_pipelines import LintResult, PipelineCalls
from dockwright.wizard.gitlab_runners import RunnerCalls
from dockwright.wizard.gitlab_session import (
    PERMANENT_NETWORK_FAILURES,
    FailFastSession,
    PermanentNetworkFailure,
    network_code,
)
from dockwright.wizard.plan import VariableSpec

T = TypeVar("T")

# A 429's Retry-After is honoured up to this many seconds; beyond it the run stops with the
# rate_limited sentence (re-running later picks up where it stopped).
MAX_RATE_LIMIT_WAIT = 90.0

ACCESS_LEVELS = {0: "No access", 5: "Minimal access", 10: "Guest", 15: "Planner", 20: "Reporter",
                 30: "Developer", 40: "Maintainer", 50: "Owner"}
MAINTAINER = 40


def _registry_level(attrs: dict[str, Any]) -> str | None:
    """``container_registry_access_level`` (GitLab 14.x+), else the older ``container_registry_enabled``."""
    level = attrs.get("container_registry_access_level")
    if isinstance(level, str):
        return level
    enabled = attrs.get("container_registry_enabled")
    return None if enabled is None else ("enabled" if enabled else "disabled")


@dataclass(frozen=True)
class AccessReport:
    """Who the token belongs to and what it may do in the project."""

    url: str
    username: str
    name: str
    scopes: tuple[str, ...]
    token_expires_at: str | None
    version: str
    project_id: int
    project_path: str
    web_url: str
    default_branch: str | None
    access_level: int
    access_level_name: str
    problems: tuple[str, ...] = ()
    # the project's container registry (projects API): enabled, private or disabled; None on a GitLab too old to say
    container_registry_access_level: str | None = None
    # the kind of namespace the project lives in: "group" or "user" (None when GitLab did not say)
    namespace_kind: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class RateLimitState:
    """GitLab's RateLimit-* headers of the newest answer (doc/api/rest/_index.md): requests left in the
    window, the window's limit and when it resets (Unix time)."""

    remaining: int
    limit: int
    reset_at: float

    @property
    def near(self) -> bool:
        """Less than a fifth of the window's requests left."""
        return self.limit > 0 and self.remaining < self.limit / 5


class _Gitlab(gitlab.Gitlab):
    """python-gitlab with bounded retries, and 429 handled here so the wait GitLab asks for is honoured
    but capped: python-gitlab's own default would retry 10 times and sleep as long as told, each time."""

    max_retries = MAX_RETRIES
    max_rate_limit_wait = MAX_RATE_LIMIT_WAIT
    rate_limit_retries = 3
    last_retry_after: float | None = None
    rate_state: RateLimitState | None = None

    def http_request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("max_retries", self.max_retries)
        kwargs["obey_rate_limit"] = False
        attempt = 0
        while True:
            self.last_retry_after = None
            try:
                return super().http_request(*args, **kwargs)
            except gitlab.exceptions.GitlabHttpError as exc:
                if exc.response_code != 429 or attempt >= self.rate_limit_retries:
                    raise
                wait = self.last_retry_after if self.last_retry_after is not None else 2.0 ** attempt
                if wait > self.max_rate_limit_wait:
                    raise
                attempt += 1
                time.sleep(wait)

    def _remember_retry_after(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        headers = response.headers
        try:
            if "RateLimit-Remaining" in headers and "RateLimit-Limit" in headers:
                self.rate_state = RateLimitState(int(headers["RateLimit-Remaining"]), int(headers["RateLimit-Limit"]),
                                                 float(headers.get("RateLimit-Reset") or 0))
        except ValueError:
            pass  # a proxy's odd header: no rate-limit facts
        if response.status_code >= 500:
            # GitLab sends RateLimit-Reset on every answer; python-gitlab would sleep until that reset
            # (up to a minute) before retrying a 5xx. A 5xx is not a rate limit: use the normal backoff.
            response.headers.pop("RateLimit-Reset", None)
        if response.status_code == 429:
            try:
                self.last_retry_after = float(response.headers.get("Retry-After", ""))
            except ValueError:
                reset = response.headers.get("RateLimit-Reset")
                self.last_retry_after = max(0.0, float(reset) - time.time()) if reset and reset.isdigit() else None


def _body(exc: gitlab.exceptions.GitlabError) -> Any:
    raw = exc.response_body
    if raw is None:
        return exc.error_message
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


class GitLabClient(PipelineCalls, RunnerCalls):
    """A connection to one GitLab instance. Create it with :meth:`connect`."""

    def __init__(self, gl: _Gitlab, url: str) -> None:
        self._gl = gl
        self.url = url
        self._projects: dict[str, Any] = {}

    # ----------------------------------------------------------------------------------------
    # connection
    # ----------------------------------------------------------------------------------------

    @classmethod
    def connect(cls, url: str, token: Secret | str, *, ca_file: str | None = None, insecure: bool = False,
                timeout: float = 20.0, warn: Callable[[str], None] | None = None,
                max_rate_limit_wait: float | None = None, per_page: int = 100) -> GitLabClient:
        """Prepare a client. No request is made yet; :meth:`check_access` is the first one."""
        url = url.strip().rstrip("/")
        problem = url_problem(url) or (None if url.startswith(("http://", "https://")) else
                                       "does not start with https:// (or http:// for a local GitLab)")
        if problem:
            raise BadInput(f"The GitLab URL {problem}.", URL_NEXT_STEP)
        token = checked_token(_reveal(token), "given for this connection")  # before it can reach a header
        verify: bool | str = True
        if ca_file:
            verify = str(ca_file)
        if insecure:
            verify = False
            message = (f"WARNING: --insecure: the TLS certificate of {url} is NOT checked; anyone between you "
                       "and GitLab can read your token. Use --ca-file for a private CA instead.")
            (warn or (lambda m: print(m, file=sys.stderr)))(message)
            warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        gl = _Gitlab(url, private_token=_reveal(token), retry_transient_errors=True, timeout=timeout,
                     ssl_verify=verify, per_page=per_page, session=FailFastSession())
        gl.session.hooks["response"].append(gl._remember_retry_after)
        if max_rate_limit_wait is not None:
            gl.max_rate_limit_wait = max_rate_limit_wait
        return cls(gl, url)

    def _call(self, action: str, fn: Callable[[], T], *, project: str | None = None, role: str = "Developer") -> T:
        """Run one python-gitlab call; turn every failure into a wizard error naming ``action``."""
        try:
            return fn()
        except DockwrightError:
            raise
        except gitlab.exceptions.GitlabParsingError:  # e.g. a web page answered 200 where JSON belongs
            raise gitlab_error("not_gitlab", url=self.url, project=project, action=action,
                               detail="an answer that is not JSON") from None
        except gitlab.exceptions.GitlabError as exc:
            status = exc.response_code or 0
            code, facts = classify_http(status, _body(exc), reason=str(exc.error_message or ""))
            wait = self._gl.last_retry_after if code == "rate_limited" else None
            if wait is not None:
                facts["retry_after"] = f" (it asked for {wait:.0f} s more)"
            err = gitlab_error(code, url=self.url, project=project, action=action, role=role, **facts)
            err.retry_after = wait  # type: ignore[attr-defined]  # wizard/watch.py waits this long
            raise err from None
        except requests.exceptions.RequestException as exc:
            code, detail = network_code(exc.original if isinstance(exc, PermanentNetworkFailure) else exc)
            raise gitlab_error(code, url=self.url, project=project, action=action, detail=detail) from None

    def _project(self, project: str | int) -> Any:
        """A lazy project object (no request): only its id or path is needed to build URLs."""
        key = str(project)
        if key not in self._projects:
            self._projects[key] = self._gl.projects.get(project, lazy=True)
        return self._projects[key]

    def check_access(self, project: str) -> AccessReport:
        """Who am I, which scopes, which GitLab, which project and my role in it; problems as sentences."""
        self._call("check who the token belongs to", self._gl.auth)
        user = self._gl.user
        assert user is not None
        scopes: tuple[str, ...] = ()
        expires: str | None = None
        problems: list[str] = []
        try:
            tok = self._gl.http_get("/personal_access_tokens/self")
            scopes = tuple(tok.get("scopes") or ())  # type: ignore[union-attr]
            expires = tok.get("expires_at")  # type: ignore[union-attr]
        except gitlab.exceptions.GitlabError:
            pass  # older GitLab, or not a personal access token: judged by what the calls below allow
        version = self._call("read the GitLab version", lambda: self._gl.version()[0])
        proj = self._call("open the project", lambda: self._gl.projects.get(project), project=project)
        attrs = proj.attributes
        perms = attrs.get("permissions") or {}
        levels = [(perms.get(k) or {}).get("access_level", 0) for k in ("project_access", "group_access")]
        level = max(levels + [0])
        if scopes and "api" not in scopes:
            problems.append("The token lacks the `api` scope, which dockwright needs to set variables, lint and "
                            "follow pipelines: create a token with `api` (User settings > Access tokens).")
        if scopes and "api" not in scopes and "create_runner" not in scopes:
            problems.append("The token lacks the `create_runner` (or `api`) scope needed to create a runner.")
        if level < MAINTAINER:
            problems.append(
                f"Your role in {attrs.get('path_with_namespace', project)} is {ACCESS_LEVELS.get(level, level)}; "
                "setting CI/CD variables and creating a project runner need Maintainer: ask a project Owner "
                "(Project > Manage > Members).")
        self._projects[str(project)] = proj
        return AccessReport(
            url=self.url, username=user.username, name=getattr(user, "name", user.username), scopes=scopes,
            token_expires_at=expires, version=str(version), project_id=int(attrs["id"]),
            project_path=attrs.get("path_with_namespace", project), web_url=attrs.get("web_url", ""),
            default_branch=attrs.get("default_branch"), access_level=level,
            access_level_name=ACCESS_LEVELS.get(level, str(level)), problems=tuple(problems),
            container_registry_access_level=_registry_level(attrs),
            namespace_kind=(attrs.get("namespace") or {}).get("kind"))

    # ----------------------------------------------------------------------------------------
    # CI/CD variables
    # ----------------------------------------------------------------------------------------

    def find_variable(self, project: str | int, key: str, environment_scope: str = "*") -> dict | None:
        """The variable ``key`` in ``environment_scope``, or None: one ``GET`` with ``filter[environment_scope]``."""
        try:
            return self.get_variable(project, key, environment_scope)
        except DockwrightError as exc:
            if getattr(exc, "code", "") == "not_found":
                return None
            raise

    def list_variables(self, project: str | int) -> list[dict]:
        p = self._project(project)
        return self._call("list the CI/CD variables", lambda: [v.attributes for v in p.variables.list(get_all=True)],
                          project=str(project), role="Maintainer")

    def get_variable(self, project: str | int, key: str, environment_scope: str | None = None) -> dict:
        """``GET /projects/:id/variables/:key``; without ``environment_scope`` GitLab answers 409 when the key
        exists in several scopes."""
        p = self._project(project)
        extra = {"filter": {"environment_scope": environment_scope}} if environment_scope else {}
        return self._call(f"read the variable {key}", lambda: p.variables.get(key, **extra).attributes,
                          project=str(project), role="Maintainer")

    def upsert_variable(self, project: str | int, spec: VariableSpec, value: Secret | str) -> str:
        """Create the variable, or update it when it exists: ``created``, ``updated`` or ``unchanged``.

        A masked-and-hidden variable's value cannot be read back, so an existing one is always updated.
        """
        p = self._project(project)
        secret = _reveal(value)
        scope = spec.environment_scope
        wanted = {"value": secret, "protected": spec.protected, "masked": spec.masked or spec.hidden,
                  "raw": spec.raw, "variable_type": spec.variable_type,
                  "description": spec.description}
        action = f"set the variable {spec.key}"
        existing = self.find_variable(project, spec.key, scope)
        if existing is None:
            data = {"key": spec.key, "environment_scope": scope, **wanted}
            if spec.hidden:
                data.pop("masked")
                data["masked_and_hidden"] = True
            try:
                self._call(action, lambda: p.variables.create(data), project=str(project), role="Maintainer")
                return "created"
            except DockwrightError as exc:
                if "has already been taken" not in str(exc):
                    raise
                # created meanwhile (a re-run racing a crash): fall through and update it
                existing = self.find_variable(project, spec.key, scope) or {}
        if bool(existing.get("hidden")) != spec.hidden:
            raise gitlab_error("hidden_visibility", url=self.url, project=str(project), action=action,
                               detail=spec.key) if existing.get("hidden") else DockwrightError(
                f"The variable {spec.key} exists in GitLab without `hidden`, and GitLab can only make a variable "
                "masked and hidden when it is created.",
                "Delete it in Settings > CI/CD > Variables and re-run apply, or set hidden: false in the answers file.")
        same = all(existing.get(k) == v for k, v in wanted.items() if k != "value") and (
            not spec.hidden and existing.get("value") == secret)
        if same:
            return "unchanged"
        update = dict(wanted)
        if spec.hidden:
            update.pop("masked")
        self._call(action, lambda: p.variables.update(spec.key, update, filter={"environment_scope": scope}),
                   project=str(project), role="Maintainer")
        return "updated"

    # ----------------------------------------------------------------------------------------
    # branches, files and commits through the API (when there is no local clone)
    # ----------------------------------------------------------------------------------------

    def list_branches(self, project: str | int) -> list[dict]:
        p = self._project(project)
        return self._call("list branches", lambda: [b.attributes for b in p.branches.list(get_all=True)],
                          project=str(project), role="Reporter")

    def get_branch(self, project: str | int, name: str) -> dict | None:
        p = self._project(project)
        try:
            return self._call("read the branch", lambda: p.branches.get(name).attributes, project=str(project),
                              role="Reporter")
        except DockwrightError as exc:
            if getattr(exc, "code", "") == "not_found":
                return None
            raise

    def create_branch(self, project: str | int, name: str, ref: str) -> dict:
        p = self._project(project)
        return self._call("create the branch", lambda: p.branches.create({"branch": name, "ref": ref}).attributes,
                          project=str(project), role="Developer")

    def file_content(self, project: str | int, path: str, ref: str) -> bytes | None:
        """A file's bytes on ``ref``, or None when it does not exist."""
        p = self._project(project)
        try:
            return self._call("read a file", lambda: p.files.get(file_path=path, ref=ref).decode(),
                              project=str(project), role="Reporter")
        except DockwrightError as exc:
            if getattr(exc, "code", "") == "not_found":
                return None
            raise

    def create_commit(self, project: str | int, *, branch: str, message: str, files: dict[str, str],
                      start_branch: str | None = None) -> dict | None:
        """Commit ``files`` (path -> text) on ``branch`` through the API; None when every file is already so.

        A missing ``branch`` is first created from ``start_branch`` (``POST repository/branches``).
        """
        if self.get_branch(project, branch) is None:
            if not start_branch:
                raise gitlab_error("bad_request", url=self.url, project=str(project), action="commit through the API",
                                   detail=f"the branch {branch} does not exist")
            self.create_branch(project, branch, start_branch)
        actions = []
        for path, text in files.items():
            current = self.file_content(project, path, branch)
            if current is not None and current.decode("utf-8", "replace") == text:
                continue
            actions.append({"action": "create" if current is None else "update", "file_path": path, "content": text})
        if not actions:
            return None
        data: dict[str, Any] = {"branch": branch, "commit_message": message, "actions": actions}
        p = self._project(project)
        return self._call("commit through the API", lambda: p.commits.create(data).attributes,
                          project=str(project), role="Developer")


def access_level_name(level: int) -> str:
    return ACCESS_LEVELS.get(level, str(level))


__all__ = ["PERMANENT_NETWORK_FAILURES", "AccessReport", "GitLabClient", "LintResult", "PermanentNetworkFailure",
           "access_level_name"]

