"""The other roads through `dockwright apply`: no local clone (commit through the API), a failing
pipeline (exit 1 with the job's last lines), a flaky GitLab (5xx, drops, latency, 429) that retries
absorb, `gitlab-runner register` run with the token in its environment; and the pure helpers."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from dockwright.sandbox import Faults, Sandbox
from dockwright.wizard.answers_file import save_answers
from dockwright.wizard.apply import expected_tags, lint_error_context, ref_slug
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.plan import DockerfileSpec, GitLabSpec, GitSpec, Plan, RunnerSpec
from tests.integration.test_apply import RunnerHost, project_runners, run_cli


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with Sandbox(tmp_path_factory.mktemp("sandbox"), job_seconds=0.05) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _token(sandbox, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    sandbox.set_faults(Faults())
    yield
    sandbox.set_faults(Faults())


def write_answers(sandbox, folder: Path, description: str, branch: str, **changes) -> Path:
    runner = changes.pop("runner", None) or RunnerSpec(
        description=description, tags=("docker",), config_path=str(folder.parent / f"runner-{branch}" / "config.toml"))
    plan = Plan(
        gitlab=GitLabSpec(url=sandbox.url, project=sandbox.project_path),
        runner=runner,
        git=GitSpec(branch=branch, create_branch=True),
        **changes,
    )
    folder.mkdir(parents=True, exist_ok=True)
    save_answers(plan, folder / "dockwright.yml")
    return folder / "dockwright.yml"


def demo_files(sandbox, dest: Path) -> None:
    """The demo project's files without its .git: a folder that is not a clone."""
    from dockwright.wizard.git import clone

    clone(f"{sandbox.url}/{sandbox.project_path}.git", dest, sandbox.token)
    shutil.rmtree(dest / ".git")


def test_without_a_local_clone_the_commit_goes_through_the_api(sandbox, tmp_path):
    folder = tmp_path / "app"
    demo_files(sandbox, folder)
    answers = write_answers(sandbox, folder, "API Commit Runner", "via-api")
    config = Path(tmp_path / "runner-via-api" / "config.toml")
    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 0, out[-3000:] + err
    assert "through the API (no local git clone)" in out and "✔ pipeline #" in out
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    assert client.file_content(sandbox.project_path, ".gitlab-ci.yml", "via-api") == \
        (folder / ".gitlab-ci.yml").read_bytes()
    assert "via-api" in next(t for t in client.registry_tags(sandbox.project_path).values() if "via-api" in t)
    # again: nothing new is committed
    with RunnerHost(sandbox, config):
        code, out, _ = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 0 and "already in place: commit" in out


def test_a_failing_pipeline_is_exit_1_with_the_jobs_last_lines(sandbox, tmp_path):
    from dockwright.wizard.git import clone

    folder = clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token).path
    answers = write_answers(sandbox, Path(folder), "Failing Runner", "will-fail",
                            dockerfile=DockerfileSpec(requirements="requirements-missing.txt"))
    with RunnerHost(sandbox, tmp_path / "runner-will-fail" / "config.toml"):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 1, out[-3000:] + err
    assert "✘ job dockwright-build" in out and "requirements-missing.txt" in out
    assert "pipeline #" in out.split("Summary", 1)[1] and ": failed" in out.split("Summary", 1)[1]


def test_a_flaky_gitlab_is_absorbed_by_retries(sandbox, tmp_path):
    from dockwright.wizard.git import clone

    folder = clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token).path
    answers = write_answers(sandbox, Path(folder), "Flaky Runner", "flaky")
    start = len(sandbox.request_log)
    sandbox.set_faults(Faults(error_rate=0.1, drop_rate=0.05, latency=0.01, seed=11))
    with RunnerHost(sandbox, tmp_path / "runner-flaky" / "config.toml"):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    sandbox.set_faults(Faults())
    assert code == 0, out[-3000:] + err
    faulted = [s for _m, _p, s, _n in sandbox.request_log[start:] if s in (0, 500, 502)]
    assert faulted, "the run met no fault at all"
    assert len(project_runners(sandbox, "Flaky Runner")) == 1  # a retried POST did not create two


def test_no_push_commits_locally_and_leaves_gitlab_s_branch_alone(sandbox, tmp_path):
    from dockwright.wizard.git import clone

    repo = clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token)
    answers = write_answers(sandbox, Path(repo.path), "No Push Runner", "no-push")
    with RunnerHost(sandbox, tmp_path / "runner-no-push" / "config.toml"):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-push"])
    assert code == 0, out[-3000:] + err
    assert "skipped:" in out and "push" in out.split("skipped:", 1)[1].splitlines()[0]
    assert repo.branch_sha("no-push") is not None
    assert GitLabClient.connect(sandbox.url, sandbox.token).get_branch(sandbox.project_path, "no-push") is None


def test_ca_file_reaches_git_push_too(sandbox, tmp_path):
    """--ca-file is the connection's option for git as for the API: a CA file that is not there stops the push
    (the sandbox speaks plain HTTP, so only git, which checks the file before it starts, can notice)."""
    from dockwright.wizard.git import clone

    repo = clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token)
    answers = write_answers(sandbox, Path(repo.path), "CA File Runner", "ca-file")
    missing = tmp_path / "no-such-ca.pem"
    with RunnerHost(sandbox, tmp_path / "runner-ca-file" / "config.toml"):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-watch",
                                  "--ca-file", str(missing)])
    assert code == 2, out[-3000:] + err
    assert f"The CA file {missing} does not exist" in err
    assert "failed:" in out and "push ca-file" in out.split("failed:", 1)[1].splitlines()[0]
    assert GitLabClient.connect(sandbox.url, sandbox.token).get_branch(sandbox.project_path, "ca-file") is None


STAND_IN = r'''#!{python}
"""A stand-in for gitlab-runner's `register`: writes what the real one writes to config.toml, and records
its argv and whether the token came through the environment."""
import json, os, sys
args = sys.argv[1:]
def opt(name):
    return args[args.index(name) + 1] if name in args else None
config = opt("--config")
os.makedirs(os.path.dirname(config), exist_ok=True)
record = {{"argv": sys.argv, "token_in_env": bool(os.environ.get("CI_SERVER_TOKEN")), "env": dict(os.environ)}}
with open(config + ".record.json", "w") as fh:  # its environment is not the place to say where
    json.dump(record, fh)
entry = '[[runners]]\nname = "{{}}"\nurl = "{{}}"\ntoken = "{{}}"\nexecutor = "{{}}"\n[runners.docker]\nprivileged = true\nvolumes = ["/certs/client", "/cache"]\n'
with open(config, "a") as fh:
    fh.write(entry.format(opt("--name"), opt("--url"), os.environ["CI_SERVER_TOKEN"], opt("--executor")))
os.chmod(config, 0o600)
print("Runner registered successfully.")
'''


def test_gitlab_runner_register_gets_the_token_through_its_environment(sandbox, tmp_path, monkeypatch):
    import json

    from dockwright.wizard.git import clone

    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "gitlab-runner"
    script.write_text(STAND_IN.format(python=sys.executable))
    script.chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)  # read by apply; gitlab-runner has no use for it
    monkeypatch.setenv("SOME_VARIABLE_VALUE", "value-for-the-pipeline-only")

    folder = clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token).path
    answers = write_answers(sandbox, Path(folder), "Registered Runner", "registered")
    config = tmp_path / "runner-registered" / "config.toml"
    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-watch"])
    assert code == 0, out[-3000:] + err
    record = json.loads(config.with_name("config.toml.record.json").read_text())
    config.with_name("config.toml.record.json").unlink()
    # only what gitlab-runner needs: none of the user's other variables, no personal access token
    assert "GITLAB_TOKEN" not in record["env"] and "SOME_VARIABLE_VALUE" not in record["env"]
    assert all(sandbox.token not in v for v in record["env"].values())
    assert record["env"]["PATH"] == os.environ["PATH"]
    glrt = config.read_text().split('token = "', 1)[1].split('"', 1)[0]
    assert glrt.startswith("glrt-") and record["token_in_env"] is True
    assert all(glrt not in a and sandbox.token not in a for a in record["argv"])
    assert record["argv"][1:3] == ["register", "--non-interactive"] and "--docker-privileged" in record["argv"]
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    assert client.runner_status(project_runners(sandbox, "Registered Runner")[0]) == "online"


# ---- pure helpers --------------------------------------------------------------------------------

@pytest.mark.parametrize("ref,slug", [("main", "main"), ("Feature/Add_CI", "feature-add-ci"),
                                      ("-x-", "x"), ("a" * 70, "a" * 63)])
def test_ref_slug_matches_gitlabs_ci_commit_ref_slug(ref, slug):
    assert ref_slug(ref) == slug


def test_expected_tags_add_latest_only_on_the_default_branch():
    plan = Plan(git=GitSpec(branch="main"))
    assert expected_tags(plan, "abc123", "main") == ["abc123", "main", "latest"]
    assert expected_tags(Plan(git=GitSpec(branch="dev")), "abc123", "main") == ["abc123", "dev"]


def test_lint_errors_show_the_lines_they_name():
    content = "stages: [build]\nmy_job:\n  stage: build\n  scriptx: [x]\n"
    lines = lint_error_context(content, ["jobs:my_job config contains unknown keys: scriptx"])
    assert lines[0].strip().startswith("jobs:my_job") and any("| my_job:" in line for line in lines)
    lines = lint_error_context(content, ["(<unknown>): did not find expected key while parsing at line 3 column 1"])
    assert any(line.strip().startswith("3 |") for line in lines)



def test_legacy_registration_token_410_says_what_changed_and_what_to_do(sandbox, tmp_path, monkeypatch):
    from dockwright.wizard.git import clone

    repo = clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token)
    answers = write_answers(sandbox, Path(repo.path), "Legacy Runner", "legacy",
                            runner=RunnerSpec(description="Legacy Runner", tags=("docker",),
                                              workflow="registration-token",
                                              config_path=str(tmp_path / "legacy" / "config.toml")))
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    monkeypatch.setenv("RUNNER_REGISTRATION_TOKEN", sandbox.registration_token(client.project_id(sandbox.project_path)))
    sandbox.set_registration_tokens_enabled(False)
    code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-watch"])
    assert code == 4, out + err
    assert "410" in err and "17.0" in err and "authentication-token" in err
    assert "failed:" in out and "Legacy Runner" in out.split("failed:", 1)[1]
    assert project_runners(sandbox, "Legacy Runner") == []


def test_gitlab_gone_for_good_after_the_push_is_exit_5_within_the_bounded_wait(sandbox, tmp_path, monkeypatch):
    from dockwright.wizard.apply_changes import ApplyOptions
    from dockwright.wizard.git import Repo, clone

    assert ApplyOptions().gitlab_wait == 60.0  # the default bound, not the watch's 10 minutes
    folder = clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token).path
    answers = write_answers(sandbox, Path(folder), "Gone Runner", "gone")
    real_push = Repo.push

    def push_then_gitlab_goes_away(self, *args, **kwargs):  # the real push; then every API call fails
        pushed = real_push(self, *args, **kwargs)
        sandbox.set_faults(Faults(error_rate=1.0))
        return pushed

    monkeypatch.setattr(Repo, "push", push_then_gitlab_goes_away)
    with RunnerHost(sandbox, tmp_path / "runner-gone" / "config.toml"):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--gitlab-wait", "1"])
    sandbox.set_faults(Faults())
    assert code == 5, out[-3000:] + err
    assert "Summary" in out and "push gone" in out  # what was done is said
    assert "Traceback" not in out + err


def test_a_pushed_commit_without_a_pipeline_gets_one_on_rerun(sandbox, tmp_path, monkeypatch):
    from dockwright.wizard.git import clone

    folder = clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token).path
    answers = write_answers(sandbox, Path(folder), "Lost Pipeline Runner", "lost")
    config = tmp_path / "runner-lost" / "config.toml"
    # the first run is stopped during the push: the commit reaches GitLab, its pipeline never comes
    monkeypatch.setattr(sandbox.scheduler, "on_ref_moved", lambda *a, **kw: None)
    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-watch"])
    assert code == 0, out[-3000:] + err
    monkeypatch.undo()
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    sha = client.get_branch(sandbox.project_path, "lost")["commit"]["id"]
    assert client.find_pipelines(sandbox.project_path, sha=sha) == []
    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])
    assert code == 0, out[-3000:] + err
    assert "was pushed before" in out and f"No pipeline appeared for {sha[:8]}" in out
    pipelines = client.find_pipelines(sandbox.project_path, sha=sha)
    assert len(pipelines) == 1 and pipelines[0]["source"] == "api" and pipelines[0]["status"] == "success"
