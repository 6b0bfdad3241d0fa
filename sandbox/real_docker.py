"""A job's ``docker`` when the sandbox has a real engine: docker_sim decides whether the command may run (the
daemon reached, the login, the image in this job's daemon); then the build, push and retag really happen
(sandbox/real_engine.py) and the engine's own words go into the job log."""

from __future__ import annotations

from collections.abc import Callable

from dockwright.sandbox.docker_images import Reference
from dockwright.sandbox.docker_sim import DockerCli
from dockwright.sandbox.dockerfile_sim import BuildError
from dockwright.sandbox.real_engine import RealJob
from dockwright.sandbox.shell_sim import CommandResult


def _into(result: CommandResult) -> Callable[[str], None]:
    """Each line the engine prints, added to what the job's command prints."""
    def add(line: str) -> None:
        result.out(line + "\n")
    return add


class RealDockerCli(DockerCli):
    simulated = False

    def __init__(self, *args, real: RealJob, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.real = real

    def _solve(self, text: str, context_path: str, file_path: str, build_args: dict[str, str], labels: list[str],
               out: CommandResult) -> tuple[str, int]:
        engine = self.real.engine
        out.out(f"[sandbox] built for real by {engine.name} from the commit's files "
                f"({engine.path}; --network host)\n")
        ran, image = self.real.build(context_path or ".", file_path, build_args, labels,
                                     _into(out))
        if not ran.ok:
            said = [line for line in ran.output.splitlines() if line.strip()]
            raise BuildError(f"{engine.name} exited with code {ran.code}: {said[-1] if said else 'no output'}")
        return image, 0

    def _owns(self, ref: Reference) -> bool:
        owns = getattr(self.registry, "owns", None)
        return owns is None or owns(ref.path)

    def _upload(self, ref: Reference, tag: str, image_id: str, result: CommandResult) -> bool:
        if not self._owns(ref):
            result.code = 1
            result.err("denied: requested access to the resource is denied\n")
            return False
        dest = f"{ref.domain}/{ref.path}:{tag}"
        ran = self.real.push(image_id, dest, _into(result))
        if not ran.ok:
            result.code = 1
            result.err(f"[sandbox] {self.real.engine.name} could not push {dest} (exit {ran.code})\n")
            return False
        digest, size = self.real.real.registry.manifest(ref.path, tag)
        self.registry.push(ref.path, tag, digest)
        result.out(f"{tag}: digest: {digest} size: {size}\n")
        return True

    def _pulled(self, ref: Reference, tag: str, image_id: str) -> None:
        self.real.pulled[image_id] = f"{ref.domain}/{ref.path}:{tag}"

    def _retag(self, source: Reference, ref: Reference, out: CommandResult) -> bool:
        if not self._owns(ref):
            out.code = 1
            out.err("ERROR: denied: requested access to the resource is denied\n")
            return False
        src = f"{source.domain}/{source.path}:{source.tag or 'latest'}"
        dest = f"{ref.domain}/{ref.path}:{ref.tag or 'latest'}"
        ran = self.real.copy(src, dest, _into(out))
        if not ran.ok:
            out.code = 1
            out.err(f"ERROR: copying {src} to {dest} failed (exit {ran.code})\n")
            return False
        digest, _size = self.real.real.registry.manifest(ref.path, ref.tag or "latest")
        self.registry.push(ref.path, ref.tag or "latest", digest)
        out.out(f"[sandbox] {dest} now names {digest} (copied in the registry)\n")
        return True
