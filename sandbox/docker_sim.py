"""The Docker a job talks to in the sandbox: a CLI that reaches (or fails to reach) one daemon per job.

What is played, with Docker's own messages:

- reaching the daemon: ``DOCKER_HOST`` (``unix://`` socket, ``tcp://host:port``), ``DOCKER_TLS_VERIFY`` and
  ``DOCKER_CERT_PATH`` against what the job really has (a dind service listening on 2376 with TLS or on
  2375 without, a bound host socket, client certificates in a shared volume);
- ``docker build -t X [-f F] [--pull] PATH``: the Dockerfile at the commit is read and checked by
  :mod:`dockwright.sandbox.dockerfile_sim` (base image, COPY/ADD sources, ``.dockerignore``, ``pip install -r``);
  the image lands in this job's daemon only;
- ``docker tag``, ``docker images``, ``docker info``, ``docker version``;
- ``docker login`` (``--password-stdin`` or ``-p`` with Docker's warning) against the sandbox registry's
  credentials, ``docker logout``; ``docker push`` / ``docker pull`` to and from the sandbox registry;
- ``docker buildx imagetools create -t TARGET SOURCE``: a new tag for an image already in the registry,
  made in the registry itself (nothing pulled), with the client's login.

A registry other than the sandbox's is never contacted: the log says so ("not executed").
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dockwright.sandbox.docker_images import DOCKER_HUB, Reference, RegistryPort, fake_digest, parse_reference
from dockwright.sandbox.dockerfile_sim import BuildError, DockerfileBuild
from dockwright.sandbox.shell_sim import NOT_EXECUTED, CommandResult, Invocation

API_VERSION = "1.47"
DEFAULT_CLIENT_VERSION = "27.3.1"


# --- the job's daemon and how the client reaches it ----------------------------------------------

@dataclass
class DockerDaemon:
    """One Docker engine: the images it holds and the registries it is logged in to (job-scoped)."""

    images: dict[str, str] = field(default_factory=dict)  # "domain/path:tag" -> image id
    logins: dict[str, str] = field(default_factory=dict)  # registry host -> user name

    def find(self, text: str) -> str | None:
        """The normalized name under which ``text`` (a reference or an image id prefix) is stored."""
        try:
            ref = parse_reference(text)
        except ValueError:
            ref = None
        if ref is not None and ref.with_tag() in self.images:
            return ref.with_tag()
        plain = text.removeprefix("sha256:")
        if len(plain) >= 4:
            for name, image_id in self.images.items():
                if image_id.removeprefix("sha256:").startswith(plain):
                    return name
        return None


@dataclass
class DockerReach:
    """What a job's container can reach: the facts the client's settings must agree with."""

    daemon: DockerDaemon | None = None  # the engine behind the socket or the dind service
    tcp: dict[str, tuple[int, bool]] = field(default_factory=dict)  # host name -> (port, tls) of a dind service
    unix_socket: bool = False  # /var/run/docker.sock exists in the job's container
    socket_permission: bool = True  # the job's user may use that socket (docker group)
    client_cert_dirs: frozenset[str] = frozenset()  # directories holding ca.pem/cert.pem/key.pem


def _docker_host(env: Mapping[str, str], argv_host: str | None) -> str:
    return argv_host or env.get("DOCKER_HOST", "") or "unix:///var/run/docker.sock"


def connection_error(reach: DockerReach, env, *, method: str, path: str, host: str | None = None,
                     tls_flag: bool = False) -> str | None:
    """Docker's message when the client cannot talk to a daemon with these settings, else None."""
    docker_host = _docker_host(env, host)
    tls = tls_flag or bool(env.get("DOCKER_TLS_VERIFY", ""))
    if docker_host.startswith("unix://"):
        socket = docker_host[len("unix://"):]
        if socket != "/var/run/docker.sock" or not reach.unix_socket or reach.daemon is None:
            return f"Cannot connect to the Docker daemon at {docker_host}. Is the docker daemon running?"
        if not reach.socket_permission:
            return ("permission denied while trying to connect to the Docker daemon socket at "
                    f"{docker_host}: {method} \"http://%2Fvar%2Frun%2Fdocker.sock/v{API_VERSION}{path}\": "
                    "dial unix /var/run/docker.sock: connect: permission denied")
        return None
    if not docker_host.startswith("tcp://"):
        return f"unable to parse docker host `{docker_host}`"
    hostport = docker_host[len("tcp://"):].rstrip("/")
    name, _, port_text = hostport.partition(":")
    port = int(port_text) if port_text.isdigit() else (2376 if tls else 2375)
    scheme = "https" if tls else "http"
    if tls:
        cert_path = env.get("DOCKER_CERT_PATH", "") or "/root/.docker"
        if cert_path.rstrip("/") not in reach.client_cert_dirs:
            return f"unable to resolve docker endpoint: open {cert_path.rstrip('/')}/ca.pem: no such file or directory"
    if name not in reach.tcp:
        return (f"error during connect: {method} \"{scheme}://{name}:{port}/v{API_VERSION}{path}\": "
                f"dial tcp: lookup {name} on 127.0.0.11:53: no such host")
    listen_port, listen_tls = reach.tcp[name]
    if listen_port != port:
        return f"Cannot connect to the Docker daemon at tcp://{name}:{port}. Is the docker daemon running?"
    if listen_tls and not tls:
        return "Error response from daemon: Client sent an HTTP request to an HTTPS server."
    if tls and not listen_tls:
        return (f"error during connect: {method} \"https://{name}:{port}/v{API_VERSION}{path}\": "
                "http: server gave HTTP response to HTTPS client")
    return None



# --- the CLI ---------------------------------------------------------------------------------------

_BUILD_VALUE_OPTS = {"-t", "--tag", "-f", "--file", "--build-arg", "--cache-from", "--label", "--platform",
                     "--target", "--progress", "--network", "--secret", "--ssh", "--iidfile", "--add-host",
                     "--cache-to", "--output", "-o", "--build-context", "--shm-size", "--ulimit"}


class DockerCli:
    """``docker`` as a shell handler for one job: ``DockerCli(...)(invocation) -> CommandResult``.

    ``exists(path)`` answers for files *and* directories of the repository at the commit (context
    checks); ``read_file(path)`` returns a file's bytes or None. ``project_dir`` is where the job's
    checkout lives (``/builds/<project path>``), so ``cd`` and relative paths map to repository paths.
    """

    def __init__(self, reach: DockerReach, *, registry: RegistryPort, read_file: Callable[[str], bytes | None],
                 exists: Callable[[str], bool] | None = None, project_dir: str = "/builds/project",
                 client_version: str = DEFAULT_CLIENT_VERSION) -> None:
        self.reach = reach
        self.registry = registry
        self.read_file = read_file
        self.exists = exists or (lambda p: read_file(p) is not None)
        self.project_dir = project_dir.rstrip("/")
        self.client_version = client_version

    def __call__(self, inv: Invocation) -> CommandResult:
        args = inv.argv[1:]
        host, tls = None, False
        while args and args[0].startswith("-"):
            opt = args.pop(0)
            if opt in ("-H", "--host") and args:
                host = args.pop(0)
            elif opt.startswith("--host="):
                host = opt.split("=", 1)[1]
            elif opt in ("--tls", "--tlsverify"):
                tls = True
            elif opt in ("--config", "--context", "-c", "--log-level", "-l", "--tlscacert", "--tlscert", "--tlskey") and args:
                args.pop(0)
        if not args:
            return CommandResult().out(f"{NOT_EXECUTED}{' '.join(inv.argv)}\n")
        command, rest = args[0], args[1:]
        if command == "image" and rest and rest[0] in ("ls", "list"):
            command, rest = "images", rest[1:]
        if command in ("image", "buildx") and rest and rest[0] in ("build", "push", "pull", "tag"):
            command, rest = rest[0], rest[1:]
        if command == "buildx" and rest[:2] == ["imagetools", "create"]:
            command, rest = "imagetools_create", rest[2:]
        handler = getattr(self, f"_cmd_{command}", None)
        if handler is None:
            return CommandResult().out(f"{NOT_EXECUTED}{' '.join(inv.argv)}\n")
        self._host, self._tls = host, tls
        return handler(rest, inv)

    # helpers
    def _connect(self, inv: Invocation, method: str, path: str) -> str | None:
        return connection_error(self.reach, inv.env, method=method, path=path, host=self._host, tls_flag=self._tls)

    @property
    def _daemon(self) -> DockerDaemon:
        assert self.reach.daemon is not None
        return self.reach.daemon

    def _repo_path(self, cwd: str, path: str) -> str | None:
        """A path in the job's container as a path in the repository ('' for its root), or None outside it."""
        full = posixpath.normpath(posixpath.join(cwd, path))
        if full == self.project_dir:
            return ""
        if full.startswith(self.project_dir + "/"):
            return full[len(self.project_dir) + 1:]
        return None

    @staticmethod
    def _usage(command: str, requirement: str, usage: str, purpose: str) -> CommandResult:
        return CommandResult(1).err(
            f"\"docker {command}\" requires {requirement}.\nSee 'docker {command} --help'.\n\n"
            f"Usage:  docker {command} {usage}\n\n{purpose}\n")

    # docker info / version
    def _client_block(self) -> str:
        return (f"Client:\n Version:    {self.client_version}\n Context:    default\n Debug Mode: false\n"
                " Plugins:\n  buildx: Docker Buildx (Docker Inc.)\n    Version:  v0.17.1\n"
                "    Path:     /usr/local/libexec/docker/cli-plugins/docker-buildx\n\n")

    def _cmd_info(self, rest: list[str], inv: Invocation) -> CommandResult:
        result = CommandResult().out(self._client_block())
        error = self._connect(inv, "GET", "/info")
        if error:
            result.code = 1
            return result.out("Server:\n").err(f"ERROR: {error}\nerrors pretty printing info\n")
        images = len(self._daemon.images)
        return result.out(
            f"Server:\n Containers: 0\n  Running: 0\n  Paused: 0\n  Stopped: 0\n Images: {images}\n"
            f" Server Version: {self.client_version}\n Storage Driver: overlay2\n Logging Driver: json-file\n"
            " Cgroup Driver: cgroupfs\n Kernel Version: 6.8.0 (sandbox)\n Operating System: Alpine Linux (sandbox)\n"
            " Name: sandbox-docker\n Registry: https://index.docker.io/v1/\n"
            f" Insecure Registries:\n  {self.registry.host}\n  127.0.0.0/8\n Live Restore Enabled: false\n\n")

    def _cmd_version(self, rest: list[str], inv: Invocation) -> CommandResult:
        result = CommandResult().out(
            f"Client:\n Version:           {self.client_version}\n API version:       {API_VERSION}\n"
            " OS/Arch:           linux/amd64\n Context:           default\n\n")
        error = self._connect(inv, "GET", "/version")
        if error:
            result.code = 1
            return result.err(f"{error}\n")
        return result.out(f"Server: Docker Engine - Community\n Engine:\n  Version:          {self.client_version}\n"
                          f"  API version:      {API_VERSION} (minimum version 1.24)\n")

    def _cmd_images(self, rest: list[str], inv: Invocation) -> CommandResult:
        error = self._connect(inv, "GET", "/images/json")
        if error:
            return CommandResult(1).err(f"{error}\n")
        lines = [f"{'REPOSITORY':<40} {'TAG':<12} {'IMAGE ID':<14} {'CREATED':<16} SIZE"]
        for name, image_id in self._daemon.images.items():
            ref = parse_reference(name)
            lines.append(f"{ref.familiar_name:<40} {ref.tag:<12} {image_id[7:19]:<14} {'1 second ago':<16} 152MB")
        return CommandResult().out("\n".join(lines) + "\n")

    # docker build
    def _cmd_build(self, rest: list[str], inv: Invocation) -> CommandResult:
        tags, dockerfile, build_args, positional, push, labels = [], None, {}, [], False, []
        i = 0
        while i < len(rest):
            arg = rest[i]
            name, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            if name in _BUILD_VALUE_OPTS:
                if eq:
                    value = inline
                elif i + 1 < len(rest):
                    value = rest[i + 1]
                    i += 1
                else:
                    return CommandResult(1).err(f"flag needs an argument: {arg}\nSee 'docker buildx build --help'.\n")
                if name in ("-t", "--tag"):
                    tags.append(value)
                elif name in ("-f", "--file"):
                    dockerfile = value
                elif name == "--label":
                    labels.append(value)
                elif name == "--build-arg":
                    key, _, val = value.partition("=")
                    build_args[key] = val if _ else inv.env.get(key, "")
            elif arg == "--push":
                push = True
            elif arg.startswith("-") and arg != "-":
                pass  # --pull, --no-cache, -q, --rm ...: change nothing the sandbox models
            else:
                positional.append(arg)
            i += 1
        if len(positional) != 1:
            return self._usage("buildx build", "exactly 1 argument", "[OPTIONS] PATH | URL | -", "Start a build")
        for tag in tags:
            try:
                parse_reference(tag)
            except ValueError as exc:
                return CommandResult(1).err(f"ERROR: invalid tag \"{tag}\": {exc}\n")
        context = positional[0]
        if context == "-" or re.match(r"^[a-z]+://|^git@", context):
            return CommandResult().out(f"{NOT_EXECUTED}docker build from {context} (the sandbox builds from the checkout only)\n")
        error = self._connect(inv, "HEAD", "/_ping")
        if error:
            return CommandResult(1).err(f"ERROR: {error}\n")
        context_path = self._repo_path(inv.cwd, context)
        if context_path is None:
            return CommandResult(1).err(
                f"ERROR: unable to prepare context: path \"{context}\" not found\n")
        file_arg = dockerfile or posixpath.join(context, "Dockerfile")
        file_path = self._repo_path(inv.cwd, file_arg)
        shown = dockerfile or "Dockerfile"
        out = CommandResult()
        if self.simulated:
            out.out("#0 building with \"default\" instance using docker driver\n\n")
            out.out(f"#1 [internal] load build definition from {posixpath.basename(shown)}\n")
        content = self.read_file(file_path) if file_path is not None else None
        if content is None:
            out.out("#1 transferring dockerfile: 2B done\n#1 DONE 0.0s\n")
            out.code = 1
            return out.err(f"ERROR: failed to solve: failed to read dockerfile: open {shown}: no such file or directory\n")
        text = content.decode("utf-8", "replace")
        try:
            assert file_path is not None, "content was read from it"
            image_id, last_step = self._solve(text, context_path, file_path, build_args, labels, out)
        except BuildError as exc:
            for line in exc.lines:
                out.out(line)
            out.code = 1
            return out.err(f"ERROR: failed to solve: {exc}\n")
        step = last_step + 1
        if self.simulated:
            out.out(f"#{step} exporting to image\n#{step} exporting layers 0.1s done\n"
                    f"#{step} writing image {image_id} done\n")
        for tag in tags:
            ref = parse_reference(tag)
            self._daemon.images[ref.with_tag()] = image_id
            if self.simulated:
                out.out(f"#{step} naming to {ref.with_tag()} done\n")
        if self.simulated:
            out.out(f"#{step} DONE 0.2s\n")
        for tag in tags if push else ():  # --push: BuildKit pushes each tag when the build is done
            pushed = self._cmd_push([tag], inv)
            out.chunks += pushed.chunks
            if pushed.code:
                out.code = pushed.code
                break
        return out

    simulated = True  # sandbox/real_docker.py's RealDockerCli says False and overrides the four hooks below

    def _solve(self, text: str, context_path: str, file_path: str, build_args: dict[str, str], labels: list[str],
               out: CommandResult) -> tuple[str, int]:
        """Build: (image id, last step number) or a BuildError. Simulated: the checks of dockerfile_sim."""
        content_size = len(text.encode())
        out.out(f"#1 transferring dockerfile: {content_size}B done\n#1 DONE 0.0s\n\n")
        build = DockerfileBuild(registry=self.registry, read_file=self.read_file, exists=self.exists)
        return build.solve(text, context_path, build_args, out)

    def _upload(self, ref: Reference, tag: str, image_id: str, result: CommandResult) -> bool:
        """Push one tag to the sandbox's registry; False (with the message in ``result``) when refused."""
        digest = fake_digest(image_id, "manifest")
        for layer in self._layers(image_id):
            result.out(f"{layer}: Pushed\n")
        try:
            self.registry.push(ref.path, tag, digest)
        except (LookupError, ValueError, PermissionError):  # no project owns that repository
            result.code = 1
            result.err("denied: requested access to the resource is denied\n")
            return False
        result.out(f"{tag}: digest: {digest} size: 1788\n")
        return True

    def _pulled(self, ref: Reference, tag: str, image_id: str) -> None:
        """An image pulled from the sandbox's registry is now in the job's daemon as ``image_id``."""

    def _retag(self, source: Reference, ref: Reference, out: CommandResult) -> bool:
        """A new tag ``ref`` for ``source``, made in the registry; False (message in ``out``) when refused."""
        digest = fake_digest(source.with_tag(), "manifest")
        try:
            self.registry.push(ref.path, ref.tag or "latest", digest)
        except (LookupError, ValueError, PermissionError):
            out.code = 1
            out.err("ERROR: denied: requested access to the resource is denied\n")
            return False
        out.out(f"#1 [internal] pushing {ref.with_tag()}\n#1 0.1 copying {digest} from {source.with_tag()} to "
                f"{ref.with_tag()}\n#1 DONE 0.2s\n")
        return True

    # docker tag
    def _cmd_tag(self, rest: list[str], inv: Invocation) -> CommandResult:
        if len(rest) != 2:
            return self._usage("tag", "exactly 2 arguments", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
                               "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE")
        error = self._connect(inv, "POST", "/images/tag")
        if error:
            return CommandResult(1).err(f"{error}\n")
        source, target = rest
        try:
            target_ref = parse_reference(target)
        except ValueError as exc:
            return CommandResult(1).err(f"Error parsing reference: \"{target}\" is not a valid repository/tag: {exc}\n")
        found = self._daemon.find(source)
        if found is None:
            return CommandResult(1).err(f"Error response from daemon: No such image: {source}\n")
        self._daemon.images[target_ref.with_tag()] = self._daemon.images[found]
        return CommandResult()

    # docker login
    def _cmd_login(self, rest: list[str], inv: Invocation) -> CommandResult:
        user, password, stdin, servers = "", "", False, []
        i = 0
        while i < len(rest):
            arg = rest[i]
            if arg in ("-u", "--username", "-p", "--password") and i + 1 < len(rest):
                if arg in ("-u", "--username"):
                    user = rest[i + 1]
                else:
                    password = rest[i + 1]
                i += 2
                continue
            if arg.startswith("--username="):
                user = arg.split("=", 1)[1]
            elif arg.startswith("--password="):
                password = arg.split("=", 1)[1]
            elif arg == "--password-stdin":
                stdin = True
            elif arg in ("-u", "--username", "-p", "--password"):
                return CommandResult(125).err(f"flag needs an argument: '{arg.lstrip('-')[0]}' in {arg}\n"
                                              "See 'docker login --help'.\n")
            else:
                servers.append(arg)
            i += 1
        if len(servers) > 1:
            return self._usage("login", "at most 1 argument", "[OPTIONS] [SERVER]",
                               "Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.")
        result = CommandResult()
        if password and stdin:
            return CommandResult(1).err("--password and --password-stdin are mutually exclusive\n")
        if password:
            result.err("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n")
        if stdin:
            if not user:
                result.code = 1
                return result.err("Must provide --username with --password-stdin\n")
            password = inv.stdin.rstrip("\n").rstrip("\r")
        if not user or not password:
            result.code = 1
            return result.err("Error: Cannot perform an interactive login from a non TTY device\n")
        server = servers[0] if servers else DOCKER_HUB
        host = re.sub(r"^https?://", "", server).rstrip("/").split("/")[0]
        if host in ("index.docker.io", "registry-1.docker.io"):
            host = DOCKER_HUB
        error = self._connect(inv, "POST", "/auth")
        if error:
            result.code = 1
            return result.err(f"{error}\n")
        if host != self.registry.host:
            return result.out(f"{NOT_EXECUTED}docker login {host} (the sandbox cannot reach that registry; "
                              f"only its own registry {self.registry.host} is played)\n")
        if not self.registry.authenticate(user, password):
            result.code = 1
            return result.err(f"Error response from daemon: Get \"https://{host}/v2/\": unauthorized: HTTP Basic: Access denied\n")
        self._daemon.logins[host] = user
        return result.err("WARNING! Your password will be stored unencrypted in /root/.docker/config.json.\n"
                          "Configure a credential helper to remove this warning. See\n"
                          "https://docs.docker.com/go/credential-store/\n\n").out("Login Succeeded\n")

    def _cmd_logout(self, rest: list[str], inv: Invocation) -> CommandResult:
        server = next((a for a in rest if not a.startswith("-")), DOCKER_HUB)
        host = re.sub(r"^https?://", "", server).rstrip("/").split("/")[0]
        if self.reach.daemon is None or self.reach.daemon.logins.pop(host, None) is None:
            return CommandResult().out(f"Not logged in to {host}.\n")
        return CommandResult().out(f"Removing login credentials for {host}\n")

    # docker buildx imagetools create: a tag made in the registry, no daemon involved
    def _cmd_imagetools_create(self, rest: list[str], inv: Invocation) -> CommandResult:
        targets, sources, i = [], [], 0
        while i < len(rest):
            if rest[i] in ("-t", "--tag") and i + 1 < len(rest):
                targets.append(rest[i + 1])
                i += 2
                continue
            if not rest[i].startswith("-"):
                sources.append(rest[i])
            i += 1
        if not targets or len(sources) != 1:
            return CommandResult(1).err("ERROR: sandbox plays `docker buildx imagetools create -t TARGET SOURCE` "
                                        "with one source and at least one -t\n")
        try:
            source, refs = parse_reference(sources[0]), [parse_reference(t) for t in targets]
        except ValueError as exc:
            return CommandResult(1).err(f"ERROR: {exc}\n")
        out = CommandResult()
        for ref in (source, *refs):
            if ref.domain != self.registry.host:
                return out.out(f"{NOT_EXECUTED}docker buildx imagetools create (the sandbox cannot reach "
                               f"{ref.domain}; only its own registry {self.registry.host} is played)\n")
        logins = self.reach.daemon.logins if self.reach.daemon is not None else {}
        if source.domain not in logins:
            out.code = 1
            return out.err(f"ERROR: {source.with_tag()}: unauthorized: authentication required\n")
        if not self.registry.has(source.path, source.tag or "latest"):
            out.code = 1
            return out.err(f"ERROR: {source.with_tag()}: not found\n")
        for ref in refs:
            if not self._retag(source, ref, out):
                return out
        return out

    # docker push / pull
    def _one_ref(self, command: str, rest: list[str]) -> tuple[str | None, CommandResult | None]:
        names = [a for a in rest if not a.startswith("-")]
        if len(names) != 1:
            return None, self._usage(command, "exactly 1 argument", "[OPTIONS] NAME[:TAG]",
                                     "Upload an image to a registry" if command == "push" else
                                     "Download an image from a registry")
        return names[0], None

    def _cmd_push(self, rest: list[str], inv: Invocation) -> CommandResult:
        name, usage = self._one_ref("push", rest)
        if usage is not None:
            return usage
        assert name is not None, "_one_ref gives a name or a usage"
        all_tags = any(a in ("-a", "--all-tags") for a in rest)
        try:
            ref = parse_reference(name)
        except ValueError as exc:
            return CommandResult(1).err(f"{exc}\n")
        error = self._connect(inv, "POST", f"/images/{ref.name}/push")
        if error:
            return CommandResult(1).err(f"{error}\n")
        if all_tags:
            tags = sorted(n.rsplit(":", 1)[1] for n in self._daemon.images if n.rsplit(":", 1)[0] == ref.name)
        else:
            tags = [ref.tag or "latest"]
        present = [t for t in tags if f"{ref.name}:{t}" in self._daemon.images]
        if ref.domain != self.registry.host:
            if not present:
                return CommandResult(1).out(f"The push refers to repository [{ref.name}]\n").err(
                    f"An image does not exist locally with the tag: {ref.familiar_name}\n")
            return CommandResult().out(
                f"{NOT_EXECUTED}docker push {name} (the sandbox cannot reach {ref.domain}; "
                f"only its own registry {self.registry.host} is played)\n")
        result = CommandResult().out(f"The push refers to repository [{ref.name}]\n")
        if not present:
            result.code = 1
            return result.err(f"An image does not exist locally with the tag: {ref.familiar_name}\n")
        if ref.domain not in self._daemon.logins:
            for layer in self._layers(ref.name):
                result.out(f"{layer}: Preparing\n")
            result.code = 1
            return result.err("unauthorized: authentication required\n")
        for tag in present:
            if not self._upload(ref, tag, self._daemon.images[f"{ref.name}:{tag}"], result):
                return result
        return result

    @staticmethod
    def _layers(seed: str) -> list[str]:
        return [hashlib.sha256(f"{seed}{i}".encode()).hexdigest()[:12] for i in range(3)]

    def _cmd_pull(self, rest: list[str], inv: Invocation) -> CommandResult:
        name, usage = self._one_ref("pull", rest)
        if usage is not None:
            return usage
        assert name is not None, "_one_ref gives a name or a usage"
        try:
            ref = parse_reference(name)
        except ValueError as exc:
            return CommandResult(1).err(f"{exc}\n")
        error = self._connect(inv, "POST", "/images/create")
        if error:
            return CommandResult(1).err(f"{error}\n")
        tag = ref.tag or "latest"
        result = CommandResult()
        if not ref.tag:
            result.out("Using default tag: latest\n")
        if ref.domain == self.registry.host:
            if ref.domain not in self._daemon.logins:
                result.code = 1
                return result.err(f"Error response from daemon: pull access denied for {ref.name}, repository does "
                                  "not exist or may require 'docker login': denied: access forbidden\n")
            if not self.registry.has(ref.path, tag):
                result.code = 1
                return result.err(f"Error response from daemon: manifest for {ref.name}:{tag} not found: "
                                  "manifest unknown: manifest unknown\n")
        else:
            result.out(f"[sandbox] {ref.domain} is not contacted: {ref.familiar} is assumed to exist\n")
        image_id = fake_digest(ref.name, tag)
        self._daemon.images[f"{ref.name}:{tag}"] = image_id
        if ref.domain == self.registry.host:
            self._pulled(ref, tag, image_id)
        for layer in self._layers(image_id):
            result.out(f"{layer}: Pull complete\n")
        return result.out(f"Digest: {fake_digest(image_id, 'manifest')}\n"
                          f"Status: Downloaded newer image for {ref.familiar_name}:{tag}\n{ref.name}:{tag}\n")


class MemoryRegistry:
    """A registry that lives in memory: a complete RegistryPort for unit tests and dry runs.

    ``credentials`` maps user names to the passwords ``docker login`` accepts.
    """

    def __init__(self, host: str, credentials: dict[str, str] | None = None) -> None:
        self.host = host
        self.credentials = dict(credentials or {})
        self.tags: dict[tuple[str, str], str] = {}  # (repository, tag) -> manifest digest

    def authenticate(self, user: str, password: str) -> bool:
        return bool(user) and self.credentials.get(user) == password

    def push(self, repository: str, tag: str, digest: str) -> None:
        self.tags[(repository, tag)] = digest

    def has(self, repository: str, tag: str) -> bool:
        return (repository, tag) in self.tags
