"""`dockwright watch` as a user runs it, in a clone of the sandbox project, output piped (so plain lines)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.sandbox_helpers import commit_and_push

OK_CI = "build:\n  script:\n    - echo hello from the build\n"
FAIL_CI = "build:\n  script:\n    - echo about to fail\n    - exit 2\n"


SANDBOX_JOB_SECONDS = 0.2  # the shared `sb` fixture (tests/conftest.py) reads it



def dockwright(*args, cwd, token=None, env_name="GITLAB_TOKEN", timeout=90):
    env = {k: v for k, v in os.environ.items() if k not in ("GITLAB_TOKEN", "GITLAB_HOST")}
    if token:
        env[env_name] = token
    return subprocess.run([sys.executable, "-m", "dockwright.wizard.cli", "watch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_defaults_to_the_remote_project_and_head_and_prints_lines(sb, workdir):
    commit_and_push(workdir, {".gitlab-ci.yml": OK_CI}, "ok", sb.token, "main")
    proc = dockwright(cwd=workdir, token=sb.token)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "\x1b[" not in proc.stdout  # no colours, no cursor movement in a pipe
    assert any("job build [test] passed" in line for line in lines), proc.stdout
    assert lines[-1].split("] ", 1)[1].startswith("✔ pipeline #") and "passed" in lines[-1]
    assert sb.token not in proc.stdout + proc.stderr


def test_a_failed_pipeline_exits_1_with_the_last_lines(sb, workdir):
    sha = commit_and_push(workdir, {".gitlab-ci.yml": FAIL_CI}, "fail", sb.token, "main")
    proc = dockwright("--sha", sha, "--plain", "--token-env", "MY_TOKEN", cwd=workdir, token=sb.token,
                      env_name="MY_TOKEN")
    assert proc.returncode == 1, proc.stderr
    assert "--- last lines of build" in proc.stdout and "about to fail" in proc.stdout


def test_outside_a_repository_without_project_is_bad_input(sb, tmp_path):
    proc = dockwright("--url", sb.url, cwd=tmp_path, token=sb.token)
    assert proc.returncode == 2
    assert "--project" in proc.stderr and "Traceback" not in proc.stderr


def test_a_wrong_token_is_refused(sb, workdir):
    proc = dockwright("--pipeline", "1", cwd=workdir, token="glpat-not-a-real-token-000")
    assert proc.returncode == 4
    assert "401" in proc.stderr and "glpat-not-a-real-token-000" not in proc.stderr


def test_an_unknown_pipeline_is_refused(sb, workdir):
    proc = dockwright("--pipeline", "99999", cwd=workdir, token=sb.token)
    assert proc.returncode == 4 and "404" in proc.stderr


def test_nothing_listening_is_a_network_error(tmp_path):
    proc = dockwright("--url", "http://127.0.0.1:9", "--project", "g/app", "--pipeline", "1", cwd=tmp_path,
                      token="glpat-x")
    assert proc.returncode == 5
    assert "Nothing is listening at http://127.0.0.1:9" in proc.stderr


def test_no_token_in_a_sandbox_clone_says_where_the_sandbox_prints_it(sb, workdir):
    proc = dockwright("--pipeline", "1", cwd=workdir)  # the URL comes from the clone's remote: 127.0.0.1
    assert proc.returncode == 2, proc.stderr
    assert "No GitLab token found" in proc.stderr and "dockwright sandbox --show" in proc.stderr
    assert "keep it out of any file" in proc.stderr and sb.token not in proc.stderr
