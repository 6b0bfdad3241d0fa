"""Shared by the tests of the sandbox's CI simulator (unit and integration)."""

# The seed tutorial's pipeline with its mangled names corrected to GitLab's real CI_* variables;
# its two-job layout kept, so the push job fails for the real reason (each job has its own daemon).
SEED_CORRECTED = """\
stages:
  - build
  - push
variables:
  DOCKER_DRIVER: overlay2
  IMAGE_TAG: $CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG
build_image:
  stage: build
  image: docker:latest
  services:
    - docker:dind
  script:
    - docker build -t $IMAGE_TAG .
    - echo $CI_REGISTRY_PASSWORD | docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY
    - docker tag $IMAGE_TAG $CI_REGISTRY_IMAGE:latest
push_image:
  stage: push
  image: docker:latest
  services:
    - docker:dind
  script:
    - echo $CI_REGISTRY_PASSWORD | docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY
    - docker push $IMAGE_TAG
    - docker push $CI_REGISTRY_IMAGE:latest
"""


def drain(gen):
    """Run a simulator generator (play_job, Shell.run) to its end: (the chunks it yielded, what it returned)."""
    chunks = []
    while True:
        try:
            chunks.append(next(gen))
        except StopIteration as stop:
            return chunks, stop.value
