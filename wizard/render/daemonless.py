"""The job lines of the build methods without a Docker daemon: BuildKit rootless and Buildah. Pure: no I/O.

Both run on a runner that is not privileged (the runner's side: :mod:`runner_config`), and follow GitLab's pages:

- BuildKit rootless, https://docs.gitlab.com/ci/docker/using_buildkit/ (doc/ci/docker/using_buildkit.md): the
  ``moby/buildkit:rootless`` image with its entrypoint emptied, ``BUILDKITD_FLAGS: --oci-worker-no-process-sandbox``,
  ``buildctl-daemonless.sh build --frontend dockerfile.v0`` pushing with ``--output type=image,...,push=true``, and
  the registry credentials written by hand into ``~/.docker/config.json`` (no ``docker login`` there). The
  credentials go in as ``auth`` (base64 of user:password, the page's multi-registry form), so a password with a
  quote in it cannot break the JSON; Docker Hub's key is ``https://index.docker.io/v1/``, the one BuildKit looks up.
  The moby/buildkit image has no AWS CLI and no root to install it, so ECR is refused for it (plan.check_plan).
- Buildah, https://docs.gitlab.com/ci/docker/using_docker_build/#buildah-example and
  doc/ci/docker/buildah_rootless_tutorial.md: ``quay.io/buildah/stable``, ``STORAGE_DRIVER: vfs`` (Buildah cannot
  stack overlayfs on the container's own overlayfs), ``BUILDAH_ISOLATION: chroot`` (runc does not work without
  privileges), ``BUILDAH_FORMAT: docker``, ``buildah login --password-stdin``, ``buildah build``, ``buildah push``.
- ``latest``: neither image can retag in a registry, so the release job copies the pushed manifest with
  ``skopeo copy --all`` (quay.io/skopeo/stable): registry to registry, no daemon, no pull, the same digest.
"""

from __future__ import annotations

import posixpath

from dockwright.wizard.plan import Plan
from dockwright.wizard.render import build_cache
from dockwright.wizard.render.common import yaml_scalar
from dockwright.wizard.render.registry import (
    DOCKERHUB_TOKEN_VAR,
    DOCKERHUB_USER_VAR,
    OTHER_PASSWORD_VAR,
    OTHER_USER_VAR,
    aws_oidc_lines,
    ecr_host,
    push_guard_variable,
)

BUILDKIT_IMAGE = "moby/buildkit:rootless"
BUILDAH_IMAGE = "quay.io/buildah/stable"
SKOPEO_IMAGE = "quay.io/skopeo/stable"
BUILDKITD_FLAGS = "--oci-worker-no-process-sandbox"
BUILDAH_VARIABLES = (("STORAGE_DRIVER", "vfs"), ("BUILDAH_FORMAT", "docker"), ("BUILDAH_ISOLATION", "chroot"))
DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/"


def job_image_lines(plan: Plan, *, release: bool) -> list[str]:
    """The ``image:`` of a daemonless job: BuildKit's (entrypoint emptied, as the page does) or Buildah's;
    the release job's is skopeo's."""
    if release:
        return [f"  image: {yaml_scalar(SKOPEO_IMAGE)}"]
    if plan.build_method == "buildkit-rootless":
        return ["  image:", f"    name: {yaml_scalar(BUILDKIT_IMAGE)}", '    entrypoint: [""]']
    return [f"  image: {yaml_scalar(BUILDAH_IMAGE)}"]


def job_variables(plan: Plan, *, release: bool) -> list[tuple[str, str]]:
    if release:
        return []
    if plan.build_method == "buildkit-rootless":
        return [("BUILDKITD_FLAGS", BUILDKITD_FLAGS)]
    return list(BUILDAH_VARIABLES)


def _credentials(plan: Plan) -> tuple[str, str, str]:
    """(host, user, password) as shell words, for the plan's registry (ECR: the password is fetched)."""
    kind = plan.registry.kind
    if kind == "gitlab":
        return '"$CI_REGISTRY"', '"$CI_REGISTRY_USER"', '"$CI_REGISTRY_PASSWORD"'
    if kind == "dockerhub":
        return "docker.io", f'"${DOCKERHUB_USER_VAR}"', f'"${DOCKERHUB_TOKEN_VAR}"'
    if kind == "ecr":
        return ecr_host(plan), "AWS", f'"$(aws ecr get-login-password --region {plan.registry.region})"'
    return plan.registry.host, f'"${OTHER_USER_VAR}"', f'"${OTHER_PASSWORD_VAR}"'


def login_lines(plan: Plan, *, release: bool) -> list[str]:
    """How the job gets the registry's credentials; the secret never reaches argv (stdin, or a file)."""
    host, user, password = _credentials(plan)
    lines: list[str] = []
    if plan.build_method == "buildkit-rootless" and not release:
        key = f'\\"{DOCKER_HUB_AUTH_KEY}\\"' if plan.registry.kind == "dockerhub" else f'\\"{host.strip(chr(34))}\\"'
        auth = f"$(printf '%s:%s' {user} {password} | base64 | tr -d '\\n')"
        lines = ["mkdir -p ~/.docker",
                 f'echo "{{\\"auths\\":{{{key}:{{\\"auth\\":\\"{auth}\\"}}}}}}" > ~/.docker/config.json']
    else:
        tool = "skopeo" if release else "buildah"
        if plan.registry.kind == "ecr":
            lines = ["dnf install -y -q awscli2", *aws_oidc_lines(plan),  # Fedora-based images without the AWS CLI
                     f"aws ecr get-login-password --region {plan.registry.region}"
                     f" | {tool} login --username AWS --password-stdin {host}"]
        else:
            lines = [f"echo {password} | {tool} login -u {user} --password-stdin {host}"]
    guard = push_guard_variable(plan)
    if guard is None:
        return lines
    return [line if line.startswith("mkdir ") else f'test -z "${guard}" || {line}' for line in lines]


def build_lines(plan: Plan, image: str, tags: tuple[str, str], labels: tuple[tuple[str, str], ...],
                file_opt: str, context: str, skip: list[str]) -> list[str]:
    """Build and push the two tags. ``file_opt`` is ``-f PATH `` when the Dockerfile is not CONTEXT/Dockerfile;
    ``skip`` are the lines that end the job without the registry's credentials (before any push)."""
    first, second = (f"{image}:{t}" for t in tags)
    guard = push_guard_variable(plan)
    if plan.build_method == "buildkit-rootless":
        folder, _, name = posixpath.normpath(plan.dockerfile.path).rpartition("/")
        opts = f"--opt filename={name} " if name != "Dockerfile" else ""
        label_opts = " ".join(f'--opt "label:{k}={v}"' for k, v in labels)
        push = f'$(test -n "${guard}" && echo true || echo false)' if guard else "true"
        cache = ""
        if build_cache.enabled(plan):  # read the cache always; write it only where the job may push
            cache = f"{build_cache.cache_from(plan, image)} " + (
                f'$(test -n "${guard}" && echo {build_cache.cache_to(plan, image, quoted=False)}) ' if guard
                else f"{build_cache.cache_to(plan, image)} ")
        out = [] if not skip else [skip[0]]  # says why it will not push; the build still runs
        out.append(f"buildctl-daemonless.sh build --frontend dockerfile.v0 --local context={context} "
                   f"--local dockerfile={folder or '.'} {opts}{label_opts} {cache}"
                   f'--output "type=image,\\"name={first},{second}\\",push={push}"')
        return out
    label_opts = " ".join(f'--label "{k}={v}"' for k, v in labels)
    if not build_cache.enabled(plan):
        return [f'buildah build {file_opt}{label_opts} -t "{first}" -t "{second}" {context}', *skip,
                f'buildah push "{first}"', f'buildah push "{second}"']
    def build(write: bool) -> str:
        cache = build_cache.buildah_options(plan, image, write=write)
        return f'buildah build {file_opt}{label_opts} {cache} -t "{first}" -t "{second}" {context}'

    pushes = [f'buildah push "{first}"', f'buildah push "{second}"']
    if not skip:
        return [build(True), *pushes]
    guard_prefix = skip[-1].removesuffix(" exit 0")  # without credentials: read the cache, write none, push nothing
    return [skip[0], f"{guard_prefix} {build(False)}", skip[-1], build(True), *pushes]


def release_lines(image: str, skip: list[str]) -> list[str]:
    return [*skip, f'skopeo copy --all "docker://{image}:$CI_COMMIT_SHA" "docker://{image}:latest"']
