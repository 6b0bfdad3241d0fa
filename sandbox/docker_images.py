"""Image references as Docker parses them (with Docker's error wording), the sandbox's stand-in digests,
and the port through which a job's Docker reaches the sandbox's container registry."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Protocol

DOCKER_HUB = "docker.io"


class RegistryPort(Protocol):
    """The sandbox's container registry, as a job's Docker sees it."""

    host: str

    def authenticate(self, user: str, password: str) -> bool: ...

    def push(self, repository: str, tag: str, digest: str) -> None: ...  # repository like "demo/app"

    def has(self, repository: str, tag: str) -> bool: ...



_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"


class InvalidReference(ValueError):
    pass


@dataclass(frozen=True)
class Reference:
    domain: str  # "docker.io" when none was written
    path: str  # "library/python", "demo/app"
    tag: str  # "" when none was written
    digest: str = ""

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """How Docker prints the name: without docker.io/ and library/."""
        if self.domain == DOCKER_HUB:
            return self.path.removeprefix("library/")
        return self.name

    def with_tag(self, default: str = "latest") -> str:
        return f"{self.name}:{self.tag or default}"

    @property
    def familiar(self) -> str:
        return f"{self.familiar_name}:{self.tag or 'latest'}"


def parse_reference(text: str) -> Reference:
    """Docker's reference grammar. Raises ValueError with Docker's wording."""
    rest, digest = text, ""
    if "@" in rest:
        rest, digest = rest.split("@", 1)
        if not re.fullmatch(_DIGEST, digest):
            raise InvalidReference("invalid reference format")
    name, tag = rest, ""
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1:]
        if not re.fullmatch(_TAG, tag):
            raise InvalidReference("invalid reference format")
    if not name:
        raise InvalidReference("invalid reference format")
    parts = name.split("/")
    domain = DOCKER_HUB
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"
                           or parts[0] != parts[0].lower()):
        domain, parts = parts[0], parts[1:]
        if not re.fullmatch(r"[A-Za-z0-9.-]+(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?", domain):
            raise InvalidReference("invalid reference format")
    path = "/".join(parts)
    if any(c.isupper() for c in path):
        raise InvalidReference("invalid reference format: repository name must be lowercase")
    if not all(re.fullmatch(_COMPONENT, p) for p in parts):
        raise InvalidReference("invalid reference format")
    if domain == DOCKER_HUB and len(parts) == 1:
        path = f"library/{path}"
    return Reference(domain, path, tag, digest)


def fake_digest(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()
