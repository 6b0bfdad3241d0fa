"""REST handlers: ``GET /templates/gitlab_ci_ymls`` and ``GET /templates/gitlab_ci_ymls/:key``, public as
on GitLab (no token needed), paginated. GitLab ships about 80 templates; the sandbox has its own short
versions of the few a dockwright learner meets (a Docker image build, a Python app, a shell script), each
of which the sandbox itself plays. An unknown key is GitLab's ``404 gitlab_ci_yml Not Found``."""

from __future__ import annotations

from dockwright.sandbox.api_common import ApiError, Request, json_response, paginate

_HEADER = ("# The sandbox's short version of GitLab's {key} template (GitLab's own is at\n"
           "# https://gitlab.com/gitlab-org/gitlab/-/blob/master/lib/gitlab/ci/templates/{key}.gitlab-ci.yml).\n"
           "# The sandbox plays every keyword used here.\n\n")

TEMPLATES: dict[str, str] = {
    "Bash": """\
stages: [build, test, deploy]

build-job:
  stage: build
  script:
    - echo "Compiling the code..."
    - echo "Compile complete."

test-job:
  stage: test
  script:
    - echo "Running the tests..."

deploy-job:
  stage: deploy
  script:
    - echo "Deploying the application..."
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
""",
    "Docker": """\
# Builds the repository's Dockerfile with Docker-in-Docker (a privileged runner) and pushes the image to
# the project's container registry: tagged with the branch name on branches, `latest` on the default one.
docker-build:
  image: docker:27
  stage: build
  services:
    - docker:27-dind
  variables:
    DOCKER_TLS_CERTDIR: "/certs"
  before_script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
  script:
    - docker build --pull -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG" .
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG"
  rules:
    - if: $CI_COMMIT_BRANCH
      exists:
        - Dockerfile
""",
    "Python": """\
# Installs the requirements and runs the tests with the official Python image.
default:
  image: python:3.12-slim
  before_script:
    - python --version
    - pip install -r requirements.txt

test:
  script:
    - python -m pytest
""",
}


def _content(key: str) -> str:
    return _HEADER.format(key=key) + TEMPLATES[key]


def list_templates(req: Request):
    return paginate(req, sorted(TEMPLATES), lambda key: {"key": key, "name": key})


def get_template(req: Request):
    key = req.params["key"]
    if key not in TEMPLATES:
        raise ApiError(404, {"message": "404 gitlab_ci_yml Not Found"})
    return json_response(200, {"name": key, "content": _content(key)})


ROUTES = [
    ("GET", "/templates/gitlab_ci_ymls", list_templates, None),
    ("GET", "/templates/gitlab_ci_ymls/:key", get_template, None),
]
