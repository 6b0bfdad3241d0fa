"""Names GitLab and Docker refuse, checked before anything is written or sent: one rule each.

- :func:`predefined_variable_problem`: ``CI_*`` and ``GITLAB_*`` are the names GitLab predefines in every
  job; a project variable with such a name shadows the real one, whatever the registry.
- :func:`parse_reference` / :func:`image_name_problem`: Docker's image reference grammar
  (distribution/reference), with Docker's own wording. The answers file (``check_plan``), the wizard's
  fields, ``--plain`` and the sandbox's simulated ``docker`` all use these, so a name the wizard accepts
  is one ``docker build -t`` accepts.
- :func:`registry_image_problems`: what each registry kind adds (Docker Hub's namespace, ECR's names,
  another registry's host), so a name the wizard accepts is one the registry takes a push to.

UI-free; imports nothing of dockwright's (plan.py imports this module).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# -------------------------------------------------------------------------------- CI/CD variable names

PREDEFINED_PREFIXES = ("CI_", "GITLAB_")


def predefined_variable_problem(key: str) -> tuple[str, str] | None:
    """``(problem, allowed)`` when ``key`` is one of GitLab's predefined names, else None."""
    if not key.startswith(PREDEFINED_PREFIXES):
        return None
    return (f"is {key}, a name GitLab predefines in every job (all CI_* and GITLAB_* names are GitLab's); "
            "a project variable of that name would shadow the real one",
            "a name of your own, without the CI_ or GITLAB_ prefix")


# -------------------------------------------------------------------------------- image references

DOCKER_HUB = "docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_DOMAIN = r"[A-Za-z0-9.-]+(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?"


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
    """Docker's reference grammar. Raises :class:`InvalidReference` with Docker's wording."""
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
        if not re.fullmatch(_DOMAIN, domain):
            raise InvalidReference("invalid reference format")
    path = "/".join(parts)
    if any(c.isupper() for c in path):
        raise InvalidReference("invalid reference format: repository name must be lowercase")
    if not all(re.fullmatch(_COMPONENT, p) for p in parts):
        raise InvalidReference("invalid reference format")
    if domain == DOCKER_HUB and len(parts) == 1:
        path = f"library/{path}"
    return Reference(domain, path, tag, digest)


def image_name_problem(text: str, *, tag_allowed: bool) -> tuple[str, str] | None:
    """``(problem, allowed)`` when Docker would refuse ``text`` as an image name, else None (also for "").

    ``tag_allowed=False`` is for a repository path the pipeline puts after the registry's host and adds its
    own tags to (``user/app``: every part is a path part, so ``Alice/app`` is refused, not read as a host);
    ``True`` for an image to run or build from (``python:3.13-slim``, a ``@sha256:`` digest).
    """
    if not text:
        return None
    allowed = ("a name such as python:3.13-slim (lowercase name, optional :tag)" if tag_allowed else
               "a repository name such as user/app: lowercase letters, digits and . _ - between them, "
               "parts separated by /, no tag (the pipeline adds the tags)")
    shown = repr(text)
    if " " in text:
        return f"is {shown}, which has a space; Docker refuses spaces in an image name", allowed
    if any(c.isspace() or not c.isprintable() for c in text):
        return f"is {shown}, which has an invisible character (a tab or line break) that Docker refuses", allowed
    try:
        ref = parse_reference(text if tag_allowed else f"registry.invalid/{text}")
    except InvalidReference as exc:
        name = re.split(r"[:@]", text.rsplit("/", 1)[-1], maxsplit=1)[0]
        bad = sorted({c for c in text if not (c.isascii() and (c.isalnum() or c in "._-/:@[]"))})
        if bad:
            why = "the character" + ("s " if len(bad) > 1 else " ") + " ".join(repr(c) for c in bad[:5])
        elif "lowercase" in str(exc) or (text != text.lower() and not tag_allowed):
            why = "capital letters in the repository name"
        elif not name:
            why = "no repository name"
        else:
            why = "a part Docker cannot read"
        return f"is {shown}, which has {why} (Docker: {exc})", allowed
    if not tag_allowed and (ref.tag or ref.digest):
        return f"is {shown}, which has a tag; the pipeline adds the tags itself", allowed
    return None


_HUB_PREFIXES = ("docker.io/", "index.docker.io/", "registry-1.docker.io/")
_HUB_ALLOWED = "your Docker Hub user or organization, a slash, then the repository, e.g. alice/{name}"


def _host_problem(host: str) -> tuple[str, str] | None:
    """Why Docker would not read ``host`` as a registry host in ``host/repository``, or None."""
    allowed = "only the registry's host, and :port when it has one, e.g. registry.example.com or myregistry:5000"
    if "://" in host:
        return f"is {host!r}; write the host without {host.split('://', 1)[0]}://", allowed
    if "/" in host:
        return f"is {host!r}, which has a path; the path belongs in registry.image", allowed
    if not re.fullmatch(_DOMAIN, host):
        return f"is {host!r}, which is not a host name Docker can read", allowed
    if "." not in host and ":" not in host and host != "localhost":
        return (f"is {host!r}: without a dot or a :port Docker reads {host}/image as a Docker Hub namespace, "
                "not as a registry host, and pushes to Docker Hub"), allowed
    return None


def registry_image_problems(kind: str, image: str, host: str) -> list[tuple[str, str, str]]:
    """What the registry of ``kind`` would refuse in ``registry.image`` / ``registry.host``, as check_plan's
    ``(key, problem, allowed)``; empty when the push can work. The one rule for every front-end.

    Every kind: Docker's reference grammar (lowercase repository, no tag). Docker Hub: exactly
    ``namespace/name`` (a bare ``app`` is ``library/app``, the official images, and the push is denied).
    ECR: a repository name of 2 to 256 characters, without the host (the host comes from the account and
    region). Another registry: a host Docker reads as a host (a dot, a :port or localhost), no scheme or path.
    """
    if kind == "gitlab":
        return []  # $CI_REGISTRY_IMAGE, which GitLab makes
    problems: list[tuple[str, str, str]] = []
    if kind == "other" and host:
        found = _host_problem(host)
        if found:
            problems.append(("registry.host", *found))
    if not image:
        return problems
    found = image_name_problem(image, tag_allowed=False)
    if found:
        return problems + [("registry.image", *found)]
    first = image.split("/", 1)[0]
    if kind == "dockerhub":
        path = next((image[len(p):] for p in _HUB_PREFIXES if image.startswith(p)), image)
        parts = path.split("/")
        if len(parts) == 1:
            problems.append(("registry.image", f"is {image!r}, which has no namespace: Docker Hub reads it as "
                             f"library/{path}, its official images, and refuses the push",
                             _HUB_ALLOWED.format(name=path)))
        elif len(parts) > 2:
            problems.append(("registry.image", f"is {image!r}: Docker Hub repositories are exactly namespace/name, "
                             "with one slash", _HUB_ALLOWED.format(name=parts[-1])))
    elif kind == "ecr":
        if first.endswith(".amazonaws.com"):
            problems.append(("registry.image", f"is {image!r}, which starts with the registry's host; write only the "
                             "repository name: the host comes from registry.account and registry.region",
                             "the ECR repository name, e.g. team/app"))
        elif not 2 <= len(image) <= 256:
            problems.append(("registry.image", f"is {image!r}; ECR repository names are 2 to 256 characters",
                             "the ECR repository name, e.g. team/app"))
    elif kind == "other" and host and first.lower() == host.lower():
        problems.append(("registry.image", f"is {image!r}, which starts with registry.host; write only the "
                         "repository path under the host", "the path under the host, e.g. team/app"))
    return problems


def plan_name_problems(plan) -> list[tuple[str, str, str]]:  # noqa: ANN001 - a wizard.plan.Plan (it imports us)
    """The plan's names these rules refuse, as ``check_plan`` lists problems: ``(key, problem, allowed)``."""
    problems = []
    for i, var in enumerate(plan.variables):
        found = predefined_variable_problem(var.key)
        if found:
            problems.append((f"variables[{i}].key", *found))
    reg = plan.registry
    problems += registry_image_problems(reg.kind, reg.image, reg.host)
    images: list[tuple[str, str, bool]] = [("dockerfile.base_image", plan.dockerfile.base_image, True),
                                           ("runner.docker_image", plan.runner.docker_image, True)]
    if plan.dockerfile.runtime_image and plan.dockerfile.runtime_image.strip():
        images.append(("dockerfile.runtime_image", plan.dockerfile.runtime_image, True))
    for key, text, tag_allowed in images:
        found = image_name_problem(text, tag_allowed=tag_allowed)
        if found:
            problems.append((key, *found))
    return problems
