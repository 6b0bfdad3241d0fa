"""The Docker versions a generated pipeline may pin: the one place that knows them.

The pipeline runs ``docker:<version>-cli`` with the service ``docker:<version>-dind``, so a version is
usable only when Docker Hub has both tags. docker-library (github.com/docker-library/docker) publishes them:
``-cli`` tags exist from 20.10.17 on (they were added in July 2022; ``docker:19.03-cli`` never existed), for
every release listed below, under its full version (``29.7.2``), its minor line (``29.7``) and its major
(``29``). The table is read from the history of docker-library's ``versions.json``; releases it skipped
(28.0.3, 28.2.0, 29.4.2) have no image.

docker-library builds only the supported majors: the others still pull, but get no security fix, and the
dind daemon of every job runs privileged. When Docker ships a new major, add its releases below and move
:data:`SUPPORTED_MAJORS` and :data:`DEFAULT_VERSION` (docs/answers.md and assets/help/pipeline.md say the
same). UI-free; imports nothing of dockwright's.
"""

from __future__ import annotations

import re

# minor line -> the patch releases docker-library published with -cli and -dind tags
_PUBLISHED: dict[str, tuple[int, ...]] = {
    "20.10": tuple(range(17, 25)),
    "23.0": tuple(range(0, 7)),
    "24.0": tuple(range(0, 10)),
    "25.0": tuple(range(0, 6)),
    "26.0": (0, 1, 2), "26.1": (0, 1, 2, 3, 4),
    "27.0": (1, 2, 3), "27.1": (0, 1, 2), "27.2": (0, 1), "27.3": (0, 1), "27.4": (0, 1), "27.5": (0, 1),
    "28.0": (0, 1, 2, 4), "28.1": (0, 1), "28.2": (1, 2), "28.3": (0, 1, 2, 3), "28.4": (0,), "28.5": (0, 1, 2),
    "29.0": (0, 1, 2, 3, 4), "29.1": (0, 1, 2, 3, 4, 5), "29.2": (0, 1), "29.3": (0, 1), "29.4": (0, 1, 3),
    "29.5": (0, 1, 2, 3), "29.6": (0, 1, 2), "29.7": (0, 1, 2),
}
# The majors docker-library still builds (its versions.json, August 2026: 28 was dropped on 2025-11-10 and
# 27 on 2025-02-20, each "now EOL").
SUPPORTED_MAJORS: tuple[str, ...] = ("29",)
DEFAULT_VERSION = SUPPORTED_MAJORS[-1]
DEFAULT_CLI_IMAGE = f"docker:{DEFAULT_VERSION}-cli"
EXAMPLE = f"{DEFAULT_VERSION} or {DEFAULT_VERSION}.7.2"

_SHAPE = re.compile(r"\d+(\.\d+){0,2}")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def published_tags() -> frozenset[str]:
    """Every version that has ``-cli`` and ``-dind`` tags: each release, its minor line and its major."""
    tags: set[str] = set()
    for minor, patches in _PUBLISHED.items():
        tags.update(f"{minor}.{p}" for p in patches)
        tags.update((minor, minor.split(".")[0]))
    return frozenset(tags)


def _newer_than_known(version: str) -> bool:
    """A release after this table was written (dockwright cannot know tomorrow's Docker): not refused."""
    newest = max(_key(f"{m}.{p[-1]}") for m, p in _PUBLISHED.items())
    parts = _key(version)
    return parts[:len(newest)] > newest[:len(parts)]


def docker_version_problem(version: str) -> tuple[str, str] | None:
    """``(problem, allowed)`` when ``docker:<version>-cli`` or ``-dind`` does not exist, else None."""
    allowed = (f"a Docker version with docker:VERSION-cli and -dind images, such as {EXAMPLE} "
               f"(supported: {', '.join(SUPPORTED_MAJORS)})")
    if not _SHAPE.fullmatch(version):
        return f"is {version!r}, not a version", allowed
    if version in published_tags() or _newer_than_known(version):
        return None
    if _key(version) < (20, 10, 17):
        why = "Docker Hub's -cli tags start at 20.10.17"
    else:
        why = "docker-library published no such release"
    return f"is {version}, and the images docker:{version}-cli and docker:{version}-dind do not exist ({why})", allowed


def is_supported(version: str) -> bool:
    return version.split(".")[0] in SUPPORTED_MAJORS or _newer_than_known(version)


def end_of_life_note(version: str) -> str | None:
    """A sentence when ``version`` is a Docker that no longer gets security fixes, else None."""
    if docker_version_problem(version) or is_supported(version):
        return None
    return (f"pipeline.docker_version is {version}: Docker {version.split('.')[0]} is end of life (docker-library no "
            "longer builds it), so the privileged dind daemon of every job runs without security fixes. Use the "
            f"supported {DEFAULT_VERSION}: pipeline.docker_version: \"{DEFAULT_VERSION}\".")
