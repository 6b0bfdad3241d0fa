"""Stacks: one module per language that dockwright writes a working Dockerfile for.

Python keeps its detection in :mod:`dockwright.wizard.detect` and its Dockerfile in
:mod:`dockwright.wizard.render.dockerfile`; every other language is a module ``wizard/stacks/<language>.py``
that this registry finds by name. A stack module exposes:

- ``LANGUAGE: str`` -- its ``dockerfile.language`` value (one of plan.LANGUAGES);
- ``detect(root: Path, notes: list[str]) -> dict | None`` -- None when the folder is not this stack, else
  the values for Detection / DockerfileSpec it found (``language``, ``base_image``, ``runtime_image``,
  ``tool``, ``target``, ``port``, ``command``; ``framework`` and ``entry_point`` when it knows them),
  appending one plain sentence to ``notes`` per value saying where it came from;
- ``dockerfile_body(spec: DockerfileSpec) -> list[str]`` -- the Dockerfile's lines from the first FROM to
  CMD (the header comes from the renderer); multi-stage where the stack compiles or builds;
- ``IGNORES: tuple[str, ...]`` -- .dockerignore patterns beyond the common ones;
- ``TEACHING: str`` (optional) -- a few sentences on what the Dockerfile does and why, shown at the
  Dockerfile step (wizard and --plain);
- ``DEFAULTS: dict`` (optional) -- base_image, runtime_image, tool, target, port, command for a project
  switched to this language by hand (the wizard's Language field, an answers file with only ``language``).

:func:`stack` and :func:`detect_stack` are the only ways in; the order of :data:`ORDER` is the order
detection tries the stacks (static sites before Node.js: a front-end whose build makes dist/ is served
by nginx, not by node).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

# Every language with a stack module, in the order detection tries them. A name whose module does not
# exist (yet) is skipped, so a stack lands by adding its module alone.
ORDER = ("node", "go", "java", "ruby", "php", "rust", "dotnet", "static")

TITLES = {"python": "Python", "static": "static sites", "node": "Node.js", "go": "Go", "java": "Java",
          "ruby": "Ruby", "php": "PHP", "rust": "Rust", "dotnet": ".NET", "generic": "a Dockerfile you edit"}

_loaded: dict[str, ModuleType | None] = {}


def stack(language: str) -> ModuleType | None:
    """The stack module for ``language``, or None (python, generic, or a stack not written yet)."""
    if language not in ORDER:
        return None
    if language not in _loaded:
        name = f"{__name__}.{language}"
        _loaded[language] = importlib.import_module(name) if importlib.util.find_spec(name) else None
    return _loaded[language]


def available() -> tuple[str, ...]:
    """The languages whose stack module exists, in detection order."""
    return tuple(lang for lang in ORDER if stack(lang) is not None)


def detect_stack(root: Path, notes: list[str]) -> dict[str, Any] | None:
    """What the first stack that recognises ``root`` found (its notes appended), or None."""
    for language in available():
        module = stack(language)
        assert module is not None
        mine: list[str] = []
        found = module.detect(root, mine)
        if found is not None:
            notes += mine
            return {"language": language, **found}
    return None


def defaults(language: str) -> dict[str, Any]:
    """The values a project switched to ``language`` by hand starts from (empty for python and generic)."""
    module = stack(language)
    return dict(getattr(module, "DEFAULTS", {})) if module is not None else {}


# The DockerfileSpec fields beyond the common ones (base image, port, command, ENV...) that matter for each
# language: the wizard's Dockerfile step shows them, --plain asks them. A module may set its own FIELDS.
FIELDS: dict[str, tuple[str, ...]] = {
    "python": ("requirements",), "node": ("tool", "target"), "static": ("tool", "target", "runtime_image"),
    "go": ("target", "runtime_image"), "java": ("tool", "target", "runtime_image"), "ruby": ("tool", "target"),
    "php": ("tool", "target", "runtime_image"), "rust": ("target", "runtime_image"), "dotnet": ("target", "runtime_image"),
    "generic": ("requirements",),
}
# What dockerfile.target means in each language, as a field's label.
TARGET_LABELS = {"node": "Build script (empty: none)", "static": "Output folder", "go": "Main package",
                 "java": "Artifact", "rust": "Binary", "dotnet": "Project file", "ruby": "Build task (empty: none)",
                 "php": "Document root"}


def teaching(language: str) -> str:
    """A few sentences on what the stack's Dockerfile does and why (the module's TEACHING), or ''."""
    module = stack(language)
    return str(getattr(module, "TEACHING", "")) if module is not None else ""


def fields(language: str) -> tuple[str, ...]:
    """The extra DockerfileSpec fields ``language`` uses (see :data:`FIELDS`)."""
    module = stack(language)
    own = getattr(module, "FIELDS", None) if module is not None else None
    return tuple(own) if own is not None else FIELDS.get(language, ())


def switched(spec: Any, language: str) -> dict[str, Any]:
    """The DockerfileSpec changes for a project switched to ``language`` by hand: the language, and the
    stack's defaults (base image, runtime image, tool, target, port, command) when it has them."""
    if language == spec.language:
        return {}
    keys = ("base_image", "runtime_image", "tool", "target", "requirements", "port", "command")
    if language == "python":  # DockerfileSpec's own defaults are Python's
        fresh = type(spec)()
        return {"language": language, **{k: getattr(fresh, k) for k in keys}}
    if language == "generic":  # keeps what was there; a build tool means nothing without a stack
        return {"language": language, "tool": None, "runtime_image": None, "target": None}
    return {"language": language, "requirements": None, "runtime_image": None, "tool": None, "target": None,
            **{k: v for k, v in defaults(language).items() if k in keys}}
