"""Which folders of a repository hold a project, and of which stack: the root first, then sub-folders
(``services/api``, ``web``) for a repository holding several (a monorepo)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dockwright.wizard.stacks import detect_stack

PythonDetect = Callable[[Path, list[str]], dict[str, Any]]

SUBFOLDER_DEPTH = 2  # web, services/api
# Folders that hold a project's parts, never a project to deploy: a docs/index.html is no static site.
_NOT_PROJECTS = {"node_modules", "venv", "site-packages", "__pycache__", "vendor", "dist", "build", "target",
                 "docs", "doc", "test", "tests", "testdata", "examples", "example", "fixtures", "scripts", "public",
                 "static", "src", "bin", "obj", "tmp"}
_PYTHON_MARKERS = ("requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg")


def project_at(folder: Path, notes: list[str], python: PythonDetect) -> dict[str, Any] | None:
    """What the project in ``folder`` is (Python first, then the stacks), its notes appended; None if none."""
    return python(folder, notes) or detect_stack(folder, notes)


def sub_projects(root: Path, python: PythonDetect) -> list[tuple[str, str]]:
    """(folder, language) of every sub-folder up to :data:`SUBFOLDER_DEPTH` deep that is a project, by
    folder name. A project's own sub-folders are not searched (a Go module's cmd/tool is part of it)."""
    found: list[tuple[str, str]] = []
    for folder, dirs, _files in os.walk(root):
        here = Path(folder)
        depth = len(here.relative_to(root).parts)
        if depth:
            is_python = any((here / m).is_file() for m in _PYTHON_MARKERS)  # a lone main.py is a script
            what = python(here, []) if is_python else detect_stack(here, [])
            if what:
                found.append((here.relative_to(root).as_posix(), what["language"]))
                dirs[:] = []
                continue
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _NOT_PROJECTS
                         and depth < SUBFOLDER_DEPTH)
    return sorted(found)


def choose(projects: list[tuple[str, str]], dockerfile_path: str | None) -> tuple[str, str]:
    """The project to build among several: the one whose folder holds the existing Dockerfile, else the first."""
    if dockerfile_path:
        for folder, language in projects:
            if folder == "." or dockerfile_path.startswith(folder + "/"):
                return folder, language
    return projects[0]


def folder_changes(root: Path, folder: str) -> dict[str, Any]:
    """The DockerfileSpec changes that build the project in ``folder`` (one of Detection.stacks) instead:
    its stack's values, and the folder as the build context with the Dockerfile in it."""
    from dockwright.wizard.detect import DEFAULT_PYTHON, _detect_python  # detect imports this module

    found = project_at(root / folder, [], _detect_python) or {}
    language = found.get("language", "generic")
    changes: dict[str, Any] = {
        "language": language, "runtime_image": found.get("runtime_image"), "tool": found.get("tool"),
        "target": found.get("target"), "requirements": found.get("requirements") if language == "python" else None,
        "port": found.get("port"), "context": folder, "path": "Dockerfile" if folder == "." else f"{folder}/Dockerfile",
    }
    if found.get("command"):
        changes["command"] = tuple(found["command"])
    base = found.get("base_image") or (f"python:{found.get('python_version') or DEFAULT_PYTHON}-slim"
                                       if language == "python" else None)
    if base:
        changes["base_image"] = base
    return changes
