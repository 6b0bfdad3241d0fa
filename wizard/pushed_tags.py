"""Which image tags a passed pipeline pushed, and the `docker pull` lines to show for them.

Read from the jobs' own logs, the way Docker prints a push (``The push refers to repository [R]`` then
``TAG: digest: sha256:… size: N``; BuildKit's ``pushing manifest for R:TAG@sha256:…``; ``buildx imagetools
create``'s ``[internal] pushing R:TAG``), so it works for
any registry and any pipeline, not only the one dockwright generates. For GitLab's registry, which
dockwright can list, only the tags the registry really has are shown; for Docker Hub, ECR and others, the
tags the pipeline pushed. UI-free.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from dockwright.wizard.diagnose import strip_ansi

_REPOSITORY_RE = re.compile(r"The push refers to repository \[([^\]\s]+)\]")
_DIGEST_RE = re.compile(r"^\s*([\w][\w.-]{0,127}): digest: sha256:[0-9a-f]{64}", re.M)
_BUILDKIT_RE = re.compile(r"pushing manifest for ([^\s@]+):([\w][\w.-]{0,127})@sha256:[0-9a-f]{64}")
_IMAGETOOLS_RE = re.compile(r"\[internal\] pushing ([^\s@]+):([\w][\w.-]{0,127})\s*$", re.M)


def pushed_images(log: str) -> list[tuple[str, str]]:
    """``(repository, tag)`` for every push a job log shows, in order, each once."""
    text = strip_ansi(log)
    found: list[tuple[int, str, str]] = []
    repositories = [(m.start(), m.group(1)) for m in _REPOSITORY_RE.finditer(text)]
    for m in _DIGEST_RE.finditer(text):
        before = [repo for at, repo in repositories if at < m.start()]
        if before:
            found.append((m.start(), before[-1], m.group(1)))
    found += [(m.start(), m.group(1), m.group(2)) for m in _BUILDKIT_RE.finditer(text)]
    found += [(m.start(), m.group(1), m.group(2)) for m in _IMAGETOOLS_RE.finditer(text)]
    return list(dict.fromkeys((repo, tag) for _at, repo, tag in sorted(found)))


def _same_repository(a: str, b: str) -> bool:
    """Docker names Docker Hub's images with and without docker.io/ (and library/)."""
    def norm(name: str) -> str:
        name = name.lower().removeprefix("docker.io/").removeprefix("index.docker.io/")
        return name.removeprefix("library/")
    return norm(a) == norm(b)


def in_registry(pushed: Iterable[tuple[str, str]], registry: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """The pushed ``(repository, tag)`` pairs the registry listing (location -> tags) really has, named as
    the registry names them."""
    found = []
    for repo, tag in pushed:
        for location, tags in registry.items():
            if _same_repository(repo, location) and tag in tags:
                found.append((location, tag))
    return list(dict.fromkeys(found))


def pull_lines(images: Iterable[tuple[str, str]]) -> list[str]:
    return [f"docker pull {repo}:{tag}" for repo, tag in images]


def pull_hint(pushed: list[tuple[str, str]], registry: Mapping[str, Sequence[str]] | None, *, sha: str, ref: str,
              registry_kind: str) -> tuple[str, bool]:
    """What the watch says after a pass: (text, ok). For GitLab's registry (``registry`` is its listing) exactly
    the pushed tags it has (without pushes in the logs: this commit's SHA and branch, if there); for another
    registry (``registry`` None), the pushed tags, or a sentence when the logs show none."""
    from dockwright.wizard.apply import other_registry_note, ref_slug

    if registry is None:
        if not pushed:
            return "Passed. " + other_registry_note(registry_kind), True
        return ("Passed; the jobs pushed these tags (dockwright cannot list that registry). Try it:\n"
                + "\n".join(pull_lines(pushed))), True
    found = in_registry(pushed, registry) if pushed else [
        (location, tag) for tag in dict.fromkeys(t for t in (sha, ref_slug(ref)) if t)
        for location, tags in registry.items() if tag in tags]
    if found:
        return "Passed, and the registry has the image with these tags. Try it:\n" + "\n".join(pull_lines(found)), True
    what = ", ".join(f"{repo}:{tag}" for repo, tag in pushed) or f"tagged {sha[:8] or ref}"
    return (f"Passed, but the registry has no image {what}: does a job run `docker push`? Registry now: "
            + (", ".join(registry) or "empty")), False
