"""Node.js apps: package.json with a lock file; ``node`` runs the entry point (never npm as PID 1).

Without a build script: one stage, production dependencies only (``npm ci --omit=dev``). With one
(``scripts.build``: TypeScript, a bundler): a build stage installs everything, builds and prunes the
development dependencies; the final stage copies the result. yarn and pnpm run through corepack.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from dockwright.wizard.plan import DockerfileSpec
from dockwright.wizard.stacks import js, static
from dockwright.wizard.stacks.common import env_lines, tail_lines, user_lines

LANGUAGE = "node"
DEFAULT_PORT = 3000
TEACHING = ("Node.js: the lock file's tool installs exactly the locked versions (npm ci), production dependencies "
            "only; a build script runs in a build stage that is thrown away. node itself is PID 1, not npm, so it "
            "gets docker stop's SIGTERM: handle it (process.on('SIGTERM', ...)) to stop at once.")
IGNORES = js.IGNORES
DEFAULTS: dict[str, Any] = {"base_image": f"node:{js.DEFAULT_NODE}-slim", "runtime_image": None, "tool": "npm",
                            "target": None, "port": DEFAULT_PORT, "command": ("node", "index.js")}
_ENTRIES = ("server.js", "index.js", "app.js", "main.js", "src/server.js", "src/index.js", "server.mjs", "index.mjs")
_PORT_RE = re.compile(r"(?:listen\(\s*|PORT\s*(?:\|\||\?\?)\s*|port\s*[:=]\s*)(\d{2,5})\b")


def _command(root: Path, package: dict[str, Any], notes: list[str]) -> tuple[tuple[str, ...], str | None]:
    """The command that starts the app with node as PID 1, and the file it runs (for the port)."""
    start = js.scripts(package).get("start", "")
    try:
        words = shlex.split(start)
    except ValueError:
        words = []
    if words[:1] == ["node"] and len(words) > 1:
        notes.append(f"scripts.start is `{start}`: the image runs it with node directly, so node is PID 1 and gets "
                     "docker stop's signal (npm start would sit in between).")
        return tuple(words), next((w for w in words[1:] if not w.startswith("-")), None)
    if words and not any(c in start for c in "&|;$") and "=" not in words[0]:
        binary = f"node_modules/.bin/{words[0]}"
        notes.append(f"scripts.start is `{start}`: the image runs {binary} (its #!/usr/bin/env node line makes node "
                     "PID 1), not npm start.")
        return (binary, *words[1:]), None
    main = package.get("main")
    if isinstance(main, str) and (root / main).is_file():
        notes.append(f"package.json's main is {main}, so the image runs `node {main}`.")
        return ("node", main), main
    entry = next((e for e in _ENTRIES if (root / e).is_file()), None)
    if entry:
        notes.append(f"{entry} is the entry point (no scripts.start or main names one), so the image runs `node {entry}`.")
        return ("node", entry), entry
    notes.append("No entry point was found (scripts.start, main, server.js, index.js): set dockerfile.command, "
                 "e.g. [node, server.js].")
    return ("node", "index.js"), None


def detect(root: Path, notes: list[str]) -> dict[str, Any] | None:
    package = js.read_package(root, notes)
    if package is None or static.front_end(package):  # a front-end only built: nginx serves it (static)
        return None
    out: dict[str, Any] = {"language": LANGUAGE}
    out["tool"] = js.tool(root, package, notes)
    out["base_image"] = f"node:{js.node_version(root, package, notes)}-slim"
    out["runtime_image"], out["target"] = None, None
    if "build" in js.scripts(package):
        out["target"] = "build"
        notes.append(f"package.json has a build script, so a build stage runs `{out['tool']} run build` with every "
                     "dependency and the final image keeps only the production ones.")
    command, entry = _command(root, package, notes)
    out["command"], out["entry_point"] = command, entry
    source = (root / entry).read_text(encoding="utf-8", errors="replace") if entry and (root / entry).is_file() else ""
    m = _PORT_RE.search(source)
    if m:
        out["port"] = int(m.group(1))
        notes.append(f"{entry} listens on port {out['port']}; the Dockerfile exposes it.")
    else:
        out["port"] = DEFAULT_PORT
        notes.append(f"No port was found in the entry point, so the Dockerfile exposes {DEFAULT_PORT}, Node's usual; "
                     "change the Port if the app listens elsewhere.")
    if source and "SIGTERM" not in source:
        notes.append(f"{entry} does not handle SIGTERM: as PID 1, node then ignores `docker stop`, which kills it "
                     "after 10 s. Add process.on('SIGTERM', () => server.close()) to stop at once and finish requests.")
    return out


def dockerfile_body(spec: DockerfileSpec) -> list[str]:
    tool = spec.tool
    env = env_lines(spec, [("NODE_ENV", "production")])
    sigterm = ("node as PID 1 stops on docker stop's SIGTERM only if the app handles it: process.on('SIGTERM', ...).",)
    if not spec.target:  # target: the package.json script a build stage runs
        return [f"FROM {spec.base_image}", "", *env, f"WORKDIR {spec.workdir}", "",
                *user_lines(spec, spec.base_image),
                "# Dependencies first, production ones only: Docker reuses this layer until the lock file changes.",
                *js.install_lines(tool, spec.base_image, production=True), "", "COPY . .", "", *tail_lines(spec, about_cmd=sigterm)]
    runtime = spec.runtime_image or spec.base_image
    return [
        "# Build stage: every dependency (compilers, bundlers, types) and the build itself.",
        f"FROM {spec.base_image} AS build", "", f"WORKDIR {spec.workdir}", "",

        "# Dependencies first: Docker reuses this layer until the lock file changes.",
        *js.install_lines(tool, spec.base_image, production=False), "", "COPY . .",
        *js.build_lines(tool, spec.target, prune=True), "",
        "# Final stage: what the app needs to run, without the build tools and development dependencies.",
        f"FROM {runtime}", "", *env, f"WORKDIR {spec.workdir}", "",
        *user_lines(spec, runtime),
        f"COPY --from=build {spec.workdir} {spec.workdir}", "", *tail_lines(spec, about_cmd=sigterm),
    ]
