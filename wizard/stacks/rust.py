"""Rust with cargo (Cargo.toml): a build stage compiles the dependencies first, from a stub main.rs, so that
layer stays cached until Cargo.toml or Cargo.lock changes; then the app in release mode. The final stage is
distroless's cc image (glibc and libgcc, which Rust binaries link against) with the binary alone.

The build stage is the Debian 12 (bookworm) variant of the rust image, so the binary links against the same
glibc as the distroless debian12 image it runs on.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from dockwright.wizard.plan import DockerfileSpec
from dockwright.wizard.stacks.common import env_lines, major_minor, tail_lines

LANGUAGE = "rust"
DEFAULT_RUST = "1.91"
RUST_IMAGE = "rust:{v}-slim-bookworm"
DISTROLESS = "gcr.io/distroless/cc-debian12:nonroot"
NONROOT = "65532:65532"
DEFAULT_PORT = 8080
_STUBS = """$(sed -n 's/^path *= *"\\(.*\\.rs\\)"/\\1/p' Cargo.toml)"""  # the sources [[bin]] and [lib] name
BINARY = "/app/server"
TEACHING = ("Rust: a build stage compiles the dependencies from stub sources first (a cached layer until Cargo.toml "
            "or Cargo.lock changes), then the release binary; the image you ship is distroless cc: the binary and "
            "glibc, no shell or compiler, run as the nonroot user. Binary: which [[bin]] to build.")
IGNORES = ("**/target", "**/*.rs.bk", "**/*.pdb")
DEFAULTS: dict[str, Any] = {"base_image": RUST_IMAGE.format(v=DEFAULT_RUST), "runtime_image": DISTROLESS,
                            "tool": "cargo", "target": "app", "port": DEFAULT_PORT, "command": (BINARY,)}
# "PORT" read from the environment with a default: env::var("PORT").unwrap_or_else(|_| "7878".to_string())
_PORT_DEFAULT_RE = re.compile(r'var\(\s*"PORT"\s*\)[^;]*?"(\d{2,5})"')
_PORT_RE = re.compile(r"""["'](?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\])?:(\d{2,5})["']|\(\[\d+, \d+, \d+, \d+\], (\d{2,5})\)""")


def _toml(path: Path, notes: list[str]) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8", errors="replace"))
    except tomllib.TOMLDecodeError as exc:
        notes.append(f"{path.name} is not valid TOML ({exc}); fix it, or the build fails.")
        return {}


def _version(root: Path, package: dict[str, Any], notes: list[str]) -> str:
    """The toolchain: rust-toolchain(.toml)'s channel (exact), else the default when it meets rust-version."""
    for name in ("rust-toolchain.toml", "rust-toolchain"):
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        channel = _toml(path, []).get("toolchain", {}).get("channel") if "[toolchain]" in text else text.strip()
        version = major_minor(str(channel or ""))
        if version and "." in version:
            notes.append(f"{name} pins Rust {channel}, so the build stage is {RUST_IMAGE.format(v=version)}.")
            return version
        notes.append(f"{name} names the channel {channel!r}, not a version: the build stage is "
                     f"{RUST_IMAGE.format(v=DEFAULT_RUST)}, a pinned stable Rust.")
        return DEFAULT_RUST
    minimum = str(package.get("rust-version", ""))
    found = major_minor(minimum) if minimum else None
    if found and tuple(map(int, found.split("."))) > tuple(map(int, DEFAULT_RUST.split("."))):
        notes.append(f"Cargo.toml's rust-version is {minimum}, so the build stage is {RUST_IMAGE.format(v=found)}.")
        return found
    why = f"meets Cargo.toml's rust-version {minimum}" if found else "no rust-toolchain file or rust-version pins one"
    notes.append(f"The build stage is {RUST_IMAGE.format(v=DEFAULT_RUST)}, a current stable Rust ({why}).")
    return DEFAULT_RUST


def detect(root: Path, notes: list[str]) -> dict[str, Any] | None:
    path = root / "Cargo.toml"
    if not path.is_file():
        return None
    cargo = _toml(path, notes)
    found = cargo.get("package")
    package: dict[str, Any] = found if isinstance(found, dict) else {}
    if cargo.get("workspace") and not package:
        notes.append("Cargo.toml is a workspace without a package of its own: set dockerfile.target to the binary "
                     "to build, and check the Dockerfile's stub step, which expects one package.")
    version = _version(root, package, notes)
    bins = [b for b in cargo.get("bin", []) if isinstance(b, dict) and b.get("name")]
    name = str(bins[0]["name"]) if bins else str(package.get("name") or "app")
    if len(bins) > 1:
        notes.append(f"Cargo.toml declares several binaries ({', '.join(b['name'] for b in bins)}); the image builds "
                     f"{name}. Set dockerfile.target (the Binary field) to build another.")
    else:
        notes.append(f"The binary is {name} ({'[[bin]]' if bins else 'the package name'} in Cargo.toml): cargo "
                     f"builds it in release mode and the image runs it as {BINARY}.")
    if not (root / "Cargo.lock").is_file():
        notes.append("No Cargo.lock: run `cargo generate-lockfile` and commit it, so every build compiles the same "
                     "dependency versions.")
    source = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted((root / "src").rglob("*.rs"))
                       ) if (root / "src").is_dir() else ""
    m = _PORT_RE.search(source)
    d = _PORT_DEFAULT_RE.search(source)
    port = int(m.group(1) or m.group(2)) if m else int(d.group(1)) if d else DEFAULT_PORT
    m = m or d
    notes.append(f"The app listens on port {port}; the Dockerfile exposes it." if m else
                 f"No port was found in src/, so the Dockerfile exposes {DEFAULT_PORT}; change the Port if the "
                 "app listens elsewhere (bind 0.0.0.0, not 127.0.0.1, to be reachable outside the container).")
    notes.append(f"The final image is {DISTROLESS}: the binary with glibc alone, run as the nonroot user, with no "
                 "shell or compiler.")
    return {"language": LANGUAGE, "base_image": RUST_IMAGE.format(v=version), "runtime_image": DISTROLESS,
            "tool": "cargo", "target": name, "port": port, "command": (BINARY,)}


def dockerfile_body(spec: DockerfileSpec) -> list[str]:
    runtime = spec.runtime_image or DISTROLESS
    name = spec.target or "app"
    registry = "--mount=type=cache,target=/usr/local/cargo/registry"
    user = NONROOT if "distroless" in runtime else None
    return [
        "# Build stage: the Rust toolchain compiles the release binary.",
        f"FROM {spec.base_image} AS build", "", "WORKDIR /src", "",
        "# Dependencies first, built from stub sources (src/main.rs and each path Cargo.toml names): Docker",
        "# reuses this layer until Cargo.toml or Cargo.lock changes, so a code change recompiles the app alone.",
        "COPY Cargo.* ./",
        f"RUN {registry} for f in src/main.rs {_STUBS}; do mkdir -p \"$(dirname \"$f\")\" && echo 'fn main() {{}}' > \"$f\"; done \\",
        "    && cargo build --release \\",
        "    && rm -rf src", "",
        "COPY . .",
        "# touch: the sources are newer than the stubs' build, so cargo rebuilds the app itself.",
        f"RUN {registry} find . -path ./target -prune -o -name '*.rs' -exec touch {{}} + \\",
        f"    && cargo build --release --bin {name} \\",
        f"    && install -D target/release/{name} {BINARY}", "",
        "# Final stage: the binary alone; no shell, no package manager, no compiler.",
        f"FROM {runtime}", "", *env_lines(spec),
        f"COPY --from=build {BINARY} {BINARY}", "",
        *tail_lines(spec, user=user),
    ]
