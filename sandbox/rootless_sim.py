"""Daemonless builds in a sandbox job: BuildKit rootless (``buildctl-daemonless.sh``), Buildah, and skopeo.

These run with no Docker daemon and no privilege, but only where the runner lets them (see :class:`Confinement`):

- rootless BuildKit starts ``buildkitd`` under RootlessKit, which needs ``unshare`` (blocked by the default
  seccomp profile) and mounts (blocked by the default AppArmor profile): the docker executor needs
  ``security_opt = ["seccomp:unconfined", "apparmor:unconfined"]``, the Kubernetes executor the pod
  annotation ``container.apparmor.security.beta.kubernetes.io/build: unconfined`` (pods run without a
  seccomp profile unless one is set), as GitLab's "Build Docker images with BuildKit" page documents;
- Buildah needs ``STORAGE_DRIVER=vfs`` (overlay does not stack on the container's overlayfs) and, to
  isolate RUN steps, ``BUILDAH_ISOLATION=chroot`` and the same unconfined seccomp/AppArmor (GitLab's
  "Use Buildah to build images in a rootless container" tutorial).

Each failure prints the program's real message, its source cited beside it. Images land in the sandbox's
registry like ``docker push`` does (docker_sim); credentials come from ``~/.docker/config.json`` (BuildKit)
or ``buildah login`` / ``skopeo login``.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from dockwright.sandbox.docker_images import Reference, RegistryPort, fake_digest, parse_reference
from dockwright.sandbox.dockerfile_sim import BuildError, DockerfileBuild
from dockwright.sandbox.shell_sim import NOT_EXECUTED, CommandResult, Invocation

__all__ = ["Confinement", "RootlessTools", "rootless_tools"]

# github:rootless-containers/rootlesskit pkg/parent/parent.go ("failed to start the child: %w") printed by
# cmd/rootlesskit/main.go ("[rootlesskit:%s] error: %v"): clone(CLONE_NEWUSER) refused by the default seccomp profile.
ROOTLESSKIT_SECCOMP = "[rootlesskit:parent] error: failed to start the child: fork/exec /proc/self/exe: operation not permitted\n"
# github:rootless-containers/rootlesskit pkg/child/child.go setMountPropagation ("failed to share mount point: /: %w"):
# mount refused by the default AppArmor profile (docker-default).
ROOTLESSKIT_APPARMOR = "[rootlesskit:child ] error: failed to share mount point: /: permission denied\n"
# github:containers/buildah vendor/go.podman.io/storage/drivers/overlay/overlay.go ("'overlay' is not supported over
# %s, a mount_program is required: %w") wrapping drivers/driver.go ErrIncompatibleFS.
BUILDAH_OVERLAY = ("Error: 'overlay' is not supported over overlayfs, a mount_program is required: "
                   "backing file system is unsupported for this graph driver\n")
# github:containers/buildah vendor/go.podman.io/storage/pkg/unshare/unshare.c ("Error during unshare(CLONE_NEWUSER): %m").
BUILDAH_UNSHARE = "Error during unshare(CLONE_NEWUSER): Operation not permitted\n"


@dataclass(frozen=True)
class Confinement:
    """What the job's container may do: privileged, or seccomp/AppArmor left unconfined."""

    privileged: bool = False
    seccomp_unconfined: bool = False
    apparmor_unconfined: bool = False

    @classmethod
    def from_runner(cls, *, executor: str, privileged: bool, security_opt: tuple[str, ...]) -> Confinement:
        """``security_opt`` as config.toml writes it (``seccomp:unconfined``, ``apparmor=unconfined``); for
        the Kubernetes executor the sandbox stores the pod annotation as ``apparmor:unconfined`` and a pod has
        no seccomp profile unless one is set."""
        opts = {o.replace("=", ":").strip().lower() for o in security_opt}
        return cls(privileged=privileged,
                   seccomp_unconfined="seccomp:unconfined" in opts or executor == "kubernetes",
                   apparmor_unconfined="apparmor:unconfined" in opts)

    @property
    def may_unshare(self) -> bool:
        return self.privileged or self.seccomp_unconfined

    @property
    def may_mount(self) -> bool:
        return self.privileged or self.apparmor_unconfined


@dataclass
class RootlessTools:
    """The handlers for ``buildctl-daemonless.sh``, ``buildah`` and ``skopeo`` in one job."""

    confinement: Confinement
    registry: RegistryPort
    read_file: Callable[[str], bytes | None]
    exists: Callable[[str], bool] | None
    project_dir: str
    files: Mapping[str, str]  # what the job's scripts wrote (absolute path -> text)
    images: dict[str, str] = field(default_factory=dict)  # buildah's local store: reference -> image id
    logins: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)  # [sandbox] lines to print with the command's output
    real_build: Callable[[str, list[str], CommandResult], bool] | None = None  # real buildah (real_engine)

    def handlers(self) -> dict[str, Callable[[Invocation], CommandResult]]:
        return {"buildctl-daemonless.sh": self.buildctl, "buildah": self.buildah, "skopeo": self.skopeo}

    # -- shared ---------------------------------------------------------------------------------------
    def _repo_path(self, cwd: str, path: str) -> str | None:
        full = posixpath.normpath(posixpath.join(cwd, path))
        if full == self.project_dir:
            return ""
        return full[len(self.project_dir) + 1:] if full.startswith(self.project_dir + "/") else None

    def _solve(self, context: str, dockerfile_dir: str, out: CommandResult, *, file_name: str = "Dockerfile") -> str | None:
        """The simulated build of the checkout's Dockerfile: the image id, or None (message in ``out``)."""
        path = posixpath.join(dockerfile_dir, file_name) if dockerfile_dir else file_name
        content = self.read_file(path)
        if content is None:
            out.code = 1
            out.err(f"error: failed to solve: failed to read dockerfile: open {file_name}: no such file or directory\n")
            return None
        exists = self.exists or (lambda p: self.read_file(p) is not None)
        build = DockerfileBuild(registry=self.registry, read_file=self.read_file, exists=exists)
        try:
            image_id, _ = build.solve(content.decode("utf-8", "replace"), context, {}, out)
        except BuildError as exc:
            for line in exc.lines:
                out.out(line)
            out.code = 1
            out.err(f"error: failed to solve: {exc}\n")
            return None
        return image_id

    def _push(self, ref: Reference, image_id: str, out: CommandResult, *, logged_in: bool, denied: str) -> bool:
        if ref.domain != self.registry.host:
            out.out(f"{NOT_EXECUTED}push to {ref.with_tag()} (the sandbox cannot reach {ref.domain}; "
                    f"only its own registry {self.registry.host} is played)\n")
            return True
        if not logged_in:
            out.code = 1
            out.err(denied)
            return False
        try:
            self.registry.push(ref.path, ref.tag or "latest", fake_digest(image_id, "manifest"))
        except (LookupError, ValueError, PermissionError):
            out.code = 1
            out.err(denied)
            return False
        return True

    def _login(self, tool: str, argv: list[str], inv: Invocation) -> CommandResult:
        user, password, host = "", None, ""
        i = 0
        while i < len(argv):
            arg = argv[i]
            if arg in ("-u", "--username") and i + 1 < len(argv):
                user, i = argv[i + 1], i + 1
            elif arg in ("-p", "--password") and i + 1 < len(argv):
                password, i = argv[i + 1], i + 1
            elif arg == "--password-stdin":
                password = inv.stdin.rstrip("\n")
            elif not arg.startswith("-"):
                host = arg
            i += 1
        if not host:
            return CommandResult(125).err("Error: please provide a registry to log in to\n")
        if host != self.registry.host:
            return CommandResult().out(f"{NOT_EXECUTED}{tool} login {host} (the sandbox cannot reach it)\n")
        if password is None or not self.registry.authenticate(user, password):
            # github:containers/common pkg/auth/auth.go: "logging into %q: invalid username/password"
            return CommandResult(125).err(f"Error: logging into \"{host}\": invalid username/password\n")
        self.logins.add(host)
        return CommandResult().out("Login Succeeded!\n")

    # -- BuildKit ---------------------------------------------------------------------------------------
    def _docker_config_auth(self, env: Mapping[str, str], host: str) -> bool:
        home = env.get("HOME", "/root")
        config_dir = env.get("DOCKER_CONFIG") or posixpath.join(home, ".docker")
        text = self.files.get(posixpath.join(config_dir, "config.json"))
        if not text:
            # The sandbox's shell cannot play the `$(printf ... | base64 | tr -d '\n')` line that writes the file:
            # it takes the job's registry credentials instead, and says so (an unfinished part, see issue 14).
            if env.get("CI_REGISTRY") == host and env.get("CI_REGISTRY_USER"):
                self.notes.append(f"[sandbox] {config_dir}/config.json was not written by the sandbox's shell: "
                                  "using $CI_REGISTRY_USER/$CI_REGISTRY_PASSWORD as its auths entry\n")
                return self.registry.authenticate(env["CI_REGISTRY_USER"], env.get("CI_REGISTRY_PASSWORD", ""))
            return False
        try:
            auth = json.loads(text)["auths"][host]["auth"]
            user, _, password = base64.b64decode(auth).decode().partition(":")
        except (ValueError, KeyError, TypeError, binascii.Error):
            return False
        return self.registry.authenticate(user, password)

    def buildctl(self, inv: Invocation) -> CommandResult:
        if not self.confinement.may_unshare or not self.confinement.may_mount:
            # buildctl-daemonless.sh waitForBuildkitd (github:moby/buildkit examples/buildctl-daemonless/
            # buildctl-daemonless.sh): "could not connect to $addr after $max trials", then buildkitd's log.
            log = ROOTLESSKIT_SECCOMP if not self.confinement.may_unshare else ROOTLESSKIT_APPARMOR
            return (CommandResult(1).err("could not connect to unix:///run/user/1000/buildkit/buildkitd.sock after 10 trials\n")
                    .err("========== log ==========\n").err(log)
                    .err("[sandbox] rootless BuildKit needs seccomp and AppArmor unconfined: security_opt = "
                         "[\"seccomp:unconfined\", \"apparmor:unconfined\"] in [runners.docker], or the pod annotation "
                         "container.apparmor.security.beta.kubernetes.io/build: unconfined on Kubernetes "
                         "(https://docs.gitlab.com/ci/docker/using_buildkit/)\n"))
        args = inv.argv[1:]
        if not args or args[0] != "build":
            return CommandResult().out(f"{NOT_EXECUTED}buildctl {' '.join(args)}\n")
        locals_: dict[str, str] = {}
        outputs: list[str] = []
        i = 1
        while i < len(args):
            arg = args[i]
            value = args[i + 1] if i + 1 < len(args) else ""
            if arg == "--local":
                key, _, path = value.partition("=")
                locals_[key] = path
                i += 1
            elif arg == "--output":
                outputs.append(value)
                i += 1
            elif arg in ("--frontend", "--opt", "--import-cache", "--export-cache", "--secret"):
                i += 1
            i += 1
        context = self._repo_path(inv.cwd, locals_.get("context", "."))
        dockerfile_dir = self._repo_path(inv.cwd, locals_.get("dockerfile", "."))
        if context is None or dockerfile_dir is None:
            return CommandResult(1).err("error: failed to solve: the sandbox builds from the checkout only\n")
        out = CommandResult()
        image_id = self._solve(context, dockerfile_dir, out)
        if image_id is None:
            return out
        for output in outputs:
            fields = _csv_fields(output)
            if fields.get("type") != "image":
                continue
            names = [n for n in fields.get("name", "").split(",") if n]
            out.out(f"#9 exporting to image\n#9 exporting layers done\n#9 exporting manifest {fake_digest(image_id, 'm')} done\n")
            for name in names:
                try:
                    ref = parse_reference(name)
                except ValueError as exc:
                    out.code = 1
                    return out.err(f"error: failed to solve: invalid reference format: {exc}\n")
                out.out(f"#9 naming to {ref.with_tag()} done\n")
                if fields.get("push") in ("true", "1"):
                    out.out(f"#9 pushing layers\n#9 pushing manifest for {ref.with_tag()}\n")
                    logged_in = self._docker_config_auth(inv.env, ref.domain)
                    for note in self.notes:
                        out.out(note)
                    self.notes.clear()
                    ok = self._push(ref, image_id, out, logged_in=logged_in,
                                    denied=f"error: failed to solve: failed to push {ref.with_tag()}: "
                                           "unexpected status from HEAD request: 401 Unauthorized\n")
                    if not ok:
                        return out
            out.out("#9 DONE 0.3s\n")
        return out

    # -- Buildah ---------------------------------------------------------------------------------------
    def buildah(self, inv: Invocation) -> CommandResult:
        args = inv.argv[1:]
        sub = args[0] if args else ""
        if sub == "login":
            return self._login("buildah", args[1:], inv)
        if sub in ("bud", "build", "push") and inv.env.get("STORAGE_DRIVER", "overlay") != "vfs":
            return CommandResult(125).err(BUILDAH_OVERLAY).err(
                "[sandbox] buildah in an unprivileged container needs STORAGE_DRIVER=vfs "
                "(https://docs.gitlab.com/ci/docker/buildah_rootless_tutorial/)\n")
        if sub in ("bud", "build"):
            return self._buildah_build(args[1:], inv)
        if sub == "push":
            return self._buildah_push(args[1:], inv)
        return CommandResult().out(f"{NOT_EXECUTED}buildah {' '.join(args)}\n")

    def _buildah_build(self, args: list[str], inv: Invocation) -> CommandResult:
        if not self.confinement.may_unshare:
            return CommandResult(125).err(BUILDAH_UNSHARE).err(
                "[sandbox] buildah needs seccomp unconfined: security_opt = [\"seccomp:unconfined\", "
                "\"apparmor:unconfined\"] in [runners.docker] (https://docs.gitlab.com/ci/docker/buildah_rootless_tutorial/)\n")
        tags, positional, file_name = [], [], "Dockerfile"
        i = 0
        while i < len(args):
            arg = args[i]
            if arg in ("-t", "--tag") and i + 1 < len(args):
                tags.append(args[i + 1])
                i += 1
            elif arg in ("-f", "--file") and i + 1 < len(args):
                file_name = args[i + 1]
                i += 1
            elif arg in ("--label", "--build-arg", "--isolation", "--format", "--layers", "--network") and i + 1 < len(args):
                i += 1
            elif not arg.startswith("-"):
                positional.append(arg)
            i += 1
        context = self._repo_path(inv.cwd, positional[0] if positional else ".")
        if context is None:
            return CommandResult(125).err("Error: the sandbox builds from the checkout only\n")
        out = CommandResult()
        if self.real_build is not None:
            if not self.real_build(context, tags, out):
                return out
            image_id = fake_digest(context, *tags)
        else:
            found = self._solve(context, context, out, file_name=file_name)
            if found is None:
                out.code = 125
                return out
            image_id = found
            out.out(f"COMMIT {tags[0] if tags else ''}\nGetting image source signatures\nWriting manifest to image destination\n")
        for tag in tags:
            try:
                self.images[parse_reference(tag).with_tag()] = image_id
            except ValueError as exc:
                return CommandResult(125).err(f"Error: tag {tag}: {exc}\n")
        return out.out(f"{image_id.removeprefix('sha256:')}\n")

    def _buildah_push(self, args: list[str], inv: Invocation) -> CommandResult:
        names = [a for a in args if not a.startswith("-")]
        if not names:
            return CommandResult(125).err("Error: at least one image name needs to be specified\n")
        try:
            ref = parse_reference(names[0])
        except ValueError as exc:
            return CommandResult(125).err(f"Error: {exc}\n")
        image_id = self.images.get(ref.with_tag())
        if image_id is None:
            # github:containers/buildah push.go / libimage: "%s: image not known"
            return CommandResult(125).err(f"Error: {names[0]}: image not known\n")
        out = CommandResult().out("Getting image source signatures\nCopying blob done\nWriting manifest to image destination\n")
        self._push(ref, image_id, out, logged_in=ref.domain in self.logins,
                   denied=f"Error: pushing image \"{ref.with_tag()}\" to \"docker://{ref.with_tag()}\": "
                          "writing blob: initiating layer upload to /v2/: authentication required\n")
        if out.code:
            out.code = 125
        return out

    # -- skopeo ----------------------------------------------------------------------------------------
    def skopeo(self, inv: Invocation) -> CommandResult:
        args = inv.argv[1:]
        sub = args[0] if args else ""
        if sub == "login":
            return self._login("skopeo", args[1:], inv)
        if sub != "copy":
            return CommandResult().out(f"{NOT_EXECUTED}skopeo {' '.join(args)}\n")
        names = [a for a in args[1:] if not a.startswith("-")]
        if len(names) != 2 or not all(n.startswith("docker://") for n in names):
            return CommandResult(1).err("[sandbox] skopeo copy plays docker:// to docker:// only\n")
        try:
            source, dest = (parse_reference(n.removeprefix("docker://")) for n in names)
        except ValueError as exc:
            return CommandResult(1).err(f"FATA[0000] Invalid destination name: {exc}\n")
        if source.domain == self.registry.host:
            if source.domain not in self.logins:
                return CommandResult(1).err(f"FATA[0000] initializing source docker://{source.with_tag()}: reading "
                                            "manifest: unauthorized: authentication required\n")
            if not self.registry.has(source.path, source.tag or "latest"):
                return CommandResult(1).err(f"FATA[0000] initializing source docker://{source.with_tag()}: reading "
                                            f"manifest {source.tag or 'latest'} in {source.name}: manifest unknown\n")
        out = CommandResult().out("Getting image source signatures\nCopying blob done\nCopying config done\n"
                                  "Writing manifest to image destination\n")
        if not self._push(dest, source.with_tag(), out, logged_in=dest.domain in self.logins,
                          denied="FATA[0000] copying system image from manifest list: trying to reuse blob at "
                                 "destination: unauthorized: authentication required\n"):
            out.code = 1
        return out


def _csv_fields(text: str) -> dict[str, str]:
    """buildctl's --output value: CSV ``key=value`` fields, a field in double quotes may hold commas."""
    import csv

    row = next(csv.reader([text]), [])
    return {k.strip(): v for k, _, v in (f.partition("=") for f in row)}


def rootless_tools(runner: RunnerLike, *, job_image: str, registry: RegistryPort, read_file: Callable[[str], bytes | None],
                   exists: Callable[[str], bool] | None, project_dir: str, files: Mapping[str, str],
                   real: object | None = None) -> dict[str, Callable[[Invocation], CommandResult]]:
    """The daemonless tools the job's image carries (moby/buildkit, quay.io/buildah, quay.io/skopeo), as
    handlers for the job's shell; none for other images."""
    bare = job_image.split("@", 1)[0]
    repo = bare[:bare.rfind(":")] if bare.rfind(":") > bare.rfind("/") else bare
    parts = repo.split("/")  # moby/buildkit, quay.io/buildah/stable, quay.io/skopeo/stable
    name = next((p for p in reversed(parts) if p in ("buildkit", "buildah", "skopeo")), "")
    tools = RootlessTools(
        Confinement.from_runner(executor=runner.executor, privileged=runner.privileged, security_opt=runner.security_opt),
        registry=registry, read_file=read_file, exists=exists, project_dir=project_dir, files=files)
    wanted = {"buildkit": "buildctl-daemonless.sh", "buildah": "buildah", "skopeo": "skopeo"}.get(name)
    handlers = tools.handlers()
    if name == "buildah":
        return {"buildah": handlers["buildah"], "skopeo": handlers["skopeo"]}
    return {wanted: handlers[wanted]} if wanted else {}


class RunnerLike(Protocol):
    @property
    def executor(self) -> str: ...

    @property
    def privileged(self) -> bool: ...

    @property
    def security_opt(self) -> tuple[str, ...]: ...
