"""The container engine this machine has: find one, then build, run for a moment, tag, push, list tags.

Every operation goes through the engine's own command line (``docker``, ``podman`` or ``buildah``, and
``skopeo`` for registry-to-registry copies and tag lists), and every line it prints is handed to ``out`` as
it comes, so a person sees the builder's real words. Nothing here imports a UI.

**Networking is a hard rule**: every build and run is given ``--network host`` explicitly; nothing here
creates a network, a bridge or a firewall rule, and nothing talks to podman's Docker-compatible API
(``podman system service``), which gave containers a bridge network and switched on IP forwarding even with
``netns="host"`` configured. Registries are reached over plain HTTP only on 127.0.0.1 (``--tls-verify=false``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dockwright.wizard.errors import DockwrightError
from dockwright.wizard.names import parse_reference

ENGINES = ("docker", "podman", "buildah")
INSTALL_HINT = ("install one: on Debian/Ubuntu `apt-get install buildah skopeo` (no daemon needed), "
                "or start Docker, or install podman")

Out = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


class NoEngine(DockwrightError):
    """No usable container engine: each one tried and why it was refused are in the sentence."""


@dataclass(frozen=True)
class Ran:
    """One engine command that ran: its argv, exit code, everything it printed and how long it took."""

    argv: tuple[str, ...]
    code: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass(frozen=True)
class Moment:
    """What run-for-a-moment saw: ``ok`` when the port answered or the process was still up."""

    ok: bool
    what: str  # one sentence: "port 8000 answered after 1.2 s", "exited with code 1 after 0.4 s"
    output: str
    command: tuple[str, ...]
    status: int | None = None  # the HTTP status of GET http_path, when asked for
    body: str = ""  # the first 500 characters of that answer


def run_streamed(argv: Sequence[str], out: Out = _quiet, *, cwd: str | os.PathLike[str] | None = None,
                 env: dict[str, str] | None = None, timeout: float = 1800.0) -> Ran:
    """Run ``argv``, hand each output line (stdout and stderr together, as a terminal shows them) to ``out``."""
    start = time.monotonic()
    proc = subprocess.Popen(list(argv), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, text=True, errors="replace", start_new_session=True)
    lines: list[str] = []
    assert proc.stdout is not None
    watchdog = threading.Timer(timeout, stop_group, [proc])  # also when the command hangs without a word
    watchdog.daemon = True
    watchdog.start()
    try:
        for line in proc.stdout:
            lines.append(line)
            out(line.rstrip("\n"))
        code = proc.wait()
    finally:
        watchdog.cancel()
    if time.monotonic() - start >= timeout:
        lines.append(f"dockwright: stopped after {timeout:.0f} s\n")
        out(lines[-1].rstrip("\n"))
    return Ran(tuple(argv), code, "".join(lines), time.monotonic() - start)


def stop_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Stop a child started with ``start_new_session`` and everything it started: TERM, then KILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _probe(argv: Sequence[str], timeout: float = 20.0) -> tuple[bool, str]:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    text = (done.stderr or done.stdout).strip().splitlines()
    return done.returncode == 0, (text[-1] if text else f"exit code {done.returncode}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def http_get(port: int, path: str = "/") -> tuple[int, str] | None:
    """GET ``http://127.0.0.1:PORT/path``: (status, start of the body), or None when nothing answered HTTP."""
    from urllib.error import HTTPError, URLError
    from urllib.request import urlopen

    try:
        with urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.status, resp.read(500).decode(errors="replace")
    except HTTPError as exc:  # a 404 or 500 is still an answer from the app
        return exc.code, exc.read(500).decode(errors="replace")
    except (URLError, OSError):
        return None


def move_port(command: Sequence[str], port: int, to: int) -> tuple[str, ...]:
    """``command`` with its listening port ``port`` moved to ``to`` on 127.0.0.1.

    Containers here share the host's network (no port mapping: that would need a bridge), so two images that
    both listen on 8000 would collide with each other and with whatever the machine runs. Only the spellings
    dockwright's Dockerfiles use are changed: ``0.0.0.0:PORT`` (gunicorn), ``--port PORT``, ``--host 0.0.0.0``.
    """
    moved: list[str] = []
    for i, word in enumerate(command):
        before = command[i - 1] if i else ""
        if word in (f"0.0.0.0:{port}", f":{port}"):
            word = f"127.0.0.1:{to}"
        elif before in ("--port", "-p") and word == str(port):
            word = str(to)
        elif word.startswith("--port=") and word == f"--port={port}":
            word = f"--port={to}"
        elif before in ("--host", "-h") and word == "0.0.0.0":
            word = "127.0.0.1"
        moved.append(word)
    return tuple(moved)


def qualified(name: str) -> str:
    """``python:3.13-slim`` -> ``docker.io/library/python:3.13-slim``: the name Docker means by a short one.

    podman and buildah tag a short name under ``localhost/`` and resolve short names through registries.conf,
    so a stand-in tagged ``python:3.13-slim`` there would not be the image a Dockerfile's FROM finds; the fully
    qualified name is found by all three engines without pulling.
    """
    ref = parse_reference(name)
    return ref.with_tag() + (f"@{ref.digest}" if ref.digest else "")


@dataclass(frozen=True)
class Engine:
    """A usable engine (``docker``, ``podman`` or ``buildah``) and the ones refused before it, with why."""

    name: str
    path: str
    refused: tuple[tuple[str, str], ...] = ()
    skopeo: str | None = None
    env: dict[str, str] = field(default_factory=dict, compare=False)

    def describe(self) -> str:
        why = "; ".join(f"{n} refused: {reason}" for n, reason in self.refused)
        return f"{self.name} ({self.path})" + (f"; {why}" if why else "")

    def _run(self, args: Sequence[str], out: Out = _quiet, **kw) -> Ran:
        env = {**os.environ, **self.env} if self.env else None
        return run_streamed([self.path, *args], out, env=env, **kw)

    # ---- build -----------------------------------------------------------------------------------------
    def build(self, context: str | os.PathLike[str], tag: str, out: Out = _quiet, *,
              dockerfile: str = "Dockerfile", extra: Sequence[str] = ()) -> Ran:
        """Build ``context`` (a folder) into ``tag``; the builder's own output goes to ``out`` line by line.

        ``extra``: more options (``--build-arg K=V``, ``--label K=V``), the same for every engine."""
        file = str(Path(context) / dockerfile)
        if self.name == "buildah":
            # buildah has no daemon and here no user namespaces: chroot isolation runs each RUN step in a
            # chroot sharing the host's network (Docker would give it a network namespace of its own).
            # --force-rm: a failed step's working container is removed too (buildah keeps it by default).
            args = ["bud", "--isolation", "chroot", "--network", "host", "--layers", "--force-rm", "-f", file,
                    "-t", tag]
        else:
            # docker without BuildKit (not on these machines) and podman both take --network=host for RUN steps.
            args = ["build", "--network=host", "-f", file, "-t", tag]
        return self._run([*args, *extra, str(context)], out)

    # ---- inspect ---------------------------------------------------------------------------------------
    def inspect(self, image: str) -> dict | None:
        """The image's config (``Cmd``, ``Entrypoint``, ``User``, ``Labels``...) and ``Size``, or None."""
        args = (["inspect", "--type", "image", image] if self.name == "buildah"
                else ["image", "inspect", image])
        ran = self._run(args)
        if not ran.ok:
            return None
        data = json.loads(ran.output)
        if self.name == "buildah":
            config = dict(data.get("OCIv1", {}).get("config") or {})
            return {**config, "Size": None}
        item = data[0] if isinstance(data, list) else data
        return {**(item.get("Config") or {}), "Size": item.get("Size")}

    def containers(self) -> list[str]:
        """The ids of every container the engine holds (buildah: working containers), running or not."""
        args = ["containers", "-q"] if self.name == "buildah" else ["ps", "-a", "-q"]
        ran = self._run(args)
        return sorted(ran.output.split()) if ran.ok else []

    def exists(self, image: str) -> bool:
        return self.inspect(image) is not None

    def size(self, image: str) -> str | None:
        """The image's size as the engine reports it ("204 MB"); buildah only says it in ``images --json``."""
        if self.name == "buildah":
            ran = self._run(["images", "--json", image])
            rows = json.loads(ran.output or "[]") if ran.ok else []
            return str(rows[0].get("size")) if rows and rows[0].get("size") else None
        info = self.inspect(image)
        return f"{int(info['Size']) / 1e6:.0f} MB" if info and info.get("Size") else None

    # ---- run for a moment ------------------------------------------------------------------------------
    def start_command(self, image: str) -> tuple[str, ...]:
        info = self.inspect(image) or {}
        return tuple(info.get("Entrypoint") or ()) + tuple(info.get("Cmd") or ())

    def run_briefly(self, image: str, out: Out = _quiet, *, port: int | None = None, move_to: int | None = None,
                    settle: float = 3.0, wait: float = 90.0, http_path: str | None = None,
                    container_env: dict[str, str] | None = None) -> Moment:
        """Start the image's CMD on the host network, wait for ``port`` to answer (or, with no port, for the
        process to still be up after ``settle`` seconds), then stop it and clean up.

        ``move_to``: listen on that port of 127.0.0.1 instead of ``port`` (see :func:`move_port`).
        ``http_path``: the port counts as answering only once ``GET http_path`` gets an HTTP answer.
        ``container_env``: environment variables set in the container (``PORT`` for apps that read it).
        """
        command = self.start_command(image)
        if not command:
            return Moment(False, "the image has no CMD or ENTRYPOINT to start", "", ())
        listen = port
        if port is not None and move_to is not None:
            command = move_port(command, port, move_to)
            listen = move_to
        name = f"dockwright-moment-{uuid.uuid4().hex[:10]}"
        container = None
        if self.name == "buildah":
            # `buildah run` does not start the image's CMD (it runs the command given), as `docker run` does:
            # the CMD read from the image is passed explicitly. USER, WORKDIR and ENV come from the image.
            made = self._run(["from", "--pull-never", "--name", name, image])
            if not made.ok:
                return Moment(False, f"buildah could not use the image: {made.output.strip()}", made.output, command)
            container = name
            sets = [a for k, v in (container_env or {}).items() for a in ("--env", f"{k}={v}")]
            argv = [self.path, "run", "--isolation", "chroot", "--network", "host", *sets, name, "--", *command]
        else:
            sets = [a for k, v in (container_env or {}).items() for a in ("-e", f"{k}={v}")]
            argv = [self.path, "run", "--rm", "--network=host", "--name", name, *sets, "--entrypoint", command[0],
                    image, *command[1:]]
        env = {**os.environ, **self.env} if self.env else None
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                text=True, errors="replace", start_new_session=True, env=env)
        lines: list[str] = []
        reader = _LineReader(proc, lines, out)
        start = time.monotonic()
        try:
            ok, what, answer = self._watch(proc, listen, settle, wait, start, http_path)
            if proc.poll() is None:  # what the engine prints after this (buildah: "exit status 1") is the stop
                out(f"dockwright: {what}; stopping it")
        finally:
            if self.name != "buildah" and proc.poll() is None:
                self._run(["stop", "-t", "2", name])
            stop_group(proc)
            reader.join()
            if container:
                self._run(["rm", container])
        status, body = answer or (None, "")
        return Moment(ok, what, "".join(lines), command, status, body)

    @staticmethod
    def _watch(proc: subprocess.Popen, port: int | None, settle: float, wait: float, start: float,
               http_path: str | None) -> tuple[bool, str, tuple[int, str] | None]:
        while True:
            elapsed = time.monotonic() - start
            code = proc.poll()
            if code is not None:
                return False, f"exited with code {code} after {elapsed:.1f} s", None
            if port is not None and port_answers(port):
                if http_path is None:
                    return True, f"port {port} answered after {elapsed:.1f} s", None
                answer = http_get(port, http_path)
                if answer is not None:
                    return True, f"GET {http_path} on port {port} answered {answer[0]} after {elapsed:.1f} s", answer
            if port is None and elapsed >= settle:
                return True, f"still running after {elapsed:.1f} s", None
            if elapsed > wait:
                return False, f"port {port} did not answer within {wait:.0f} s (the process was still running)", None
            time.sleep(0.2)

    # ---- tag, push, copy, list -------------------------------------------------------------------------
    def tag(self, image: str, new: str, out: Out = _quiet) -> Ran:
        return self._run(["tag", image, new], out)

    def remove(self, *images: str) -> Ran:
        return self._run(["rmi", *images])

    def push(self, image: str, dest: str, out: Out = _quiet) -> Ran:
        """Push ``image`` to ``dest`` (``host:port/path:tag``); plain HTTP is allowed only for 127.0.0.1."""
        insecure = dest.startswith(("127.0.0.1:", "localhost:"))
        if self.name == "docker":
            # docker pushes to 127.0.0.0/8 over HTTP by default and takes no --tls-verify; it pushes a tag it has.
            if image != dest:
                tagged = self.tag(image, dest, out)
                if not tagged.ok:
                    return tagged
            return self._run(["push", dest], out)
        tls = ["--tls-verify=false"] if insecure else []
        return self._run(["push", *tls, image, f"docker://{dest}"], out)

    def copy(self, src: str, dest: str, out: Out = _quiet) -> Ran:
        """Registry to registry (``host:port/path:tag`` both): skopeo when present, else pull, tag and push."""
        if self.skopeo:
            tls = [f"--{side}-tls-verify=false" for side, ref in (("src", src), ("dest", dest))
                   if ref.startswith(("127.0.0.1:", "localhost:"))]
            return run_streamed([self.skopeo, "copy", *tls, f"docker://{src}", f"docker://{dest}"], out)
        tls = ["--tls-verify=false"] if self.name != "docker" and src.startswith("127.0.0.1:") else []
        pulled = self._run(["pull", *tls, src], out)
        return pulled if not pulled.ok else self.push(src, dest, out)

    def list_tags(self, repository: str, out: Out = _quiet) -> list[str]:
        """The tags of ``host:port/path`` as the registry lists them (``/v2/<path>/tags/list``)."""
        if self.skopeo:
            tls = ["--tls-verify=false"] if repository.startswith(("127.0.0.1:", "localhost:")) else []
            ran = run_streamed([self.skopeo, "list-tags", *tls, f"docker://{repository}"], out)
            if not ran.ok:
                raise DockwrightError(f"skopeo could not list the tags of {repository}: {ran.output.strip()}")
            return sorted(json.loads(ran.output).get("Tags") or [])
        from urllib.request import urlopen  # no skopeo: the registry's HTTP API, as skopeo would ask it

        host, _, path = repository.partition("/")
        with urlopen(f"http://{host}/v2/{path}/tags/list", timeout=30) as resp:
            text = resp.read().decode()
        out(text)
        return sorted(json.loads(text).get("tags") or [])

    # ---- images from a root file system (stand-ins) -----------------------------------------------------
    def import_rootfs(self, tarball: str | os.PathLike[str], name: str, *, labels: dict[str, str],
                      env: dict[str, str], cmd: Sequence[str], out: Out = _quiet) -> Ran:
        """Make image ``name`` from a root file system tarball, with labels, environment and CMD."""
        if self.name == "buildah":
            made = self._run(["from", "scratch"])
            if not made.ok:
                return made
            ctr = made.output.strip().splitlines()[-1]
            try:
                for step in (["add", ctr, str(tarball), "/"],
                             ["config", *[a for k, v in labels.items() for a in ("--label", f"{k}={v}")],
                              *[a for k, v in env.items() for a in ("--env", f"{k}={v}")],
                              "--cmd", json.dumps(list(cmd)), ctr],
                             ["commit", "--rm", ctr, name]):
                    ran = self._run(step, out)
                    if not ran.ok:
                        return ran
                return ran
            finally:
                self._run(["rm", ctr])
        changes = [f"LABEL {k}={json.dumps(v)}" for k, v in labels.items()]
        changes += [f"ENV {k}={json.dumps(v)}" for k, v in env.items()] + [f"CMD {json.dumps(list(cmd))}"]
        return self._run(["import", *[a for c in changes for a in ("--change", c)], str(tarball), name], out)


class _LineReader:
    """Reads a child's output on a thread so that waiting for its port never blocks on a full pipe."""

    def __init__(self, proc: subprocess.Popen, lines: list[str], out: Out) -> None:
        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                out(line.rstrip("\n"))

        self._thread = threading.Thread(target=pump, daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join(timeout=10)


# -------------------------------------------------------------------------------------------------------
# Finding one
# -------------------------------------------------------------------------------------------------------

def _why_refused(name: str, path: str) -> str | None:
    """None when ``name`` at ``path`` can build and run here, else the reason in a few words."""
    if name == "docker":
        ok, said = _probe([path, "version", "--format", "{{.Server.Version}}"])
        return None if ok else f"its daemon is not reachable ({said})"
    if name == "podman":
        return _podman_refused(path)
    ok, said = _probe([path, "info"])
    return None if ok else f"`buildah info` fails ({said})"


def _podman_refused(path: str) -> str | None:
    """Run ``/bin/true`` in a container whose root is a folder of ours holding just it and its libraries.

    ``podman info`` succeeds where every container fails: on these machines the runtime cannot set podman's
    default limits (``error setting rlimit type 7: operation not permitted``; with crun: ``setrlimit
    RLIMIT_NOFILE``, then "cgroups in hybrid mode not supported"). Only starting one tells. No network (``none``).
    """
    import tempfile

    true = shutil.which("true") or "/bin/true"
    libs = subprocess.run(["ldd", true], capture_output=True, text=True, check=False).stdout
    with tempfile.TemporaryDirectory(prefix="dockwright-podman-probe-") as tmp:
        for file in [true, *re.findall(r"(/\S+) \(0x", libs)]:
            target = Path(tmp) / file.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, target)
        ok, said = _probe([path, "run", "--rm", "--network=none", "--rootfs", tmp, "/" + true.lstrip("/")], 60)
    if ok:
        return None
    return (f"its containers cannot start ({said}); configure it (containers.conf: runtime, cgroup_manager, "
            "default_ulimits) or use buildah")


def find_engine(prefer: str = "auto", *, which: Callable[[str], str | None] = shutil.which) -> Engine:
    """The first usable engine among docker (daemon reachable), podman, buildah; or ``prefer`` only.

    ``DOCKWRIGHT_ENGINE`` (docker, podman or buildah) picks one when ``prefer`` is ``auto``.
    Raises :class:`NoEngine` naming each engine tried and why it was refused.
    """
    prefer = os.environ.get("DOCKWRIGHT_ENGINE", "auto") if prefer == "auto" else prefer
    if prefer not in ("auto", *ENGINES):
        raise NoEngine(f"Unknown container engine {prefer!r}.", f"Choose auto, {', '.join(ENGINES)}.")
    refused: list[tuple[str, str]] = []
    for name in ENGINES if prefer == "auto" else (prefer,):
        path = which(name)
        if not path:
            refused.append((name, "not installed"))
            continue
        why = _why_refused(name, path)
        if why:
            refused.append((name, why))
            continue
        return Engine(name, path, tuple(refused), skopeo=which("skopeo"))
    tried = "; ".join(f"{n}: {why}" for n, why in refused)
    raise NoEngine(f"No usable container engine ({tried}).", INSTALL_HINT[:1].upper() + INSTALL_HINT[1:] + ".")


def safe_tag_part(text: str) -> str:
    """``text`` as a lowercase image-name component (letters, digits, single separators)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "image"
