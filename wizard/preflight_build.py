"""The pre-flight build: the image the generated Dockerfile makes, built and run for a moment on this machine.

Runs before anything is committed or pushed (``dockwright apply --preflight``): the project's files are copied
to a temporary folder (without ``.git``), the Dockerfile and ``.dockerignore`` are put there exactly as apply
would write them, and the engine found (wizard/engine.py) builds it and starts it on the host network. Nothing
in the project is written and nothing is ever pushed. No engine on this machine: it says so and apply goes on.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dockwright.wizard.changes import plan_file_changes
from dockwright.wizard.engine import Engine, NoEngine, find_engine, free_port, safe_tag_part
from dockwright.wizard.errors import BadInput
from dockwright.wizard.plan import Plan

_NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
                                     ".pytest_cache")


class PreflightFailed(BadInput):
    """The generated image does not build, or it stops at once: the project needs a fix before it is pushed."""


@dataclass(frozen=True)
class PreflightResult:
    engine: str | None  # None: no engine, nothing was built
    image: str = ""
    build_seconds: float = 0.0
    size: str | None = None
    ran: str = ""  # what run-for-a-moment saw

    def summary(self) -> str:
        if self.engine is None:
            return "pre-flight build: skipped (no container engine)"
        return (f"pre-flight build: {self.image} built by {self.engine} in {self.build_seconds:.1f} s"
                f"{f', {self.size}' if self.size else ''}; {self.ran}")


def _context(plan: Plan, directory: Path, overwrite: bool, into: Path) -> None:
    shutil.copytree(directory, into, ignore=_NOT_COPIED, symlinks=True, dirs_exist_ok=True)
    for change in plan_file_changes(plan, directory, overwrite=overwrite):
        if change.path.name in ("Dockerfile", ".dockerignore"):
            (into / change.path.name).write_text(change.new_text)


def preflight_build(plan: Plan, directory: str | os.PathLike[str], out: Callable[[str], None], *,
                    overwrite: bool = False, engine: Engine | None = None) -> PreflightResult:
    """Build the image for ``plan`` from ``directory`` and run it for a moment; ``out`` gets every line.

    Raises :class:`PreflightFailed` (exit 2) when the build fails or the container stops at once.
    """
    if engine is None:
        try:
            engine = find_engine()
        except NoEngine as exc:
            out(f"pre-flight build: {exc.sentence} Going on without it ({exc.next_step[:1].lower()}{exc.next_step[1:]})")
            return PreflightResult(None)
    root = Path(directory)
    image = f"localhost/dockwright-preflight/{safe_tag_part(root.resolve().name)}:latest"
    out(f"pre-flight build with {engine.describe()}: {image} (built here, never pushed)")
    with tempfile.TemporaryDirectory(prefix="dockwright-preflight-") as tmp:
        context = Path(tmp) / "context"
        _context(plan, root, overwrite, context)
        start = time.monotonic()
        built = engine.build(context, image, out)
        seconds = time.monotonic() - start
    if not built.ok:
        last = [line for line in built.output.splitlines() if line.strip()][-3:]
        raise PreflightFailed(f"The image does not build ({engine.name} exit {built.code}): {' / '.join(last)}",
                              "Fix the project or the Dockerfile settings and run again; nothing was committed.")
    size = engine.size(image)
    port = plan.dockerfile.port
    moved = free_port() if port is not None else None
    if port is not None:
        out(f"starting it for a moment on 127.0.0.1:{moved} instead of port {port} (containers share the "
            "host's network here, so the port is moved to a free one)")
    moment = engine.run_briefly(image, out, port=port, move_to=moved,
                                wait=60.0)
    if not moment.ok:
        raise PreflightFailed(f"The image built, but its command {' '.join(moment.command)!r} {moment.what}.",
                              "Its output is above; fix the command (dockerfile.command) and run again; "
                              "nothing was committed.")
    result = PreflightResult(engine.name, image, seconds, size, moment.what)
    out(result.summary())
    return result
