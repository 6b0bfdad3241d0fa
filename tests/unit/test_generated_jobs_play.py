"""dockwright's generated jobs, read by the sandbox's GitLab (parse_ci) and played by its runner (runner_sim):
the behaviours issue 17 asked for, each as a pipeline would show it."""

from __future__ import annotations

import dataclasses

from dockwright.sandbox.ci_config import parse_ci
from dockwright.sandbox.docker_sim import MemoryRegistry
from dockwright.sandbox.runner_sim import RunnerProfile, hosted_runner, play_job
from dockwright.wizard.diagnose import strip_ansi
from dockwright.wizard.plan import Plan, RegistrySpec, replace_in
from dockwright.wizard.render import render_pipeline
from dockwright.wizard.render.pipeline import BUILD_JOB, RELEASE_JOB
from tests.sim_helpers import drain

HOST = "127.0.0.1:5050"
TOKEN = "glcbt-64_sandboxJobToken42"
SHA = "3f2a9c1d" + "0" * 32
FILES = {"Dockerfile": b'FROM python:3.12-slim\nCOPY . .\nCMD ["python", "app.py"]\n', "app.py": b"print(1)\n"}
SOCKET_RUNNER = RunnerProfile(id=2, executor="docker", volumes=("/var/run/docker.sock:/var/run/docker.sock", "/cache"))
SHELL_RUNNER = RunnerProfile(id=3, executor="shell", host_has_docker=True)
# a registry the sandbox plays, as an external one (kind "other") whose credentials are project variables
OTHER = RegistrySpec(kind="other", host=HOST, image="demo/app")
OTHER_VARS = {"REGISTRY_USER": "gitlab-ci-token", "REGISTRY_PASSWORD": TOKEN}


def predefined(ref: str = "main", *, tag: bool = False) -> dict[str, str]:
    slug = ref.lower().replace(".", "-").replace("/", "-")
    out = {"CI_REGISTRY": HOST, "CI_REGISTRY_IMAGE": f"{HOST}/demo/app", "CI_REGISTRY_USER": "gitlab-ci-token",
           "CI_REGISTRY_PASSWORD": TOKEN, "CI_COMMIT_SHA": SHA, "CI_COMMIT_REF_NAME": ref, "CI_COMMIT_REF_SLUG": slug,
           "CI_DEFAULT_BRANCH": "main", "CI_PROJECT_PATH": "demo/app", "CI_PROJECT_URL": "http://127.0.0.1/demo/app",
           "CI_JOB_STARTED_AT": "2026-11-28T14:00:00Z", "CI_BUILDS_DIR": "/home/gitlab-runner/builds", "CI_JOB_ID": "7"}
    out["CI_COMMIT_TAG" if tag else "CI_COMMIT_BRANCH"] = ref
    return out


def jobs(text: str, ref: str = "main", *, tag: bool = False, variables=None):
    parsed = parse_ci(text, ref=ref, sha=SHA, default_branch="main", is_tag=tag, file_exists=lambda p: p in FILES,
                      variables=variables)
    return parsed, {j.name: j for j in parsed.jobs}


def play(job, registry, *, runner=None, variables=None):
    gen = play_job(job, runner=runner or hosted_runner(1), variables=variables or predefined(), masked_values=(TOKEN,),
                   read_file=FILES.get, registry=registry)
    chunks, result = drain(gen)
    return strip_ansi("".join(chunks)), result


def registry() -> MemoryRegistry:
    return MemoryRegistry(HOST, {"gitlab-ci-token": TOKEN})


def plan(executor: str = "docker-dind-tls", **registry_spec) -> Plan:
    return dataclasses.replace(Plan(), executor=executor, registry=registry_spec.get("spec", Plan().registry))


def test_without_the_protected_credentials_the_job_builds_and_says_why_it_does_not_push():  # item 16
    text = render_pipeline(plan(spec=OTHER))
    _, found = jobs(text, "feature/x")
    reg = registry()
    log, result = play(found[BUILD_JOB], reg, variables=predefined("feature/x"))  # an unprotected branch: no variables
    assert result.status == "success", log
    assert "naming to 127.0.0.1:5050/demo/app:" in log  # built
    said = [line for line in log.splitlines() if line.startswith("Not pushing (dockwright) - ")]
    assert len(said) == 1 and "REGISTRY_PASSWORD is not set in this pipeline" in said[0] and "protected" in said[0]
    assert "Login Succeeded" not in log and "The push refers to" not in log and reg.tags == {}
    log, result = play(found[BUILD_JOB], reg, variables={**predefined("feature/x"), **OTHER_VARS})
    assert result.status == "success" and not any(line.startswith("Not pushing") for line in log.splitlines())
    assert reg.has("demo/app", SHA) and reg.has("demo/app", "feature-x")


def test_a_tag_pipeline_pushes_the_git_tag_itself():  # item 20
    _, found = jobs(render_pipeline(Plan()), "v1.2.0", tag=True)
    assert RELEASE_JOB not in found
    reg = registry()
    log, result = play(found[BUILD_JOB], reg, variables=predefined("v1.2.0", tag=True))
    assert result.status == "success", log
    assert reg.has("demo/app", "v1.2.0") and not reg.has("demo/app", "v1-2-0") and reg.has("demo/app", SHA)


def test_a_global_docker_host_of_the_users_does_not_reach_the_socket_and_shell_jobs():  # item 8
    users = "variables:\n  DOCKER_HOST: tcp://docker:2375\n  DOCKER_TLS_CERTDIR: \"\"\ntest:\n  script: [pytest]\n"
    for executor, runner in (("docker-socket", SOCKET_RUNNER), ("shell", SHELL_RUNNER)):
        _, found = jobs(render_pipeline(plan(executor), users))
        log, result = play(found[BUILD_JOB], registry(), runner=runner)
        assert result.status == "success", log
        assert found[BUILD_JOB].variables["DOCKER_HOST"] == "unix:///var/run/docker.sock"


def test_latest_is_retagged_in_the_registry_without_a_pull():  # item 22
    _, found = jobs(render_pipeline(Plan()))
    reg = registry()
    play(found[BUILD_JOB], reg)
    log, result = play(found[RELEASE_JOB], reg)
    assert result.status == "success", log
    assert "docker pull" not in log and reg.tags[("demo/app", "latest")]
    assert "#1 [internal] pushing 127.0.0.1:5050/demo/app:latest" in log


def test_the_images_carry_oci_labels():  # item 22
    _, found = jobs(render_pipeline(Plan()))
    build = found[BUILD_JOB].script[0]
    assert '--label "org.opencontainers.image.revision=$CI_COMMIT_SHA"' in build
    assert '--label "org.opencontainers.image.created=$CI_JOB_STARTED_AT"' in build


def test_shell_jobs_log_in_to_their_own_docker_config_and_log_out_afterwards():  # item 15
    _, found = jobs(render_pipeline(plan("shell")))
    job = found[BUILD_JOB]
    assert job.variables["DOCKER_CONFIG"] == "$CI_BUILDS_DIR/.dockwright-docker-config/$CI_JOB_ID"
    log, result = play(job, registry(), runner=SHELL_RUNNER)
    assert result.status == "success", log
    assert log.index("Login Succeeded") < log.index("Running after script") < log.index(
        "Removing login credentials for 127.0.0.1:5050")


def test_a_new_file_runs_one_pipeline_per_push_with_an_open_merge_request():  # item 18
    text = render_pipeline(Plan())
    branch_with_mr = {"CI_OPEN_MERGE_REQUESTS": "demo/app!1"}
    assert jobs(text, "feature", variables=branch_with_mr)[0].filtered_by_workflow
    mr = {"CI_PIPELINE_SOURCE": "merge_request_event"}
    assert BUILD_JOB in jobs(text, "feature", variables=mr)[1]
    assert BUILD_JOB in jobs(text, "feature")[1]  # a branch without a merge request
    assert BUILD_JOB in jobs(text, "v1", tag=True)[1]


def test_a_merge_without_workflow_keeps_dockwrights_jobs_out_of_merge_request_pipelines():  # item 18
    users = "test:\n  script: [pytest]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\n"
    merged = render_pipeline(Plan(), users)
    assert "workflow:" not in merged
    _, found = jobs(merged, "feature", variables={"CI_PIPELINE_SOURCE": "merge_request_event"})
    assert set(found) == {"test"}


def test_a_merge_keeps_the_users_workflow():  # item 18
    users = "workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH\ntest:\n  script: [pytest]\n"
    merged = render_pipeline(Plan(), users)
    assert merged.count("workflow:") == 1 and "GitLab's \"avoid duplicate" not in merged
    assert "merge_request_event" not in merged  # the user's workflow decides; dockwright's jobs add no rule of their own


def test_latest_waits_for_the_users_tests_and_comes_before_deploy():  # items 7 and 19
    users = "stages: [test, deploy]\ntest:\n  stage: test\n  script: [pytest]\ndeploy:\n  stage: deploy\n  script: [./ship]\n"
    parsed, found = jobs(render_pipeline(Plan(), users))
    assert parsed.stages == ("test", "build", "release", "deploy")
    assert found[RELEASE_JOB].needs is None  # stage order: every job of the earlier stages must pass first


def test_dependency_proxy_prefixes_the_docker_images():  # item 24
    text = render_pipeline(replace_in(Plan(), "pipeline", dependency_proxy=True))
    _, found = jobs(text)
    build = found[BUILD_JOB]
    assert build.image == "${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/docker:29-cli"
    assert build.services[0][0] == "${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/docker:29-dind"
    variables = {**predefined(), "CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX": f"{HOST}/demo/dependency_proxy/containers"}
    log, result = play(build, registry(), variables=variables)
    assert result.status == "success", log
    assert f"Using Docker executor with image {HOST}/demo/dependency_proxy/containers/docker:29-cli" in log
