"""Dockerfile and .dockerignore from the plan. Pure: Plan (+ existing text) -> text.

The Dockerfile passes hadolint: pinned base image, ``pip install --no-cache-dir``, a non-root user,
exec-form CMD. A project dockwright cannot build (language ``generic``) gets a clearly marked
starting point that the user edits, never a Dockerfile that pretends to work.
"""

from __future__ import annotations

import json
import re

from dockwright.wizard.plan import Plan
from dockwright.wizard.render.common import header_lines
from dockwright.wizard.stacks import stack
from dockwright.wizard.stacks.common import USER_UID, add_user, env_value

# Servers that stop gracefully on SIGTERM, Docker's stop signal. Any other Python process started as PID 1
# ignores SIGTERM (Python sets no handler for it, and the kernel drops a signal PID 1 does not handle), so
# `docker stop` waits 10 s and kills it; SIGINT raises KeyboardInterrupt and stops it at once.
_HANDLE_SIGTERM = frozenset({"gunicorn", "uvicorn", "hypercorn", "daphne", "fastapi"})


def _stop_signal(command: tuple[str, ...]) -> list[str]:
    words = list(command)
    if words[:2] == ["python", "-m"] or words[:2] == ["python3", "-m"]:
        words = words[2:]
    if not words or words[0].rsplit("/", 1)[-1] in _HANDLE_SIGTERM:
        return []
    return ["# As PID 1 a Python process ignores SIGTERM, so `docker stop` would wait 10 s and kill it;",
            "# SIGINT stops it at once (KeyboardInterrupt). gunicorn and uvicorn handle SIGTERM themselves.",
            "STOPSIGNAL SIGINT", ""]


def _dev_server(command: tuple[str, ...]) -> list[str]:
    """Why a development server kept on purpose (``flask run``, ``manage.py runserver``) is not for production."""
    words = [w.rsplit("/", 1)[-1] for w in command]
    if "flask" in words[:3] and "run" in words:
        which, better = "`flask run` is Flask's development server", "gunicorn --bind 0.0.0.0:8000 app:app"
    elif "runserver" in words and any(w.endswith("manage.py") or w == "django-admin" for w in words):
        which, better = "`manage.py runserver` is Django's development server", "gunicorn --bind 0.0.0.0:8000 PROJECT.wsgi"
    else:
        return []
    return [f"# {which}: one process, requests one after another, no protection against",
            "# slow clients, and its own docs say it is not for production. A production server is one",
            f"# dependency away: add gunicorn to the requirements and run `{better}`."]


def _tomllib_python(base_image: str) -> bool:
    """Whether the base image's Python has tomllib (3.11 and later), which reads pyproject.toml's dependencies."""
    m = re.match(r"(?:.*/)?python:3\.(\d+)", base_image)
    return m is not None and int(m.group(1)) >= 11


_PYPROJECT_DEPENDENCIES = (
    "RUN python -c \"import tomllib; print('\\n'.join(tomllib.load(open('pyproject.toml', 'rb'))"
    ".get('project', {}).get('dependencies', [])))\" > /tmp/requirements.txt \\\n"
    "    && pip install --no-cache-dir -r /tmp/requirements.txt"
)


def render_dockerfile(plan: Plan) -> str:
    """The Dockerfile's text for ``plan``."""
    spec = plan.dockerfile
    lines = header_lines(
        "Dockerfile", "Delete these two lines to make the file yours: dockwright then leaves it alone."
    )
    module = stack(spec.language)
    if module is not None:
        return "\n".join([*lines, "", *module.dockerfile_body(spec)]) + "\n"
    generic = spec.language != "python"  # generic, or a stack whose module is not written yet
    if generic:
        lines += [
            "#",
            "# EDIT ME: dockwright could not tell how this project is built, so this is a starting point,",
            "# not a working build. Replace the base image, add the steps that install and build the",
            "# project, and set the command that starts it. `docker build .` tells you when it works.",
        ]
    lines += ["", f"FROM {spec.base_image}", ""]
    env: list[tuple[str, str]] = []
    if spec.language == "python":
        env += [("PYTHONDONTWRITEBYTECODE", "1"), ("PYTHONUNBUFFERED", "1")]
    env += [(k, v) for k, v in spec.env if k not in dict(env)]
    if env:
        lines.append("# Settings the app reads at run time.")
        parts = [f"{k}={env_value(v)}" for k, v in env]
        lines.append("ENV " + " \\\n    ".join(parts))
        lines.append("")
    lines += [f"WORKDIR {spec.workdir}", ""]
    if spec.non_root:
        lines += [
            "# An unprivileged user to run the app: a compromised app is not root inside the container.",
            add_user(spec.base_image),
            "",
        ]
    req = spec.requirements if spec.language == "python" else None
    if req and req.endswith(".txt"):
        folder = req.rsplit("/", 1)[0] if "/" in req else ""
        lines += [
            "# Dependencies first: Docker reuses this layer until the requirements change.",
            *(["# The whole folder: a file in it may include another (-r base.txt)."] if folder else []),
            f"COPY {folder}/ {folder}/" if folder else f"COPY {req} ./",
            f"RUN pip install --no-cache-dir -r {req}",
            "",
            "COPY . .",
        ]
    elif req == "pyproject.toml" and _tomllib_python(spec.base_image):
        lines += [
            "# Dependencies first, read from pyproject.toml: Docker reuses this layer until pyproject.toml changes.",
            "COPY pyproject.toml ./",
            _PYPROJECT_DEPENDENCIES,
            "",
            "COPY . .",
            "# Then the project itself, from its packaging metadata (dependencies not listed above come here).",
            "RUN pip install --no-cache-dir .",
        ]
    elif req:
        lines += [
            "COPY . .",
            "# Install the project and its dependencies from its packaging metadata.",
            "RUN pip install --no-cache-dir .",
        ]
    else:
        if generic:
            lines.append("# EDIT ME: add the RUN steps that install dependencies and build the project.")
        lines.append("COPY . .")
    lines.append("")
    if spec.non_root:
        lines += [f"USER {USER_UID}", ""]
    if spec.port is not None:
        lines += [f"EXPOSE {spec.port}", ""]
    if spec.language == "python":
        lines += _stop_signal(spec.command) + _dev_server(spec.command)
    if generic:
        lines.append("# EDIT ME: the command that starts the project.")
    lines.append("CMD " + json.dumps(list(spec.command)))
    return "\n".join(lines) + "\n"


# ``**/`` as `docker init` writes them: a plain ``.env`` or ``*.log`` matches only at the root of the build
# context, so pkg/.env and logs/app.log would reach the image.
_COMMON_IGNORES = (
    "**/.git",
    ".gitlab-ci.yml",
    "**/Dockerfile*",
    "**/.dockerignore",
    "dockwright.yml",
    "**/*.orig",
    "**/.env",
    "**/*.log",
)
_PYTHON_IGNORES = (
    "**/__pycache__",
    "**/*.py[cod]",
    "**/.venv",
    "**/venv",
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/*.egg-info",
)
_DOCKERIGNORE_HEADER = header_lines(
    ".dockerignore", "Your own lines are kept; dockwright only adds the ones missing."
)
_ADDED_MARK = "# added by dockwright: keeps secrets, history and caches out of the image"


def _ignores(plan: Plan) -> tuple[str, ...]:
    language = plan.dockerfile.language
    module = stack(language)
    own = module.IGNORES if module is not None else _PYTHON_IGNORES if language == "python" else ()
    return _COMMON_IGNORES + tuple(p for p in own if p not in _COMMON_IGNORES)


def render_dockerignore(plan: Plan, existing: str | None = None) -> str:
    """The .dockerignore's text: an existing file keeps every line, and only missing patterns are added.

    A pattern the user re-included (``!pattern``, also ``!.env`` for ``**/.env``) is respected and not added
    back; a root-only line of the user's (``.env``) does not stand for the ``**/`` pattern, which is added.
    """
    wanted = _ignores(plan)
    if existing is None or not existing.strip():
        return "\n".join(
            _DOCKERIGNORE_HEADER
            + ["# What the build never needs: it makes the build context small and keeps secrets out."]
            + list(wanted)
        ) + "\n"
    present, reincluded = set(), set()
    for raw in existing.splitlines():
        line = raw.strip().rstrip("/")
        if line.startswith("!"):  # re-included on purpose, at the root or anywhere: never added back
            reincluded.add(line[1:].removeprefix("**/"))
        elif line and not line.startswith("#"):
            present.add(line)
    missing = [p for p in wanted if p not in present and p.removeprefix("**/") not in reincluded]
    if not missing:
        return existing
    text = existing if existing.endswith("\n") else existing + "\n"
    block = [_ADDED_MARK] if _ADDED_MARK not in existing else []
    return text + "\n".join(block + missing) + "\n"
