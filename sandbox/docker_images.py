"""The sandbox's stand-in digests and the port through which a job's Docker reaches the sandbox's container
registry. Image references are parsed by the core's one grammar (dockwright.wizard.names), re-exported here."""

from __future__ import annotations

import hashlib
from typing import Protocol

from dockwright.wizard.names import DOCKER_HUB, InvalidReference, Reference, parse_reference  # noqa: F401 - one grammar


class RegistryPort(Protocol):
    """The sandbox's container registry, as a job's Docker sees it."""

    @property
    def host(self) -> str: ...

    def authenticate(self, user: str, password: str) -> bool: ...

    def push(self, repository: str, tag: str, digest: str) -> None: ...  # repository like "demo/app"

    def has(self, repository: str, tag: str) -> bool: ...


def fake_digest(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()
