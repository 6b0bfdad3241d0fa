"""Generators: pure functions from the Plan (+ the existing file's text) to a file's text.

The preview pane, ``--dry-run``, the review screen and the writer all call these same functions,
so what the user sees is what is written. No I/O here.

- :func:`render_files` — the repository files dockwright writes (:data:`GENERATED_FILES`);
- :mod:`dockwright.wizard.render.dockerfile` — ``render_dockerfile(plan)``, ``render_dockerignore(plan, existing)``;
- :mod:`dockwright.wizard.render.pipeline` — ``render_pipeline(plan, existing)``;
- :mod:`dockwright.wizard.render.runner_config` — ``render_runner_entry(...)``, ``render_register_command(...)``;
- :mod:`dockwright.wizard.render.registry` — ``registry_variables(plan)``: the CI/CD variables a registry needs.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from dockwright.wizard.plan import Plan
from dockwright.wizard.render.common import UnmergeableFile, is_generated
from dockwright.wizard.render.dockerfile import render_dockerfile, render_dockerignore
from dockwright.wizard.render.pipeline import render_pipeline
from dockwright.wizard.render.registry import all_variables, registry_variables
from dockwright.wizard.render.runner_config import render_register_command, render_runner_entry

GENERATED_FILES = ("Dockerfile", ".dockerignore", ".gitlab-ci.yml")

__all__ = [
    "GENERATED_FILES", "UnmergeableFile", "all_variables", "file_paths", "is_generated", "registry_variables",
    "render_dockerfile", "render_dockerignore", "render_files", "render_pipeline",
    "render_register_command", "render_runner_entry",
]


def file_paths(plan: Plan) -> dict[str, str]:
    """Where each of :data:`GENERATED_FILES` goes, relative to the repository: the Dockerfile at
    ``dockerfile.path``, the .dockerignore at the root of the build context (where Docker reads it)."""
    context = posixpath.normpath(plan.dockerfile.context)
    return {
        "Dockerfile": posixpath.normpath(plan.dockerfile.path),
        ".dockerignore": ".dockerignore" if context == "." else f"{context}/.dockerignore",
        ".gitlab-ci.yml": ".gitlab-ci.yml",
    }


def render_files(plan: Plan, existing: Mapping[str, str | None]) -> dict[str, str]:
    """The text of each file in :data:`GENERATED_FILES`, merged into ``existing[name]`` where given.

    The Dockerfile is never merged: whether an existing hand-written one may be replaced is decided
    by :func:`dockwright.wizard.changes.plan_file_changes`. Raises :class:`UnmergeableFile` for a
    .gitlab-ci.yml that is not a YAML mapping.
    """
    return {
        "Dockerfile": render_dockerfile(plan),
        ".dockerignore": render_dockerignore(plan, existing.get(".dockerignore")),
        ".gitlab-ci.yml": render_pipeline(plan, existing.get(".gitlab-ci.yml")),
    }
