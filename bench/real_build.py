"""The sandbox's real-build pipeline against the same work done directly with the engine, in the same run.

Run: .venv/bin/python bench/real_build.py        (needs an engine, docker-registry and the stand-in base image)

A: the sandbox (``engine=auto``) runs the generated pipeline of demo/app: build, push two tags, retag latest;
   timed from the commit to the pipeline's end, with the registry API check (repositories + tags) after it.
B: the same commit's files built directly with the engine (``Engine.build``), pushed under two tags to a
   real registry and retagged with ``Engine.copy``: what the pipeline does, without the sandbox.
The build cache is warmed once first so both measure the same (cached base, pip layer rebuilt when the
context differs). Prints both times and the ratio A/B (goal <= 1.2x).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import gitlab  # noqa: E402

from dockwright.sandbox import Sandbox  # noqa: E402
from dockwright.wizard.engine import find_engine  # noqa: E402
from dockwright.wizard.local_registry import LocalRegistry  # noqa: E402
from dockwright.wizard.plan import GitLabSpec, Plan  # noqa: E402
from dockwright.wizard.render import render_files  # noqa: E402


def through_sandbox(folder: Path, files: dict[str, str], message: str) -> tuple[float, float, str, Path]:
    with Sandbox(folder, job_seconds=0.0, engine="auto") as sb:
        assert sb.real is not None, sb.engine_note
        project = gitlab.Gitlab(sb.url, private_token=sb.token).projects.get(sb.project_path)
        start = time.monotonic()
        commit = project.commits.create({"branch": "main", "commit_message": message, "actions": [
            {"action": "create", "file_path": p, "content": t} for p, t in files.items()]})
        while True:
            pipelines = project.pipelines.list(get_all=True, sha=commit.id)
            if pipelines and project.pipelines.get(pipelines[0].id).status in ("success", "failed"):
                break
            time.sleep(0.2)
        seconds = time.monotonic() - start
        status = project.pipelines.get(pipelines[0].id).status
        check = time.monotonic()
        tags = {t.name for r in project.repositories.list(get_all=True) for t in r.tags.list(get_all=True)}
        check_seconds = time.monotonic() - check
        assert status == "success" and {commit.id, "main", "latest"} <= tags, (status, tags)
        return seconds, check_seconds, commit.id, sb.repo_path(sb.store.project(sb.project_path))


def directly(repo: Path, sha: str, folder: Path) -> float:
    engine = find_engine()
    with LocalRegistry(folder / "registry") as reg, tempfile.TemporaryDirectory() as tmp:
        start = time.monotonic()
        tar = subprocess.run(["git", "--git-dir", str(repo), "archive", sha], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=tar, check=True)
        image = "localhost/dockwright-bench/direct:1"
        assert engine.build(tmp, image, extra=["--label", f"org.opencontainers.image.revision={sha}"]).ok
        dest = f"{reg.address}/demo/app"
        assert engine.push(image, f"{dest}:{sha}").ok and engine.push(image, f"{dest}:main").ok
        assert engine.copy(f"{dest}:{sha}", f"{dest}:latest").ok
        seconds = time.monotonic() - start
        engine.remove(image)
        return seconds


def main() -> int:
    plan = Plan(executor="hosted", gitlab=GitLabSpec(url="http://127.0.0.1:1", project="demo/app"))
    files = {k: v for k, v in render_files(plan, {}).items() if k in ("Dockerfile", ".dockerignore", ".gitlab-ci.yml")}
    with tempfile.TemporaryDirectory(prefix="dockwright-bench-") as tmp:
        through_sandbox(Path(tmp) / "warm", files, "warm the build cache")
        a, check, sha, repo = through_sandbox(Path(tmp) / "a", files, "bench")
        # the sandbox is stopped, its bare repository stays: B builds the very same commit
        b = directly(repo, sha, Path(tmp))
    print(f"sandbox pipeline (build, 2 pushes, retag) {a:.1f} s; the same directly with the engine {b:.1f} s; "
          f"ratio {a / b:.2f}x (goal <= 1.2x); registry API check {check * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
