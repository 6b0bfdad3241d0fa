"""The tutorial dockwright was written from (/work/shared/seed/000_*.txt), played by the simulated runner.

Its pipeline fails for the real reasons: as printed (indentation lost) it is not a pipeline at all; with
its mangled variable names the tag is empty; with the names corrected the push job fails because every
job has its own Docker daemon; on the tutorial's own runner (no /certs/client volume, tags) it fails on
TLS or never starts. A one-job build+push pipeline passes and fills the registry.
"""


import pytest

from dockwright.sandbox.ci_config import CiYamlError, parse_ci
from dockwright.sandbox.docker_sim import MemoryRegistry
from dockwright.sandbox.runner_sim import RunnerProfile, hosted_runner, play_job, runner_matches, stuck_message
from dockwright.wizard.diagnose import strip_ansi
from tests.sim_helpers import SEED_CORRECTED, drain

REGISTRY = "127.0.0.1:5050"
JOB_TOKEN = "glcbt-64_seedJobToken0042"
SHA = "9c4e1f7a" + "1" * 32

# The tutorial's files for the demo app (its Dockerfile verbatim).
SEED_FILES = {
    "Dockerfile": b'FROM python:3.9-slim\nWORKDIR /app\nCOPY . /app\nRUN pip install --no-cache-dir -r requirements.txt\n'
                  b'EXPOSE 80\nENV NAME World\nCMD ["python", "app.py"]\n',
    "requirements.txt": b"flask==3.0.3\n",
    "app.py": b"from flask import Flask\napp = Flask(__name__)\n",
}

# The pipeline exactly as the tutorial prints it: the page lost the indentation.
SEED_AS_PRINTED = """\
stages:
- build
- push
variables:
DOCKERDRIVER: overlay2
IMAGETAG: $CIREGISTRYIMAGE:$CICOMMITREF_SLUG
buildimage:
stage: build
image: docker:latest
services:
- docker:dind
script:
- docker build -t $IMAGETAG .
- echo $CIREGISTRYPASSWORD | docker login -u $CIREGISTRYUSER --password-stdin $CIREGISTRY
- docker tag $IMAGETAG $CIREGISTRYIMAGE:latest
pushimage:
stage: push
image: docker:latest
services:
- docker:dind
script:
- echo $CIREGISTRYPASSWORD | docker login -u $CIREGISTRYUSER --password-stdin $CIREGISTRY
- docker push $IMAGETAG
- docker push $CIREGISTRY_IMAGE:latest
"""

# The same pipeline with its indentation restored, names still mangled (as-is).
SEED_AS_IS = """\
stages:
  - build
  - push
variables:
  DOCKERDRIVER: overlay2
  IMAGETAG: $CIREGISTRYIMAGE:$CICOMMITREF_SLUG
buildimage:
  stage: build
  image: docker:latest
  services:
    - docker:dind
  script:
    - docker build -t $IMAGETAG .
    - echo $CIREGISTRYPASSWORD | docker login -u $CIREGISTRYUSER --password-stdin $CIREGISTRY
    - docker tag $IMAGETAG $CIREGISTRYIMAGE:latest
pushimage:
  stage: push
  image: docker:latest
  services:
    - docker:dind
  script:
    - echo $CIREGISTRYPASSWORD | docker login -u $CIREGISTRYUSER --password-stdin $CIREGISTRY
    - docker push $IMAGETAG
    - docker push $CIREGISTRY_IMAGE:latest
"""


# The tutorial's `default:` block (no TLS), to put in front of the corrected pipeline.
SEED_DEFAULT_NO_TLS = """\
default:
  image: docker:24.0.5-cli
  services:
    - docker:24.0.5-dind
  before_script:
    - docker info
variables:
  DOCKER_HOST: tcp://docker:2375
  DOCKER_TLS_CERTDIR: ""
"""

# What the tutorial should have written: build and push in one job, TLS, pinned versions.
ONE_JOB = """\
stages: [build, release]
variables:
  DOCKER_HOST: tcp://docker:2376
  DOCKER_TLS_CERTDIR: "/certs"
.docker: &docker
  image: docker:27.3.1-cli
  services:
    - name: docker:27.3.1-dind
      alias: docker
  before_script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
build_and_push:
  <<: *docker
  stage: build
  rules:
    - if: $CI_COMMIT_BRANCH
      exists: [Dockerfile]
  script:
    - docker build --pull -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA" -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG" .
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG"
latest:
  <<: *docker
  stage: release
  needs: [build_and_push]
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
  script:
    - docker pull "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
    - docker tag "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA" "$CI_REGISTRY_IMAGE:latest"
    - docker push "$CI_REGISTRY_IMAGE:latest"
"""

# The runner the tutorial registers: privileged docker executor, tag "no-tls-docker-runner",
# config.toml volumes ["/cache"] (no /certs/client). Legacy register with tags: run_untagged false.
SEED_RUNNER = RunnerProfile(id=7, description="My Docker Runner", tags=("no-tls-docker-runner",), run_untagged=False,
                            executor="docker", privileged=True, volumes=("/cache",), default_image="docker:24.0.5-cli")


def predefined():
    return {
        "CI_REGISTRY": REGISTRY, "CI_REGISTRY_IMAGE": f"{REGISTRY}/demo/app", "CI_REGISTRY_USER": "gitlab-ci-token",
        "CI_REGISTRY_PASSWORD": JOB_TOKEN, "CI_JOB_TOKEN": JOB_TOKEN, "CI_COMMIT_SHA": SHA,
        "CI_COMMIT_REF_NAME": "main", "CI_COMMIT_REF_SLUG": "main", "CI_COMMIT_BRANCH": "main",
        "CI_DEFAULT_BRANCH": "main", "CI_PROJECT_PATH": "demo/app",
    }


def pipeline(text):
    return parse_ci(text, ref="main", sha=SHA, default_branch="main", file_exists=lambda p: p in SEED_FILES)


def play_pipeline(text, runner, registry):
    """Play the jobs stage after stage as GitLab does: a failed stage stops the later ones."""
    results = {}
    for job in pipeline(text).jobs:
        if any(r[1].status == "failed" for r in results.values()):
            break
        gen = play_job(job, runner=runner, variables={}, predefined=predefined(), masked_values=[JOB_TOKEN],
                       read_file=SEED_FILES.get, registry=registry)
        chunks, result = drain(gen)
        results[job.name] = (strip_ansi("".join(chunks)), result)
    return results


@pytest.fixture
def registry():
    return MemoryRegistry(REGISTRY, {"gitlab-ci-token": JOB_TOKEN})


def test_as_printed_it_is_not_a_pipeline():
    with pytest.raises(CiYamlError) as info:
        pipeline(SEED_AS_PRINTED)
    assert str(info.value) == "jobs DOCKERDRIVER config should implement the script:, run:, or trigger: keyword"
    assert "jobs buildimage config should implement the script:, run:, or trigger: keyword" in info.value.errors


def test_as_is_the_mangled_names_make_an_empty_tag(registry):
    results = play_pipeline(SEED_AS_IS, hosted_runner(1), registry)
    log, result = results["buildimage"]
    assert "$ docker build -t $IMAGETAG ." in log
    assert 'ERROR: invalid tag ":": invalid reference format' in log
    assert result.status == "failed" and result.failure_reason == "script_failure"
    assert "pushimage" not in results and not registry.tags


def test_corrected_it_fails_in_the_push_job_because_each_job_has_its_own_daemon(registry):
    results = play_pipeline(SEED_CORRECTED, hosted_runner(1), registry)
    build_log, build = results["build_image"]
    assert build.status == "success", build_log
    assert "Login Succeeded" in build_log
    push_log, push = results["push_image"]
    assert "Login Succeeded" in push_log
    assert "$ docker push $IMAGE_TAG" in push_log
    assert "The push refers to repository [127.0.0.1:5050/demo/app]" in push_log
    assert "An image does not exist locally with the tag: 127.0.0.1:5050/demo/app" in push_log
    assert push.status == "failed" and push.exit_code == 1
    assert push_log.rstrip().endswith("ERROR: Job failed: exit code 1")
    assert not registry.tags
    assert JOB_TOKEN not in build_log + push_log


def test_on_the_tutorials_own_runner_untagged_jobs_stay_pending():
    (job, _) = pipeline(SEED_CORRECTED).jobs
    assert not runner_matches(job, SEED_RUNNER, ref_protected=True)
    assert stuck_message(job, [SEED_RUNNER], ref_protected=True) == (
        "This job is stuck because you don't have any active runners that can run this job.")


def test_on_the_tutorials_own_runner_dind_tls_has_no_client_certs(registry):
    runner = RunnerProfile(**{**SEED_RUNNER.__dict__, "run_untagged": True})
    results = play_pipeline(SEED_CORRECTED, runner, registry)
    log, result = results["build_image"]
    assert "Cannot connect to the Docker daemon at tcp://docker:2375. Is the docker daemon running?" in log
    assert result.status == "failed"


def test_with_its_no_tls_default_block_the_push_job_still_fails(registry):
    runner = RunnerProfile(**{**SEED_RUNNER.__dict__, "run_untagged": True})
    jobs = SEED_CORRECTED.split("IMAGE_TAG: $CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG\n", 1)[1]
    text = (SEED_DEFAULT_NO_TLS + "  DOCKER_DRIVER: overlay2\n  IMAGE_TAG: $CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG\n"
            + "stages:\n  - build\n  - push\n" + jobs)
    results = play_pipeline(text, runner, registry)
    build_log, build = results["build_image"]
    assert build.status == "success", build_log
    assert "$ docker info" in build_log and "Server Version" in build_log  # the default before_script
    log, result = results["push_image"]
    assert "An image does not exist locally with the tag: 127.0.0.1:5050/demo/app" in log
    assert result.status == "failed" and not registry.tags


def test_one_job_build_and_push_passes_and_fills_the_registry(registry):
    results = play_pipeline(ONE_JOB, hosted_runner(1), registry)
    assert [name for name in results] == ["build_and_push", "latest"]
    for _name, (log, result) in results.items():
        assert result.status == "success", log
        assert log.rstrip().endswith("Job succeeded")
    assert set(registry.tags) == {("demo/app", SHA), ("demo/app", "main"), ("demo/app", "latest")}


@pytest.mark.parametrize("executor", ["hosted", "docker-dind-tls", "docker-dind", "docker-socket", "shell"])
def test_the_pipeline_dockwright_generates_passes_on_the_runner_it_configures(executor, registry):
    from dockwright.wizard.plan import Plan
    from dockwright.wizard.render.pipeline import render_pipeline
    from dockwright.wizard.render.runner_config import runner_executor, runner_privileged, runner_volumes

    plan = Plan(executor=executor)
    if executor == "hosted":
        runner = hosted_runner(1)
    else:
        runner = RunnerProfile(id=2, description=plan.runner.description, tags=plan.runner.tags,
                               run_untagged=plan.runner.run_untagged, executor=runner_executor(plan),
                               privileged=runner_privileged(plan), volumes=tuple(runner_volumes(plan)),
                               host_has_docker=executor == "shell", default_image=plan.runner.docker_image)
    text = render_pipeline(plan)
    jobs = pipeline(text).jobs
    assert all(runner_matches(job, runner, ref_protected=True) for job in jobs)
    results = play_pipeline(text, runner, registry)
    assert len(results) == len(jobs) == 2
    for name, (log, result) in results.items():
        assert result.status == "success", f"{name}:\n{log}"
        assert "[sandbox] not executed: " not in log.replace("[sandbox] not executed: RUN steps", "")
    assert {tag for _, tag in registry.tags} == {SHA, "main", "latest"}


def test_project_variables_named_like_the_predefined_ones_shadow_them(registry):
    """The tutorial has the user create CI_REGISTRY_USER/PASSWORD as project variables: they win over the job's."""
    (job, _) = pipeline(SEED_CORRECTED).jobs
    shadowing = {"CI_REGISTRY_USER": "root", "CI_REGISTRY_PASSWORD": "glpat-expired-or-wrong-0001"}
    gen = play_job(job, runner=hosted_runner(1), variables=shadowing, predefined=predefined(),
                   masked_values=[JOB_TOKEN, shadowing["CI_REGISTRY_PASSWORD"]], read_file=SEED_FILES.get,
                   registry=registry)
    chunks, result = drain(gen)
    log = strip_ansi("".join(chunks))
    assert "unauthorized: HTTP Basic: Access denied" in log
    assert "glpat-expired-or-wrong-0001" not in log
    assert result.status == "failed"
