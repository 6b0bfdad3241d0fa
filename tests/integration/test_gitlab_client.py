"""Every GitLabClient operation against the sandbox over real HTTP: access, variables, runners (new and
legacy workflow), lint, commits through the API, pipelines, jobs, traces, retry/cancel/play, registry.
Everything comes back as plain values, never python-gitlab objects."""

from __future__ import annotations

import time

import pytest
import tomlkit

from dockwright.wizard import runner_setup
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import DockwrightError
from dockwright.wizard.gitlab import AccessReport, GitLabClient, LintResult
from dockwright.wizard.plan import Plan, RunnerSpec, VariableSpec

CI = """\
stages: [build, deploy]
build:
  stage: build
  tags: [ops]
  script: ["echo hello from the build"]
waits_forever:
  stage: build
  tags: [nobody-has-this-tag]
  allow_failure: true
  script: ["echo never"]
manual_deploy:
  stage: build
  tags: [ops]
  when: manual
  script: ["echo deploying"]
"""


SANDBOX_JOB_SECONDS = 0.05  # the shared `sb` fixture (tests/conftest.py) reads it


@pytest.fixture(scope="module")
def client(sb) -> GitLabClient:
    return GitLabClient.connect(sb.url, Secret(sb.token))


def wait(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def plain(value) -> None:
    """Only builtin values: dicts, lists, strings, numbers, bools, None."""
    if isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str)
            plain(v)
    elif isinstance(value, list):
        for v in value:
            plain(v)
    else:
        assert value is None or isinstance(value, (str, int, float, bool)), type(value)


def test_check_access(client, sb):
    report = client.check_access(sb.project_path)
    assert isinstance(report, AccessReport) and report.ok
    assert report.username == "root" and report.access_level_name == "Owner"
    assert set(report.scopes) == {"api", "create_runner", "write_repository"}
    assert report.project_path == sb.project_path and report.project_id > 0 and report.web_url.startswith(sb.url)
    assert report.version.count(".") == 2 and report.default_branch == "main"


def test_variable_create_unchanged_update_and_scopes(client, sb):
    spec = VariableSpec(key="OPS_VAR", masked=True, protected=True, raw=True, description="ops test")
    assert client.upsert_variable(sb.project_path, spec, Secret("value-one-1")) == "created"
    assert client.upsert_variable(sb.project_path, spec, Secret("value-one-1")) == "unchanged"
    assert client.upsert_variable(sb.project_path, spec, Secret("value-two-2")) == "updated"
    got = client.get_variable(sb.project_path, "OPS_VAR", "*")
    plain(got)
    assert (got["value"], got["masked"], got["protected"], got["raw"], got["description"]) == (
        "value-two-2", True, True, True, "ops test")
    prod = VariableSpec(key="OPS_VAR", environment_scope="production", variable_type="file")
    assert client.upsert_variable(sb.project_path, prod, Secret("prod-value")) == "created"
    assert client.get_variable(sb.project_path, "OPS_VAR", "production")["variable_type"] == "file"
    assert client.get_variable(sb.project_path, "OPS_VAR", "*")["value"] == "value-two-2"


def test_hidden_variable_is_created_once_and_cannot_be_made_visible(client, sb):
    hidden = VariableSpec(key="OPS_HIDDEN", masked=True, hidden=True)
    assert client.upsert_variable(sb.project_path, hidden, Secret("hidden-value-1")) == "created"
    got = client.find_variable(sb.project_path, "OPS_HIDDEN")
    assert got is not None and got["value"] is None and got["hidden"] is True
    # its value cannot be read back, so a re-run sends it again (an update, not a duplicate)
    assert client.upsert_variable(sb.project_path, hidden, Secret("hidden-value-1")) == "updated"
    with pytest.raises(DockwrightError) as err:
        client.upsert_variable(sb.project_path, VariableSpec(key="OPS_HIDDEN", masked=True), Secret("visible-value"))
    assert "masked and hidden" in err.value.sentence and "Delete it" in err.value.next_step
    visible = VariableSpec(key="OPS_VISIBLE", masked=True)
    client.upsert_variable(sb.project_path, visible, Secret("visible-value"))
    with pytest.raises(DockwrightError) as err:
        client.upsert_variable(sb.project_path, VariableSpec(key="OPS_VISIBLE", masked=True, hidden=True),
                               Secret("visible-value"))
    assert "only make a variable masked and hidden when it is created" in err.value.sentence


def test_lists_are_read_to_the_end(client, sb):
    small_pages = GitLabClient.connect(sb.url, Secret(sb.token), per_page=5)
    for i in range(12):
        client.upsert_variable(sb.project_path, VariableSpec(key=f"PAGE_{i:03d}"), Secret("x"))
    keys = [v["key"] for v in small_pages.list_variables(sb.project_path)]
    assert {f"PAGE_{i:03d}" for i in range(12)} <= set(keys)  # three pages and more, all read


def test_lint_valid_and_invalid(client, sb):
    ok = client.lint(sb.project_path, CI)
    assert ok == LintResult(valid=True, errors=(), warnings=ok.warnings, merged_yaml=ok.merged_yaml) and ok.valid
    bad = client.lint(sb.project_path, "job:\n  stage: build\n  script: [x]\n  scriptx: [x]\n")
    assert not bad.valid and any("unknown keys: scriptx" in e for e in bad.errors)


def test_runner_create_find_config_online_and_reset(client, sb, tmp_path):
    made = client.create_runner(sb.project_path, description="Ops Runner", tags=["ops"])
    plain(made)
    assert made["token"].startswith("glrt-")
    found = client.find_runner(sb.project_path, description="Ops Runner", tags=["ops"])
    assert found is not None and found["id"] == made["id"] and found["tag_list"] == ["ops"]
    assert client.find_runner(sb.project_path, description="Ops Runner", tags=["other"]) is None
    assert client.runner_status(made["id"]) == "never_contacted"

    plan = Plan(executor="docker-dind-tls", runner=RunnerSpec(description="Ops Runner", tags=("ops",)))
    config = tmp_path / "config.toml"
    runner = runner_setup.RunnerInGitLab(made["id"], created=True, token=Secret(made["token"]))
    assert runner_setup.write_config(plan, config, url=sb.url, runner=runner) == "done"
    assert runner_setup.write_config(plan, config, url=sb.url, runner=runner) == "already in place"
    assert config.stat().st_mode & 0o777 == 0o600
    sb.register_runners_from_config(config)
    assert runner_setup.wait_online(client, made["id"], timeout=10, interval=0.05) == "online"

    # a lost token: GitLab issues a new one for the same runner
    new = client.reset_runner_token(made["id"])
    assert new.startswith("glrt-") and new != made["token"]


def test_runner_reused_with_its_config_entry_is_not_created_again(client, sb, tmp_path):
    plan = Plan(runner=RunnerSpec(description="Reuse Runner", tags=("reuse",)))
    config = tmp_path / "config.toml"
    first = runner_setup.ensure_runner_in_gitlab(client, plan, sb.project_path, config_text=None, url=sb.url)
    assert first.created and first.token is not None
    runner_setup.write_config(plan, config, url=sb.url, runner=first)
    again = runner_setup.ensure_runner_in_gitlab(client, plan, sb.project_path, config_text=config.read_text(),
                                                 url=sb.url)
    assert again == runner_setup.RunnerInGitLab(first.id, created=False, token=None)


def test_an_existing_runner_with_our_name_is_never_changed(client, sb, tmp_path):
    """Issue 17.11: a runner of the user's with the same name and url (privileged = false, the socket volume)
    was made privileged and lost its volume; now apply adds its own entry (with its id) and leaves it alone,
    and a later plan change to dockwright's own entry is said in the review."""
    from dockwright.wizard.changes import RunnerChange

    plan = Plan(executor="docker-dind-tls", runner=RunnerSpec(description="Shared Name Runner", tags=("shared",)))
    config = tmp_path / "config.toml"
    theirs = (f'concurrent = 2\n\n[[runners]]\n  name = "Shared Name Runner"\n  url = "{sb.url}"\n'
              '  token = "glrt-users-own-runner-token"\n  executor = "docker"\n  [runners.docker]\n'
              '    image = "alpine:3.20"\n    privileged = false\n'
              '    volumes = ["/var/run/docker.sock:/var/run/docker.sock", "/cache"]\n')
    config.write_text(theirs)
    made = runner_setup.ensure_runner_in_gitlab(client, plan, sb.project_path, config_text=theirs, url=sb.url)
    assert made.created
    runner_setup.write_config(plan, config, url=sb.url, runner=made)
    text = config.read_text()
    assert text.startswith(theirs)  # their entry, byte for byte
    doc = tomlkit.parse(text).unwrap()
    assert [r.get("id") for r in doc["runners"]] == [None, made.id]
    assert doc["runners"][1]["docker"]["privileged"] is True
    assert runner_setup.own_entry_changes(plan, text, url=sb.url) == []
    # the executor changes to socket binding: the review names what changes in dockwright's own entry
    socket = Plan(executor="docker-socket", runner=plan.runner)
    review = RunnerChange(None, socket, sb.project_path, sb.url, config).preview()
    assert f"runner #{made.id} (Shared Name Runner), written by an earlier apply, changes:" in review
    assert "docker.privileged True -> False" in review and "other runners' entries are left as they are" in review


def test_wait_online_says_what_to_check(client, sb):
    made = client.create_runner(sb.project_path, description="Never Started", tags=["never"])
    with pytest.raises(DockwrightError) as err:
        runner_setup.wait_online(client, made["id"], timeout=0.2, interval=0.05)
    assert "did not come online" in err.value.sentence and "gitlab-runner verify" in err.value.next_step


def test_legacy_registration_token_410_then_allowed(client, sb):
    sb.set_registration_tokens_enabled(False)
    project_id = client.project_id(sb.project_path)
    token = Secret(sb.registration_token(project_id))
    with pytest.raises(DockwrightError) as err:
        client.register_runner_legacy(token, description="Legacy", tags=["legacy"])
    assert err.value.code == "registration_disabled" and "17.0" in err.value.sentence
    assert "authentication-token" in err.value.next_step
    sb.set_registration_tokens_enabled(True)
    try:
        made = client.register_runner_legacy(token, description="Legacy", tags=["legacy"])
    finally:
        sb.set_registration_tokens_enabled(False)
    assert made["id"] > 0 and made["token"]


def test_commit_through_the_api_is_idempotent(client, sb):
    made = client.create_commit(sb.project_path, branch="ops-branch", start_branch="main",
                                message="Add ops files", files={"ops/notes.txt": "hello\n"})
    assert made is not None and len(made["id"]) == 40
    assert client.create_commit(sb.project_path, branch="ops-branch", message="again",
                                files={"ops/notes.txt": "hello\n"}) is None
    assert client.file_content(sb.project_path, "ops/notes.txt", "ops-branch") == b"hello\n"
    assert client.get_branch(sb.project_path, "ops-branch")["commit"]["id"] == made["id"]
    assert client.get_branch(sb.project_path, "no-such-branch") is None
    assert "ops-branch" in [b["name"] for b in client.list_branches(sb.project_path)]


def test_pipelines_jobs_traces_and_actions(client, sb, tmp_path):
    # a runner for the tag `ops`, started from its config.toml
    plan = Plan(runner=RunnerSpec(description="Pipeline Runner", tags=("ops",)))
    runner = runner_setup.ensure_runner_in_gitlab(client, plan, sb.project_path, config_text=None, url=sb.url)
    runner_setup.write_config(plan, tmp_path / "config.toml", url=sb.url, runner=runner)
    sb.register_runners_from_config(tmp_path / "config.toml")

    made = client.create_commit(sb.project_path, branch="ops-ci", start_branch="main", message="CI for ops",
                                files={".gitlab-ci.yml": CI})
    sha = made["id"]
    pipeline = wait(lambda: client.find_pipelines(sb.project_path, sha=sha))[0]
    plain(pipeline)
    assert pipeline["sha"] == sha and pipeline["ref"] == "ops-ci"
    assert client.find_pipelines(sb.project_path, ref="ops-ci")[0]["id"] == pipeline["id"]
    pid = pipeline["id"]

    def job(name):
        return next(j for j in client.list_pipeline_jobs(sb.project_path, pid) if j["name"] == name)

    build = wait(lambda: (j := job("build"))["status"] == "success" and j)
    plain(build)
    assert client.get_job(sb.project_path, build["id"])["status"] == "success"
    trace = client.get_job_trace(sb.project_path, build["id"])
    assert isinstance(trace, bytes) and b"hello from the build" in trace
    # following a log: the whole body is streamed, only the bytes past the offset come back, in pieces
    size, pieces = client.get_job_trace_from(sb.project_path, build["id"], 10, chunk_size=16)
    assert size == len(trace) and b"".join(pieces) == trace[10:] and max(map(len, pieces)) <= 16
    assert client.get_job_trace_from(sb.project_path, build["id"], len(trace) + 5) == (len(trace), [])  # erased

    manual = wait(lambda: (j := job("manual_deploy"))["status"] == "manual" and j)
    played = client.play_job(sb.project_path, manual["id"])
    assert played["id"] == manual["id"] and played["status"] != "manual"
    wait(lambda: job("manual_deploy")["status"] == "success")

    stuck = job("waits_forever")
    assert stuck["status"] == "pending"
    assert client.cancel_job(sb.project_path, stuck["id"])["status"] in ("canceled", "canceling")
    retried = client.retry_job(sb.project_path, stuck["id"])
    assert retried["id"] != stuck["id"] and retried["name"] == "waits_forever"

    canceled = client.cancel_pipeline(sb.project_path, pid)
    assert canceled["id"] == pid
    wait(lambda: client.get_pipeline(sb.project_path, pid)["status"] in ("canceled", "success", "failed"))
    assert client.retry_pipeline(sb.project_path, pid)["id"] == pid
    assert client.list_pipeline_bridges(sb.project_path, pid) == []  # this pipeline triggers nothing


def test_registry_tags(client, sb, tmp_path):
    from dockwright.wizard.render import render_files

    plan = Plan(runner=RunnerSpec(description="Registry Runner", tags=("docker",)))
    runner = runner_setup.ensure_runner_in_gitlab(client, plan, sb.project_path, config_text=None, url=sb.url)
    runner_setup.write_config(plan, tmp_path / "config.toml", url=sb.url, runner=runner)
    sb.register_runners_from_config(tmp_path / "config.toml")
    files = render_files(plan, {})
    made = client.create_commit(sb.project_path, branch="main", message="Docker build", files=files)
    sha = made["id"]
    wait(lambda: (p := client.find_pipelines(sb.project_path, sha=sha)) and p[0]["status"] == "success", 30)
    tags = client.registry_tags(sb.project_path)
    plain(tags)
    location, names = next((loc, t) for loc, t in tags.items() if sha in t)
    assert location == f"{sb.registry_host}/{sb.project_path}" and {"main", "latest"} <= set(names)


def test_results_are_plain_values_not_python_gitlab_objects(client, sb):
    for value in (client.find_pipelines(sb.project_path), client.list_branches(sb.project_path),
                  client.find_variable(sb.project_path, "OPS_VAR")):
        plain(value)
    assert type(client.check_access(sb.project_path)).__module__ == "dockwright.wizard.gitlab"


def test_runner_creation_survives_dropped_answers_without_a_second_runner(client, sb):
    import threading

    from dockwright.sandbox import Faults

    client.project_id(sb.project_path)  # known already: the next request is the POST
    start = len(sb.request_log)

    def posts() -> list[int]:
        return [status for method, path, status, _ in sb.request_log[start:]
                if method == "POST" and path.endswith("/user/runners")]

    def heal() -> None:  # the network comes back once a POST has been dropped
        sb.wait_for(lambda: 0 in posts(), timeout=10, interval=0.005)
        sb.set_faults(Faults())

    sb.set_faults(Faults(drop_rate=1.0))
    healer = threading.Thread(target=heal)
    healer.start()
    try:
        made = client.create_runner(sb.project_path, description="Dropped Runner", tags=["dropped"])
    finally:
        healer.join()
        sb.set_faults(Faults())
    assert posts()[0] == 0 and posts()[-1] == 201  # the first POST was dropped, a later one created it
    assert made["token"].startswith("glrt-")
    runners = client._project(sb.project_path).runners.list(get_all=True, type="project_type")
    assert [r.attributes["description"] for r in runners].count("Dropped Runner") == 1
