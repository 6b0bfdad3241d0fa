"""Another terminal reaches the running sandbox without a token on disk (issue 16 item 7): the sandbox answers
url, token and project on a Unix socket only its user can open; `dockwright sandbox --show`, `dockwright
watch --sandbox` and `dockwright watch` in a sandbox clone ask it."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dockwright.sandbox import Sandbox
from dockwright.wizard.errors import BadInput
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.sandbox_link import ask_running_sandbox, default_data_dir, socket_path
from tests.sandbox_helpers import clone, commit_and_push, wait_until


def dockwright(*args: str, cwd: Path, timeout: float = 90) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("GITLAB_TOKEN", "GITLAB_HOST")}  # no token anywhere
    return subprocess.run([sys.executable, "-m", "dockwright.wizard.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def files_under(folder: Path):
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]


def test_the_running_sandbox_answers_only_on_a_private_socket_and_nothing_on_disk_holds_its_token(tmp_path):
    data = tmp_path / "state"
    with Sandbox(data, job_seconds=0.1) as sb:
        facts = ask_running_sandbox(data)
        assert facts is not None and facts.url == sb.url and facts.project == sb.project_path
        assert facts.token.reveal() == sb.token and sb.token not in repr(facts)
        path = socket_path(data)
        assert stat.S_ISSOCK(path.stat().st_mode) and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        for file in files_under(data):  # the sqlite database holds digests only
            assert sb.token.encode() not in file.read_bytes(), file
        with pytest.raises(BadInput) as refused:  # a second one on the same state: says where the first is
            Sandbox(data).start()
        assert sb.url in refused.value.sentence and "dockwright sandbox --show" in refused.value.next_step
        assert "printed when it started" not in str(refused.value)
    assert ask_running_sandbox(data) is None and not socket_path(data).exists()


def test_a_deep_state_folder_still_gets_a_socket(tmp_path, monkeypatch):
    runtime = Path(tempfile.mkdtemp(prefix="dw-", dir="/tmp"))  # short, as $XDG_RUNTIME_DIR (/run/user/N) is
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    data = tmp_path.joinpath(*["a-rather-long-folder-name"] * 5)
    assert len(os.fsencode(data / "run" / "sandbox.sock")) > 108
    try:
        with Sandbox(data, job_seconds=0.1) as sb:
            assert socket_path(data).parent == runtime / f"dockwright-{os.getuid()}"
            assert ask_running_sandbox(data).url == sb.url
            assert stat.S_IMODE(socket_path(data).parent.stat().st_mode) == 0o700
    finally:
        shutil.rmtree(runtime)


def test_show_prints_the_running_sandboxs_facts_and_says_when_none_runs(tmp_path):
    data = tmp_path / "state"
    proc = dockwright("sandbox", "--show", "--data-dir", str(data), cwd=tmp_path)
    assert proc.returncode == 2 and "No sandbox is running" in proc.stderr
    with Sandbox(data, job_seconds=0.1) as sb:
        proc = dockwright("sandbox", "--show", "--json", "--data-dir", str(data), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == {"url": sb.url, "token": sb.token, "project": sb.project_path}
        proc = dockwright("sandbox", "--json", "--data-dir", str(data), cwd=tmp_path)  # start a second one
        assert proc.returncode == 2 and sb.url in proc.stderr and "--show" in proc.stderr


def test_watch_finds_the_running_sandbox_by_itself(tmp_path):
    """The wizard's own sandbox keeps its state in the default folder: watch needs no flag, URL or token."""
    data = default_data_dir()  # under this test's own XDG_STATE_HOME (tests/conftest.py)
    with Sandbox(data, job_seconds=0.1) as sb:
        app = clone(sb, tmp_path / "app")
        sha = commit_and_push(app, {".gitlab-ci.yml": "hello:\n  script: [echo hello from the sandbox]\n"}, "ci",
                              sb.token)
        client = GitLabClient.connect(sb.url, sb.token)
        wait_until(lambda: [p for p in client.find_pipelines(sb.project_path, sha=sha) if p["status"] == "success"],
                   timeout=30)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        proc = dockwright("watch", "--sandbox", "--plain", cwd=elsewhere)  # not a clone: the newest pipeline
        assert proc.returncode == 0, proc.stderr
        assert "✔ job hello [test] passed" in proc.stdout and "pipeline #1 passed" in proc.stdout
        proc = dockwright("watch", "--plain", cwd=app)  # in a clone, no token exported: the sandbox gives it
        assert proc.returncode == 0, proc.stderr
        assert "pipeline #1 passed" in proc.stdout
        assert sb.token not in proc.stdout + proc.stderr
    proc = dockwright("watch", "--sandbox", "--plain", cwd=tmp_path)
    assert proc.returncode == 2 and "No sandbox is running" in proc.stderr
