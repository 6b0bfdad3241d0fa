"""Names GitLab and Docker refuse, checked before anything is written or sent: one rule each.

- :func:`predefined_variable_problem`: ``CI_*`` and ``GITLAB_*`` are the names GitLab predefines in every
  job; a project variable with such a name shadows the real one, whatever the registry.
- :func:`parse_reference` / :func:`image_name_problem`: Docker's image reference grammar
  (distribution/reference), with Docker's own wording. The answers file (``check_plan``), the wizard's
  fields, ``--plain`` and the sandbox's simulated ``docker`` all use these, so a name the wizard accepts
  is one ``docker build -t`` accepts.

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


def plan_name_problems(plan) -> list[tuple[str, str, str]]:  # noqa: ANN001 - a wizard.plan.Plan (it imports us)
    """The plan's names these rules refuse, as ``check_plan`` lists problems: ``(key, problem, allowed)``."""
    problems = []
    for i, var in enumerate(plan.variables):
        found = predefined_variable_problem(var.key)
        if found:
            problems.append((f"variables[{i}].key", *found))
    images = (("registry.image", plan.registry.image if plan.registry.kind != "gitlab" else "", False),
              ("dockerfile.base_image", plan.dockerfile.base_image, True),
              ("runner.docker_image", plan.runner.docker_image, True))
    for key, text, tag_allowed in images:
        found = image_name_problem(text, tag_allowed=tag_allowed)
        if found:
            problems.append((key, *found))
    return problems
