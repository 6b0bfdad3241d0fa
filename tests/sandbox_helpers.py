"""Helpers for the sandbox tests: run real git against the sandbox with the token given through
GIT_ASKPASS (an environment variable read by a tiny script), never in a URL or on disk."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

ASKPASS = """#!{python}
import os, sys
prompt = sys.argv[1] if len(sys.argv) > 1 else ""
print("oauth2" if prompt.lower().startswith("username") else os.environ["SANDBOX_TEST_GIT_PASSWORD"])
"""


def askpass_script(folder: Path) -> Path:
    script = folder / "askpass.py"
    if not script.exists():
        script.write_text(ASKPASS.format(python=sys.executable))
        script.chmod(stat.S_IRWXU)
    return script


def git(args: list[str], *, cwd: Path, token: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["GIT_TERMINAL_PROMPT"] = "0"
    if token is not None:
        env["GIT_ASKPASS"] = str(askpass_script(cwd if cwd.is_dir() else cwd.parent))
        env["SANDBOX_TEST_GIT_PASSWORD"] = token
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def clone(sb, dest: Path, token: str | None = None) -> Path:
    git(["clone", "-q", f"{sb.url}/{sb.project_path}.git", str(dest)], cwd=dest.parent, token=token or sb.token)
    return dest


def commit_and_push(workdir: Path, files: dict[str, str], message: str, token: str, branch: str = "main") -> str:
    for name, text in files.items():
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(["add", *files], cwd=workdir)
    git(["commit", "-q", "-m", message], cwd=workdir)
    git(["push", "-q", "origin", f"HEAD:{branch}"], cwd=workdir, token=token)
    return git(["rev-parse", "HEAD"], cwd=workdir).stdout.strip()


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05):
    """Poll until ``predicate()`` returns something truthy; returns it, or fails the test after ``timeout``."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {timeout} s for {getattr(predicate, '__name__', predicate)}")
        time.sleep(interval)


def wait_pipeline(project, pipeline_id: int, statuses=("success", "failed", "canceled", "skipped", "manual"),
                  timeout: float = 20.0):
    """The pipeline once its status is one of ``statuses``."""
    def done():
        pipeline = project.pipelines.get(pipeline_id)
        return pipeline if pipeline.status in statuses else None

    return wait_until(done, timeout)


def commit_files(project, files: dict[str, str], message: str = "Update files", branch: str = "main"):
    """One commit through the API (create or update each file)."""
    existing = {item["path"] for item in project.repository_tree(ref=branch, recursive=True, get_all=True)} \
        if hasattr(project, "repository_tree") else set()
    actions = [{"action": "update" if path in existing else "create", "file_path": path, "content": text}
               for path, text in files.items()]
    return project.commits.create({"branch": branch, "commit_message": message, "actions": actions})


def api(sb, method: str, path: str, **kwargs):
    """One raw request to the sandbox's API as its root user (for what python-gitlab does not send or show)."""
    import requests

    return requests.request(method, f"{sb.url}/api/v4{path}", headers={"PRIVATE-TOKEN": sb.token}, timeout=5, **kwargs)
