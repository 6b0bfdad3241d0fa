"""The sandbox's real builds: the container engine this machine has, and a real registry on 127.0.0.1.

``dockwright sandbox --engine auto|sim|docker|podman|buildah``. With an engine (wizard/engine.py) and the
Distribution registry binary (wizard/local_registry.py), the runner semantics of runner_sim/docker_sim still
decide first (DOCKER_HOST, privileged dind, one daemon per job, docker login); when a job may build, its
``docker build`` builds the commit's files with the engine, ``docker push`` pushes them to the registry the
sandbox started, ``docker buildx imagetools create`` and pull + tag + push retag there (skopeo copy, or the
engine). The registry API of the sandbox reads what that registry holds. Without either: the simulation.

Images a job builds get a local name of that job only (``localhost/dockwright-sandbox/job-<id>``) and are removed
when the job ends, so no job finds another's image, as with GitLab's one daemon per job.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dockwright.wizard.engine import Engine, NoEngine, Ran, find_engine
from dockwright.wizard.errors import BadInput, DockwrightError
from dockwright.wizard.local_registry import LocalRegistry, registry_binary

ENGINE_CHOICES = ("auto", "sim", "docker", "podman", "buildah")
SIMULATED = "sim"


def choose(choice: str, folder: Path) -> tuple[RealBuilds | None, str]:
    """(real builds, a sentence saying what runs and why). ``auto`` falls back to the simulation; a named
    engine that cannot be used is a BadInput that says why."""
    if choice not in ENGINE_CHOICES:
        raise BadInput(f"Unknown --engine {choice!r}.", f"Choose one of {', '.join(ENGINE_CHOICES)}.")
    if choice == SIMULATED:
        return None, "simulated builds (--engine sim)"
    try:
        engine = find_engine(choice)
    except NoEngine as exc:
        if choice != "auto":
            raise BadInput(exc.sentence, exc.next_step) from None
        return None, f"simulated builds: {exc.sentence}"
    if not registry_binary():
        why = "no registry binary (docker-registry) is installed; on Debian/Ubuntu: apt-get install docker-registry"
        if choice != "auto":
            raise BadInput(f"--engine {choice}: {why}.", "Install it, or use --engine sim.")
        return None, f"simulated builds: {why}"
    registry = LocalRegistry(folder)
    try:
        registry.start()
    except DockwrightError as exc:
        if choice != "auto":
            raise
        return None, f"simulated builds: the registry did not start ({exc.sentence})"
    return RealBuilds(engine, registry), f"real builds with {engine.describe()}; registry {registry.address}"


@dataclass
class RealBuilds:
    """The engine and the registry the sandbox's jobs use."""

    engine: Engine
    registry: LocalRegistry
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return self.registry.address

    def job(self, repo_path: Path, sha: str) -> RealJob:
        return RealJob(self, repo_path, sha)

    def stop(self) -> None:
        self.registry.stop()


@dataclass
class RealJob:
    """What one job does for real: build from its commit, push, copy; it removes its images when it ends."""

    real: RealBuilds
    repo_path: Path
    sha: str
    key: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    local: list[str] = field(default_factory=list)  # the images this job made in the engine
    pulled: dict[str, str] = field(default_factory=dict)  # image id -> the registry reference it came from

    @property
    def engine(self) -> Engine:
        return self.real.engine

    def _tree(self, into: Path) -> None:
        """The commit's files (``git archive``), as the runner's checkout has them."""
        data = subprocess.run(["git", "--git-dir", str(self.repo_path), "archive", "--format=tar", self.sha],
                              capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(into, filter="data")

    def build(self, context: str, dockerfile: str | None, build_args: dict[str, str], labels: list[str],
              out: Callable[[str], None]) -> tuple[Ran, str]:
        """Build the commit's ``context`` folder (repository paths); (what ran, the local image name)."""
        image = f"localhost/dockwright-sandbox/job-{self.key}:{len(self.local) + 1}"
        with tempfile.TemporaryDirectory(prefix="dockwright-sandbox-build-") as tmp:
            self._tree(Path(tmp))
            folder = Path(tmp) / context
            file = str(Path(tmp) / dockerfile) if dockerfile is not None else None
            extra = [a for k, v in build_args.items() for a in ("--build-arg", f"{k}={v}")]
            extra += [a for label in labels for a in ("--label", label)]
            ran = self.engine.build(folder, image, out, dockerfile=file or "Dockerfile", extra=extra)
        if ran.ok:
            self.local.append(image)
        return ran, image

    def push(self, image: str, dest: str, out: Callable[[str], None]) -> Ran:
        """``image`` (built in this job, or pulled from the registry) to ``dest`` (``host:port/path:tag``)."""
        source = self.pulled.get(image)
        if source is not None:  # pulled, not built: a registry-to-registry copy, nothing crosses the engine
            return self.engine.copy(source, dest, out)
        ran = self.engine.push(image, dest, out)
        if ran.ok and self.engine.name == "docker":
            self.local.append(dest)  # docker pushes a tag it holds: that tag is this job's too
        return ran

    def copy(self, source: str, dest: str, out: Callable[[str], None]) -> Ran:
        return self.engine.copy(source, dest, out)

    def close(self) -> None:
        if self.local:
            self.engine.remove(*self.local)
            self.local.clear()
