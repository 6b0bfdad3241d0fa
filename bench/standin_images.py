"""Stand-in base images, made from Debian's packages, where Docker Hub is out of reach.

Run: .venv/bin/python bench/standin_images.py [NAME ...]     (default: python:3.13-slim; needs root and mmdebstrap)

Each stand-in is a minimal Debian bookworm (``mmdebstrap --variant=minbase``) with python3, pip and
``python`` on the PATH, imported into the container engine found (wizard/engine.py) under the name a generated
Dockerfile's FROM uses (``python:3.13-slim`` -> ``docker.io/library/python:3.13-slim``). It is NOT the Docker Hub
image: its Python is Debian's (3.11), and it says so in its labels (``io.dockwright.standin``). The host's CA
bundle is copied in and ``PIP_CERT`` points at it, so pip inside a build trusts what the host trusts (a proxy's
CA included). Only tests (tests/real/) and the benchmarks use these; users pull the real images.

Cached between runs: the root file system tarball lives in ``<cache>/<name>/rootfs.tar`` (cache:
``$DOCKWRIGHT_STANDIN_CACHE``, else ``~/.cache/dockwright/standins``) next to the recipe it was made from; a name
whose recipe matches another's shares its tarball (hard link), and an image already in the engine with the same
recipe label is left as it is. An image of that name that is not a stand-in (a real pull) is never replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dockwright.wizard.engine import Engine, find_engine, qualified, run_streamed  # noqa: E402

DEFAULT_NAMES = ("python:3.13-slim",)
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
IMAGE_CA = "/etc/ssl/certs/ca-certificates.crt"
LABEL = "io.dockwright.standin"
RECIPE = {
    "suite": "bookworm",
    "variant": "minbase",
    "packages": ["python3", "python3-pip", "python-is-python3", "passwd", "ca-certificates"],
    # bookworm marks its Python as externally managed (PEP 668); the python image's pip installs freely.
    "hooks": ['rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED; rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*'],
    "excludes": ["/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*"],
    "version": 1,
}

Out = Callable[[str], None]


def recipe_key() -> str:
    ca = hashlib.sha256(HOST_CA.read_bytes()).hexdigest()[:12] if HOST_CA.is_file() else "none"
    return hashlib.sha256(json.dumps({**RECIPE, "ca": ca}, sort_keys=True).encode()).hexdigest()[:16]


def cache_root() -> Path:
    given = os.environ.get("DOCKWRIGHT_STANDIN_CACHE")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockwright" / "standins"


def _slot(name: str) -> Path:
    return cache_root() / re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _mmdebstrap_argv(target: Path) -> list[str]:
    argv = ["mmdebstrap", f"--variant={RECIPE['variant']}", "--include=" + ",".join(RECIPE["packages"])]
    argv += [f"--dpkgopt=path-exclude={p}" for p in RECIPE["excludes"]]
    argv += [f"--customize-hook={h}" for h in RECIPE["hooks"]]
    if HOST_CA.is_file():
        argv.append(f"--customize-hook=upload {HOST_CA} {IMAGE_CA}")
    return argv + [RECIPE["suite"], str(target)]


def rootfs(name: str, out: Out = print) -> Path:
    """The cached root file system tarball for ``name``, made with mmdebstrap when missing or stale."""
    key = recipe_key()
    slot = _slot(name)
    tar, stamp = slot / "rootfs.tar", slot / "recipe"
    if tar.is_file() and stamp.is_file() and stamp.read_text().strip() == key:
        return tar
    slot.mkdir(parents=True, exist_ok=True)
    for other in cache_root().glob("*/recipe"):
        if other.read_text().strip() == key and (other.parent / "rootfs.tar").is_file() and other.parent != slot:
            tar.unlink(missing_ok=True)
            os.link(other.parent / "rootfs.tar", tar)
            stamp.write_text(key + "\n")
            return tar
    if not shutil.which("mmdebstrap"):
        raise SystemExit("mmdebstrap is not installed: apt-get install mmdebstrap")
    made = slot / "making.tar"  # mmdebstrap writes a tarball because the name ends in .tar; renamed when whole
    made.unlink(missing_ok=True)
    out(f"stand-in {name}: making a Debian {RECIPE['suite']} root file system with mmdebstrap (about a minute)")
    ran = run_streamed(_mmdebstrap_argv(made), out)
    if not ran.ok:
        made.unlink(missing_ok=True)
        raise SystemExit(f"mmdebstrap failed (exit {ran.code}); its output is above")
    made.replace(tar)
    stamp.write_text(key + "\n")
    return tar


def ensure(engine: Engine, name: str, out: Out = print) -> str:
    """Make sure the engine has a stand-in (or the real image) called ``name``; returns the qualified name."""
    full = qualified(name)
    key = recipe_key()
    info = engine.inspect(full)
    labels = (info or {}).get("Labels") or {}
    if info is not None and labels.get(LABEL) != "true":
        out(f"{full}: a real image of that name is present; left as it is")
        return full
    if info is not None and labels.get(f"{LABEL}.recipe") == key:
        return full
    tar = rootfs(name, out)
    start = time.monotonic()
    ran = engine.import_rootfs(
        tar, full, out=out,
        labels={LABEL: "true", f"{LABEL}.recipe": key, f"{LABEL}.for": name,
                "org.opencontainers.image.description":
                    f"Stand-in for {name} made by dockwright's bench/standin_images.py from Debian "
                    f"{RECIPE['suite']} packages (Debian's python3); not the Docker Hub image"},
        env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
             "PIP_CERT": IMAGE_CA},
        cmd=["python3"],
    )
    if not ran.ok:
        raise SystemExit(f"{engine.name} could not import the stand-in {full}: {ran.output.strip()[-400:]}")
    out(f"stand-in {full} imported into {engine.name} in {time.monotonic() - start:.1f} s")
    return full


def from_images(dockerfile_text: str) -> list[str]:
    """The images a Dockerfile's FROM lines name (stage names and ``--platform`` left out)."""
    stages: set[str] = set()
    names: list[str] = []
    for line in dockerfile_text.splitlines():
        words = line.split()
        if not words or words[0].upper() != "FROM":
            continue
        words = [w for w in words[1:] if not w.startswith("--")]
        if words and words[0].lower() not in stages and words[0] != "scratch":
            names.append(words[0])
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2].lower())
    return names


def main(argv: list[str]) -> int:
    engine = find_engine()
    print(f"engine: {engine.describe()}")
    for name in argv or list(DEFAULT_NAMES):
        print(ensure(engine, name))
    return 0


if __name__ == "__main__":
    if os.geteuid() != 0 and not shutil.which("unshare"):
        print("mmdebstrap needs root (or user namespaces through unshare)", file=sys.stderr)
    sys.exit(main(sys.argv[1:]))
