"""What Node.js apps and static sites built with Node share: package.json, the lock file's tool, the Node
version, and the Dockerfile lines that install dependencies (a helper, not a stack: it is not in ORDER)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dockwright.wizard.stacks.common import major_minor

DEFAULT_NODE = "24"  # the active LTS line
LOCKS = (("package-lock.json", "npm"), ("npm-shrinkwrap.json", "npm"), ("pnpm-lock.yaml", "pnpm"),
         ("yarn.lock", "yarn"))
# What each tool copies before installing, installs with (all / production only), and caches.
_MANIFESTS = {"npm": "package*.json", "yarn": "package.json yarn.lock", "pnpm": "package.json pnpm-lock.yaml"}
_INSTALL = {"npm": ("npm ci", "npm ci --omit=dev"),
            "yarn": ("yarn install --frozen-lockfile", "yarn install --frozen-lockfile --production"),
            "pnpm": ("pnpm install --frozen-lockfile", "pnpm install --frozen-lockfile --prod")}
_PRUNE = {"npm": "npm prune --omit=dev", "yarn": "yarn install --frozen-lockfile --production --offline",
          "pnpm": "pnpm prune --prod"}
_CACHE = {"npm": "/root/.npm", "yarn": "/usr/local/share/.cache/yarn", "pnpm": "/root/.local/share/pnpm/store"}


def read_package(root: Path, notes: list[str]) -> dict[str, Any] | None:
    """package.json as a mapping; None when there is none. A broken one is a note and an empty mapping."""
    path = root / "package.json"
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as exc:
        notes.append(f"package.json is not valid JSON (line {exc.lineno}: {exc.msg}); fix it, or the build fails.")
        return {}
    return data if isinstance(data, dict) else {}


def scripts(package: dict[str, Any]) -> dict[str, str]:
    found = package.get("scripts")
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def dependencies(package: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for key in ("dependencies", "devDependencies"):
        if isinstance(package.get(key), dict):
            names |= set(package[key])
    return names


def tool(root: Path, package: dict[str, Any], notes: list[str]) -> str:
    """npm, yarn or pnpm: the lock file's tool, else package.json's packageManager, else npm."""
    manager = str(package.get("packageManager", ""))
    for lock, name in LOCKS:
        if (root / lock).is_file():
            via = " through corepack (bundled with Node)" if name != "npm" else ""
            notes.append(f"{lock} is the lock file, so the image installs with {name}{via}, exactly the locked versions.")
            return name
    for name in ("pnpm", "yarn", "npm"):
        if manager.startswith(name + "@"):
            notes.append(f"package.json's packageManager is {manager}, but its lock file is missing: run "
                         f"`{name} install` once and commit the lock file, or the image's install fails.")
            return name
    notes.append("No lock file (package-lock.json, yarn.lock, pnpm-lock.yaml) was found: run `npm install` once and "
                 "commit package-lock.json. The image installs with `npm ci`, which needs it, so every build gets "
                 "the same versions.")
    return "npm"


def node_version(root: Path, package: dict[str, Any], notes: list[str]) -> str:
    """The Node major version: .nvmrc, .node-version, engines.node, else :data:`DEFAULT_NODE`."""
    for name in (".nvmrc", ".node-version"):
        path = root / name
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            version = major_minor(text)
            if version:
                major = version.split(".")[0]
                notes.append(f"{name} asks for Node {text}, so the base image is node:{major}-slim.")
                return major
            notes.append(f"{name} says {text!r}, which names no version number; the base image is "
                         f"node:{DEFAULT_NODE}-slim (the current LTS).")
            return DEFAULT_NODE
    engines = package.get("engines")
    wanted = str(engines.get("node", "")) if isinstance(engines, dict) else ""
    found = major_minor(wanted) if wanted else None
    if found:
        major = found.split(".")[0]
        if re.match(r"\s*>", wanted) and int(major) < int(DEFAULT_NODE):
            notes.append(f"engines.node is {wanted!r}, which Node {DEFAULT_NODE} (the current LTS) satisfies: "
                         f"the base image is node:{DEFAULT_NODE}-slim.")
            return DEFAULT_NODE
        notes.append(f"engines.node in package.json asks for {wanted!r}, so the base image is node:{major}-slim.")
        return major
    notes.append(f"Neither .nvmrc nor engines.node names a Node version, so the base image is node:{DEFAULT_NODE}-slim "
                 "(the current LTS); add an .nvmrc to choose.")
    return DEFAULT_NODE


def _corepack(tool_name: str, base_image: str) -> tuple[str, str]:
    """(comment, command) turning on yarn or pnpm: corepack ships with Node up to 24; later images install it."""
    m = re.search(r"node:(\d+)", base_image)
    if m and int(m.group(1)) >= 25:
        return (f"# Node 25 and later no longer bundle corepack, which runs the {tool_name} version package.json names.",
                "npm install --global corepack@0.34.0 && corepack enable")
    return (f"# corepack (bundled with Node) runs {tool_name}, at the version package.json's packageManager names.",
            "corepack enable")


def install_lines(tool_name: str | None, base_image: str, *, production: bool) -> list[str]:
    """The dependencies layer: COPY the manifest and lock file, then install from them with a cache mount
    (re-used between builds); yarn and pnpm are turned on through corepack in the same step."""
    name = tool_name if tool_name in _INSTALL else "npm"
    everything, prod = _INSTALL[name]
    install = prod if production else everything
    lines = [f"COPY {_MANIFESTS[name]} ./"]
    if name != "npm":
        comment, corepack = _corepack(name, base_image)
        lines.append(comment)
        install = f"{corepack} \\\n    && {install}"
    return [*lines, f"RUN --mount=type=cache,target={_CACHE[name]} {install}"]


def build_lines(tool_name: str | None, script: str, *, prune: bool) -> list[str]:
    """Run the build script; ``prune`` then drops the development dependencies in the same layer."""
    name = tool_name if tool_name in _PRUNE else "npm"
    if not prune:
        return [f"RUN {name} run {script}"]
    return ["# Build, then drop the development dependencies before the result is copied on.",
            f"RUN {name} run {script} \\\n    && {_PRUNE[name]}"]


IGNORES = ("**/node_modules", "**/npm-debug.log*", "**/yarn-error.log", "**/.npm", "**/.pnpm-store",
           "**/.next/cache", "**/coverage")
