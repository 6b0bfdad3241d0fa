"""Each failure the watch explains, produced for real by the sandbox's runner and Docker simulation,
followed over HTTP and explained from the job's own log."""

from __future__ import annotations

import asyncio
import io
import itertools

import pytest

from dockwright.wizard.diagnose import diagnose
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch import Finished, JobChanged, LogText, Schedule, follow
from dockwright.wizard.watch_plain import print_plain
from tests.sandbox_helpers import commit_and_push

QUICK = Schedule(fast=0.1, slow=0.5, trace_fast=0.1, trace_slow=0.5, appear_fast=0.1, appear_slow=0.3,
                 error_first=0.1, error_max=0.5, stuck_after=1.0)
_branches = itertools.count(1)
DIND = """\
  image: docker:27
  services: [docker:27-dind]
"""


SANDBOX_JOB_SECONDS = 0.2  # the shared `sb` fixture (tests/conftest.py) reads it



@pytest.fixture(scope="module")
def client(sb):
    return GitLabClient.connect(sb.url, sb.token)


DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "app.py"]\n'


def watch_failure(client, sb, workdir, ci: str) -> tuple[list, dict[int, str]]:
    """Push, follow to the end; returns the failed jobs and each failed job's log."""
    files = {".gitlab-ci.yml": ci, "Dockerfile": DOCKERFILE}
    sha = commit_and_push(workdir, files, "ci", sb.token, f"diag-{next(_branches)}")

    async def watch():
        jobs, logs = {}, {}
        async for event in follow(client, sb.project_path, sha=sha, schedule=QUICK):
            if isinstance(event, JobChanged):
                jobs[event.job.id] = event.job
            elif isinstance(event, LogText):
                logs[event.job_id] = logs.get(event.job_id, "") + event.text
            elif isinstance(event, Finished):
                assert event.status == "failed"
                return [j for j in jobs.values() if j.status == "failed"], logs

    return asyncio.run(asyncio.wait_for(watch(), 60))


def test_docker_host_without_tls_against_a_tls_daemon(sb, client, workdir):
    ci = "build:\n" + DIND + "  variables:\n    DOCKER_HOST: tcp://docker:2375\n  script:\n    - docker info\n"
    failed, logs = watch_failure(client, sb, workdir, ci)
    d = diagnose(failed[0], logs[failed[0].id])
    assert d.code == "docker_host_tls", logs[failed[0].id][-600:]
    assert "2376" in d.fix and "/certs/client" in d.fix


def test_login_with_a_wrong_password(sb, client, workdir):
    ci = ("login:\n" + DIND + "  script:\n"
          "    - echo wrong-password | docker login -u someone --password-stdin $CI_REGISTRY\n")
    failed, logs = watch_failure(client, sb, workdir, ci)
    d = diagnose(failed[0], logs[failed[0].id])
    assert d.code == "registry_login", logs[failed[0].id][-600:]
    assert "Access denied" in d.evidence


def test_image_built_in_another_job(sb, client, workdir):
    ci = ("stages: [build, push]\n"
          "build:\n  stage: build\n" + DIND + "  script:\n    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .\n"
          "push:\n  stage: push\n" + DIND + "  script:\n"
          "    - echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin $CI_REGISTRY\n"
          "    - docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA\n")
    failed, logs = watch_failure(client, sb, workdir, ci)
    assert [j.name for j in failed] == ["push"], logs
    d = diagnose(failed[0], logs[failed[0].id])
    assert d.code == "image_from_other_job", logs[failed[0].id][-600:]


def test_dind_on_an_unprivileged_runner(sb, client, workdir, tmp_path):
    runner = client.create_runner(sb.project_path, description="unprivileged", tags=["unprivileged"])
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[runners]]\nname = "unprivileged"\nurl = "{sb.url}"\ntoken = "{runner["token"]}"\nexecutor = "docker"\n'
        '[runners.docker]\nimage = "docker:27"\nprivileged = false\nvolumes = ["/certs/client", "/cache"]\n')
    assert sb.register_runners_from_config(config) == [runner["id"]]
    ci = "build:\n  tags: [unprivileged]\n" + DIND + "  script:\n    - docker info\n"
    failed, logs = watch_failure(client, sb, workdir, ci)
    d = diagnose(failed[0], logs[failed[0].id])
    assert d.code == "dind_not_privileged", logs[failed[0].id][-600:]
    assert "privileged = true" in d.fix


@pytest.mark.parametrize("variables,dockerfile,step", [
    ("    IMAGE_NAME: \"Bad Name!\"\n", DOCKERFILE, "“Registry and variables” (Image)"),
    ("    IMAGE_NAME: $CI_REGISTRY_IMAGE\n", "FROM Python:3 slim\nCOPY . .\n", "“Dockerfile” (Base image)"),
])
def test_a_name_docker_refuses_names_the_failed_command_and_the_step_to_go_back_to(sb, client, workdir, variables,
                                                                                    dockerfile, step):
    """Issue 16 item 5: the pipeline failed with `invalid tag`, and the Why panel said only "a command failed"."""
    ci = ("build:\n" + DIND + "  variables:\n" + variables + "  script:\n    - echo building\n"
          "    - docker build --pull -t \"$IMAGE_NAME:$CI_COMMIT_SHA\" .\n    - docker push \"$IMAGE_NAME:$CI_COMMIT_SHA\"\n")
    sha = commit_and_push(workdir, {".gitlab-ci.yml": ci, "Dockerfile": dockerfile}, "ci", sb.token,
                          f"diag-{next(_branches)}")
    out = io.StringIO()
    assert asyncio.run(print_plain(follow(client, sb.project_path, sha=sha, schedule=QUICK), out)) == 1
    text = out.getvalue()
    assert "--- why: Docker refused an image name" in text, text
    assert '--- failed command: $ docker build --pull -t "$IMAGE_NAME:$CI_COMMIT_SHA" .' in text
    assert f"Go back to the step {step}, then apply again." in text


def test_plain_output_names_the_cause_and_the_fix(sb, client, workdir):
    ci = "build:\n" + DIND + "  variables:\n    DOCKER_HOST: tcp://docker:2375\n  script:\n    - docker info\n"
    sha = commit_and_push(workdir, {".gitlab-ci.yml": ci}, "ci", sb.token, f"diag-{next(_branches)}")
    out = io.StringIO()
    code = asyncio.run(print_plain(follow(client, sb.project_path, sha=sha, schedule=QUICK), out))
    text = out.getvalue()
    assert code == 1
    assert "--- why: The job cannot reach the Docker daemon" in text
    assert "What to do: Use the matching pair" in text
    assert "Cannot connect to the Docker daemon at tcp://docker:2375" in text or "HTTPS server" in text
    assert sb.token not in text


def test_a_stuck_job_is_explained_with_the_runners_gitlab_lists(sb, client, workdir, tmp_path):
    runner = client.create_runner(sb.project_path, description="laptop", tags=["docker", "linux"])
    config = tmp_path / "config.toml"
    config.write_text(f'[[runners]]\nname = "laptop"\nurl = "{sb.url}"\ntoken = "{runner["token"]}"\n'
                      'executor = "shell"\n')
    assert sb.register_runners_from_config(config) == [runner["id"]]
    # the list answer has no tags; the client reads each runner for tag_list, run_untagged and status
    listed = {r["id"]: r for r in client.list_project_runners(sb.project_path)}
    laptop = listed[runner["id"]]
    assert (sorted(laptop["tag_list"]), laptop["run_untagged"], laptop["status"]) == (["docker", "linux"], False,
                                                                                       "online")
    assert any(r["runner_type"] == "instance_type" and r["tag_list"] for r in listed.values())

    ci = "build:\n  tags: [docker, gpu]\n  script:\n    - echo hi\n"
    sha = commit_and_push(workdir, {".gitlab-ci.yml": ci}, "ci", sb.token, f"diag-{next(_branches)}")
    out = io.StringIO()

    async def cancel_once_explained():
        while "What to do" not in out.getvalue():
            await asyncio.sleep(0.05)
        pipeline = (await asyncio.to_thread(client.find_pipelines, sb.project_path, sha=sha))[0]
        await asyncio.to_thread(client.cancel_pipeline, sb.project_path, pipeline["id"])

    async def scenario():
        canceler = asyncio.create_task(cancel_once_explained())
        code = await print_plain(follow(client, sb.project_path, sha=sha, schedule=QUICK), out)
        await canceler
        return code

    assert asyncio.run(asyncio.wait_for(scenario(), 60)) == 1
    text = out.getvalue()
    assert "Job build is stuck: no runner with its tags" in text
    assert "tags [docker, gpu]" in text  # what the job asks for
    assert "laptop [docker, linux] online" in text  # the runners seen, with their tags and status
    assert "[saas-linux-small-amd64] online" in text
    assert runner["token"] not in text and sb.token not in text

