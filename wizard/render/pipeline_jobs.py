"""dockwright's two jobs (``dockwright-build``, ``dockwright-release``) as YAML lines. Pure: no I/O.

Each line is there for a reason the teaching pages give (assets/help/pipeline.md, registry.md):

- ``DOCKER_HOST`` is set in every job, for every executor: a ``DOCKER_HOST`` in the user's global
  ``variables:`` would otherwise reach a socket or shell job and point its docker at a daemon it has not;
- DinD without TLS starts the service with ``command: ["--tls=false"]`` (as GitLab's templates do): without
  it dockerd warns about an unencrypted TCP socket and sleeps on purpose before it listens;
- docker executors set ``FF_DISABLE_UMASK_FOR_DOCKER_EXECUTOR``: otherwise the runner checks out with
  umask 0000 and ``COPY . .`` puts world-writable files in the image;
- shell jobs keep ``docker login``'s credentials in a per-job ``DOCKER_CONFIG`` and log out in
  ``after_script``: the runner's own ``~/.docker/config.json`` outlives every job;
- an external registry's credentials are protected variables: a pipeline without them (an unprotected
  branch, a fork's merge request) builds the image and says why it does not push, instead of failing;
- tags: the commit SHA, and the git tag itself in tag pipelines (``v1.2.0``), else the branch slug;
- OCI labels (revision, source, created) on the image;
- ``latest`` follows stage order (the release job has no ``needs:``), so it waits for every job in the
  earlier stages, the user's tests included; ``resource_group`` lets one ``latest`` push run at a time;
  builds are ``interruptible`` so a newer pipeline can cancel an outdated one;
- docker executors retag ``latest`` in the registry with ``docker buildx imagetools create`` (no pull);
  the shell executor pulls, tags and pushes (buildx is not sure to be installed on the runner's host);
- DinD with TLS on the Kubernetes executor also sets ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH`` (the
  Kubernetes executor does not run the image's entrypoint, which sets them elsewhere) and the service's
  ``HEALTHCHECK_TCP_PORT``, as https://docs.gitlab.com/ci/docker/docker_in_docker/#use-with-kubernetes-executor does;
- the build methods without a daemon (BuildKit rootless, Buildah) have their own lines: :mod:`daemonless`;
- ``pipeline.build_cache`` keeps BuildKit's cache in the registry (``docker buildx``): :mod:`build_cache`.
"""

from __future__ import annotations

import posixpath

from dockwright.wizard.plan import Plan
from dockwright.wizard.render import build_cache, daemonless
from dockwright.wizard.render.common import yaml_scalar
from dockwright.wizard.render.registry import (
    id_token_lines,
    image_name,
    login_commands,
    push_guard_variable,
    registry_host,
)

BUILD_JOB = "dockwright-build"
RELEASE_JOB = "dockwright-release"
# The image reference, in a name of dockwright's own: a project CI/CD variable wins over a job's
# `variables:`, so a project that already has an IMAGE_NAME variable would silently redirect the push.
IMAGE_VAR = "DOCKWRIGHT_IMAGE"
RELEASE_RESOURCE_GROUP = "dockwright-latest"
# GitLab's "avoid duplicate pipelines" rules (doc/ci/yaml/workflow.md), plus tag pipelines.
WORKFLOW_RULES = (
    "workflow:",
    "  rules:",
    "    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"",
    "    - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS",
    "      when: never",
    "    - if: $CI_COMMIT_BRANCH",
    "    - if: $CI_COMMIT_TAG",
)
WORKFLOW_COMMENT = (
    "# dockwright: GitLab's \"avoid duplicate pipelines\" rules. A branch with an open merge request runs",
    "# the merge request pipeline only (else every push would build and push twice); tags run too.",
)
DEPENDENCY_PROXY_PREFIX = "${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/"
_REF_TAG = "${CI_COMMIT_TAG:-$CI_COMMIT_REF_SLUG}"
_LABELS = (
    ("org.opencontainers.image.revision", "$CI_COMMIT_SHA"),
    ("org.opencontainers.image.source", "$CI_PROJECT_URL"),
    ("org.opencontainers.image.created", "$CI_JOB_STARTED_AT"),
)


def uses_dind(plan: Plan) -> bool:
    return plan.build_method in ("dind-tls", "dind")


def docker_host(plan: Plan) -> str:
    """Where the job's docker client finds its daemon, for the plan's executor."""
    if plan.build_method == "dind-tls":
        return "tcp://docker:2376"
    if plan.build_method == "dind":
        return "tcp://docker:2375"
    return "unix:///var/run/docker.sock"  # socket binding and shell: the host's daemon


def _variables(plan: Plan, *, release: bool) -> list[tuple[str, str]]:
    if plan.daemonless:
        out = daemonless.job_variables(plan, release=release)
    else:
        out = [("DOCKER_HOST", docker_host(plan))]
        if plan.build_method == "dind-tls":
            out.append(("DOCKER_TLS_CERTDIR", '"/certs"'))
            if plan.runner_kind == "kubernetes":
                out += [("DOCKER_TLS_VERIFY", '"1"'), ("DOCKER_CERT_PATH", '"$DOCKER_TLS_CERTDIR/client"')]
        elif plan.build_method == "dind":
            out.append(("DOCKER_TLS_CERTDIR", '""'))
    if plan.executor == "shell":
        out.append(("DOCKER_CONFIG", "$CI_BUILDS_DIR/.dockwright-docker-config/$CI_JOB_ID"))
    elif plan.runner_kind in ("docker", "hosted"):
        out.append(("FF_DISABLE_UMASK_FOR_DOCKER_EXECUTOR", '"true"'))
    out.append((IMAGE_VAR, yaml_scalar(image_name(plan))))
    if plan.registry.kind == "ecr":
        out.append(("AWS_DEFAULT_REGION", yaml_scalar(plan.registry.region)))
    return out


def _skip_push_lines(plan: Plan) -> list[str]:
    """Without the registry's (protected) credentials, end the job here, successfully, saying why."""
    var = push_guard_variable(plan)
    if var is None:
        return []
    why = (f"Not pushing (dockwright) - {var} is not set in this pipeline. It is a protected CI/CD variable, "
           "given only to pipelines of protected branches and tags (never to a fork's merge request).")
    return [f'test -n "${var}" || echo "{why}"', f'test -n "${var}" || exit 0']


def _job(plan: Plan, name: str, stage: str, comment: list[str], *, rules: list[str], script: list[str],
         extra: list[str], release: bool = False) -> list[str]:
    version = plan.pipeline.docker_version
    prefix = DEPENDENCY_PROXY_PREFIX if plan.pipeline.dependency_proxy else ""
    out = [f"# {line}" for line in comment]
    out += [f"{name}:", f"  stage: {yaml_scalar(stage)}"]
    if plan.daemonless:
        out += daemonless.job_image_lines(plan, release=release)
    elif plan.executor != "shell":
        out.append(f"  image: {yaml_scalar(f'{prefix}docker:{version}-cli')}")
    if uses_dind(plan):
        out += ["  services:", f"    - name: {yaml_scalar(f'{prefix}docker:{version}-dind')}", "      alias: docker"]
        if plan.build_method == "dind":
            out.append('      command: ["--tls=false"]')
        if plan.runner_kind == "kubernetes":
            out += ["      variables:", '        HEALTHCHECK_TCP_PORT: "2376"']
    out.append("  variables:")
    out += [f"    {k}: {v}" for k, v in _variables(plan, release=release)]
    if plan.job_tags:
        out.append("  tags:")
        out += [f"    - {yaml_scalar(t)}" for t in plan.job_tags]
    out += id_token_lines(plan)
    out += extra
    out.append("  rules:")
    out += rules
    out.append("  before_script:")
    login = daemonless.login_lines(plan, release=release) if plan.daemonless else login_commands(plan)
    out += [f"    - {yaml_scalar(line)}" for line in login]
    out.append("  script:")
    out += [f"    - {yaml_scalar(line)}" for line in script]
    after = [logout_command(plan)] if plan.executor == "shell" else []
    if not release and build_cache.needs_builder_removed(plan):
        after.append(build_cache.REMOVE_BUILDER)  # the builder container would outlive the job on the host
    if after:
        out.append("  after_script:")
        out += [f"    - {yaml_scalar(line)}" for line in after]
    return out


def logout_command(plan: Plan) -> str:
    """Shell jobs: forget the login (the after_script runs even when the job failed)."""
    return f"docker logout {registry_host(plan)}"


def _build_files(plan: Plan) -> tuple[str, str]:
    """``-f PATH `` when the Dockerfile is not where Docker looks by default (CONTEXT/Dockerfile), and the
    build context: the plan's ``dockerfile.path`` and ``dockerfile.context`` (check_plan keeps both to
    characters that need no shell quoting)."""
    d = plan.dockerfile
    default = posixpath.normpath(posixpath.join(d.context, "Dockerfile"))
    return ("" if posixpath.normpath(d.path) == default else f"-f {d.path} "), d.context


def build_script(plan: Plan) -> list[str]:
    image = f"${IMAGE_VAR}"
    labels = " ".join(f'--label "{k}={v}"' for k, v in _LABELS)
    dockerfile, context = _build_files(plan)
    if plan.daemonless:
        return daemonless.build_lines(plan, image, ("$CI_COMMIT_SHA", _REF_TAG), _LABELS, dockerfile, context,
                                      _skip_push_lines(plan))
    if build_cache.enabled(plan):
        return build_cache.docker_build_lines(plan, f"{dockerfile}{labels} ",
                                              (f"{image}:$CI_COMMIT_SHA", f"{image}:{_REF_TAG}"), context,
                                              _skip_push_lines(plan))
    return [
        f'docker build --pull {dockerfile}{labels} -t "{image}:$CI_COMMIT_SHA" -t "{image}:{_REF_TAG}" {context}',
        *_skip_push_lines(plan),
        f'docker push "{image}:$CI_COMMIT_SHA"',
        f'docker push "{image}:{_REF_TAG}"',
    ]


def release_script(plan: Plan) -> list[str]:
    image = f"${IMAGE_VAR}"
    if plan.daemonless:
        return daemonless.release_lines(image, _skip_push_lines(plan))
    if plan.executor == "shell":
        retag = [f'docker pull "{image}:$CI_COMMIT_SHA"', f'docker tag "{image}:$CI_COMMIT_SHA" "{image}:latest"',
                 f'docker push "{image}:latest"']
    else:
        retag = [f'docker buildx imagetools create -t "{image}:latest" "{image}:$CI_COMMIT_SHA"']
    return _skip_push_lines(plan) + retag


def render_jobs(plan: Plan, *, skip_merge_request_pipelines: bool) -> list[str]:
    """The lines of both jobs (the release job only when the plan tags ``latest``).

    ``skip_merge_request_pipelines``: the file has no ``workflow:`` of its own, so a job whose rules
    match merge request pipelines would start a second pipeline next to the branch's; the jobs then
    leave those pipelines out.
    """
    build_stage, release_stage = plan.pipeline.stages
    exists = f"        - {yaml_scalar(plan.dockerfile.path)}"
    never_mr = (['    - if: $CI_PIPELINE_SOURCE == "merge_request_event"', "      when: never"]
                if skip_merge_request_pipelines else [])
    lines = _job(
        plan, BUILD_JOB, build_stage,
        [("Build and push in the same job: each job has its own Docker daemon, so an image built here would"
          if not plan.daemonless else
          "Build and push in the same job, with no Docker daemon and no privilege: an image built here would"),
         "be gone in the next job. Tagged with the commit, and with the git tag or the branch (slug)."],
        rules=never_mr + ["    - exists:", exists],
        script=build_script(plan),
        extra=["  interruptible: true"],
    )
    if plan.pipeline.latest_on_default_branch:
        lines.append("")
        lines += _job(
            plan, RELEASE_JOB, release_stage,
            ["On the default branch only, after every job of the earlier stages passed (stage order, no",
             "needs:): tag the image this pipeline pushed as latest. One latest push at a time."],
            rules=never_mr + ["    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", "      exists:", exists],
            script=release_script(plan),
            extra=[f"  resource_group: {RELEASE_RESOURCE_GROUP}"], release=True,
        )
    return lines
