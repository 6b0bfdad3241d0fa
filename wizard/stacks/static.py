"""Static sites: files served by nginx's unprivileged image on port 8080.

Plain files (an index.html at the root) are copied as they are. A front-end whose build makes them
(Vite, Create React App, Angular, Astro, Parcel...) builds in a Node stage; only its output folder
(``dockerfile.target``, e.g. dist) reaches the nginx image, without Node or node_modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dockwright.wizard.plan import DockerfileSpec
from dockwright.wizard.stacks import js
from dockwright.wizard.stacks.common import env_lines, tail_lines

LANGUAGE = "static"
NGINX = "nginxinc/nginx-unprivileged:1.28-alpine"
NGINX_UID = "101"  # the unprivileged image's nginx user
PORT = 8080  # the unprivileged image listens on 8080: a non-root process cannot bind 80
TEACHING = ("Static site: nginx's unprivileged image serves the files on port 8080 (a non-root process cannot "
            "bind 80). A front-end with a build script builds in a Node stage; only the output folder reaches the "
            "nginx image, so no Node, node_modules or sources ship.")
IGNORES = (*js.IGNORES, "**/dist", "**/build")
DEFAULTS: dict[str, Any] = {"base_image": NGINX, "runtime_image": None, "tool": None, "target": None,
                            "port": PORT, "command": ("nginx", "-g", "daemon off;")}
# Front-end build tools and the folder their build writes.
_BUILDERS = (("vite", "dist"), ("react-scripts", "build"), ("@angular/cli", "dist"), ("astro", "dist"),
             ("parcel", "dist"), ("@vue/cli-service", "dist"), ("webpack", "dist"), ("gatsby", "public"),
             ("@11ty/eleventy", "_site"))
_SERVERS = ("express", "fastify", "koa", "next", "nuxt", "@nestjs/core", "hapi", "@hapi/hapi", "@remix-run/serve")


def front_end(package: dict[str, Any]) -> tuple[str, str] | None:
    """(build tool, output folder) of a front-end that is only built, never served by its own Node server."""
    deps = js.dependencies(package)
    builder = next(((name, folder) for name, folder in _BUILDERS if name in deps), None)
    if builder is None or "build" not in js.scripts(package) or deps & set(_SERVERS):
        return None
    return builder


def detect(root: Path, notes: list[str]) -> dict[str, Any] | None:
    mine: list[str] = []
    package = js.read_package(root, mine)
    out: dict[str, Any] = {"language": LANGUAGE, "port": PORT, "command": DEFAULTS["command"]}
    if package is None:
        if not (root / "index.html").is_file():
            return None
        notes.append("index.html at the root and no package.json: a static site, served as it is by nginx "
                     f"({NGINX}, unprivileged, port {PORT}).")
        return {**out, "base_image": NGINX, "runtime_image": None, "tool": None, "target": None}
    builder = front_end(package)
    if builder is None:
        return None  # a Node.js app (a server, or a front-end with its own server), not a static site
    name, folder = builder
    notes += mine
    tool = js.tool(root, package, notes)
    version = js.node_version(root, package, notes)
    notes.append(f"A front-end built by {name} (`{tool} run build` writes {folder}/): a Node stage builds it and "
                 f"nginx ({NGINX}, unprivileged, port {PORT}) serves {folder}/, without Node in the image.")
    return {**out, "base_image": f"node:{version}-slim", "runtime_image": NGINX, "tool": tool, "target": folder}


def dockerfile_body(spec: DockerfileSpec) -> list[str]:
    about = ("nginx in the foreground, so it is PID 1 and stops cleanly on docker stop.",)
    if not spec.tool:  # plain files
        return [f"FROM {spec.base_image}", "", *env_lines(spec),
                "# The site's files, where nginx serves them from; nothing to install or build.",
                "COPY . /usr/share/nginx/html", "", *tail_lines(spec, user=NGINX_UID, about_cmd=about)]
    runtime = spec.runtime_image or NGINX
    output = (spec.target or "dist").strip("/")
    return [
        "# Build stage: Node and every dependency, only to make the site's files.",
        f"FROM {spec.base_image} AS build", "", f"WORKDIR {spec.workdir}", "",

        "# Dependencies first: Docker reuses this layer until the lock file changes.",
        *js.install_lines(spec.tool, spec.base_image, production=False), "", "COPY . .",
        *js.build_lines(spec.tool, "build", prune=False), "",
        f"# Final stage: nginx serves {output}/; Node and node_modules stay behind in the build stage.",
        f"FROM {runtime}", "", *env_lines(spec),
        f"COPY --from=build {spec.workdir}/{output} /usr/share/nginx/html", "",
        *tail_lines(spec, user=NGINX_UID, about_cmd=about),
    ]
