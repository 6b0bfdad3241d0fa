"""The simulated runner: job scripts, the job's Docker daemon, and the traps with their real messages.

The shell that plays each script line is tested in test_shell_sim.py."""

import re
import textwrap

import pytest

from dockwright.sandbox.ci_config import CiJob, parse_ci
from dockwright.sandbox.docker_sim import MemoryRegistry, parse_reference
from dockwright.sandbox.runner_sim import (
    JobResult,
    RunnerProfile,
    hosted_runner,
    play_job,
    runner_matches,
    service_hostnames,
    stuck_message,
)
from dockwright.wizard.diagnose import strip_ansi
from tests.sim_helpers import drain

REGISTRY_HOST = "127.0.0.1:5050"
JOB_TOKEN = "glcbt-64_sandboxJobToken42"
SHA = "3f2a9c1d" + "0" * 32
DOCKERFILE = b"""FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "app.py"]
"""
FILES = {"Dockerfile": DOCKERFILE, "requirements.txt": b"flask==3.0.3\n", "app.py": b"print('hi')\n"}


def predefined():
    return {
        "CI_REGISTRY": REGISTRY_HOST,
        "CI_REGISTRY_IMAGE": f"{REGISTRY_HOST}/demo/app",
        "CI_REGISTRY_USER": "gitlab-ci-token",
        "CI_REGISTRY_PASSWORD": JOB_TOKEN,
        "CI_JOB_TOKEN": JOB_TOKEN,
        "CI_COMMIT_SHA": SHA,
        "CI_COMMIT_SHORT_SHA": SHA[:8],
        "CI_COMMIT_REF_NAME": "main",
        "CI_COMMIT_REF_SLUG": "main",
        "CI_COMMIT_BRANCH": "main",
        "CI_DEFAULT_BRANCH": "main",
        "CI_PROJECT_PATH": "demo/app",
    }


def make_registry():
    return MemoryRegistry(REGISTRY_HOST, {"gitlab-ci-token": JOB_TOKEN})


def jobs_of(yaml_text, files=FILES):
    return parse_ci(textwrap.dedent(yaml_text), ref="main", sha=SHA, default_branch="main",
                    file_exists=lambda p: p in files).jobs


def play(job, *, runner=None, files=FILES, registry=None, variables=None, masked=(JOB_TOKEN,)):
    registry = registry if registry is not None else make_registry()
    gen = play_job(job, runner=runner or hosted_runner(1), variables=variables or predefined(),
                   masked_values=masked, read_file=files.get, registry=registry, list_files=lambda: list(files))
    chunks, result = drain(gen)
    return "".join(chunks), result


def plain(log):
    return strip_ansi(log)


GOOD_JOB = """
    build:
      image: docker:27-cli
      services:
        - name: docker:27-dind
          alias: docker
      variables:
        DOCKER_HOST: tcp://docker:2376
        DOCKER_TLS_CERTDIR: "/certs"
      before_script:
        - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
      script:
        - docker build --pull -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA" -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG" .
        - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
        - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG"
"""


def one_job(text, **kw):
    (job,) = jobs_of(text, **kw)
    return job


def with_script(script, *, image="docker:27-cli", services=("docker:27-dind",), variables=None, **job):
    return CiJob(name="job", stage="test", image=image, services=tuple((s, "") for s in services),
                 variables=dict(variables or {}), script=tuple(script), **job)


# --- the job log -----------------------------------------------------------------------------------

def test_build_and_push_in_one_job_passes_and_fills_the_registry():
    registry = make_registry()
    log, result = play(one_job(GOOD_JOB), registry=registry)
    assert result == JobResult("success", None, 0)
    assert registry.has("demo/app", SHA) and registry.has("demo/app", "main")
    assert registry.tags[("demo/app", SHA)].startswith("sha256:")
    text = plain(log)
    assert text.startswith("Running with gitlab-runner ")
    assert "(sandbox)" in text.splitlines()[0]
    assert 'Preparing the "docker" executor' in text
    assert "Using docker image" in text and "Starting service docker:27-dind ..." in text
    for section in ("prepare_executor", "get_sources", "step_script", "cleanup_file_variables"):
        assert re.search(rf"section_start:\d+:{section}\r", log) and re.search(rf"section_end:\d+:{section}\r", log)
    assert "\x1b[32;1m$ docker build --pull" in log  # commands in green, unexpanded
    assert "Login Succeeded" in text
    assert f"naming to {REGISTRY_HOST}/demo/app:main done" in text
    assert "The push refers to repository [127.0.0.1:5050/demo/app]" in text
    assert text.rstrip().endswith("Job succeeded")


def test_the_log_comes_in_steps_a_command_with_its_output():
    gen = play_job(one_job(GOOD_JOB), runner=hosted_runner(1), variables=predefined(), masked_values=(),
                   read_file=FILES.get, registry=make_registry())
    chunks, _result = drain(gen)
    assert len(chunks) <= 12  # the server pauses between chunks: a handful of steps, not one per line
    build = [c for c in chunks if c.startswith("\x1b[32;1m$ docker build")]
    assert len(build) == 1 and "naming to" in build[0]


def test_masked_values_never_reach_the_log():
    job = with_script(['echo "token is $CI_JOB_TOKEN"', "echo $CI_REGISTRY_PASSWORD | cat"])
    log, result = play(job)
    assert JOB_TOKEN not in log
    assert "token is [MASKED]" in log
    assert result.status == "success"


def test_after_script_runs_after_a_failure_and_does_not_change_the_result():
    job = with_script(["echo building", "false", "echo never"], after_script=("echo cleaning up", "exit 3"))
    log, result = play(job)
    text = plain(log)
    assert result == JobResult("failed", "script_failure", 1)
    assert "never" not in text.replace("$ echo never", "")
    assert "Running after script..." in text and "cleaning up" in text
    assert "WARNING: after_script failed, but job will continue unaffected: exit code 3" in text
    assert text.rstrip().endswith("ERROR: Job failed: exit code 1")


def test_other_programs_are_not_executed_and_say_so():
    log, result = play(with_script(["apk add --no-cache curl", "make test > out.txt", "echo $(date)"]))
    text = plain(log)
    assert "[sandbox] not executed: apk add --no-cache curl" in text
    assert "[sandbox] not executed: make test > out.txt" in text
    assert "[sandbox] not executed: date" in text  # $(...) runs its commands: date is the one not played
    assert result.status == "success"


def test_yaml_variables_expand_at_run_time_and_project_variables_win():
    job = one_job("""
        variables:
          IMAGE: $CI_REGISTRY_IMAGE/web
          PRICE: "$$5"
          FROM_PROJECT: yaml
        show:
          image: docker:27-cli
          script:
            - echo "$IMAGE $PRICE $FROM_PROJECT $UNSET."
    """)
    variables = {**predefined(), "FROM_PROJECT": "project"}
    log, _result = play(job, variables=variables)
    assert "127.0.0.1:5050/demo/app/web $5 project ." in plain(log)


# --- executors, dind, DOCKER_HOST -------------------------------------------------------------------

def test_shell_executor_ignores_image_and_services_and_needs_docker_on_the_host():
    runner = RunnerProfile(id=2, description="shell", executor="shell", host_has_docker=False)
    log, result = play(one_job(GOOD_JOB.replace("DOCKER_HOST: tcp://docker:2376", "X: y")), runner=runner)
    text = plain(log)
    assert 'Preparing the "shell" executor' in text
    assert "ignores image: and services:" in text
    assert "docker: command not found" in text
    assert result == JobResult("failed", "script_failure", 127)


def test_shell_executor_with_docker_on_the_host():
    runner = RunnerProfile(id=2, executor="shell", host_has_docker=True)
    job = with_script(["docker info", "docker build -t demo:1 ."], image=None, services=())
    log, result = play(job, runner=runner)
    assert result.status == "success", plain(log)
    assert "Server Version" in plain(log)


def test_shell_executor_user_not_in_docker_group():
    runner = RunnerProfile(id=2, executor="shell", host_has_docker=True, in_docker_group=False)
    log, result = play(with_script(["docker info"], image=None, services=()), runner=runner)
    assert "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock" in plain(log)
    assert result.status == "failed"


def test_shell_executor_with_a_dind_docker_host_cannot_resolve_docker():
    runner = RunnerProfile(id=2, executor="shell", host_has_docker=True)
    job = with_script(["docker info"], variables={"DOCKER_HOST": "tcp://docker:2375"})
    log, result = play(job, runner=runner)
    assert "dial tcp: lookup docker on 127.0.0.11:53: no such host" in plain(log)
    assert result.status == "failed"


def test_dind_on_an_unprivileged_runner():
    runner = RunnerProfile(id=3, description="docker", executor="docker", privileged=False,
                           volumes=("/certs/client", "/cache"))
    log, result = play(with_script(["docker info"]), runner=runner)
    text = plain(log)
    assert "mount: permission denied (are you root?)" in text
    assert "probably didn't start properly" in text
    assert 'error during connect: GET "http://docker:2375/v1.47/info": dial tcp: lookup docker' in text
    assert "no such host" in text
    assert result.status == "failed" and result.failure_reason == "script_failure"


@pytest.mark.parametrize(("allowed", "starts"), [
    (("docker:*-dind", "docker.io/library/docker:*-dind"), True),
    ((), True),  # no list: every service may be privileged
    (("docker:*-dind-rootless", "registry.example.com/*/docker:*-dind"), False),
])
def test_dind_with_privileged_services_only(allowed, starts):
    """Issue 17.17: privileged = false, services_privileged = true: the dind service starts when
    allowed_privileged_services matches its image (doublestar), as gitlab-runner's docker executor decides."""
    runner = RunnerProfile(id=3, description="docker", executor="docker", privileged=False, services_privileged=True,
                           allowed_privileged_services=allowed, volumes=("/certs/client", "/cache"))
    log, result = play(with_script(["docker info"]), runner=runner)
    assert ("mount: permission denied (are you root?)" not in plain(log)) is starts
    assert (result.status == "success") is starts, plain(log)


def test_port_2375_while_dind_listens_with_tls():
    job = with_script(["docker info"], variables={"DOCKER_HOST": "tcp://docker:2375"})
    log, result = play(job)
    assert "Cannot connect to the Docker daemon at tcp://docker:2375. Is the docker daemon running?" in plain(log)
    assert result.status == "failed"


def test_no_tls_on_both_sides_works():
    job = with_script(["docker info"], variables={"DOCKER_HOST": "tcp://docker:2375", "DOCKER_TLS_CERTDIR": ""})
    log, result = play(job)
    assert result.status == "success", plain(log)


def test_tls_without_the_certs_client_volume():
    runner = RunnerProfile(id=4, executor="docker", privileged=True, volumes=("/cache",))
    job = with_script(["docker info"], variables={"DOCKER_HOST": "tcp://docker:2376", "DOCKER_TLS_CERTDIR": "/certs"})
    log, result = play(job, runner=runner)
    assert "Client sent an HTTP request to an HTTPS server." in plain(log)
    assert result.status == "failed"
    explicit = with_script(["docker info"], variables={
        "DOCKER_HOST": "tcp://docker:2376", "DOCKER_TLS_CERTDIR": "/certs", "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": "/certs/client"})
    log, result = play(explicit, runner=runner)
    assert "unable to resolve docker endpoint: open /certs/client/ca.pem: no such file or directory" in plain(log)


def test_entrypoint_finds_the_tls_daemon_without_docker_host():
    log, result = play(with_script(["docker info"]))  # seed style: no DOCKER_HOST, image default /certs
    assert result.status == "success", plain(log)


def test_socket_binding():
    runner = RunnerProfile(id=5, executor="docker", volumes=("/var/run/docker.sock:/var/run/docker.sock", "/cache"))
    log, result = play(with_script(["docker info", "docker build -t demo:1 ."], services=()), runner=runner)
    assert result.status == "success", plain(log)
    log, result = play(with_script(["docker info"], services=()), runner=RunnerProfile(id=6, executor="docker"))
    assert "Cannot connect to the Docker daemon at tcp://docker:2375. Is the docker daemon running?" not in plain(log)
    assert "lookup docker" in plain(log) and result.status == "failed"


def test_socket_binding_and_dind_together_are_explained():
    runner = RunnerProfile(id=5, executor="docker", privileged=True,
                           volumes=("/var/run/docker.sock:/var/run/docker.sock",))
    log, _ = play(with_script(["docker info"]), runner=runner)
    assert "binds the host's Docker socket" in plain(log) and "do not go together" in plain(log)


def test_job_image_without_the_docker_cli():
    log, result = play(with_script(["docker build -t x ."], image="python:3.12-slim"))
    assert "docker: command not found" in plain(log)
    assert result.exit_code == 127


def test_registry_prefixed_dind_without_alias_is_not_called_docker():
    assert service_hostnames("docker:27-dind") == ("docker",)
    assert service_hostnames("registry.example.com/mirror/docker:27-dind") == (
        "registry.example.com__mirror__docker", "registry.example.com-mirror-docker")
    assert service_hostnames("registry.example.com/mirror/docker:27-dind", "docker") == ("docker",)
    job = with_script(["docker info"], services=("registry.example.com/mirror/docker:27-dind",),
                      variables={"DOCKER_HOST": "tcp://docker:2376"})
    log, _result = play(job)
    assert "lookup docker on 127.0.0.11:53: no such host" in plain(log)


def test_job_image_from_the_sandbox_registry_must_exist():
    job = with_script(["echo hi"], image="$CI_REGISTRY_IMAGE:missing", services=())
    log, result = play(job)
    assert result == JobResult("failed", "runner_system_failure", None)
    assert "failed to pull image" in plain(log) and "manifest unknown" in plain(log)


def test_an_overridden_entrypoint_leaves_docker_host_unset():
    job = one_job("""
        build:
          image: {name: "docker:27-cli", entrypoint: [""]}
          services: ["docker:27-dind"]
          script: [docker info]
    """)
    assert job.image_entrypoint == ("",)
    log, result = play(job)
    assert "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" in plain(log)
    assert result.status == "failed"
    fixed = one_job("""
        build:
          image: {name: "docker:27-cli", entrypoint: [""]}
          services: ["docker:27-dind"]
          variables: {DOCKER_HOST: "tcp://docker:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: /certs/client}
          script: [docker info]
    """)
    assert play(fixed)[1].status == "success"


# --- each job has its own daemon; the registry --------------------------------------------------------

def test_an_image_built_in_one_job_is_gone_in_the_next():
    registry = make_registry()
    build = with_script(["docker build -t $CI_REGISTRY_IMAGE:main ."])
    push = with_script(['echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin $CI_REGISTRY',
                        "docker push $CI_REGISTRY_IMAGE:main"])
    assert play(build, registry=registry)[1].status == "success"
    log, result = play(push, registry=registry)
    assert "An image does not exist locally with the tag: 127.0.0.1:5050/demo/app" in plain(log)
    assert result.status == "failed" and not registry.tags


def test_push_needs_a_login_and_login_needs_valid_credentials():
    registry = make_registry()
    log, result = play(with_script(["docker build -t $CI_REGISTRY_IMAGE:v1 .", "docker push $CI_REGISTRY_IMAGE:v1"]),
                       registry=registry)
    assert "unauthorized: authentication required" in plain(log) and not registry.tags
    log, result = play(with_script(["echo wrong-password | docker login -u me --password-stdin $CI_REGISTRY"]))
    assert 'Error response from daemon: Get "https://127.0.0.1:5050/v2/": unauthorized: HTTP Basic: Access denied' in plain(log)
    assert result.status == "failed"


def test_login_with_p_warns_and_empty_user_cannot_log_in():
    log, result = play(with_script(["docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY"]))
    assert "WARNING! Using --password via the CLI is insecure. Use --password-stdin." in plain(log)
    assert result.status == "success"
    assert JOB_TOKEN not in log
    # mangled names expand to nothing: `-u --password-stdin` makes "--password-stdin" the user name
    log, result = play(with_script(["echo $CIREGISTRYPASSWORD | docker login -u $CIREGISTRYUSER --password-stdin $CIREGISTRY"]))
    assert "Error: Cannot perform an interactive login from a non TTY device" in plain(log)
    assert result.status == "failed"


def test_other_registries_are_not_contacted():
    registry = make_registry()
    job = with_script(['echo "$HUB_TOKEN" | docker login -u me --password-stdin docker.io',
                       "docker build -t me/app:1 .", "docker push me/app:1"],
                      variables={"HUB_TOKEN": "hub-secret-value"})
    log, result = play(job, registry=registry)
    text = plain(log)
    assert "[sandbox] not executed: docker login docker.io (the sandbox cannot reach that registry" in text
    assert "[sandbox] not executed: docker push me/app:1 (the sandbox cannot reach docker.io" in text
    assert result.status == "success" and not registry.tags
    log, result = play(with_script(["docker push me/never-built:1"]), registry=registry)
    assert "The push refers to repository [docker.io/me/never-built]" in plain(log)
    assert "An image does not exist locally with the tag: me/never-built" in plain(log)
    unprivileged = RunnerProfile(id=3, executor="docker", privileged=False)
    log, result = play(with_script(['echo "$HUB_TOKEN" | docker login -u me --password-stdin docker.io'],
                                   variables={"HUB_TOKEN": "x"}), runner=unprivileged)
    assert "no such host" in plain(log) and result.status == "failed"


def test_pull_reads_the_registry_then_tag_and_push():
    registry = make_registry()
    registry.push("demo/app", SHA, "sha256:" + "1" * 64)
    login = 'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"'
    job = with_script([login, 'docker pull "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"',
                       'docker tag "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA" "$CI_REGISTRY_IMAGE:latest"',
                       'docker push "$CI_REGISTRY_IMAGE:latest"', "docker images"])
    log, result = play(job, registry=registry)
    assert result.status == "success", plain(log)
    assert registry.has("demo/app", "latest")
    assert "Status: Downloaded newer image for 127.0.0.1:5050/demo/app:" + SHA in plain(log)
    missing = with_script([login, "docker pull $CI_REGISTRY_IMAGE:nope"])
    log, result = play(missing, registry=registry)
    assert "manifest for 127.0.0.1:5050/demo/app:nope not found: manifest unknown" in plain(log)
    log, _ = play(with_script(["docker tag nothing:1 other:1"]))
    assert "Error response from daemon: No such image: nothing:1" in plain(log)


def test_build_push_and_a_repository_no_project_owns():
    class OneProjectRegistry(MemoryRegistry):
        def push(self, repository, tag, digest):
            if not repository.startswith("demo/app"):
                raise KeyError(repository)
            super().push(repository, tag, digest)

    registry = OneProjectRegistry(REGISTRY_HOST, {"gitlab-ci-token": JOB_TOKEN})
    login = 'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"'
    log, result = play(with_script([login, "docker build --push -t $CI_REGISTRY_IMAGE:v2 .",
                                    "docker buildx build --push -t $CI_REGISTRY_IMAGE:v3 ."]), registry=registry)
    assert result.status == "success", plain(log)
    assert registry.has("demo/app", "v2") and registry.has("demo/app", "v3")
    log, result = play(with_script([login, "docker build -t $CI_REGISTRY/other/thing:1 .",
                                    "docker push $CI_REGISTRY/other/thing:1"]), registry=registry)
    assert "denied: requested access to the resource is denied" in plain(log) and result.status == "failed"


# --- docker build checks the Dockerfile at the commit ---------------------------------------------------

@pytest.mark.parametrize("files, expected", [
    ({"app.py": b""}, "ERROR: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory"),
    ({"Dockerfile": DOCKERFILE, "app.py": b""}, '"/requirements.txt": not found'),
    ({"Dockerfile": b"FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nRUN pip install -r requirements.txt\n",
      "app.py": b"", "requirements.txt": b""},
     "ERROR: Could not open requirements file: [Errno 2] No such file or directory: 'requirements.txt'"),
    ({"Dockerfile": b"WORKDIR /app\n"}, "no build stage in current context"),
    ({"Dockerfile": b"FROM python:3.12\nRUNN echo\n"}, "dockerfile parse error on line 2: unknown instruction: RUNN"),
    ({"Dockerfile": b"FROM 127.0.0.1:5050/demo/base:1\n"},
     "127.0.0.1:5050/demo/base:1: failed to resolve source metadata"),
    # a mistyped stage is an image to BuildKit, and Docker Hub has no such repository
    ({"Dockerfile": b"FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static-debian12\n"
                    b"COPY --from=biuld /app /app\n"},
     "ERROR: failed to solve: biuld: failed to resolve source metadata for docker.io/library/biuld:latest: pull "
     "access denied, repository does not exist or may require authorization: server message: insufficient_scope: "
     "authorization failed"),
])
def test_build_checks_the_dockerfile(files, expected):
    log, result = play(with_script(["docker build -t demo:1 ."]), files=files)
    assert expected in plain(log)
    assert result.status == "failed"


@pytest.mark.parametrize("dockerfile", [
    # a heredoc's lines are its script, not instructions (the hand parser said "unknown instruction: pip")
    b"FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN <<EOF\npip install -r requirements.txt\nEOF\n",
    # a file written by a heredoc is in the image
    b"FROM python:3.12-slim\nCOPY <<EOF /app/r.txt\nflask\nEOF\nRUN pip install -r /app/r.txt\n",
    # with '# escape=`' the backtick continues the line (the hand parser said "unknown instruction: &&")
    b"# escape=`\nFROM python:3.12-slim\nRUN echo one `\n    && echo two\nCOPY requirements.txt c:\\app\\\n",
    # FROM continued, a comment inside a continuation
    b"FROM \\\n    python:3.12-slim\nCOPY requirements.txt \\\n    # the one file the install needs\n    /srv/\n",
    # a file the same RUN writes with > (the pyproject Dockerfile reads its dependencies so)
    b"FROM python:3.12-slim\nRUN python -c 'print(1)' > /tmp/requirements.txt \\\n    && pip install -r /tmp/requirements.txt\n",
])
def test_build_reads_real_dockerfile_syntax(dockerfile):
    log, result = play(with_script(["docker build -t demo:1 ."]), files={**FILES, "Dockerfile": dockerfile})
    assert result.status == "success", plain(log)
    assert "load metadata for docker.io/library/python:3.12-slim" in plain(log)


def test_build_checks_the_requirements_a_heredoc_script_installs():
    dockerfile = b"FROM python:3.12-slim\nRUN <<EOF\nset -e\npip install -r requirements.txt\nEOF\n"
    log, result = play(with_script(["docker build -t demo:1 ."]), files={**FILES, "Dockerfile": dockerfile})
    assert "No such file or directory: 'requirements.txt'" in plain(log)
    assert result.status == "failed"


def test_build_with_file_flag_subdirectory_context_and_args():
    files = {"docker/Dockerfile.prod": b"ARG PY=3.12\nFROM python:${PY}-slim\nCOPY src/ /srv/\nCOPY requirements.txt /srv/\n"
             b"RUN pip install -r /srv/requirements.txt\n",
             "src/main.py": b"", "requirements.txt": b"", "src": None}
    exists = {"docker/Dockerfile.prod", "src/main.py", "requirements.txt", "src"}

    registry = make_registry()
    job = with_script(["cd docker", "docker build -f Dockerfile.prod --build-arg PY=3.13 -t demo:2 ..", "docker images"])
    gen = play_job(job, runner=hosted_runner(1), variables=predefined(), masked_values=(), read_file=files.get,
                   registry=registry, path_exists=lambda p: p in exists)
    chunks, result = drain(gen)
    text = plain("".join(chunks))
    assert result.status == "success", text
    assert "load metadata for docker.io/library/python:3.13-slim" in text
    assert "demo" in text.split("$ docker images")[1]


def test_invalid_tag_from_empty_variables():
    log, result = play(with_script(["docker build -t $CIREGISTRYIMAGE:$CICOMMITREF_SLUG ."]))
    assert 'ERROR: invalid tag ":": invalid reference format' in plain(log)
    assert result.status == "failed"


def test_reference_parsing():
    ref = parse_reference("127.0.0.1:5050/demo/app:main")
    assert (ref.domain, ref.path, ref.tag) == ("127.0.0.1:5050", "demo/app", "main")
    assert parse_reference("python").with_tag() == "docker.io/library/python:latest"
    assert parse_reference("me/app:1").familiar == "me/app:1"
    for bad in (":", "Demo/App:1", "app:", "a b"):
        with pytest.raises(ValueError):
            parse_reference(bad)


def test_dockerignore_bind_mounts_and_a_subdirectory_context():
    base = {"svc/app.py": b"", "svc/requirements.txt": b"flask\n"}
    ignored = {**base, "svc/.dockerignore": b"# keep the context small\n*.txt\n",
               "svc/Dockerfile": b"FROM python:3.13-slim\nWORKDIR /app\nCOPY requirements.txt ./\n"}
    log, result = play(with_script(["cd svc && docker build -t demo:1 ."]), files=ignored)
    assert '"/requirements.txt": not found' in plain(log) and result.status == "failed"

    reincluded = {**ignored, "svc/.dockerignore": b"*.txt\n!requirements.txt\n"}
    log, result = play(with_script(["cd svc && docker build -t demo:1 ."]), files=reincluded)
    assert result.status == "success", plain(log)

    mounted = {**base, "svc/Dockerfile": b"FROM python:3.13-slim\nWORKDIR /app\n"
               b"RUN --mount=type=bind,source=requirements.txt,target=requirements.txt pip install -r requirements.txt\n"
               b"RUN pip install -r requirements.txt\n"}
    log, result = play(with_script(["docker build -t demo:1 svc"]), files=mounted)
    text = plain(log)
    assert "[3/4] RUN --mount" in text and "#7 DONE" in text  # the bind mount holds the file for its RUN
    assert "No such file or directory: 'requirements.txt'" in text  # ... and only for that RUN
    assert result.status == "failed"

    whole = {**base, "svc/Dockerfile": b"FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"}
    log, result = play(with_script(["docker build -t demo:1 svc/"]), files=whole)
    assert result.status == "success", plain(log)


# --- runners: who takes a job ------------------------------------------------------------------------

def test_runner_matching_and_stuck_messages():
    tagged = with_script(["x"], tags=("docker", "dind"))
    untagged = with_script(["x"])
    only_tagged = RunnerProfile(id=1, tags=("docker", "dind", "linux"), run_untagged=False)
    assert runner_matches(tagged, only_tagged, ref_protected=False)
    assert not runner_matches(untagged, only_tagged, ref_protected=False)
    assert runner_matches(untagged, hosted_runner(9), ref_protected=False)
    assert not runner_matches(tagged, hosted_runner(9), ref_protected=False)
    protected = RunnerProfile(id=2, run_untagged=True, protected_only=True)
    assert not runner_matches(untagged, protected, ref_protected=False)
    assert runner_matches(untagged, protected, ref_protected=True)
    assert stuck_message(untagged, [], ref_protected=False) == (
        "This job is stuck because the project doesn't have any runners online assigned to it.")
    assert stuck_message(tagged, [hosted_runner(9)], ref_protected=False).endswith(
        "no runners that match all of the job's tags: docker dind")
    assert "don't have any active runners" in stuck_message(untagged, [only_tagged], ref_protected=False)
    assert stuck_message(tagged, [only_tagged], ref_protected=False) is None


def test_artifacts_written_by_the_script_are_uploaded_with_the_runners_lines():
    job = one_job("""
        unit:
          script:
            - mkdir -p reports
            - echo '<testsuite name="unit"><testcase name="ok" classname="t"/></testsuite>' > reports/junit.xml
            - echo built > dist.txt
          artifacts:
            paths: [dist.txt, app.py, missing/]
            reports:
              junit: reports/*.xml
    """)
    log, result = play(job, files={"app.py": b"print('hi')\n", "requirements.txt": b"flask\n"})
    text = plain(log)
    assert "Uploading artifacts for successful job" in text
    assert "dist.txt: found 1 matching artifact files and directories" in text
    assert "WARNING: missing/: no matching files. Ensure that the artifact path is relative to the working" in text
    assert 'Uploading artifacts as "archive" to coordinator... 201 Created' in text
    assert 'Uploading artifacts as "junit" to coordinator... 201 Created' in text
    assert result.status == "success"
    assert result.artifacts == (("dist.txt", b"built\n"), ("app.py", b"print('hi')\n"))
    assert [name for name, _ in result.junit] == ["reports/junit.xml"]
    assert text.index("Uploading artifacts") < text.index("Job succeeded")


def test_artifacts_follow_when_and_a_failed_job_keeps_its_report():
    jobs = jobs_of("""
        unit:
          script: [echo '<testsuite/>' > junit.xml, exit 1]
          artifacts:
            when: always
            reports: {junit: junit.xml}
        quiet:
          script: [echo x > x.txt, exit 1]
          artifacts: {paths: [x.txt]}
    """)
    unit, quiet = (play(j)[1] for j in jobs)
    assert unit.status == "failed" and [n for n, _ in unit.junit] == ["junit.xml"]
    assert quiet.status == "failed" and quiet.artifacts == ()  # on_success only, by default
