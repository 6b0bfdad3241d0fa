"""Go modules: a build stage compiles a static binary (CGO_ENABLED=0, module and build caches); the final
image is distroless's static nonroot image: no shell, no package manager, no compiler, only the binary."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dockwright.wizard.plan import DockerfileSpec
from dockwright.wizard.stacks.common import env_lines, major_minor, tail_lines

LANGUAGE = "go"
DEFAULT_GO = "1.25"
DISTROLESS = "gcr.io/distroless/static-debian12:nonroot"
NONROOT = "65532:65532"  # distroless's nonroot user, by number: no /etc/passwd lookup needed
DEFAULT_PORT = 8080
TEACHING = ("Go: a build stage with the Go toolchain compiles one static binary (CGO_ENABLED=0, modules and build "
            "cache kept between builds); the image you ship is distroless: the binary, certificates and a non-root "
            "user, without a shell or compiler. Main package: which package main to build (., ./cmd/server).")
IGNORES = ("**/vendor", "**/*.test", "**/coverage.out", "**/bin")
DEFAULTS: dict[str, Any] = {"base_image": f"golang:{DEFAULT_GO}", "runtime_image": DISTROLESS, "tool": "go",
                            "target": ".", "port": DEFAULT_PORT, "command": ("/app/server",)}
_PORT_RE = re.compile(r"""(?:Listen(?:AndServe(?:TLS)?)?|Addr\s*:|Run)\(?\s*"[\w.]*:(\d{2,5})\"""")
_PORT_DEFAULT_RE = re.compile(r'(?i)\bport\s*:?=\s*"(\d{2,5})"')  # port := "8080", read from $PORT first
_MAIN_RE = re.compile(r"^package\s+main\b", re.M)


def _main_packages(root: Path) -> list[str]:
    """``.`` when the module's root is package main, then ``./cmd/<name>`` folders that are."""
    found = []
    if any(_MAIN_RE.search(f.read_text(encoding="utf-8", errors="replace")) for f in root.glob("*.go")
           if not f.name.endswith("_test.go")):
        found.append(".")
    for folder in sorted((root / "cmd").glob("*")) if (root / "cmd").is_dir() else []:
        if any(_MAIN_RE.search(f.read_text(encoding="utf-8", errors="replace")) for f in folder.glob("*.go")):
            found.append(f"./cmd/{folder.name}")
    return found


def detect(root: Path, notes: list[str]) -> dict[str, Any] | None:
    gomod = root / "go.mod"
    if not gomod.is_file():
        return None
    text = gomod.read_text(encoding="utf-8", errors="replace")
    m = re.search(r"^go\s+(\S+)", text, re.M)
    version = major_minor(m.group(1)) if m else None
    if version and "." in version:
        notes.append(f"go.mod's go directive is {m.group(1) if m else version}, so the build stage is golang:{version}.")
    else:
        version = DEFAULT_GO
        notes.append(f"go.mod has no go directive, so the build stage is golang:{DEFAULT_GO}, a supported Go.")
    mains = _main_packages(root)
    target = mains[0] if mains else "."
    if not mains:
        notes.append("No package main was found at the root or under cmd/: set dockerfile.target to the main "
                     "package to build, e.g. ./cmd/server.")
    elif len(mains) > 1:
        notes.append(f"Several main packages ({', '.join(mains)}); the image builds {target}. Set dockerfile.target "
                     "(the Dockerfile step's Build target) to build another.")
    else:
        notes.append(f"The main package is {target}: the build stage compiles it into one static binary.")
    source = "\n".join(f.read_text(encoding="utf-8", errors="replace")
                       for f in (root / target).glob("*.go")) if (root / target).is_dir() else ""
    port_match = _PORT_RE.search(source) or _PORT_DEFAULT_RE.search(source)
    port = int(port_match.group(1)) if port_match else DEFAULT_PORT
    notes.append(f"The app listens on port {port}; the Dockerfile exposes it." if port_match else
                 f"No port was found in the main package, so the Dockerfile exposes {DEFAULT_PORT}; change the "
                 "Port if the app listens elsewhere.")
    notes.append(f"The final image is {DISTROLESS}: the binary alone, run as the nonroot user, with no shell "
                 "or compiler for an attacker to use.")
    return {"language": LANGUAGE, "base_image": f"golang:{version}", "runtime_image": DISTROLESS, "tool": "go",
            "target": target, "port": port, "command": ("/app/server",)}


def dockerfile_body(spec: DockerfileSpec) -> list[str]:
    runtime = spec.runtime_image or DISTROLESS
    binary = "/app/server"
    user = NONROOT if "distroless" in runtime else None
    caches = "--mount=type=cache,target=/go/pkg/mod"
    return [
        "# Build stage: the Go toolchain compiles one static binary.",
        f"FROM {spec.base_image} AS build", "", "WORKDIR /src", "",
        "# Modules first: Docker reuses this layer until go.mod or go.sum changes.",
        "COPY go.* ./",
        f"RUN {caches} go mod download", "",
        "COPY . .",
        "# CGO_ENABLED=0: no C library needed at run time, so the binary runs on an image without one.",
        f"RUN {caches} --mount=type=cache,target=/root/.cache/go-build \\",
        f"    CGO_ENABLED=0 go build -trimpath -ldflags=\"-s -w\" -o {binary} {spec.target or '.'}", "",
        "# Final stage: the binary alone; no shell, no package manager, no compiler.",
        f"FROM {runtime}", "", *env_lines(spec),
        f"COPY --from=build {binary} {binary}", "",
        *tail_lines(spec, user=user),
    ]
