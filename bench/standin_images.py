"""Stand-in base images, made from Debian's packages, where Docker Hub is out of reach.

Run: .venv/bin/python bench/standin_images.py [NAME ...]     (default: python:3.13-slim; needs root and mmdebstrap)
     .venv/bin/python bench/standin_images.py --time NAME ...  (also prints each rootfs's mmdebstrap time)

Each stand-in is a minimal Debian bookworm (``mmdebstrap --variant=minbase``) with python3, pip and
``python`` on the PATH, imported into the container engine found (wizard/engine.py) under the name a generated
Dockerfile's FROM uses (``python:3.13-slim`` -> ``docker.io/library/python:3.13-slim``). It is NOT the Docker Hub
image: its Python is Debian's (3.11), and it says so in its labels (``io.dockwright.standin``). The host's CA
bundle is copied in and ``PIP_CERT`` points at it, so pip inside a build trusts what the host trusts (a proxy's
CA included). Only tests (tests/real/) and the benchmarks use these; users pull the real images.

Other stacks' images share ONE Debian trixie root file system (:data:`STACKS_RECIPE`: nodejs, golang-go, nginx,
and npm's own release from the npm registry; one mmdebstrap run for all of them, so a fresh CI machine pays it
once, then one import): ``node:*`` (Debian's Node 20),
``golang:*`` (Debian's Go, with the official image's GOPATH=/go and GOTOOLCHAIN=local),
``nginxinc/nginx-unprivileged:*`` (Debian's nginx configured as the unprivileged image: port 8080, pid and
temporary files in /tmp, logs to the terminal) and ``gcr.io/distroless/*`` (the same file system: a stand-in
only has to run a static binary as 65532). Each name gets its own image config (environment, CMD).
``rust:*``, ``ruby:*``, ``composer:*``, ``php:*-apache`` and ``gcr.io/distroless/cc*`` share a second one
(:data:`COMPILED_RECIPE`, measured: mmdebstrap 536 s at this machine's load, a 986 MB tarball, rustc and LLVM
two thirds of it). Java (Maven/Gradle fetch their plugins from Maven Central) and .NET (not in Debian) have none.

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
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dockwright.wizard.engine import Engine, find_engine, qualified, run_streamed  # noqa: E402

DEFAULT_NAMES = ("python:3.13-slim",)
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
IMAGE_CA = "/etc/ssl/certs/ca-certificates.crt"
LABEL = "io.dockwright.standin"
PYTHON_RECIPE = {
    "suite": "bookworm",
    "variant": "minbase",
    "packages": ["python3", "python3-pip", "python-is-python3", "passwd", "ca-certificates"],
    # bookworm marks its Python as externally managed (PEP 668); the python image's pip installs freely.
    "hooks": ['rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED; rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*'],
    "excludes": ["/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*"],
    "version": 1,
}
# error_log stderr writes to the inherited descriptor: /dev/stderr cannot be opened by uid 101 under buildah's
# chroot (the pipe is root's), and the unprivileged image's own config also logs to the terminal.
_NGINX_CONF = """pid /tmp/nginx.pid;
error_log stderr;
events {}
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    server {
        listen 8080;
        root /usr/share/nginx/html;
        index index.html;
    }
}
"""
_NPM_URL = "https://registry.npmjs.org/npm/-/npm-10.9.2.tgz"
_NPM_SHA256 = "5cd1e5ab971ea6333f910bc2d50700167c5ef4e66da279b2a3efc874c6b116e4"
STACKS_RECIPE = {
    "suite": "trixie",
    "variant": "minbase",
    # Not Debian's npm: it pulls in 341 node-* packages (and node-gyp's compilers), two thirds of the packages to
    # unpack; npm's own release is one self-contained tarball from the npm registry (which CI reaches), checked.
    "packages": ["nodejs", "golang-go", "nginx", "passwd", "ca-certificates"],
    "hooks": [f"printf '%s' '{_NGINX_CONF}' > \"$1\"/etc/nginx/nginx.conf",
              'mkdir -p "$1"/usr/share/nginx/html "$1"/go && rm -f "$1"/usr/share/nginx/html/* '
              '&& chmod 1777 "$1"/var/log/nginx',  # nginx opens its built-in log path before reading the config
              # What no build here needs, to import faster: static libraries and headers (npm's node-gyp pulls
              # them in), Go's own tests and test data (never compiled into a program).
              'find "$1"/usr/lib -name "*.a" -delete; rm -rf "$1"/usr/include; '
              'find "$1"/usr/share/go-* "$1"/usr/lib/go-* \\( -name "*_test.go" -o -name testdata \\) -prune '
              '-exec rm -rf {} +; rm -rf "$1"/usr/share/go-*/test "$1"/usr/lib/go-*/test',
              f'curl -fsSL {_NPM_URL} -o "$1"/tmp/npm.tgz && echo "{_NPM_SHA256}  $1/tmp/npm.tgz" | sha256sum -c - '
              '&& mkdir -p "$1"/usr/lib/node_modules/npm '
              '&& tar -xzf "$1"/tmp/npm.tgz -C "$1"/usr/lib/node_modules/npm --strip-components=1 && rm "$1"/tmp/npm.tgz '
              '&& ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$1"/usr/bin/npm '
              '&& ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$1"/usr/bin/npx',
              'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*'],
    "excludes": ["/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*"],
    "version": 1,
}
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# rust, ruby, composer and php:*-apache share a second trixie file system (one mmdebstrap run): Debian's rustc and
# cargo, ruby and bundler (with the compilers the Ruby Dockerfile's build stage installs, so its apt-get step finds
# them there), php-cli with composer, and Apache with mod_php set up as the php:*-apache image (apache2-foreground,
# php.ini-production in $PHP_INI_DIR, its run, lock and log folders www-data's; the logs stay files: under
# buildah's chroot isolation www-data may not open the terminal /dev/stderr leads to). mmdebstrap empties /run after
# the hooks (all but /run/lock), which took the run folder away: Apache as www-data then stopped at once
# ("DefaultRuntimeDir must be a valid directory"); the real image has it, so /run is kept (skip: cleanup/run).
_APACHE_FOREGROUND = """#!/bin/sh
set -e
. /etc/apache2/envvars
rm -f "$APACHE_PID_FILE"
exec apache2 -DFOREGROUND "$@"
"""
PHP_INI_DIR = "/etc/php/8.4/apache2"  # trixie's PHP is 8.4; mod_php reads its php.ini there
COMPILED_RECIPE = {
    "suite": "trixie",
    "variant": "minbase",
    "packages": ["rustc", "cargo", "ruby", "bundler", "build-essential", "libyaml-dev", "pkg-config", "php-cli",
                 "composer", "apache2", "libapache2-mod-php", "passwd", "ca-certificates"],
    "skip": ["cleanup/run"],
    "hooks": [f"printf '%s' '{_APACHE_FOREGROUND}' > \"$1\"/usr/local/bin/apache2-foreground "
              '&& chmod 755 "$1"/usr/local/bin/apache2-foreground',
              f'cp "$1"/usr/lib/php/*/php.ini-production "$1"{PHP_INI_DIR}/',
              'mkdir -p "$1"/run/apache2 "$1"/run/lock/apache2 "$1"/usr/local/bundle "$1"/usr/local/cargo '
              '&& rm -f "$1"/var/www/html/index.html '
              '&& chown -R 33:33 "$1"/run/apache2 "$1"/run/lock/apache2 "$1"/var/log/apache2 "$1"/var/www/html',
              'rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*'],
    "excludes": ["/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*"],
    "version": 1,
}


class Standin(NamedTuple):  # not a dataclass: tests/real/conftest.py loads this file without sys.modules
    """How the stand-in for a name is made: its root file system's recipe, then its image config."""

    recipe: dict[str, Any]
    env: dict[str, str]
    cmd: tuple[str, ...]
    what: str  # said in the image's description label


def standin_for(name: str) -> Standin:
    """The stand-in for an image name: by its repository (``node``, ``golang``, ``nginx-unprivileged``,
    ``distroless/...``); any other name gets the Python one, as before."""
    repo = name.split("@")[0].rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name.split("@")[0]
    last = repo.rsplit("/", 1)[-1]
    if last == "node":
        return Standin(STACKS_RECIPE, {"PATH": _PATH, "LANG": "C.UTF-8", "NODE_EXTRA_CA_CERTS": IMAGE_CA},
                       ("node",), "Debian's nodejs and npm")
    if last == "golang":
        return Standin(STACKS_RECIPE, {"PATH": "/go/bin:" + _PATH, "GOPATH": "/go", "GOTOOLCHAIN": "local",
                                       "LANG": "C.UTF-8"}, ("go", "version"), "Debian's golang-go")
    if last == "nginx-unprivileged":
        return Standin(STACKS_RECIPE, {"PATH": _PATH}, ("nginx", "-g", "daemon off;"),
                       "Debian's nginx set up as the unprivileged image (port 8080)")
    if last == "rust":
        return Standin(COMPILED_RECIPE, {"PATH": "/usr/local/cargo/bin:" + _PATH, "CARGO_HOME": "/usr/local/cargo",
                                         "LANG": "C.UTF-8"}, ("cargo", "--version"), "Debian's rustc and cargo")
    if last == "ruby":
        return Standin(COMPILED_RECIPE, {"PATH": "/usr/local/bundle/bin:" + _PATH, "GEM_HOME": "/usr/local/bundle",
                                         "BUNDLE_APP_CONFIG": "/usr/local/bundle", "BUNDLE_SILENCE_ROOT_WARNING": "1",
                                         "LANG": "C.UTF-8"}, ("irb",), "Debian's ruby and bundler")
    if last == "composer":
        return Standin(COMPILED_RECIPE, {"PATH": _PATH, "COMPOSER_HOME": "/tmp", "COMPOSER_ALLOW_SUPERUSER": "1"},
                       ("composer",), "Debian's php-cli and composer")
    if last == "php" and "apache" in name:
        return Standin(COMPILED_RECIPE, {"PATH": _PATH, "PHP_INI_DIR": PHP_INI_DIR}, ("apache2-foreground",),
                       "Debian's Apache and mod_php set up as the php:*-apache image")
    if "distroless/cc" in repo:  # Rust binaries link glibc: the file system they were built on
        return Standin(COMPILED_RECIPE, {"PATH": _PATH}, ("/bin/true",),
                       "a Debian file system standing in for distroless cc")
    if "distroless" in repo:
        return Standin(STACKS_RECIPE, {"PATH": _PATH}, ("/bin/true",), "a Debian file system standing in for distroless")
    return Standin(PYTHON_RECIPE, {"PATH": _PATH, "LANG": "C.UTF-8", "PIP_CERT": IMAGE_CA}, ("python3",),
                   "Debian's python3")


Out = Callable[[str], None]


def recipe_key(recipe: dict[str, Any] | None = None) -> str:
    ca = hashlib.sha256(HOST_CA.read_bytes()).hexdigest()[:12] if HOST_CA.is_file() else "none"
    return hashlib.sha256(json.dumps({**(recipe or PYTHON_RECIPE), "ca": ca}, sort_keys=True).encode()).hexdigest()[:16]


def image_key(standin: Standin) -> str:
    """The recipe key plus the image's own config: a change of either makes a new image."""
    config = json.dumps({"root": recipe_key(standin.recipe), "env": standin.env, "cmd": standin.cmd}, sort_keys=True)
    return hashlib.sha256(config.encode()).hexdigest()[:16]


def cache_root() -> Path:
    given = os.environ.get("DOCKWRIGHT_STANDIN_CACHE")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dockwright" / "standins"


def _slot(name: str) -> Path:
    return cache_root() / re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _mmdebstrap_argv(target: Path, recipe: dict[str, Any] | None = None) -> list[str]:
    recipe = recipe or PYTHON_RECIPE
    argv = ["mmdebstrap", f"--variant={recipe['variant']}", "--include=" + ",".join(recipe["packages"])]
    argv += [f"--dpkgopt=path-exclude={p}" for p in recipe["excludes"]]
    argv += [f"--customize-hook={h}" for h in recipe["hooks"]]
    argv += [f"--skip={step}" for step in recipe.get("skip", ())]
    if HOST_CA.is_file():
        argv.append(f"--customize-hook=upload {HOST_CA} {IMAGE_CA}")
    return argv + [recipe["suite"], str(target)]


MADE_SECONDS: dict[str, float] = {}  # name -> seconds mmdebstrap took for it in this process (--time)


def rootfs(name: str, out: Out = print) -> Path:
    """The cached root file system tarball for ``name``, made with mmdebstrap when missing or stale; names
    with the same recipe share one tarball (hard links), so it is made once."""
    recipe = standin_for(name).recipe
    key = recipe_key(recipe)
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
    out(f"stand-in {name}: making a Debian {recipe['suite']} root file system with mmdebstrap (a minute or two)")
    start = time.monotonic()
    ran = run_streamed(_mmdebstrap_argv(made, recipe), out)
    MADE_SECONDS[name] = time.monotonic() - start
    if not ran.ok:
        made.unlink(missing_ok=True)
        raise SystemExit(f"mmdebstrap failed (exit {ran.code}); its output is above")
    made.replace(tar)
    stamp.write_text(key + "\n")
    return tar


def ensure(engine: Engine, name: str, out: Out = print) -> str:
    """Make sure the engine has a stand-in (or the real image) called ``name``; returns the qualified name."""
    full = qualified(name)
    standin = standin_for(name)
    key = image_key(standin)
    info = engine.inspect(full)
    labels = (info or {}).get("Labels") or {}
    if info is not None and labels.get(LABEL) != "true":
        out(f"{full}: a real image of that name is present; left as it is")
        return full
    if info is not None and labels.get(f"{LABEL}.recipe") == key:
        return full
    if standin.recipe is not PYTHON_RECIPE:  # a shared file system: imported once, each name derived from it
        return _derive(engine, name, full, standin, key, out)
    tar = rootfs(name, out)
    start = time.monotonic()
    ran = engine.import_rootfs(
        tar, full, out=out,
        labels={LABEL: "true", f"{LABEL}.recipe": key, f"{LABEL}.for": name,
                "org.opencontainers.image.description":
                    f"Stand-in for {name} made by dockwright's bench/standin_images.py from Debian "
                    f"{standin.recipe['suite']} packages ({standin.what}); not the real image"},
        env=standin.env,
        cmd=list(standin.cmd),
    )
    if not ran.ok:
        raise SystemExit(f"{engine.name} could not import the stand-in {full}: {ran.output.strip()[-400:]}")
    out(f"stand-in {full} imported into {engine.name} in {time.monotonic() - start:.1f} s")
    return full


def _root_image(engine: Engine, name: str, recipe: dict[str, Any], out: Out) -> str:
    """The shared root file system as an image of its own (imported once: a 600 MB import per name would cost
    half a minute each); the names that use it are thin layers of config on top."""
    key = recipe_key(recipe)
    root = f"localhost/dockwright-standin-root:{key}"
    if engine.inspect(root) is None:
        start = time.monotonic()
        ran = engine.import_rootfs(rootfs(name, out), root, out=out, labels={LABEL: "true", f"{LABEL}.recipe": key},
                                   env={"PATH": _PATH}, cmd=["/bin/sh"])
        if not ran.ok:
            raise SystemExit(f"{engine.name} could not import the stand-ins' file system: {ran.output.strip()[-400:]}")
        out(f"stand-ins' file system {root} imported into {engine.name} in {time.monotonic() - start:.1f} s")
    return root


def _derive(engine: Engine, name: str, full: str, standin: Standin, key: str, out: Out) -> str:
    """``full`` built FROM the shared root image with the name's own ENV, CMD and labels (no file copied)."""
    import tempfile

    root = _root_image(engine, name, standin.recipe, out)
    labels = {LABEL: "true", f"{LABEL}.recipe": key, f"{LABEL}.for": name,
              "org.opencontainers.image.description":
                  f"Stand-in for {name} made by dockwright's bench/standin_images.py from Debian "
                  f"{standin.recipe['suite']} packages ({standin.what}); not the real image"}
    lines = [f"FROM {root}"]
    lines += [f"ENV {k}={json.dumps(v)}" for k, v in standin.env.items()]
    lines += [f"LABEL {json.dumps(k)}={json.dumps(v)}" for k, v in labels.items()]
    lines.append(f"CMD {json.dumps(list(standin.cmd))}")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dockwright-standin-") as folder:
        (Path(folder) / "Dockerfile").write_text("\n".join(lines) + "\n")
        ran = engine.build(folder, full, out)
    if not ran.ok:
        raise SystemExit(f"{engine.name} could not make the stand-in {full}: {ran.output.strip()[-400:]}")
    out(f"stand-in {full} made from {root} in {time.monotonic() - start:.1f} s")
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
    timed = "--time" in argv
    names = [a for a in argv if a != "--time"] or list(DEFAULT_NAMES)
    engine = find_engine()
    print(f"engine: {engine.describe()}")
    for name in names:
        print(ensure(engine, name))
    if timed:
        for name in names:
            made = MADE_SECONDS.get(name)
            print(f"{name}: " + (f"mmdebstrap {made:.0f} s" if made is not None else "root file system from the cache "
                                 "(made before, or shared with a name above)"))
    return 0


if __name__ == "__main__":
    if os.geteuid() != 0 and not shutil.which("unshare"):
        print("mmdebstrap needs root (or user namespaces through unshare)", file=sys.stderr)
    sys.exit(main(sys.argv[1:]))
