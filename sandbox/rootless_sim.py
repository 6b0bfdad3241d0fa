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
registry like ``docker push`` does (docker_sim); credentials come from the ``~/.docker/config.json`` the job's
script wrote (BuildKit; the sandbox's shell runs the generated printf | base64 | tr line) or ``buildah login`` /
``skopeo login``.

With the machine's engine (sandbox/real_engine.py, ``dockwright sandbox --engine``), once those checks pass,
``buildah build`` builds the commit's files for real, ``buildah push`` pushes to the sandbox's real registry and
``skopeo copy`` copies there; ``buildctl-daemonless.sh build`` is built by that engine too (BuildKit itself is not
on the machine). Without it, the images are simulated (dockerfile_sim).
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from dockwright.sandbox.docker_images import Reference, RegistryPort, fake_digest, parse_reference
from dockwright.sandbox.dockerfile_sim import BuildError, DockerfileBuild
from dockwright.sandbox.shell_sim import NOT_EXECUTED, CommandResult, Invocation

if TYPE_CHECKING:
    from dockwright.sandbox.real_engine import RealJob

__all__ = ["Confinement", "RootlessTools", "rootless_tools"]

# github:rootless-containers/rootlesskit pkg/parent/parent.go:216 ("failed to start the child: %w"; the child is
# exec.Command("/proc/self/exe", ...), :176) printed by cmd/rootlesskit/main.go:326 ("[rootlesskit:%s] error: %v",
# id "parent", :53): clone(CLONE_NEWUSER) refused by the default seccomp profile (EPERM; an EACCES would add the
# AppArmor userns warning of pkg/parent/warn.go:63, not this case).
ROOTLESSKIT_SECCOMP = "[rootlesskit:parent] error: failed to start the child: fork/exec /proc/self/exe: operation not permitted\n"
# github:rootless-containers/rootlesskit pkg/child/child.go:538 setMountPropagation ("failed to share mount point: /:
# %w"), id "child " padded to the parent's length (cmd/rootlesskit/main.go:55): mount refused by the default AppArmor
# profile (docker-default).
ROOTLESSKIT_APPARMOR = "[rootlesskit:child ] error: failed to share mount point: /: permission denied\n"
# buildah with STORAGE_DRIVER=overlay in quay.io/buildah/stable: the image turns on storage.conf's mount_program
# (fuse-overlayfs; github:containers/image_build buildah/Containerfile:76) and its store is a VOLUME (:111, not on
# overlayfs), so the store opens and the FROM step's mount fails where the container has no /dev/fuse. Wrapped by
# github:containers/buildah imagebuildah/stage_executor.go:1222 ("mounting new container: %w"), mount.go:10
# ("mounting build container %q: %w"), vendor/go.podman.io/storage/drivers/overlay/overlay.go:1866 ("creating overlay
# mount to %s, mount_data=%q: %w") and :1829 ("using mount program %s: %s: %w", the program's stderr then Go's
# "exit status 1"); libfuse lib/mount.c: "fuse: device not found, try 'modprobe fuse' first"; fuse-overlayfs' own
# line as podman-container-tools/buildah#5456 shows it. cmd/buildah/main.go:288 prints "Error: %v" and exits
# with the wrapped exec.ExitError's status (1).
BUILDAH_OVERLAY = ("Error: mounting new container: mounting build container \"{container}\": creating overlay mount to "
                   "/var/lib/containers/storage/overlay/{layer}/merged, mount_data=\"nodev,fsync=0,lowerdir=/var/lib/"
                   "containers/storage/overlay/l/{link},upperdir=/var/lib/containers/storage/overlay/{layer}/diff,"
                   "workdir=/var/lib/containers/storage/overlay/{layer}/work\": using mount program /usr/bin/fuse-overlayfs: "
                   "fuse: device not found, try 'modprobe fuse' first\nfuse-overlayfs: cannot mount: No such file or "
                   "directory\n: exit status 1\n")
# buildah runs as root in quay.io/buildah/stable (its Containerfile has no USER), so a RUN step under
# BUILDAH_ISOLATION=chroot unshares the UTS and mount namespaces only (github:containers/buildah
# chroot/run_linux.go:152), which the default seccomp profile refuses without CAP_SYS_ADMIN:
# vendor/go.podman.io/storage/pkg/unshare/unshare.c:369 ("Error during unshare(...): %m"); the step then fails with
# Go's "exit status 1" (chroot/run_common.go:156-163, unwrapped by imagebuildah/stage_executor.go:951) wrapped as
# "building at STEP \"%s\": %w" (stage_executor.go:1573), and buildah exits 1 (cmd/buildah/main.go:288-295).
BUILDAH_UNSHARE = "Error during unshare(...): Operation not permitted\n"

# BuildKit's push without a password for the registry (no config.json entry, or an empty one): GitLab hands out an
# anonymous token without push access, the registry answers insufficient_scope. github:moby/buildkit
# util/resolver/authorizer.go:446 (errors.Wrapf(docker.ErrInvalidAuthorization, "server message: %s", ...)) and
# vendor/github.com/containerd/containerd/v2/core/remotes/docker/resolver.go:51 ("authorization failed").
INSUFFICIENT_SCOPE = "server message: insufficient_scope: authorization failed"
# BuildKit's push with a password GitLab refuses: GET {realm} answers 401, so BuildKit retries with POST
# (github:moby/buildkit util/resolver/authorizer.go:395), which GitLab answers 404 (gitlab-org/gitlab config/routes.rb:
# post 'jwt/auth' -> 404); authorizer.go:384 ("failed to fetch oauth token"), containerd's remotes/errors/errors.go:43
# ("unexpected status from %s request to %s: %s") and remotes/docker/resolver.go:658 ("failed to authorize: %w").
OAUTH_REFUSED = "failed to authorize: failed to fetch oauth token: unexpected status from POST request to {realm}: 404 Not Found"


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
    real: RealJob | None = None  # the machine's engine and registry (sandbox/real_engine.py), else simulated images

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
            # github:moby/buildkit frontend/dockerui/config.go:403 ("failed to read dockerfile") around the open error
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

    def _unreachable(self, ref: Reference, out: CommandResult) -> bool:
        """A registry other than the sandbox's: said, and taken as pushed."""
        if ref.domain == self.registry.host:
            return False
        out.out(f"{NOT_EXECUTED}push to {ref.with_tag()} (the sandbox cannot reach {ref.domain}; "
                f"only its own registry {self.registry.host} is played)\n")
        return True

    def _store(self, ref: Reference, image_id: str, out: CommandResult, *, copy_from: Reference | None = None) -> bool:
        """The push itself, once authenticated (with the real engine: ``image_id`` is its local image, or the
        registry copies ``copy_from``). False when the registry refuses the project; an engine failure is said
        in ``out`` (its code set)."""
        tag = ref.tag or "latest"
        if self.real is None:
            try:
                self.registry.push(ref.path, tag, fake_digest(image_id, "manifest"))
            except (LookupError, ValueError, PermissionError):
                return False
            return True
        owns = getattr(self.registry, "owns", None)
        if owns is not None and not owns(ref.path):
            return False
        dest = f"{ref.domain}/{ref.path}:{tag}"
        ran = (self.real.copy(copy_from.with_tag(), dest, _lines(out)) if copy_from is not None
               else self.real.push(image_id, dest, _lines(out)))
        if not ran.ok:
            out.code = ran.code or 1
            out.err(f"[sandbox] {self.real.engine.name} could not push {dest} (exit {ran.code})\n")
            return True  # said; not a refusal
        digest, _size = self.real.real.registry.manifest(ref.path, tag)
        self.registry.push(ref.path, tag, digest)
        return True

    def _push(self, ref: Reference, image_id: str, out: CommandResult, *, logged_in: bool, denied: str,
              copy_from: Reference | None = None) -> bool:
        if self._unreachable(ref, out):
            return True
        if not logged_in or not self._store(ref, image_id, out, copy_from=copy_from):
            out.code = 1
            out.err(denied)
        return out.code == 0

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
            # github:containers/buildah vendor/go.podman.io/common/pkg/auth/auth.go:138
            return _fails(tool, "please provide a registry to log in to")
        if host != self.registry.host:
            return CommandResult().out(f"{NOT_EXECUTED}{tool} login {host} (the sandbox cannot reach it)\n")
        if password is None or not self.registry.authenticate(user, password):
            # github:containers/buildah vendor/go.podman.io/common/pkg/auth/auth.go:221
            return _fails(tool, f"logging into \"{host}\": invalid username/password")
        self.logins.add(host)
        return CommandResult().out("Login Succeeded!\n")

    # -- BuildKit ---------------------------------------------------------------------------------------
    def _docker_config_auth(self, env: Mapping[str, str], host: str) -> str | None:
        """What BuildKit's push gets from the Docker config file the job wrote for ``host``: None when the registry
        accepts it, else the error it ends with (the file missing, or no password in it: an anonymous token)."""
        config_dir = env.get("DOCKER_CONFIG") or posixpath.join(env.get("HOME", "/root"), ".docker")
        user = password = ""
        try:
            auths: dict[str, dict[str, str]] = json.loads(
                self.files.get(posixpath.join(config_dir, "config.json")) or "{}").get("auths", {})
            # a key may carry a scheme and a path (https://host/v1/): github:moby/buildkit vendor/github.com/docker/cli/
            # cli/config/credentials/file_store.go:49 compares ConvertToHostname(key)
            entry = next((v for k, v in auths.items() if k.split("://", 1)[-1].split("/", 1)[0] == host), {})
            user, _, password = base64.b64decode(entry.get("auth", "")).decode().partition(":")
        except (ValueError, AttributeError, binascii.Error):
            pass
        if not password:
            return INSUFFICIENT_SCOPE
        if self.registry.authenticate(user, password):
            return None
        return OAUTH_REFUSED.format(realm=env.get("CI_SERVER_URL", f"https://{host}").rstrip("/") + "/jwt/auth")

    def buildctl(self, inv: Invocation) -> CommandResult:
        if not self.confinement.may_unshare or not self.confinement.may_mount:
            # buildctl-daemonless.sh waitForBuildkitd (github:moby/buildkit examples/buildctl-daemonless/
            # buildctl-daemonless.sh:47-49): "could not connect to $addr after $max trials", then buildkitd's log;
            # $addr is unix://$XDG_RUNTIME_DIR/buildkit/buildkitd.sock (:30), /run/user/1000 in the rootless image
            # (Dockerfile:504), $max BUILDCTL_CONNECT_RETRIES_MAX=10 (:12).
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
        opts: list[str] = []  # the Dockerfile frontend's options: label:K=V, build-arg:K=V, filename=F
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
            elif arg == "--opt":
                opts.append(value)
                i += 1
            elif arg in ("--frontend", "--import-cache", "--export-cache", "--secret"):
                i += 1
            i += 1
        context = self._repo_path(inv.cwd, locals_.get("context", "."))
        dockerfile_dir = self._repo_path(inv.cwd, locals_.get("dockerfile", "."))
        if context is None or dockerfile_dir is None:
            return CommandResult(1).err("error: failed to solve: the sandbox builds from the checkout only\n")
        out = CommandResult()
        image_id = self._solve(context, dockerfile_dir, out) if self.real is None else self._real_buildkit(
            context, dockerfile_dir, opts, out)
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
                    if self._unreachable(ref, out):
                        continue
                    refused = self._docker_config_auth(inv.env, ref.domain)
                    if refused is None and not self._store(ref, image_id, out):
                        refused = INSUFFICIENT_SCOPE
                    if out.code:  # the real engine could not push: said by _store
                        return out
                    if refused is not None:
                        out.code = 1
                        chain = f"failed to push {ref.with_tag()}: {refused}"
                        out.out(f"#9 ERROR: {chain}\n------\n > exporting to image:\n------\n")
                        return out.err(f"error: failed to solve: {chain}\n")
            out.out("#9 DONE 0.3s\n")
        return out

    def _real_buildkit(self, context: str, dockerfile_dir: str, opts: list[str], out: CommandResult) -> str | None:
        """With the real engine, it builds what BuildKit would (BuildKit is not on the machine): the local image."""
        assert self.real is not None
        values = dict(o.partition("=")[::2] for o in opts)
        labels = [o.removeprefix("label:") for o in opts if o.startswith("label:")]
        build_args = {k.removeprefix("build-arg:"): v for k, v in values.items() if k.startswith("build-arg:")}
        dockerfile = posixpath.join(dockerfile_dir, values.get("filename", "Dockerfile"))
        out.out(f"[sandbox] built for real by {self.real.engine.name} standing in for BuildKit, from the commit's "
                f"files ({self.real.engine.path}; --network host)\n")
        ran, image = self.real.build(context or ".", dockerfile, build_args, labels, _lines(out))
        if not ran.ok:
            out.code = ran.code or 1
            out.err(f"error: failed to solve: {self.real.engine.name} exited with code {ran.code}\n")
            return None
        return image

    # -- Buildah ---------------------------------------------------------------------------------------
    def buildah(self, inv: Invocation) -> CommandResult:
        args = inv.argv[1:]
        sub = args[0] if args else ""
        if sub == "login":
            return self._login("buildah", args[1:], inv)
        if sub in ("bud", "build") and inv.env.get("STORAGE_DRIVER", "overlay") != "vfs" \
                and not self.confinement.privileged:  # a privileged container has /dev/fuse
            ids = fake_digest(self.project_dir, "overlay").removeprefix("sha256:")
            return CommandResult(1).err(BUILDAH_OVERLAY.format(container=ids[:64], layer=ids[::-1], link=ids[:26].upper()))\
                .err("[sandbox] buildah in an unprivileged container needs STORAGE_DRIVER=vfs (no /dev/fuse for "
                     "fuse-overlayfs; https://docs.gitlab.com/ci/docker/buildah_rootless_tutorial/)\n")
        if sub in ("bud", "build"):
            return self._buildah_build(args[1:], inv)
        if sub == "push":
            return self._buildah_push(args[1:], inv)
        return CommandResult().out(f"{NOT_EXECUTED}buildah {' '.join(args)}\n")

    def _buildah_build(self, args: list[str], inv: Invocation) -> CommandResult:
        tags: list[str] = []
        positional: list[str] = []
        labels: list[str] = []
        build_args: dict[str, str] = {}
        file_name: str | None = None
        i = 0
        while i < len(args):
            arg, value = args[i], args[i + 1] if i + 1 < len(args) else ""
            if arg in ("-t", "--tag", "-f", "--file", "--label", "--build-arg", "--isolation", "--format", "--layers",
                       "--network"):
                i += 1
            if arg in ("-t", "--tag"):
                tags.append(value)
            elif arg in ("-f", "--file"):
                file_name = value
            elif arg == "--label":
                labels.append(value)
            elif arg == "--build-arg":
                build_args.update([value.partition("=")[::2]])
            elif not arg.startswith("-"):
                positional.append(arg)
            i += 1
        context = self._repo_path(inv.cwd, positional[0] if positional else ".")
        dockerfile = self._repo_path(inv.cwd, file_name) if file_name else posixpath.join(context or "", "Dockerfile")
        if context is None or dockerfile is None:
            return CommandResult(125).err("Error: the sandbox builds from the checkout only\n")
        run_step = None if self.confinement.may_unshare else _first_run_step(self.read_file(dockerfile.lstrip("/")))
        if run_step is not None:  # only RUN steps need the namespaces
            return CommandResult(1).err(BUILDAH_UNSHARE).err(f"Error: building at STEP \"{run_step}\": exit status 1\n").err(
                "[sandbox] buildah's RUN steps need seccomp unconfined: security_opt = [\"seccomp:unconfined\", "
                "\"apparmor:unconfined\"] in [runners.docker] (https://docs.gitlab.com/ci/docker/buildah_rootless_tutorial/)\n")
        out = CommandResult()
        if self.real is not None:
            out.out(f"[sandbox] built for real by {self.real.engine.name} from the commit's files "
                    f"({self.real.engine.path}; --network host)\n")
            ran, image_id = self.real.build(context or ".", dockerfile.lstrip("/"), build_args, labels, _lines(out))
            if not ran.ok:
                out.code = ran.code or 1
                return out
        else:
            found = self._solve(context, posixpath.dirname(dockerfile), out, file_name=posixpath.basename(dockerfile))
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
        return out if self.real is not None else out.out(f"{image_id.removeprefix('sha256:')}\n")

    def _buildah_push(self, args: list[str], inv: Invocation) -> CommandResult:
        names = [a for a in args if not a.startswith("-")]
        if not names:
            # github:containers/buildah cmd/buildah/push.go:128
            return _fails("buildah", "at least a source image ID must be specified")
        try:
            ref = parse_reference(names[0])
        except ValueError as exc:
            return CommandResult(125).err(f"Error: {exc}\n")
        # one destination given: the source's name with docker:// (github:containers/buildah cmd/buildah/push.go:131,164)
        pushing = f"pushing image \"{names[0]}\" to \"docker://{names[-1].removeprefix('docker://')}\""
        image_id = self.images.get(ref.with_tag())
        if image_id is None:
            # push.go:258 wraps libimage's lookup error (vendor/go.podman.io/common/libimage/runtime.go:300, "%s: %w"
            # with storage's ErrImageUnknown "image not known", vendor/go.podman.io/storage/types/errors.go:21)
            return _fails("buildah", f"{pushing}: {names[0]}: image not known")
        out = CommandResult().out("Getting image source signatures\nCopying blob done\nWriting manifest to image destination\n")
        self._push(ref, image_id, out, logged_in=ref.domain in self.logins,
                   denied=f"Error: {pushing}: {_blob_denied(ref, image_id)}\n")
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
        except ValueError as exc:  # github:containers/skopeo cmd/skopeo/copy.go:135,139
            bad = next(n for n in names if not _parses(n.removeprefix("docker://")))
            return _fails("skopeo", f"Invalid {'source' if bad == names[0] else 'destination'} name {bad}: {exc}")
        if source.domain == self.registry.host:
            # github:containers/skopeo vendor/go.podman.io/image/v5/copy/copy.go:282 ("initializing source %s: %w"),
            # docker/docker_client.go:1038 ("reading manifest %s in %s: %w"); without login GitLab's token has no
            # access and the registry answers insufficient_scope, which docker/distribution_error.go:138-139 makes
            # ErrorCodeDenied, worded by docker/errors.go:93-99 as its bare message
            reading = f"initializing source docker://{source.with_tag()}: reading manifest {source.tag or 'latest'} in {source.name}"
            if source.domain not in self.logins:
                return _fails("skopeo", f"{reading}: requested access to the resource is denied")
            if not self.registry.has(source.path, source.tag or "latest"):
                # an image that is not there exits 2 (cmd/skopeo/main.go:155-157)
                return _fails("skopeo", f"{reading}: manifest unknown", code=2)
        out = CommandResult().out("Getting image source signatures\nCopying blob done\nCopying config done\n"
                                  "Writing manifest to image destination\n")
        if not self._push(dest, source.with_tag(), out, logged_in=dest.domain in self.logins, copy_from=source,
                          denied=_fatal(_blob_denied(dest, source.with_tag()))):
            out.code = 1
        return out


def _fatal(message: str) -> str:
    """skopeo's error line: logrus.Fatal (github:containers/skopeo cmd/skopeo/main.go:159) with logrus' default text
    format, which a job's log (no terminal) gets as time=... level=fatal msg="..."."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"time=\"{stamp}\" level=fatal msg={json.dumps(message)}\n"


def _fails(tool: str, message: str, *, code: int | None = None) -> CommandResult:
    """A buildah or skopeo failure as the tool prints it: buildah "Error: %v" and exit 125 (github:containers/buildah
    cmd/buildah/main.go:288-290, cli.ExecErrorCodeGeneric), skopeo a fatal log line and exit 1."""
    if tool == "skopeo":
        return CommandResult(code or 1).err(_fatal(message))
    return CommandResult(code or 125).err(f"Error: {message}\n")


def _blob_denied(ref: Reference, image_id: str) -> str:
    """A push without login: the first layer's existence check (HEAD) is refused. github:containers/skopeo
    vendor/go.podman.io/image/v5/copy/single.go:756 ("trying to reuse blob %s at destination: %w"),
    docker/docker_image_dest.go:254 ("checking whether a blob %s exists in %s: %w"), the refusal worded as for
    reading a manifest (ErrorCodeDenied's message)."""
    layer = fake_digest(image_id, "layer")
    return (f"trying to reuse blob {layer} at destination: checking whether a blob {layer} exists in {ref.name}: "
            "requested access to the resource is denied")


def _parses(name: str) -> bool:
    try:
        parse_reference(name)
    except ValueError:
        return False
    return True


def _first_run_step(dockerfile: bytes | None) -> str | None:
    """The first RUN instruction as buildah names its step (continuation lines joined), or None."""
    lines = (dockerfile or b"").decode("utf-8", "replace").replace("\\\n", " ").splitlines()
    return next((" ".join(line.split()) for line in lines if line.strip().upper().startswith("RUN ")), None)


def _lines(out: CommandResult) -> Callable[[str], None]:
    """Each line the real engine prints, added to what the job's command prints."""
    def add(line: str) -> None:
        out.out(line + "\n")
    return add


def _csv_fields(text: str) -> dict[str, str]:
    """buildctl's --output value: CSV ``key=value`` fields, a field in double quotes may hold commas."""
    import csv

    row = next(csv.reader([text]), [])
    return {k.strip(): v for k, _, v in (f.partition("=") for f in row)}


def rootless_tools(runner: RunnerLike, *, job_image: str, registry: RegistryPort, read_file: Callable[[str], bytes | None],
                   exists: Callable[[str], bool] | None, project_dir: str, files: Mapping[str, str],
                   real: RealJob | None = None) -> dict[str, Callable[[Invocation], CommandResult]]:
    """The daemonless tools the job's image carries (moby/buildkit, quay.io/buildah, quay.io/skopeo), as
    handlers for the job's shell; none for other images. ``real``: builds, pushes and copies run with the
    machine's engine and registry once the runner's settings let them."""
    bare = job_image.split("@", 1)[0]
    repo = bare[:bare.rfind(":")] if bare.rfind(":") > bare.rfind("/") else bare
    parts = repo.split("/")  # moby/buildkit, quay.io/buildah/stable, quay.io/skopeo/stable
    name = next((p for p in reversed(parts) if p in ("buildkit", "buildah", "skopeo")), "")
    tools = RootlessTools(
        Confinement.from_runner(executor=runner.executor, privileged=runner.privileged, security_opt=runner.security_opt),
        registry=registry, read_file=read_file, exists=exists, project_dir=project_dir, files=files, real=real)
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
