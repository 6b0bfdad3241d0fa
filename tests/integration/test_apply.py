"""`dockwright apply` end to end: the sandbox's demo project, real git, real HTTP.

A thread plays gitlab-runner's part: like the real one (which reloads config.toml every 3 s) it reads
the config.toml dockwright writes, and the sandbox then sees the runner online and runs its jobs.
"""

from __future__ import annotations

import io
import logging
import subprocess
import threading
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from dockwright.sandbox import Faults, Sandbox
from dockwright.wizard.answers_file import save_answers
from dockwright.wizard.cli import main
from dockwright.wizard.git import clone
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.plan import GitLabSpec, GitSpec, Plan, RegistrySpec, RunnerSpec, VariableSpec


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with Sandbox(tmp_path_factory.mktemp("sandbox"), job_seconds=0.05) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _no_faults(sandbox):
    sandbox.set_faults(Faults())
    yield
    sandbox.set_faults(Faults())


class RunnerHost:
    """Plays gitlab-runner: whenever config.toml changes, the sandbox reads it (the runner 'starts')."""

    def __init__(self, sandbox, config: Path) -> None:
        self.sandbox, self.config = sandbox, config
        self._stop = threading.Event()
        self._seen: float | None = None
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            try:
                mtime = self.config.stat().st_mtime
            except FileNotFoundError:
                continue
            if mtime != self._seen:
                self._seen = mtime
                self.sandbox.register_runners_from_config(self.config)

    def __enter__(self) -> RunnerHost:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


@pytest.fixture
def project(sandbox, tmp_path) -> Path:
    clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token)
    return tmp_path / "app"


def answers_for(sandbox, project: Path, **changes) -> Path:
    config = project.parent / "runner" / "config.toml"
    plan = Plan(
        gitlab=GitLabSpec(url=sandbox.url, project=sandbox.project_path),
        runner=RunnerSpec(description=changes.pop("description", "Apply Test Runner"), tags=("docker",),
                          config_path=str(config)),
        variables=changes.pop("variables", ()),
        git=GitSpec(branch="main"),
        registry=changes.pop("registry", RegistrySpec(kind="gitlab")),
        **changes,
    )
    path = project / "dockwright.yml"
    save_answers(plan, path)
    return path


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def project_runners(sandbox, description: str) -> list[int]:
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    runners = client._project(sandbox.project_path).runners.list(get_all=True, type="project_type")
    return [r.attributes["id"] for r in runners if r.attributes["description"] == description]


def test_dry_run_lists_every_change_and_does_nothing(sandbox, project, monkeypatch):
    answers = answers_for(sandbox, project, variables=(VariableSpec(key="API_KEY", from_env="MY_API_KEY",
                                                                    masked=True),))
    monkeypatch.setenv("MY_API_KEY", "never-read-in-a-dry-run")
    before = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True).stdout
    code, out, err = run_cli(["apply", "--answers", str(answers), "--dry-run"])
    assert code == 0, err
    assert "+FROM python:" in out                              # files as diffs
    assert "POST /projects/demo/app/variables key=API_KEY value=****" in out  # API calls, secret hidden
    assert "POST /user/runners runner_type=project_type" in out
    assert "ci/lint" in out and "push main" in out
    assert "never-read-in-a-dry-run" not in out
    after = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True).stdout
    assert after == before and not (project / "Dockerfile").exists()
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    assert client.find_variable(sandbox.project_path, "API_KEY") is None
    assert project_runners(sandbox, "Apply Test Runner") == []


def test_bad_answers_file_is_exit_2_with_the_line(sandbox, project):
    bad = project / "dockwright.yml"
    bad.write_text("version: 1\nexecutor: podman\n")
    code, _out, err = run_cli(["apply", "--answers", str(bad)])
    assert code == 2 and "executor" in err and "podman" in err and ("line 2" in err or ":2" in err)


def test_refused_token_is_exit_4_and_network_trouble_exit_5(sandbox, project, monkeypatch):
    answers = answers_for(sandbox, project)
    monkeypatch.setenv("BAD_TOKEN", "glpat-this-is-not-valid")
    code, out, err = run_cli(["apply", "--answers", str(answers), "--token-env", "BAD_TOKEN", "--yes"])
    assert code == 4 and "401" in err and "glpat-this-is-not-valid" not in out + err
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    code, out, err = run_cli(["apply", "--answers", str(answers), "--url", f"http://127.0.0.1:{port}", "--yes"])
    assert code == 5 and "connection was refused" in err


def test_missing_variable_value_is_exit_2_before_anything_is_created(sandbox, project, monkeypatch):
    answers = answers_for(sandbox, project, variables=(VariableSpec(key="NEEDS_ENV", from_env="NOT_SET_ANYWHERE"),))
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 2 and "NOT_SET_ANYWHERE" in err
    assert "Summary" in out  # every run ends with a summary, a failed one too


def _all_text_files(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


def test_end_to_end_green_pipeline_registry_tags_no_token_anywhere_and_idempotent_rerun(
        sandbox, project, monkeypatch, caplog):
    answers = answers_for(sandbox, project, variables=(
        VariableSpec(key="APP_SECRET", from_env="APP_SECRET_VALUE", masked=True, description="demo secret"),))
    config = project.parent / "runner" / "config.toml"
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    monkeypatch.setenv("APP_SECRET_VALUE", "s3cr3t-value-1234")

    argvs: list[list[str]] = []
    real_popen = subprocess.Popen

    class RecordingPopen(real_popen):  # the real Popen; only the argv is written down
        def __init__(self, args, *a, **kw):
            argvs.append([str(x) for x in (args if isinstance(args, (list, tuple)) else [args])])
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", RecordingPopen)
    caplog.set_level(logging.DEBUG)

    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 0, out[-3000:] + err
    assert out.count("✔ pipeline #") == 1 and "passed" in out, out  # the end is said once
    assert "present; docker pull" in out
    assert "Summary" in out and "done:" in out

    client = GitLabClient.connect(sandbox.url, sandbox.token)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout.strip()
    # the summary names the tags as pushed: the full SHA, not a short one that is in no registry
    assert f"checked:          image tags in {sandbox.registry_host}/{sandbox.project_path}: {head}, main, latest" in out
    tags = next(t for t in client.registry_tags(sandbox.project_path).values() if head in t)
    assert {"main", "latest", head} <= set(tags)
    var = client.get_variable(sandbox.project_path, "APP_SECRET", "*")
    assert var["value"] == "s3cr3t-value-1234" and var["masked"] is True
    assert config.stat().st_mode & 0o777 == 0o600
    assert "token = \"glrt-" in config.read_text()

    # The personal access token: in no file written, no child argv, no log line, not in the answers file.
    token = sandbox.token
    for path in _all_text_files(project, config.parent):
        assert token not in path.read_text(errors="replace"), path
    assert token not in answers.read_text() and "s3cr3t-value-1234" not in answers.read_text()
    assert argvs and all(token not in " ".join(a) for a in argvs)
    assert all(token not in r.getMessage() for r in caplog.records)
    assert token not in out + err and "s3cr3t-value-1234" not in out + err
    glrt = config.read_text().split('token = "', 1)[1].split('"', 1)[0]
    assert glrt not in out + err and all(glrt not in " ".join(a) for a in argvs)

    # A second run: everything is already in place, nothing is created twice.
    pipelines_before = len(client.find_pipelines(sandbox.project_path))
    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 0, out[-3000:] + err
    summary = out.split("Summary", 1)[1]
    assert "  done:" not in summary, summary  # not one step did anything
    assert "already in place: project runner" in summary and "already in place: CI/CD variable APP_SECRET" in summary
    assert project_runners(sandbox, "Apply Test Runner") and len(project_runners(sandbox, "Apply Test Runner")) == 1
    assert len(client.find_pipelines(sandbox.project_path)) == pipelines_before  # nothing new was pushed


def test_a_run_killed_half_way_completes_on_rerun_without_duplicates(sandbox, project, monkeypatch):
    """The first run dies right after the runner was created in GitLab (before config.toml was written)."""
    from dockwright.wizard import runner_setup

    answers = answers_for(sandbox, project, description="Crash Test Runner",
                          variables=(VariableSpec(key="CRASH_VAR", from_env="CRASH_VALUE"),))
    config = project.parent / "runner" / "config.toml"
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    monkeypatch.setenv("CRASH_VALUE", "first-value")

    real_write = runner_setup.write_config

    def killed(*a, **kw):
        raise KeyboardInterrupt  # the process is stopped between the API call and the file write

    monkeypatch.setattr(runner_setup, "write_config", killed)
    code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-watch"])
    assert code == 130
    assert len(project_runners(sandbox, "Crash Test Runner")) == 1 and not config.exists()

    monkeypatch.setattr(runner_setup, "write_config", real_write)
    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-watch"])
    assert code == 0, out[-3000:] + err
    ids = project_runners(sandbox, "Crash Test Runner")
    assert len(ids) == 1  # reused, not created again
    assert "a new one was issued" in out  # its token could not be read back, so it was reset
    summary = out.split("Summary", 1)[1]
    assert 'already in place: project runner "Crash Test Runner"' in summary, summary  # reused, not "done"
    entries = load_toml_entries(config)
    assert [e["id"] for e in entries if e["name"] == "Crash Test Runner"] == ids
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    assert client.runner_status(ids[0]) == "online"
    assert len([v for v in client._project(sandbox.project_path).variables.list(get_all=True)
                if v.attributes["key"] == "CRASH_VAR"]) == 1


def load_toml_entries(path: Path) -> list[dict]:
    import tomlkit

    return [dict(e) for e in tomlkit.parse(path.read_text()).get("runners", [])]


def test_lint_errors_stop_before_the_commit_with_line_context(sandbox, project, monkeypatch):
    answers = answers_for(sandbox, project, description="Lint Runner")
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    # the user's own job, kept by the merge, has a key GitLab does not know
    (project / ".gitlab-ci.yml").write_text("my_checks:\n  stage: build\n  script: [\"make check\"]\n  scriptx: [\"make lint\"]\n")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout
    config = project.parent / "runner" / "config.toml"
    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 2, out + err
    assert "not valid" in err and "unknown keys: scriptx" in err and "nothing was committed" in err
    assert "| my_checks:" in err  # the line the error names is shown
    assert subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout == head
    assert "failed:           GitLab lint" in out


def _state(sandbox, project: Path) -> tuple:
    """What apply could have touched: the clone's files and git state, the runner folder, GitLab's variables,
    runners and branches."""
    files = {p.relative_to(project.parent): p.read_bytes() for p in project.parent.rglob("*")
             if p.is_file() and ".git/" not in str(p.relative_to(project.parent)) + "/"}
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    p = client._project(sandbox.project_path)
    variables = sorted(v.attributes["key"] for v in p.variables.list(get_all=True))
    runners = sorted(r.attributes["id"] for r in p.runners.list(get_all=True))
    branches = sorted((b["name"], b["commit"]["id"]) for b in client.list_branches(sandbox.project_path))
    return files, head, variables, runners, branches


PREFLIGHT = [  # (name, answers changes, environment, config.toml content or None, phrase)
    ("masked value too short", {"variables": (VariableSpec(key="SHORT", from_env="SHORT_VALUE", masked=True),)},
     {"SHORT_VALUE": "abc"}, None, "SHORT"),
    ("unset from_env", {"variables": (VariableSpec(key="NEEDS_ENV", from_env="NOT_SET_ANYWHERE"),)},
     {}, None, "NOT_SET_ANYWHERE"),
    ("invalid config.toml", {}, {}, "[[runners]\nname = \n", "not valid TOML"),
    ("branch with a space", {"branch": "my branch"}, {}, None, "my branch"),
]


@pytest.mark.parametrize("name,changes,env,config,phrase", PREFLIGHT, ids=[c[0] for c in PREFLIGHT])
def test_local_checks_run_before_any_write_or_api_change(sandbox, project, monkeypatch, name, changes, env,
                                                         config, phrase):
    branch = changes.pop("branch", None)
    answers = answers_for(sandbox, project, **changes)
    if branch is not None:
        answers.write_text(answers.read_text().replace("branch: main", f"branch: '{branch}'"))
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(["git", "commit", "-qm", "answers"], cwd=project, check=True)
    if config is not None:
        (project.parent / "runner").mkdir(exist_ok=True)
        (project.parent / "runner" / "config.toml").write_text(config)
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    before = _state(sandbox, project)
    code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 2 and phrase in err, out + err
    assert "Traceback" not in out + err
    assert _state(sandbox, project) == before


def test_empty_runner_config_path_is_exit_2_before_any_write(sandbox, project, monkeypatch):
    answers = answers_for(sandbox, project)
    text = answers.read_text()
    answers.write_text(text.replace(text.split("config_path: ", 1)[1].split("\n", 1)[0], "''"))
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    before = _state(sandbox, project)
    code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 2 and "config_path" in err and "Traceback" not in out + err, out + err
    assert _state(sandbox, project) == before


def test_a_read_api_token_is_exit_2_before_any_write(sandbox, project, monkeypatch):
    answers = answers_for(sandbox, project)
    monkeypatch.setenv("READ_ONLY", sandbox.create_token(scopes=("read_api",)))
    before = _state(sandbox, project)
    code, out, err = run_cli(["apply", "--answers", str(answers), "--token-env", "READ_ONLY", "--yes"])
    assert code == 2 and "api" in err and "Traceback" not in out + err, out + err
    assert _state(sandbox, project) == before


def test_ecr_without_the_aws_cli_says_what_to_check_and_goes_on(sandbox, project, monkeypatch):
    """Issue 17 item 25: apply checks the ECR repository with the AWS CLI; without it, it says what to check by hand
    (the review says it too) and goes on."""
    answers = answers_for(sandbox, project, executor="hosted",
                          registry=RegistrySpec(kind="ecr", image="flask-app", region="eu-west-1",
                                                account="123456789012"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # git, and no aws
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    code, out, err = run_cli(["apply", "--answers", str(answers), "--dry-run"])
    assert code == 0, err
    assert "note: dockwright cannot check the ECR repository flask-app (eu-west-1) here" in out
    code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-push"])
    assert code == 0, out + err
    assert "check the ECR repository flask-app" in out and "the aws command is not installed" in out


def test_gitlab_registry_turned_off_is_exit_2_before_any_write(sandbox, project, monkeypatch):
    """Issue 17.9: with the project's container registry off, GitLab gives the jobs no CI_REGISTRY* and the login
    fails with 'username is empty'; apply says how to turn it on before it changes anything."""
    answers = answers_for(sandbox, project)
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    sandbox.set_container_registry(sandbox.project_path, "disabled")
    try:
        before = _state(sandbox, project)
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
        after = _state(sandbox, project)
    finally:
        sandbox.set_container_registry(sandbox.project_path, "enabled")
    assert code == 2 and "container registry of demo/app is turned off" in err, out + err
    assert "Settings > General > Visibility" in err and "container_registry_access_level=enabled" in err
    assert "Traceback" not in out + err
    assert after == before
