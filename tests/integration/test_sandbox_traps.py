"""The traps a newcomer meets, played through the whole sandbox (API, git, runners from a config.toml,
simulated jobs), each failing with the real message."""

from __future__ import annotations

import gitlab
import pytest

from dockwright.sandbox import Sandbox
from tests.sandbox_helpers import commit_files, wait_pipeline, wait_until

RUNNERS = {  # tag -> (executor, [runners.docker] body)
    "unprivileged": ("docker", 'privileged = false\nvolumes = ["/cache"]'),
    "privileged": ("docker", 'privileged = true\nvolumes = ["/certs/client", "/cache"]'),
    "shell": ("shell", None),
    "socket": ("docker", 'privileged = false\nvolumes = ["/var/run/docker.sock:/var/run/docker.sock", "/cache"]'),
}

PIPELINE = """
dind-unprivileged:
  tags: [unprivileged]
  image: docker:27
  services: [docker:27-dind]
  script: [docker info]
tls-mismatch:
  tags: [privileged]
  image: docker:27
  services: [docker:27-dind]
  variables:
    DOCKER_HOST: tcp://docker:2375
  script: [docker info]
shell-without-docker:
  tags: [shell]
  image: docker:27
  script: [docker build -t app .]
push-without-login:
  tags: [socket]
  image: docker:27
  script: [docker build -t "$CI_REGISTRY_IMAGE:s" ., docker push "$CI_REGISTRY_IMAGE:s"]
mangled-variable:
  tags: [privileged]
  image: docker:27
  services: [docker:27-dind]
  script: [docker build -t $IMAGETAG .]
missing-requirements:
  tags: [privileged]
  image: docker:27
  services: [docker:27-dind]
  script: [docker build -t "$CI_REGISTRY_IMAGE:r" -f Dockerfile.dev .]
socket-without-volume:
  tags: [unprivileged]
  image: docker:27
  variables:
    DOCKER_HOST: unix:///var/run/docker.sock
  script: [docker info]
pull-missing-tag:
  tags: [privileged]
  image: docker:27
  services: [docker:27-dind]
  script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker pull "$CI_REGISTRY_IMAGE:nope"
pull-after-push:
  stage: deploy
  needs: [works-with-tls]
  tags: [privileged]
  image: docker:27
  services: [docker:27-dind]
  script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker pull "$CI_REGISTRY_IMAGE:tls"
works-with-tls:
  tags: [privileged]
  image: docker:27
  services: [docker:27-dind]
  variables:
    DOCKER_HOST: tcp://docker:2376
    DOCKER_TLS_CERTDIR: "/certs"
  script:
    - docker build -t "$CI_REGISTRY_IMAGE:tls" .
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker push "$CI_REGISTRY_IMAGE:tls"
"""


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """One pipeline whose jobs each meet one trap on the runner made for it; name -> (status, log)."""
    folder = tmp_path_factory.mktemp("traps")
    with Sandbox(folder / "data", job_seconds=0.05) as sb:
        sb.set_instance_runners(sb.project_path, False)
        gl = gitlab.Gitlab(sb.url, private_token=sb.token)
        project = gl.projects.get(sb.project_path)
        config = ""
        for tag, (executor, docker) in RUNNERS.items():
            runner = gl.http_post("/user/runners", post_data={"runner_type": "project_type", "project_id": project.id,
                                                              "tag_list": [tag], "run_untagged": False,
                                                              "description": f"{tag} runner"})
            config += f'[[runners]]\nname = "{tag}"\nurl = "{sb.url}"\ntoken = "{runner["token"]}"\n'
            config += f'executor = "{executor}"\n'
            if docker:
                config += f"[runners.docker]\nimage = \"alpine:3.20\"\n{docker}\n"
        (folder / "config.toml").write_text(config)
        assert len(sb.register_runners_from_config(folder / "config.toml")) == len(RUNNERS)
        commit = commit_files(project, {
            ".gitlab-ci.yml": PIPELINE, "Dockerfile": "FROM python:3.12-slim\nCOPY . /app\n",
            "Dockerfile.dev": "FROM python:3.12-slim\nRUN pip install -r requirements-dev.txt\n",
        }, "Meet the traps")
        pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
        pipeline = wait_pipeline(project, pipeline_id, timeout=30)
        result = {job.name: (job.status, project.jobs.get(job.id, lazy=True).trace().decode())
                  for job in pipeline.jobs.list(get_all=True)}
        result["_registry"] = [t.name for r in project.repositories.list(get_all=True) for t in r.tags.list(get_all=True)]
        assert sb.internal_errors == []
    return result


def test_dind_on_an_unprivileged_runner(played):
    status, log = played["dind-unprivileged"]
    assert status == "failed"
    assert "mount: permission denied (are you root?)" in log


def test_docker_host_without_tls_against_a_tls_daemon(played):
    status, log = played["tls-mismatch"]
    assert status == "failed"
    assert "Cannot connect to the Docker daemon at tcp://docker:2375. Is the docker daemon running?" in log


def test_shell_executor_ignores_image_and_has_no_docker(played):
    status, log = played["shell-without-docker"]
    assert status == "failed"
    assert "docker: command not found" in log and "ignores image:" in log


def test_push_needs_a_login(played):
    status, log = played["push-without-login"]
    assert status == "failed"
    assert "unauthorized: authentication required" in log


def test_undefined_variable_expands_to_nothing(played):
    status, log = played["mangled-variable"]
    assert status == "failed"
    assert '"docker buildx build" requires exactly 1 argument.' in log


def test_dockerfile_requirements_file_must_exist_at_the_commit(played):
    status, log = played["missing-requirements"]
    assert status == "failed"
    assert "No such file or directory: 'requirements-dev.txt'" in log


def test_the_right_setup_passes_and_fills_the_registry(played):
    status, log = played["works-with-tls"]
    assert status == "success", log
    assert "Login Succeeded" in log and "tls" in played["_registry"]


def test_socket_binding_needs_the_socket_volume(played):
    status, log = played["socket-without-volume"]
    assert status == "failed"
    assert "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" in log


def test_pull_reads_the_registry(played):
    status, log = played["pull-missing-tag"]
    assert status == "failed" and "manifest unknown" in log
    status, log = played["pull-after-push"]
    assert status == "success", log
