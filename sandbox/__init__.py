"""The sandbox: a practice GitLab on 127.0.0.1 that real clients (python-gitlab, git) talk to over real
HTTP, and that fails the way GitLab fails.

    from dockwright.sandbox import Sandbox, Faults
    with Sandbox(tmp_path, job_seconds=0.2) as sb:
        sb.url, sb.token, sb.project_path, sb.registry_host

State lives in ``data_dir`` (SQLite + bare git repositories). Tokens are stored as digests only: each
start issues a fresh personal access token for ``root`` and prints it; it is never written to disk.
See docs/sandbox.md for what it plays and what it does not.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import re
import shutil
import threading
import time
import urllib.parse
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.demo import (
    DEMO_PROJECT_PATH,
    GROUP_PROJECT_CI,
    check_demo,
    demo_description,
    ensure_demo_repository,
    ensure_group_project_repository,
)
from dockwright.sandbox.faults import FaultInjector, Faults
from dockwright.sandbox.store import Store, new_token, now_iso
from dockwright.wizard.errors import BadInput
from dockwright.wizard.sandbox_link import ask_running_sandbox, default_data_dir

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox.facts_socket import FactsSocket
    from dockwright.sandbox.real_engine import RealBuilds
    from dockwright.sandbox.scheduler import Scheduler
    from dockwright.sandbox.server import SandboxHTTPServer

__all__ = ["ROOT_TOKEN_SCOPES", "Faults", "Sandbox", "default_data_dir"]

ROOT_TOKEN_SCOPES = ("api", "create_runner", "write_repository")
ROOT_AUTHOR = gitrepo.Author("Administrator", "admin@example.com")
REQUEST_LOG_LIMIT = 100_000
LOCK_FILE = "sandbox.lock"
GROUP_PART = re.compile(r"\A[a-zA-Z0-9_][a-zA-Z0-9_.-]*\Z")


def check_loopback(host: str) -> None:
    """Refuse any address that is not on this machine's loopback."""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise BadInput(f"The sandbox only listens on this machine's loopback, not on {host!r}.",
                   "Use --host 127.0.0.1 (the default), localhost or ::1.")


class Sandbox:
    """Start with ``with Sandbox(dir) as sb:`` or ``sb.start()`` / ``sb.stop()``."""

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 faults: Faults | None = None, job_seconds: float = 1.5, reset: bool = False,
                 demo: str | None = None, engine: str = "sim") -> None:
        check_loopback(host)
        self.demo = check_demo(demo) if demo is not None else None  # None: keep the demo project as it is
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.host = host
        self.port = port
        self.job_seconds = job_seconds
        self.reset = reset
        self.faults = FaultInjector(faults or Faults())
        self.request_log: list[tuple[str, str, int, int]] = []
        self.internal_errors: list[str] = []
        self.token = ""
        self.project_path = DEMO_PROJECT_PATH
        self.url = ""
        self.registry_host = ""
        # "sim" (the default of this Python API: tests stay simulated unless they ask), "auto", "docker",
        # "podman" or "buildah": see sandbox/real_engine.py. ``engine`` says what runs once started.
        self.engine_choice = engine
        self.engine = "sim"
        self.engine_note = ""
        self.real: RealBuilds | None = None
        self._registration_tokens: dict[int, str] = {}
        self._log_lock = threading.Lock()
        self._server: SandboxHTTPServer | None = None
        self._lock_handle: IO[str] | None = None
        self._facts: FactsSocket | None = None  # the socket that tells this user's other dockwright processes url and token
        self._thread: threading.Thread | None = None
        self.store: Store | None = None
        self.scheduler: Scheduler | None = None

    # -- life cycle ---------------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> Sandbox:
        from dockwright.sandbox.scheduler import Scheduler
        from dockwright.sandbox.server import SandboxHTTPServer

        if not self.data_dir.exists():
            self.data_dir.mkdir(parents=True, mode=0o700)
        self._take_lock()
        try:
            self._start_locked(Scheduler, SandboxHTTPServer)
        except BaseException:
            self.stop()  # whatever was started is stopped, and the data directory unlocked
            raise
        return self

    def _start_locked(self, Scheduler, SandboxHTTPServer) -> None:  # noqa: N803 - the classes, imported lazily
        if self.reset:
            self._remove_state()
        self.store = Store(self.data_dir / "sandbox.sqlite3")
        candidates = [self.port]
        if self.port == 0:  # come back on the same URL (git remotes, config.toml) when that port is free
            previous = urllib.parse.urlsplit(self.store.get_meta("url", "") or "").port
            candidates = [previous, 0] if previous else [0]
        for attempt, port in enumerate(candidates, start=1):
            try:
                server = SandboxHTTPServer((self.host, port), self)
                break
            except OSError as exc:
                if attempt == len(candidates):
                    raise BadInput(f"The sandbox cannot listen on {self.host}:{port}: {exc.strerror}.",
                                   "Choose another --port, or 0 for any free one.") from exc
        self._server = server
        bound_host, bound_port = server.server_address[:2]
        shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
        self.port = bound_port
        self.url = f"http://{shown_host}:{bound_port}"
        self.registry_host = f"{shown_host}:{bound_port}"
        self._start_engine()
        self.store.set_meta("url", self.url)
        root = self.store.ensure_user("root", "Administrator", ROOT_AUTHOR.email)
        self.token, _ = self.store.create_token(root["id"], "dockwright sandbox", ROOT_TOKEN_SCOPES,
                                                description="Issued when the sandbox started")
        project = self.store.ensure_project(DEMO_PROJECT_PATH, "app", demo_description(self.demo or "python"),
                                            root["id"])
        if self.demo is not None:
            self._start_demo_over(project)
        ensure_demo_repository(self.repo_path(project), project["default_branch"], ROOT_AUTHOR, self.demo)
        self.scheduler = Scheduler(self)
        self.scheduler.start()
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="sandbox-http", daemon=True)
        self._thread.start()
        from dockwright.sandbox.facts_socket import FactsSocket

        self._facts = FactsSocket(self.data_dir, self.url, self.token, self.project_path).start()

    def _start_demo_over(self, project: dict[str, Any]) -> None:
        """``--demo STACK``: the project's description names the stack, and the practice clone of the old demo
        goes (``dockwright --sandbox`` clones the new one); the repository itself starts over in
        :func:`ensure_demo_repository`."""
        assert self.store is not None and self.demo is not None
        self.store.update("projects", project["id"], {"description": demo_description(self.demo)})
        from dockwright.sandbox.practice import practice_path

        clone = practice_path(self)
        if clone.is_dir():
            shutil.rmtree(clone)

    def _start_engine(self) -> None:
        """Real builds and a real registry when ``engine`` asks for them and this machine has them."""
        from dockwright.sandbox.real_engine import choose

        self.real, self.engine_note = choose(self.engine_choice, self.data_dir / "registry")
        if self.real is not None:
            self.engine = self.real.engine.name
            self.registry_host = self.real.host  # what jobs see as CI_REGISTRY

    def _take_lock(self) -> None:
        """One sandbox per data directory: two would play the same jobs twice."""
        import fcntl  # POSIX only: imported here so that the package itself imports everywhere

        handle = open(self.data_dir / LOCK_FILE, "a+")  # noqa: SIM115 - held open while the sandbox runs: the flock lives as long as it
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            running = ask_running_sandbox(self.data_dir)
            where = f" at {running.url}" if running else ""
            raise BadInput(f"Another sandbox is already running{where} with the state in {self.data_dir}.",
                           "Use that one: `dockwright sandbox --show` prints its URL and token, and `dockwright "
                           "watch --sandbox` follows its pipelines by itself; or stop it, or give --data-dir "
                           "another folder.") from None
        self._lock_handle = handle

    def _release_lock(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()  # closing releases the flock
            self._lock_handle = None

    def _remove_state(self) -> None:
        """``--reset``: delete only what the sandbox itself wrote; refuse a folder that holds anything else."""
        own = {"sandbox.sqlite3", "sandbox.sqlite3-wal", "sandbox.sqlite3-shm", "repositories", "run", "uploads",
               "artifacts", "registry"}
        foreign = sorted(p.name for p in self.data_dir.iterdir() if p.name not in own and p.name != LOCK_FILE)
        if foreign:
            raise BadInput(f"{self.data_dir} holds files the sandbox did not write ({', '.join(foreign[:3])}), so "
                           "--reset will not delete it.", "Give --data-dir a folder of its own.")
        for name in own:
            path = self.data_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def stop(self) -> None:
        if self._facts is not None:
            self._facts.stop()
            self._facts = None
        if self.scheduler is not None:
            self.scheduler.stop()
        if self._server is not None:
            if self._thread is not None:  # shutdown() waits for serve_forever, so only once it runs
                self._server.shutdown()
            self._server.server_close()
            self._server.close_open_connections()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.scheduler = None
        if self.real is not None:
            self.real.stop()
            self.real = None
        if self.store is not None:
            self.store.close()
            self.store = None
        self._release_lock()

    # -- the Python API tests and the wizard use ------------------------------------------------------
    def create_token(self, scopes: Iterable[str] = ("read_api",), expired: bool = False, revoked: bool = False,
                     user: str = "root") -> str:
        """A new personal access token; ``expired`` makes one whose expiry date has passed."""
        assert self.store is not None, "start the sandbox first"
        row = self.store.ensure_user(user, user.replace("_", " ").title(), f"{user}@example.com")
        expires_at = None
        if expired:
            expires_at = (_dt.datetime.now(_dt.UTC) - _dt.timedelta(days=1)).strftime("%Y-%m-%d")
        token, _ = self.store.create_token(row["id"], f"token for {user}", scopes, expires_at=expires_at,
                                           revoked=revoked)
        return token

    def set_faults(self, faults: Faults) -> None:
        self.faults.set(faults)

    def set_instance_runners(self, project_path: str, enabled: bool) -> None:
        project = self._project(project_path)
        assert self.store is not None, "start the sandbox first"
        self.store.update("projects", project["id"], {"shared_runners_enabled": int(enabled)})
        if self.scheduler is not None:
            self.scheduler.wake()

    def set_container_registry(self, project_path: str, level: str) -> None:
        """Play a project whose container registry is ``enabled``, ``private`` or ``disabled`` (Settings >
        General > Visibility); when disabled, jobs get no CI_REGISTRY* variables, as on GitLab."""
        project = self._project(project_path)
        assert self.store is not None, "start the sandbox first"
        self.store.update("projects", project["id"], {"container_registry_access_level": level})

    def set_registration_tokens_enabled(self, enabled: bool) -> None:
        assert self.store is not None, "start the sandbox first"
        self.store.set_meta("registration_tokens_enabled", "1" if enabled else "0")

    def registration_tokens_enabled(self) -> bool:
        assert self.store is not None, "start the sandbox first"
        return self.store.get_meta("registration_tokens_enabled", "0") == "1"

    def register_runners_from_config(self, path: str | os.PathLike[str], *, host_has_docker: bool = False) -> list[int]:
        """Read a gitlab-runner config.toml; runners whose url is this sandbox and whose token matches go
        online, with the file's executor, privileged and volumes. Returns their ids. ``host_has_docker``
        says whether a shell executor's machine has Docker installed (the file cannot say)."""
        from dockwright.sandbox.api_runners import register_from_config

        ids = register_from_config(self, Path(path), host_has_docker=host_has_docker)
        if self.scheduler is not None:
            self.scheduler.wake()
        return ids

    def register_runner_from_helm_values(self, path: str | os.PathLike[str], *, token: str) -> list[int]:
        """What `helm install gitlab-runner -f values.yaml` starts: the runner of ``runners.config`` goes
        online with its executor and settings; ``token`` is the one the chart reads from ``runners.secret``."""
        from dockwright.sandbox.api_runners import register_from_helm_values

        assert self.store is not None, "start the sandbox first"
        ids = register_from_helm_values(self.store, self.url, Path(path).read_text(encoding="utf-8"), token)
        if self.scheduler is not None:
            self.scheduler.wake()
        return ids

    def run_pipeline(self, project_path: str, ref: str, *, source: str = "web", user: str = "root") -> int:
        """Start a pipeline for the head of ``ref`` as GitLab does for sources the sandbox has no API for:
        ``schedule`` (a pipeline schedule), ``web`` (Run pipeline in the UI), ``trigger`` (a trigger token).
        Returns its id; raises ``PipelineRefused`` when GitLab would create none."""
        from dockwright.sandbox.api_pipelines import PIPELINE_SOURCES

        if source not in PIPELINE_SOURCES:
            raise ValueError(f"GitLab has no pipeline source {source!r}.")
        project = self._project(project_path)
        assert self.store is not None and self.scheduler is not None, "start the sandbox first"
        repo_path = self.repo_path(project)
        sha = gitrepo.resolve(repo_path, ref)
        if sha is None:
            raise BadInput(f"The sandbox's {project_path} has no ref {ref!r}.", "Push the branch first.")
        row = self.store.ensure_user(user, user.replace("_", " ").title(), f"{user}@example.com")
        is_tag = gitrepo.resolve(repo_path, f"refs/heads/{ref}") is None
        return self.scheduler.create_pipeline(project, ref, sha, source=source, before_sha=gitrepo.ZERO_SHA,
                                              user_id=row["id"], is_tag=is_tag)

    def create_group_projects(self, group: str, count: int, *, ci: str | None = GROUP_PROJECT_CI,
                              pipelines: bool = True) -> list[str]:
        """``count`` projects ``<group>/app-01``... in the group ``group`` (a path; ``a/b`` makes a subgroup),
        each with the demo app and ``ci`` as .gitlab-ci.yml; with ``pipelines`` each first commit starts a
        push pipeline, as a push would. Projects already there are kept as they are. Returns their paths."""
        assert self.store is not None, "start the sandbox first"
        if not 1 <= count <= 500:
            raise BadInput(f"A practice group holds 1 to 500 projects, not {count}.", "Give a smaller number.")
        parts = group.strip("/").split("/")
        if not group.strip("/") or any(not GROUP_PART.match(p) for p in parts):
            raise BadInput(f"{group!r} is not a group path GitLab accepts.",
                           "Use letters, digits, '_', '-' and '.', with '/' between a group and its subgroups.")
        root = self.store.ensure_user("root", "Administrator", ROOT_AUTHOR.email)
        if parts[0] in {row["username"] for row in self.store.all("SELECT username FROM users")}:
            raise BadInput(f"{parts[0]!r} is a user's namespace, not a group.", "Choose another group name.")
        paths = []
        for number in range(1, count + 1):
            path = f"{'/'.join(parts)}/app-{number:02d}"
            project = self.store.ensure_project(path, f"app-{number:02d}", f"Practice project {number} of {group}",
                                                root["id"])
            sha = ensure_group_project_repository(self.repo_path(project), project["default_branch"], ROOT_AUTHOR, ci)
            if sha is not None and pipelines:
                self.on_push(project, [(f"refs/heads/{project['default_branch']}", gitrepo.ZERO_SHA, sha)],
                             user_id=root["id"])
            paths.append(path)
        return paths

    # -- helpers for the HTTP side -----------------------------------------------------------------------
    def _project(self, project_path: str) -> dict[str, Any]:
        assert self.store is not None, "start the sandbox first"
        project = self.store.project(project_path)
        if project is None:
            raise BadInput(f"The sandbox has no project {project_path!r}.", f"Use {DEMO_PROJECT_PATH!r}.")
        return project

    def repo_path(self, project: dict[str, Any]) -> Path:
        return self.data_dir / "repositories" / f"{project['path_with_namespace']}.git"

    def registration_token(self, project_id: int) -> str:
        """The project's legacy runner registration token (kept in memory only, new each start)."""
        if project_id not in self._registration_tokens:
            self._registration_tokens[project_id] = new_token("GR1348941")
        return self._registration_tokens[project_id]

    def project_for_registration_token(self, token: str) -> int | None:
        for project_id, value in self._registration_tokens.items():
            if value == token:
                return project_id
        return None

    def job_token_as_pat(self, secret: str) -> dict[str, Any] | None:
        """A running job's CI_JOB_TOKEN used as a git or registry password."""
        if self.scheduler is None:
            return None
        job = self.scheduler.job_for_token(secret)
        if job is None:
            return None
        return {"id": 0, "user_id": job["user_id"], "scopes": ["read_repository"], "revoked": 0, "expires_at": None}

    def on_push(self, project: dict[str, Any], moved: list[tuple[str, str, str]], *, user_id: int) -> None:
        """Refs moved by a push: (ref, before, after). Creates pipelines where .gitlab-ci.yml is present."""
        assert self.store is not None, "start the sandbox first"
        self.store.update("projects", project["id"], {"last_activity_at": now_iso()})
        if self.scheduler is not None:
            for ref, before, after in moved:
                self.scheduler.on_ref_moved(project, ref, before, after, user_id=user_id)

    def record(self, method: str, path: str, status: int, size: int) -> None:
        with self._log_lock:
            self.request_log.append((method, path, status, size))
            if len(self.request_log) > REQUEST_LOG_LIMIT:  # a long foreground run keeps the recent half
                del self.request_log[: REQUEST_LOG_LIMIT // 2]

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:
        """Poll ``predicate()`` until true or ``timeout`` seconds pass (for tests and the CLI)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return bool(predicate())
