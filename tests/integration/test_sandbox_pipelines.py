"""Pipelines in the sandbox: created by a push or an API commit, played by the simulated runner, with
GitLab's statuses, traces, errors and the registry filled by `docker push`."""

from __future__ import annotations

import gitlab
import pytest
import requests

from tests.sandbox_helpers import clone, commit_and_push, commit_files, wait_pipeline, wait_until
from tests.sim_helpers import SEED_CORRECTED

DOCKERFILE = """FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "app.py"]
"""

BUILD_AND_PUSH = """stages: [build, test]
build-and-push:
  stage: build
  image: docker:27
  services:
    - docker:27-dind
  variables:
    DOCKER_TLS_CERTDIR: "/certs"
  script:
    - docker build -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA" .
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
show-secret:
  stage: test
  script:
    - echo "the secret is $SANDBOX_SECRET"
"""



SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it


@pytest.fixture(scope="module")
def project(sb):
    return gitlab.Gitlab(sb.url, private_token=sb.token).projects.get(sb.project_path)


def jobs_by_name(project, pipeline_id):
    return {j.name: j for j in project.pipelines.get(pipeline_id, lazy=True).jobs.list(get_all=True)}


def only_pipeline_for(project, sha, ref="main"):
    pipelines = wait_until(lambda: [p for p in project.pipelines.list(get_all=True, sha=sha, ref=ref)
                                    if p.source != "parent_pipeline"])  # a child has its parent's commit
    assert len(pipelines) == 1
    return pipelines[0]


def test_git_push_creates_a_pipeline_that_builds_and_pushes(sb, project, tmp_path):
    project.variables.create({"key": "SANDBOX_SECRET", "value": "hunter2-hunter2", "masked": True})
    work = clone(sb, tmp_path / "work")
    sha = commit_and_push(work, {"Dockerfile": DOCKERFILE, ".gitlab-ci.yml": BUILD_AND_PUSH}, "Build and push",
                          sb.token)
    listed = only_pipeline_for(project, sha)
    assert (listed.ref, listed.source) == ("main", "push")
    pipeline = wait_pipeline(project, listed.id)
    assert pipeline.status == "success", sb.internal_errors
    assert pipeline.started_at and pipeline.finished_at and pipeline.before_sha != sha
    jobs = jobs_by_name(project, listed.id)
    assert {n: j.status for n, j in jobs.items()} == {"build-and-push": "success", "show-secret": "success"}
    build = project.jobs.get(jobs["build-and-push"].id)
    assert build.runner["runner_type"] == "instance_type" and build.stage == "build"
    assert build.pipeline["id"] == listed.id and build.commit["id"] == sha
    assert build.duration is not None and build.queued_duration is not None
    trace = project.jobs.get(build.id, lazy=True).trace().decode()
    assert "section_start:" in trace and "section_end:" in trace and "\x1b[" in trace
    assert "$ docker push \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA\"" in trace
    secret_trace = project.jobs.get(jobs["show-secret"].id, lazy=True).trace().decode()
    assert "the secret is [MASKED]" in secret_trace and "hunter2-hunter2" not in secret_trace
    repos = project.repositories.list(get_all=True)
    assert [r.path for r in repos] == ["demo/app"]
    assert [t.name for t in repos[0].tags.list(get_all=True)] == [sha[:8]]
    assert repos[0].location == f"{sb.registry_host}/demo/app"
    r = requests.get(f"{sb.url}/api/v4/projects/1/jobs/{build.id}/trace", headers={"PRIVATE-TOKEN": sb.token},
                     timeout=5)
    assert r.headers["Content-Type"].startswith("text/plain")


def test_seed_pipeline_with_corrected_names_fails_in_its_push_job(sb, project):
    commit = commit_files(project, {".gitlab-ci.yml": SEED_CORRECTED, "Dockerfile": DOCKERFILE}, "The tutorial's pipeline")
    pipeline = wait_pipeline(project, only_pipeline_for(project, commit.id).id)
    assert pipeline.status == "failed"
    jobs = jobs_by_name(project, pipeline.id)
    assert (jobs["build_image"].status, jobs["push_image"].status) == ("success", "failed")
    assert jobs["push_image"].failure_reason == "script_failure"
    trace = project.jobs.get(jobs["push_image"].id, lazy=True).trace().decode()
    assert f"An image does not exist locally with the tag: {sb.registry_host}/demo/app" in trace


def test_yaml_error_makes_a_failed_pipeline_that_names_the_keyword(sb, project):
    commit = commit_files(project, {".gitlab-ci.yml": "build:\n  script: [echo hi]\n  cahce:\n    paths: [x]\n"},
                          "Use cache")
    pipeline = project.pipelines.get(only_pipeline_for(project, commit.id).id)
    assert pipeline.status == "failed"
    assert "jobs:build config contains unknown keys: cahce" in pipeline.yaml_errors
    assert pipeline.jobs.list(get_all=True) == []
    r = requests.post(f"{sb.url}/api/v4/projects/1/pipeline", json={"ref": "main"},
                      headers={"PRIVATE-TOKEN": sb.token}, timeout=5)
    assert r.status_code == 400 and "unknown keys: cahce" in r.json()["message"]["base"][0]


def test_artifacts_are_uploaded_and_kept(sb, project):
    ci = "test-artifact:\n  script: [echo built > out.txt]\n  artifacts:\n    paths: [out.txt]\n    expire_in: 1 week\n"
    commit = commit_files(project, {".gitlab-ci.yml": ci}, "Keep an artifact")
    pipeline = wait_pipeline(project, only_pipeline_for(project, commit.id).id)
    assert pipeline.status == "success" and not pipeline.yaml_errors
    job = jobs_by_name(project, pipeline.id)["test-artifact"]
    trace = project.jobs.get(job.id, lazy=True).trace().decode()
    assert "out.txt: found 1 matching artifact files and directories" in trace
    assert project.jobs.get(job.id, lazy=True).artifact("out.txt") == b"built\n"


def test_create_pipeline_through_the_api(sb, project):
    commit_files(project, {".gitlab-ci.yml": "hello:\n  script:\n    - echo \"hello $WHO\"\n"}, "Hello job")
    headers = {"PRIVATE-TOKEN": sb.token}
    r = requests.post(f"{sb.url}/api/v4/projects/1/pipeline", json={"ref": "nope"}, headers=headers, timeout=5)
    assert (r.status_code, r.json()) == (400, {"message": {"base": ["Reference not found"]}})
    created = project.pipelines.create({"ref": "main", "variables": [{"key": "WHO", "value": "learner"}]})
    assert created.source == "api" and created.ref == "main"
    pipeline = wait_pipeline(project, created.id)
    assert pipeline.status == "success"
    job = next(iter(jobs_by_name(project, created.id).values()))
    assert "hello learner" in project.jobs.get(job.id, lazy=True).trace().decode()
    latest = project.pipelines.latest(ref="main")
    assert latest.id == created.id
    filtered = project.pipelines.list(get_all=True, status="success", ref="main", sha=pipeline.sha)
    assert next(p.id for p in filtered) == created.id
    assert project.pipelines.list(get_all=True, status="canceled", sha=pipeline.sha) == []


def test_missing_ci_file_and_latest_without_pipeline(sb, project):
    project.branches.create({"branch": "no-ci", "ref": "main"})
    commit_files(project, {".gitlab-ci.yml": ""}, "Empty", branch="no-ci")
    project.commits.create({"branch": "no-ci", "commit_message": "drop ci",
                            "actions": [{"action": "delete", "file_path": ".gitlab-ci.yml"}]})
    headers = {"PRIVATE-TOKEN": sb.token}
    r = requests.post(f"{sb.url}/api/v4/projects/1/pipeline", json={"ref": "no-ci"}, headers=headers, timeout=5)
    assert (r.status_code, r.json()) == (400, {"message": {"base": ["Missing .gitlab-ci.yml file"]}})
    r = requests.get(f"{sb.url}/api/v4/projects/1/pipelines/latest", params={"ref": "no-ci"}, headers=headers,
                     timeout=5)
    assert r.status_code == 403


STAGES = """stages: [build, test, deploy]
compile:
  stage: build
  script: [echo compiled]
flaky:
  stage: test
  allow_failure: true
  script: [exit 3]
unit:
  stage: test
  script: [exit 1]
quick:
  stage: deploy
  needs: [compile]
  script: [echo needs only compile]
deploy:
  stage: deploy
  script: [echo never]
release:
  stage: deploy
  when: manual
  script: [echo released]
"""


def test_stages_needs_failures_skips_and_manual_jobs(sb, project):
    commit = commit_files(project, {".gitlab-ci.yml": STAGES}, "Stages")
    pid = only_pipeline_for(project, commit.id).id
    pipeline = wait_pipeline(project, pid, statuses=("failed",))
    jobs = wait_until(lambda: (lambda j: j if j["deploy"].status == "skipped" else None)(jobs_by_name(project, pid)))
    statuses = {name: job.status for name, job in jobs.items()}
    assert statuses == {"compile": "success", "flaky": "failed", "unit": "failed", "quick": "success",
                        "deploy": "skipped", "release": "skipped"}
    assert jobs["flaky"].allow_failure is True
    assert pipeline.status == "failed"
    # retry the failed job with a fixed script? The script is the same: it fails again, deploy stays skipped
    retried = project.jobs.get(jobs["unit"].id).retry()
    assert retried["status"] == "pending" and retried["id"] != jobs["unit"].id
    again = wait_until(lambda: (lambda j: j if j.status in ("failed", "success") else None)(
        project.jobs.get(retried["id"])))
    assert again.status == "failed"
    listed = project.pipelines.get(pid, lazy=True).jobs.list(get_all=True, include_retried=True)
    assert sum(1 for j in listed if j.name == "unit") == 2


def test_manual_job_waits_until_played(sb, project):
    commit = commit_files(project, {".gitlab-ci.yml": "ship:\n  when: manual\n  script: [echo shipped]\n"}, "Manual")
    pid = only_pipeline_for(project, commit.id).id
    pipeline = wait_pipeline(project, pid, statuses=("manual", "skipped", "success"))
    job = next(iter(jobs_by_name(project, pid).values()))
    assert job.status == "manual"
    project.jobs.get(job.id).play()
    wait_until(lambda: project.jobs.get(job.id).status == "success")
    assert "shipped" in project.jobs.get(job.id, lazy=True).trace().decode()
    assert pipeline.id == pid


def test_a_manual_job_played_after_its_pipeline_passed_runs_and_the_pipeline_runs_again(sb, project):
    ci = "build:\n  stage: build\n  script: [echo built]\ndeploy:\n  stage: deploy\n  when: manual\n  script: [echo deployed]\n"
    commit = commit_files(project, {".gitlab-ci.yml": ci}, "Manual deploy, allow_failure by default")
    pid = only_pipeline_for(project, commit.id).id
    passed = wait_pipeline(project, pid, statuses=("success", "failed"))
    assert passed.status == "success" and passed.finished_at  # deploy waits, allow_failure keeps it green
    deploy = jobs_by_name(project, pid)["deploy"]
    assert deploy.status == "manual"
    project.jobs.get(deploy.id, lazy=True).play()
    played = wait_until(lambda: (job := project.jobs.get(deploy.id)).status == "success" and job)
    assert played.started_at >= passed.finished_at
    again = wait_pipeline(project, pid, statuses=("success", "failed"))
    assert again.status == "success" and again.finished_at >= played.finished_at
    assert "deployed" in project.jobs.get(deploy.id, lazy=True).trace().decode()


def test_job_with_no_matching_runner_is_stuck_until_one_registers(sb, project, tmp_path):
    sb.set_instance_runners(sb.project_path, False)
    try:
        commit = commit_files(project, {".gitlab-ci.yml": "tagged:\n  tags: [docker]\n  script: [echo ran]\n"},
                              "Tagged job")
        pid = only_pipeline_for(project, commit.id).id
        job = next(iter(jobs_by_name(project, pid).values()))
        stuck = wait_until(lambda: project.jobs.get(job.id, lazy=True).trace().decode())
        assert project.jobs.get(job.id).status == "pending"
        assert "This job is stuck because the project doesn't have any runners online assigned to it." in stuck
        wait_until(lambda: project.pipelines.get(pid).status == "pending")
        gl = gitlab.Gitlab(sb.url, private_token=sb.token)
        created = gl.http_post("/user/runners", post_data={"runner_type": "project_type", "project_id": project.id,
                                                           "tag_list": ["docker"], "run_untagged": False})
        config = tmp_path / "config.toml"
        config.write_text(f'[[runners]]\nname = "mine"\nurl = "{sb.url}"\ntoken = "{created["token"]}"\n'
                          'executor = "shell"\n')
        assert sb.register_runners_from_config(config) == [created["id"]]
        pipeline = wait_pipeline(project, pid)
        assert pipeline.status == "success"
        done = project.jobs.get(job.id)
        assert done.runner["id"] == created["id"]
        trace = project.jobs.get(job.id, lazy=True).trace().decode()
        assert "stuck" not in trace and "Using Shell (bash) executor" in trace
    finally:
        sb.set_instance_runners(sb.project_path, True)
        sb.store.execute("UPDATE runners SET contacted_at = NULL WHERE runner_type = 'project_type'")


def test_cancel_a_running_pipeline(sb, project):
    sb.job_seconds = 5.0
    try:
        commit = commit_files(project, {".gitlab-ci.yml": "slow:\n  script: [echo one, echo two]\nlater:\n  stage: deploy\n  script: [echo x]\n"},
                              "Slow")
        pid = only_pipeline_for(project, commit.id).id
        wait_until(lambda: project.pipelines.get(pid).status == "running")
        canceled = project.pipelines.get(pid).cancel()
        assert canceled["id"] == pid
        pipeline = wait_pipeline(project, pid, statuses=("canceled",))
        assert {j.status for j in jobs_by_name(project, pid).values()} == {"canceled"}
        assert pipeline.status == "canceled"
    finally:
        sb.job_seconds = 0.1


def test_protected_variables_only_on_the_default_branch(sb, project):
    project.variables.create({"key": "PROD_ONLY", "value": "on-main", "protected": True})
    ci = "show:\n  script:\n    - echo \"value=[$PROD_ONLY]\"\n"
    on_main = commit_files(project, {".gitlab-ci.yml": ci}, "Show on main")
    project.branches.create({"branch": "feature", "ref": "main"})
    on_feature = commit_files(project, {"feature.txt": "x\n"}, "Feature", branch="feature")
    traces = {}
    for name, commit in (("main", on_main), ("feature", on_feature)):
        pid = only_pipeline_for(project, commit.id, ref=name).id
        wait_pipeline(project, pid)
        job = next(iter(jobs_by_name(project, pid).values()))
        traces[name] = project.jobs.get(job.id, lazy=True).trace().decode()
    assert "value=[on-main]" in traces["main"]
    assert "value=[]" in traces["feature"]


def test_raw_variables_are_not_expanded_and_others_are(sb, project):
    """Issue 17.3: as the runner does, a variable that is not raw has `$name` expanded (undefined: empty);
    a raw one arrives as stored."""
    project.variables.create({"key": "USER_EXPANDED", "value": "robot$team+ci"})
    project.variables.create({"key": "USER_RAW", "value": "robot$team+ci", "raw": True})
    assert project.variables.get("USER_RAW").raw is True and project.variables.get("USER_EXPANDED").raw is False
    ci = "show:\n  script:\n    - echo \"expanded=[$USER_EXPANDED] raw=[$USER_RAW]\"\n"
    commit = commit_files(project, {".gitlab-ci.yml": ci}, "Show raw and expanded")
    pid = only_pipeline_for(project, commit.id).id
    wait_pipeline(project, pid)
    job = next(iter(jobs_by_name(project, pid).values()))
    trace = project.jobs.get(job.id, lazy=True).trace().decode()
    assert "expanded=[robot+ci] raw=[robot$team+ci]" in trace


def test_lint(sb, project):
    headers = {"PRIVATE-TOKEN": sb.token}
    ok = requests.post(f"{sb.url}/api/v4/projects/1/ci/lint", headers=headers, timeout=5,
                       json={"content": "test_job:\n  script: echo 1\n", "include_jobs": True}).json()
    assert ok["valid"] is True and ok["errors"] == [] and ok["merged_yaml"].startswith("---")
    assert ok["jobs"][0]["name"] == "test_job"
    bad = requests.post(f"{sb.url}/api/v4/projects/1/ci/lint", headers=headers, timeout=5,
                        json={"content": "build:\n  script: [x]\n  artifacs: {}\n"})
    assert bad.status_code == 200 and bad.json()["valid"] is False
    assert bad.json()["errors"] == ["jobs:build config contains unknown keys: artifacs"]
    known = requests.post(f"{sb.url}/api/v4/projects/1/ci/lint", headers=headers, timeout=5,
                          json={"content": "build:\n  script: [x]\n  artifacts: {paths: [x]}\n"})
    assert known.json()["valid"] is True
    missing = requests.post(f"{sb.url}/api/v4/projects/1/ci/lint", headers=headers, timeout=5, json={})
    assert (missing.status_code, missing.json()) == (400, {"error": "content is missing"})


def test_repository_files_branches_and_commit_errors(sb, project):
    assert project.files.get("app.py", ref="main").decode().startswith(b'"""A tiny web app')
    with pytest.raises(gitlab.GitlabGetError) as err:
        project.files.get("nope.txt", ref="main")
    assert err.value.response_code == 404
    headers = {"PRIVATE-TOKEN": sb.token}
    r = requests.get(f"{sb.url}/api/v4/projects/1/repository/files/app.py", headers=headers, timeout=5)
    assert (r.status_code, r.json()) == (400, {"error": "ref is missing"})
    r = requests.post(f"{sb.url}/api/v4/projects/1/repository/commits", headers=headers, timeout=5,
                      json={"branch": "main", "commit_message": "again",
                            "actions": [{"action": "create", "file_path": "app.py", "content": "x"}]})
    assert (r.status_code, r.json()) == (400, {"message": "A file with this name already exists"})
    main = project.branches.get("main")
    assert main.default is True and main.protected is True and len(main.commit["id"]) == 40
    with pytest.raises(gitlab.GitlabGetError):
        project.branches.get("does-not-exist")


def test_job_action_errors_scopes_and_bridges(sb, project):
    commit = commit_files(project, {".gitlab-ci.yml": "one:\n  script: [echo one]\n"}, "One job")
    pid = only_pipeline_for(project, commit.id).id
    wait_pipeline(project, pid)
    job = next(iter(jobs_by_name(project, pid).values()))
    headers = {"PRIVATE-TOKEN": sb.token}
    r = requests.post(f"{sb.url}/api/v4/projects/1/jobs/{job.id}/play", headers=headers, timeout=5)
    assert (r.status_code, r.json()) == (400, {"message": "400 Bad request - Unplayable Job"})
    r = requests.get(f"{sb.url}/api/v4/projects/1/jobs/999999", headers=headers, timeout=5)
    assert r.status_code == 404
    assert project.pipelines.get(pid, lazy=True).jobs.list(get_all=True, scope="failed") == []
    assert [j.id for j in project.pipelines.get(pid, lazy=True).jobs.list(get_all=True, scope=["success"])] == [job.id]
    assert project.pipelines.get(pid, lazy=True).bridges.list(get_all=True) == []
    r = requests.post(f"{sb.url}/api/v4/user/runners", headers=headers, timeout=5, json={"runner_type": "project_type"})
    assert (r.status_code, r.json()) == (400, {"error": "project_id is missing"})


def test_the_log_grows_while_the_job_runs_and_cancel_stops_it(sb, project):
    sb.job_seconds = 6.0
    try:
        commit = commit_files(project, {".gitlab-ci.yml": "long:\n  script: [echo one, echo two, echo three]\n"},
                              "Long job")
        pid = only_pipeline_for(project, commit.id).id
        job_id = next(iter(jobs_by_name(project, pid).values())).id
        trace = lambda: project.jobs.get(job_id, lazy=True).trace().decode()  # noqa: E731
        first = wait_until(lambda: project.jobs.get(job_id).status == "running" and trace())
        grown = wait_until(lambda: (lambda t: t if len(t) > len(first) else None)(trace()))
        assert grown.startswith(first)
        project.jobs.get(job_id).cancel()
        wait_until(lambda: project.jobs.get(job_id).status == "canceled")
        final = trace()
        assert final.startswith(grown) and "Job failed: canceled" in final
    finally:
        sb.job_seconds = 0.1


def test_retry_a_failed_pipeline_lint_the_repository_file_and_list_project_jobs(sb, project):
    project.variables.create({"key": "SHOULD_FAIL", "value": "yes"})
    ci = "check:\n  script:\n    - test \"$SHOULD_FAIL\" != yes\nafter:\n  stage: deploy\n  script: [echo after]\n"
    commit = commit_files(project, {".gitlab-ci.yml": ci}, "Fails until the variable changes")
    pid = only_pipeline_for(project, commit.id).id
    assert wait_pipeline(project, pid).status == "failed"
    assert jobs_by_name(project, pid)["after"].status == "skipped"
    project.variables.update("SHOULD_FAIL", {"value": "no"})
    retried = project.pipelines.get(pid).retry()
    assert retried["id"] == pid
    assert wait_pipeline(project, pid, statuses=("success", "failed")).status == "success"
    assert {n: j.status for n, j in jobs_by_name(project, pid).items()} == {"check": "success", "after": "success"}
    linted = requests.get(f"{sb.url}/api/v4/projects/1/ci/lint", params={"content_ref": "main", "include_jobs": "true"},
                          headers={"PRIVATE-TOKEN": sb.token}, timeout=5).json()
    assert linted["valid"] is True and [j["name"] for j in linted["jobs"]] == ["check", "after"]
    listed = project.jobs.list(get_all=True, scope=["success"])
    assert {"check", "after"} <= {j.name for j in listed}
    project.variables.delete("SHOULD_FAIL")


def test_skip_ci_in_the_commit_message_creates_no_pipeline(sb, project):
    skipped = commit_files(project, {".gitlab-ci.yml": "quiet:\n  script: [echo quiet]\n"}, "Docs only [skip ci]")
    marker = commit_files(project, {"after.txt": "x\n"}, "Next commit")
    only_pipeline_for(project, marker.id)  # the scheduler saw both pushes
    assert project.pipelines.list(get_all=True, sha=skipped.id) == []


PARENT = """stages: [build, child]
build:
  stage: build
  script: [echo built]
kid:
  stage: child
  variables: {GREETING: hello-from-the-parent}
  trigger:
    include: [{local: ci/child.yml}]
    strategy: depend
"""


def bridges_of(project, pipeline_id):
    return project.pipelines.get(pipeline_id, lazy=True).bridges.list(get_all=True)


def test_a_trigger_job_creates_a_child_pipeline_and_depend_takes_its_status(sb, project):
    child_ci = "unit:\n  script: [echo \"unit $GREETING $CI_PIPELINE_SOURCE\"]\nfails:\n  script: [exit 3]\n"
    commit = commit_files(project, {".gitlab-ci.yml": PARENT, "ci/child.yml": child_ci}, "Parent and child")
    pid = only_pipeline_for(project, commit.id).id
    parent = wait_pipeline(project, pid, statuses=("success", "failed", "canceled"))
    assert parent.status == "failed"  # strategy: depend: the child failed, so did the bridge and the parent
    [bridge] = bridges_of(project, pid)
    assert (bridge.name, bridge.stage, bridge.status) == ("kid", "child", "failed")
    child_id = bridge.downstream_pipeline["id"]
    assert bridge.downstream_pipeline["status"] == "failed" and bridge.downstream_pipeline["sha"] == commit.id
    child = project.pipelines.get(child_id)
    assert (child.source, child.ref, child.sha) == ("parent_pipeline", "main", commit.id)
    jobs = jobs_by_name(project, child_id)
    assert {n: j.status for n, j in jobs.items()} == {"unit": "success", "fails": "failed"}
    assert "unit hello-from-the-parent parent_pipeline" in project.jobs.get(jobs["unit"].id, lazy=True).trace().decode()
    # bridges are not jobs: the jobs list and GET /jobs/:id leave them out, as GitLab's do
    assert "kid" not in jobs_by_name(project, pid)
    with pytest.raises(gitlab.exceptions.GitlabGetError):
        project.jobs.get(bridge.id)
    r = requests.get(f"{sb.url}/api/v4/projects/1/pipelines/latest", headers={"PRIVATE-TOKEN": sb.token}, timeout=5)
    assert r.json()["id"] == pid  # the newest pipeline of the ref is the parent, not its child


def test_without_depend_the_bridge_passes_once_the_child_exists(sb, project):
    ci = "kid:\n  trigger:\n    include: ci/other-child.yml\n"
    commit = commit_files(project, {".gitlab-ci.yml": ci, "ci/other-child.yml": "slow:\n  script: [exit 1]\n"},
                          "Fire and forget")
    pid = only_pipeline_for(project, commit.id).id
    assert wait_pipeline(project, pid, statuses=("success", "failed")).status == "success"
    [bridge] = bridges_of(project, pid)
    assert bridge.status == "success"
    child = wait_pipeline(project, bridge.downstream_pipeline["id"], statuses=("success", "failed"))
    assert child.status == "failed"  # its own status, which the parent does not wait for


def test_a_missing_child_file_fails_the_child_with_gitlabs_message(sb, project):
    ci = "kid:\n  trigger:\n    include: nowhere.yml\n    strategy: depend\n"
    commit = commit_files(project, {".gitlab-ci.yml": ci}, "Child file missing")
    pid = only_pipeline_for(project, commit.id).id
    assert wait_pipeline(project, pid, statuses=("success", "failed")).status == "failed"
    [bridge] = bridges_of(project, pid)
    child = project.pipelines.get(bridge.downstream_pipeline["id"])
    assert child.status == "failed" and child.yaml_errors == "Local file `nowhere.yml` does not exist!"


def test_canceling_the_parent_cancels_the_child(sb, project):
    sb.job_seconds = 5
    try:
        child_ci = "long:\n  script: [echo one, echo two]\n"
        ci = "kid:\n  trigger:\n    include: ci/long-child.yml\n    strategy: depend\n"
        commit = commit_files(project, {".gitlab-ci.yml": ci, "ci/long-child.yml": child_ci}, "Long child")
        pid = only_pipeline_for(project, commit.id).id
        child_id = wait_until(lambda: (b := bridges_of(project, pid)) and b[0].downstream_pipeline
                              and b[0].downstream_pipeline["id"])
        wait_until(lambda: project.pipelines.get(child_id).status == "running")
        project.pipelines.get(pid, lazy=True).cancel()
        assert project.pipelines.get(child_id).status == "canceled"
        assert project.pipelines.get(pid).status == "canceled"
        assert bridges_of(project, pid)[0].status == "canceled"
    finally:
        sb.job_seconds = 0.1


def test_trigger_jobs_the_sandbox_cannot_play_are_yaml_errors(sb, project):
    for ci, message in (("kid:\n  trigger: other/project\n", "jobs:kid:trigger config is not supported"),
                        ("kid:\n  trigger: {include: c.yml}\n  script: [x]\n", "config contains unknown keys: script"),
                        ("kid:\n  trigger: {include: c.yml, strategy: wait}\n", "strategy should be depend")):
        r = requests.post(f"{sb.url}/api/v4/projects/1/ci/lint", headers={"PRIVATE-TOKEN": sb.token}, timeout=5,
                          json={"content": ci})
        assert r.json()["valid"] is False and message in r.json()["errors"][0], r.json()


def test_a_project_with_its_registry_off_gives_jobs_no_registry_variables(sb, project):
    """Issue 17.9: the sandbox plays a project whose container registry is turned off (projects API)."""
    project.container_registry_access_level = "disabled"
    project.save()
    try:
        fresh = gitlab.Gitlab(sb.url, private_token=sb.token).projects.get(sb.project_path)
        assert fresh.container_registry_access_level == "disabled" and fresh.container_registry_enabled is False
        ci = "show:\n  script:\n    - echo \"registry=[$CI_REGISTRY] user=[$CI_REGISTRY_USER]\"\n"
        commit = commit_files(project, {".gitlab-ci.yml": ci}, "Show the registry variables")
        pid = only_pipeline_for(project, commit.id).id
        wait_pipeline(project, pid)
        job = next(iter(jobs_by_name(project, pid).values()))
        assert "registry=[] user=[]" in project.jobs.get(job.id, lazy=True).trace().decode()
    finally:
        project.container_registry_access_level = "enabled"
        project.save()
    with pytest.raises(gitlab.exceptions.GitlabUpdateError):
        project.container_registry_access_level = "sometimes"
        project.save()
    project.container_registry_access_level = "enabled"
