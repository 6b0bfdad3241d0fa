"""Secrets sweep: after a real `dockwright apply` against the sandbox, the GitLab token and a CI/CD variable's
value are in no output, no file of the project (git objects included) and no environment of a git process:
git hooks that dump their own and their git parent's environment are the probe. And the askpass folder of a
run killed with SIGKILL is removed by the next run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from dockwright.wizard.git import clone

VALUE = "s3cret-variable-value-4242"

HOOK = """#!/bin/sh
# test probe: what this hook and the git process that runs it can read of their environments
{{ echo "== $0"; env; echo "== git parent"; tr '\\0' '\\n' < /proc/$PPID/environ; }} >> '{dump}'
exit 0
"""


@pytest.fixture
def runtime():
    """A short $XDG_RUNTIME_DIR, as /run/user/N is: a test's tmp_path can be too deep for a socket's path, and
    dockwright then (rightly) uses <tmp>/dockwright-<uid> instead, where these tests would not look."""
    path = Path(tempfile.mkdtemp(prefix="dw-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _install_hooks(project: Path, dump: Path) -> None:
    hooks = project / ".git" / "hooks"
    for name in ("pre-push", "reference-transaction"):
        (hooks / name).write_text(HOOK.format(dump=dump))
        (hooks / name).chmod(0o755)


def _everything_in(project: Path) -> bytes:
    """Every file's bytes under the project, plus every git object uncompressed."""
    blobs = [p.read_bytes() for p in project.rglob("*") if p.is_file()]
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=project,
                             capture_output=True, check=True).stdout
    return b"\n".join(blobs) + objects


def test_apply_leaves_the_token_and_values_nowhere_and_git_never_sees_them(sb, tmp_path, runtime):
    project = tmp_path / "app"
    clone(f"{sb.url}/{sb.project_path}.git", project, sb.token)
    dump = tmp_path / "hook-environments.txt"
    _install_hooks(project, dump)
    (project / "dockwright.yml").write_text(
        f"gitlab: {{url: '{sb.url}', project: {sb.project_path}}}\nexecutor: hosted\n"
        "variables:\n  - {key: DEPLOY_SECRET, from_env: MY_DEPLOY_SECRET, masked: true}\n"
        "git: {branch: sweep, create_branch: true}\n")
    env = {**os.environ, "GITLAB_TOKEN": sb.token, "MY_DEPLOY_SECRET": VALUE, "XDG_RUNTIME_DIR": str(runtime)}
    proc = subprocess.run([sys.executable, "-m", "dockwright", "apply", "--answers", "dockwright.yml", "--yes",
                           "--no-watch"], cwd=project, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=180)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said
    assert "push sweep" in said
    probes = dump.read_text()
    assert "== .git/hooks/pre-push" in probes and "== .git/hooks/reference-transaction" in probes  # hooks ran
    assert "GIT_ASKPASS=" in probes  # the push's environment was dumped
    for secret in (sb.token, VALUE):
        assert secret not in said
        assert secret.encode() not in _everything_in(project)
        assert secret not in probes, "a git process could read it in its environment"
    assert "MY_DEPLOY_SECRET" not in probes and "GITLAB_TOKEN" not in probes
    assert list((runtime / "dockwright").iterdir()) == []  # askpass and index folders removed


def test_the_askpass_folder_of_a_killed_run_is_removed_by_the_next(sb, tmp_path, runtime, monkeypatch):
    project = tmp_path / "app"
    clone(f"{sb.url}/{sb.project_path}.git", project, sb.token)
    started = tmp_path / "hook-started"
    hook = project / ".git" / "hooks" / "pre-push"
    hook.write_text(f"#!/bin/sh\ntouch '{started}'\nexec sleep 120\n")
    hook.chmod(0o755)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "x"], cwd=project, check=True)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    code = ("import sys; from dockwright.wizard.git import Repo; from dockwright.wizard.credentials import Secret; "
            f"Repo(sys.argv[1]).push({sb.url + '/' + sb.project_path + '.git'!r}, 'main', Secret(sys.argv[2]))")
    child = subprocess.Popen([sys.executable, "-c", code, str(project), sb.token], start_new_session=True,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if started.exists() or child.poll() is not None:
                break
            time.sleep(0.05)
        assert started.exists(), "the push never reached its pre-push hook"
        left = [p.name for p in (runtime / "dockwright").iterdir()]
        assert any(name.startswith(f"askpass-{child.pid}-") for name in left)
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # dockwright, git and the hook: killed, nothing cleans up
        child.wait(timeout=30)
    assert any(p.name.startswith(f"askpass-{child.pid}-") for p in (runtime / "dockwright").iterdir())

    from dockwright.wizard.git import private_temp_dir

    fresh = private_temp_dir("askpass-")  # what the next run does first
    assert [p.name for p in (runtime / "dockwright").iterdir()] == [fresh.name]
    assert (runtime / "dockwright").stat().st_mode & 0o777 == 0o700


def test_a_runtime_folder_too_deep_for_a_socket_still_pushes(sb, tmp_path, monkeypatch):
    """$XDG_RUNTIME_DIR deep enough that the askpass socket's path passes AF_UNIX's 107 bytes: the push used to
    fail with 'AF_UNIX path too long' (exit 70); the helper's folder now goes under <tmp>/dockwright-<uid>."""
    from dockwright.wizard.credentials import Secret
    from dockwright.wizard.git import Repo, private_temp_dir

    deep = tmp_path / ("d" * 60)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    made = private_temp_dir("askpass-")
    try:
        assert not made.is_relative_to(deep) and len(os.fsencode(made / "token.sock")) < 108
    finally:
        shutil.rmtree(made, ignore_errors=True)
    project = tmp_path / "app"
    clone(f"{sb.url}/{sb.project_path}.git", project, sb.token)
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "deep"], cwd=project, check=True)
    Repo(project).push(f"{sb.url}/{sb.project_path}.git", "main", Secret(sb.token))
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout.strip()
    from dockwright.wizard.gitlab import GitLabClient

    branch = GitLabClient.connect(sb.url, sb.token).get_branch(sb.project_path, "main")
    assert branch is not None and branch["commit"]["id"] == head and not (deep / "dockwright").exists()
