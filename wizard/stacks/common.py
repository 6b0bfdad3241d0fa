"""What every stack's Dockerfile shares: the app's user, ENV lines, the exec-form CMD, version words."""

from __future__ import annotations

import json
import re

from dockwright.wizard.plan import DockerfileSpec

USER_UID = 10001


def env_value(value: str) -> str:
    """``"value"`` as BuildKit reads a double-quoted word back to ``value``: inside double quotes a backslash
    escapes only ``"``, ``$`` and itself, and an unescaped ``$NAME`` is expanded at build time (so ``pa$$word``
    would lose its dollars); any other character, ``é`` included, is written as it is."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def env_lines(spec: DockerfileSpec, preset: list[tuple[str, str]] | None = None) -> list[str]:
    """One ENV instruction with the stack's settings first, then the user's (a user's key never repeats one)."""
    env = list(preset or [])
    env += [(k, v) for k, v in spec.env if k not in dict(env)]
    if not env:
        return []
    parts = [f"{k}={env_value(v)}" for k, v in env]
    return ["# Settings the app reads at run time.", "ENV " + " \\\n    ".join(parts), ""]


def add_user(base_image: str) -> str:
    """The app's user as `docker init` makes it: no home folder, no login shell."""
    if "alpine" in base_image:
        return f"RUN adduser -D -H -h /nonexistent -s /sbin/nologin -u {USER_UID} app"
    return f"RUN useradd --no-create-home --home-dir /nonexistent --shell /sbin/nologin --uid {USER_UID} app"


def user_lines(spec: DockerfileSpec, image: str) -> list[str]:
    """The unprivileged user, created in ``image`` (when the spec asks for one)."""
    if not spec.non_root:
        return []
    return ["# An unprivileged user to run the app: a compromised app is not root inside the container.",
            add_user(image), ""]


def tail_lines(spec: DockerfileSpec, *, user: str | None = None, about_cmd: tuple[str, ...] = ()) -> list[str]:
    """USER, EXPOSE and CMD: the end of every stack's final stage. ``user`` overrides the numeric id
    (distroless's, an image's own unprivileged user); ``about_cmd`` are comment lines above CMD."""
    lines: list[str] = []
    if spec.non_root:
        lines += [f"USER {user or USER_UID}", ""]
    if spec.port is not None:
        lines += [f"EXPOSE {spec.port}", ""]
    lines += [f"# {line}" for line in about_cmd]
    lines.append("CMD " + json.dumps(list(spec.command)))
    return lines


def major_minor(text: str) -> str | None:
    """``v20.11.1`` -> ``20.11``; ``>=18`` -> ``18``; None when no version number is in ``text``."""
    m = re.search(r"(\d+)(?:\.(\d+))?", text)
    if not m:
        return None
    return m.group(1) if m.group(2) is None else f"{m.group(1)}.{m.group(2)}"
