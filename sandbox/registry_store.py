"""The sandbox's container registry as jobs see it: who may log in, which tags were pushed.

Simulated builds: the tags are rows in the store. Real builds (sandbox/real_engine.py): the tags are what the
real registry lists; the rows only remember when each tag was pushed through a job."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from dockwright.sandbox.store import now_iso, parse_iso

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox import Sandbox
    from dockwright.sandbox.store import Store


class SandboxRegistry:
    """The :class:`runner_sim.RegistryPort` over the store: repositories and tags per project."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    @property
    def host(self) -> str:
        return self.sandbox.registry_host

    @property
    def _store(self) -> Store:
        assert self.sandbox.store is not None, "jobs reach the registry only while the sandbox runs"
        return self.sandbox.store

    def authenticate(self, user: str, password: str) -> bool:
        if self.sandbox.scheduler is not None and self.sandbox.scheduler.job_for_token(password) is not None:
            return user == "gitlab-ci-token"
        token = self._store.token_by_secret(password)
        if token is None or token["revoked"]:
            return False
        expires = parse_iso(token["expires_at"])
        if expires is not None and expires.timestamp() <= time.time():
            return False
        return bool({"api", "write_registry", "read_registry"} & set(token["scopes"]))

    def _project_for(self, repository: str) -> dict[str, Any] | None:
        parts = repository.strip("/").split("/")
        for end in range(len(parts), 0, -1):
            project = self._store.project("/".join(parts[:end]))
            if project is not None:
                return project
        return None

    def owns(self, repository: str) -> bool:
        """Whether a project of the sandbox owns ``repository`` (anything else is refused, as GitLab does)."""
        return self._project_for(repository) is not None

    def push(self, repository: str, tag: str, digest: str) -> None:
        project = self._project_for(repository)
        if project is None:
            raise KeyError(repository)
        self._store.execute(
            "INSERT INTO registry_tags (project_id, repository, tag, digest, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(repository, tag) DO UPDATE SET digest = excluded.digest, created_at = excluded.created_at",
            (project["id"], repository.strip("/"), tag, digest, now_iso()))

    def has(self, repository: str, tag: str) -> bool:
        if self.sandbox.real is not None:
            return tag in self.sandbox.real.registry.tags(repository.strip("/"))
        return self._store.one("SELECT id FROM registry_tags WHERE repository = ? AND tag = ?",
                                      (repository.strip("/"), tag)) is not None
