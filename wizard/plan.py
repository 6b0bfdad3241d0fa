"""The Plan: one immutable value holding every answer, and the checks of its values. Its file form,
``dockwright.yml``, is read and written by :mod:`dockwright.wizard.answers_file`.

The Plan never holds a secret. A CI/CD variable names where its value comes from
(``from_env: NAME``); without ``from_env`` the value is asked at apply time, hidden.

Screens, ``--plain`` and the answers file all edit the same Plan; every other part of
dockwright reads it. Change it with ``dataclasses.replace`` (or :func:`replace_in`).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dockwright.wizard.docker_versions import (
    DEFAULT_CLI_IMAGE,
    DEFAULT_VERSION,
    docker_version_problem,
)
from dockwright.wizard.names import plan_name_problems
from dockwright.wizard.secret_text import looks_like_token, shown

if TYPE_CHECKING:  # ruamel.yaml is imported where an answers file is read or written: not before the first frame
    pass

ANSWERS_FILE = "dockwright.yml"  # read and written by answers_file.py
ANSWERS_VERSION = 1

# The answers file's executor: where jobs run, then how they build ("docker-buildah": docker executor, Buildah).
EXECUTORS = ("hosted", "shell", "docker-dind-tls", "docker-dind", "docker-socket",
             "docker-buildkit-rootless", "docker-buildah",
             "kubernetes-dind-tls", "kubernetes-buildkit-rootless", "kubernetes-buildah")
# The ones the wizard's executor step and --plain list, and the sandbox plays, until the build method is
# its own choice there (issue 14 items 5-6); `generate` and the answers file take every one of EXECUTORS.
WIZARD_EXECUTORS = EXECUTORS[:5]
# What builds the image (Plan.build_method): a Docker daemon (DinD with or without TLS, the host's socket or
# the shell runner's host), or no daemon at all: BuildKit rootless, Buildah.
DAEMONLESS_METHODS = ("buildkit-rootless", "buildah")
RUNNER_WORKFLOWS = ("authentication-token", "registration-token")
REGISTRY_KINDS = ("gitlab", "dockerhub", "ecr", "other")
VARIABLE_TYPES = ("env_var", "file")
LANGUAGES = ("python", "node", "go", "java", "ruby", "php", "rust", "dotnet", "static", "generic")
# The build tools each language's Dockerfile knows (dockerfile.tool); static sites build with Node's.
STACK_TOOLS = {"node": ("npm", "yarn", "pnpm"), "static": ("npm", "yarn", "pnpm"), "go": ("go",),
               "java": ("maven", "gradle"), "ruby": ("bundler",), "php": ("composer",), "rust": ("cargo",),
               "dotnet": ("dotnet",)}
TOOLS = tuple(dict.fromkeys(t for tools in STACK_TOOLS.values() for t in tools))

KEY_RE = re.compile(r"[A-Za-z0-9_]{1,255}")  # GitLab's variable key rule; use with fullmatch
GITLAB_PREDEFINED_REGISTRY_VARIABLES = ("CI_REGISTRY", "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD", "CI_REGISTRY_IMAGE")


def _help(text: str, **extra: Any) -> dict[str, Any]:
    return {"help": text, **extra}


@dataclass(frozen=True)
class GitLabSpec:
    url: str = field(default="https://gitlab.com", metadata=_help("GitLab instance URL"))
    project: str = field(default="", metadata=_help("project path, e.g. group/sub/app"))


@dataclass(frozen=True)
class KubernetesSpec:
    namespace: str = field(default="gitlab-runner", metadata=_help(
        "Kubernetes namespace the runner (Helm release) and the job pods run in"))
    helm_values_path: str = field(default="gitlab-runner-values.yaml", metadata=_help(
        "where the values.yaml for the GitLab Runner Helm chart is written, relative to the repository"))


@dataclass(frozen=True)
class RunnerSpec:
    create: bool = field(default=True, metadata=_help("create and register a project runner"))
    workflow: str = field(
        default="authentication-token",
        metadata=_help("how the runner is registered", choices=RUNNER_WORKFLOWS),
    )
    description: str = field(default="My Docker Runner", metadata=_help("runner description shown in GitLab"))
    tags: tuple[str, ...] = field(default=("docker",), metadata=_help("runner tags; jobs carry the same tags"))
    run_untagged: bool = field(default=False, metadata=_help("also pick up jobs without tags"))
    protected: bool = field(default=False, metadata=_help("run only jobs on protected branches and tags"))
    docker_image: str = field(default=DEFAULT_CLI_IMAGE, metadata=_help("default image for the docker executor"))
    privileged_services_only: bool = field(default=False, metadata=_help(
        "Docker-in-Docker: only the docker:dind service runs privileged, the job does not "
        "(services_privileged, allowed_privileged_services)"))
    config_path: str = field(
        default="/etc/gitlab-runner/config.toml", metadata=_help("where the runner's config.toml lives")
    )
    kubernetes: KubernetesSpec = field(default=KubernetesSpec(), metadata=_help(
        "Kubernetes executor only: namespace and the Helm values file"))


ECR_AUTH = ("oidc", "keys")
ROLE_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")


@dataclass(frozen=True)
class EcrSpec:
    auth: str = field(default="keys", metadata=_help(
        "how jobs get AWS credentials: oidc (recommended: an ID token exchanged for a role's short-lived "
        "credentials, no stored keys) or keys (an IAM user's access keys as CI/CD variables)", choices=ECR_AUTH))
    role_arn: str = field(default="", metadata=_help(
        "oidc: the IAM role the jobs assume, e.g. arn:aws:iam::123456789012:role/gitlab-ecr-push (not a secret)"))


@dataclass(frozen=True)
class RegistrySpec:
    kind: str = field(default="gitlab", metadata=_help("where the image is pushed", choices=REGISTRY_KINDS))
    image: str = field(default="", metadata=_help("image name without tag (dockerhub: user/app; ecr/other: repository)"))
    host: str = field(default="", metadata=_help("registry host (other registries)"))
    region: str = field(default="", metadata=_help("AWS region (ecr)"))
    account: str = field(default="", metadata=_help("AWS account id, 12 digits (ecr)"))
    ecr: EcrSpec = field(default=EcrSpec(), metadata=_help("ecr: how jobs log in to AWS (oidc or keys)"))


@dataclass(frozen=True)
class VariableSpec:
    key: str = field(metadata=_help("variable name: letters, digits and _"))
    from_env: str | None = field(default=None, metadata=_help("read the value from this environment variable"))
    masked: bool = field(default=False, metadata=_help("hide the value in job logs"))
    protected: bool = field(default=False, metadata=_help("only on protected branches and tags"))
    hidden: bool = field(default=False, metadata=_help("masked and hidden: never shown again in GitLab"))
    raw: bool = field(default=False, metadata=_help("do not expand $ references in the value"))
    variable_type: str = field(default="env_var", metadata=_help("env_var or file", choices=VARIABLE_TYPES))
    environment_scope: str = field(default="*", metadata=_help("environment scope"))
    description: str | None = field(default=None, metadata=_help("description shown in GitLab"))


@dataclass(frozen=True)
class DockerfileSpec:
    language: str = field(default="python", metadata=_help(
        "the project's stack, or generic for a Dockerfile you edit", choices=LANGUAGES))
    base_image: str = field(default="python:3.13-slim", metadata=_help("pinned base image (the build stage's)"))
    runtime_image: str | None = field(default=None, metadata=_help(
        "pinned image of the final stage of a multi-stage build (go, java, rust, dotnet...), or null"))
    tool: str | None = field(default=None, metadata=_help("build tool, or null", choices=TOOLS))
    target: str | None = field(default=None, metadata=_help(
        "what is built: Go main package, Rust binary, .NET project file, Java artifact..., or null"))
    workdir: str = field(default="/app", metadata=_help("working directory in the image"))
    requirements: str | None = field(default="requirements.txt", metadata=_help("pip requirements file, or null"))
    port: int | None = field(default=8000, metadata=_help("port the app listens on, or null"))
    env: tuple[tuple[str, str], ...] = field(default=(), metadata=_help("ENV lines", mapping=True))
    command: tuple[str, ...] = field(default=("python", "app.py"), metadata=_help("CMD, exec form"))
    non_root: bool = field(default=True, metadata=_help("run as an unprivileged user"))
    path: str = field(default="Dockerfile", metadata=_help("the Dockerfile, relative to the repository (docker build -f)"))
    context: str = field(default=".", metadata=_help("the build context folder, relative to the repository"))


@dataclass(frozen=True)
class PipelineSpec:
    docker_version: str = field(default=DEFAULT_VERSION, metadata=_help("docker CLI and dind version (same for both)"))
    stages: tuple[str, ...] = field(default=("build", "release"), metadata=_help("build stage, then release stage"))
    latest_on_default_branch: bool = field(default=True, metadata=_help("tag :latest on the default branch"))
    dependency_proxy: bool = field(default=False, metadata=_help(
        "pull the docker: images through the group's Dependency Proxy (projects in a group only)"))
    container_scanning: bool = field(default=False, metadata=_help(
        "scan the pushed image with GitLab's Container Scanning template (GitLab's registry only)"))
    build_cache: bool = field(default=False, metadata=_help(
        "keep BuildKit's layer cache in the registry (tag :buildcache), so a job's fresh daemon reuses layers"))


@dataclass(frozen=True)
class GitSpec:
    branch: str = field(default="main", metadata=_help("branch to commit on"))
    create_branch: bool = field(default=False, metadata=_help("create the branch if it does not exist"))
    commit_message: str = field(
        default="Add Dockerfile and CI/CD pipeline configuration", metadata=_help("commit message")
    )


@dataclass(frozen=True)
class Plan:
    version: int = ANSWERS_VERSION
    gitlab: GitLabSpec = GitLabSpec()
    executor: str = field(default="docker-dind-tls", metadata=_help("how jobs run Docker", choices=EXECUTORS))
    runner: RunnerSpec = RunnerSpec()
    registry: RegistrySpec = RegistrySpec()
    variables: tuple[VariableSpec, ...] = ()
    dockerfile: DockerfileSpec = DockerfileSpec()
    pipeline: PipelineSpec = PipelineSpec()
    git: GitSpec = GitSpec()

    # Derived facts every consumer needs; kept here so nobody re-derives them differently.
    @property
    def uses_own_runner(self) -> bool:
        """A runner of the user's own is created and registered (every executor but hosted)."""
        return self.executor != "hosted" and self.runner.create

    @property
    def runner_kind(self) -> str:
        """Where jobs run: ``hosted``, ``shell``, ``docker`` or ``kubernetes`` (the executor's first word)."""
        return self.executor.split("-", 1)[0]

    @property
    def build_method(self) -> str:
        """What builds the image: ``dind-tls``, ``dind``, ``socket``, ``buildkit-rootless``, ``buildah``, or
        ``host`` (the shell runner's own Docker Engine). Hosted runners build with DinD and TLS."""
        if self.executor == "hosted":
            return "dind-tls"
        if self.executor == "shell":
            return "host"
        return self.executor.partition("-")[2]

    @property
    def daemonless(self) -> bool:
        """No Docker daemon in the job (BuildKit rootless, Buildah): nothing privileged, no docker CLI."""
        return self.build_method in DAEMONLESS_METHODS

    @property
    def helm_runner(self) -> bool:
        """dockwright's runner is started by GitLab Runner's Helm chart (a Kubernetes executor): it writes the
        chart's values, not a config.toml entry."""
        return self.uses_own_runner and self.runner_kind == "kubernetes"

    @property
    def uses_docker_images(self) -> bool:
        """The jobs run docker:<version>-cli (and -dind): pipeline.docker_version matters. Not for the shell
        runner (the host's Docker) nor the daemonless methods (their own tool images)."""
        return not self.daemonless and self.executor != "shell"

    @property
    def job_tags(self) -> tuple[str, ...]:
        """The tags generated jobs carry: the runner's when dockwright creates one, else none."""
        return self.runner.tags if self.uses_own_runner else ()

    @property
    def env(self) -> dict[str, str]:
        return dict(self.dockerfile.env)


def replace_in(plan: Plan, section: str, **changes: Any) -> Plan:
    """Return a new Plan with ``changes`` applied to one section, e.g. ``replace_in(p, "runner", tags=("x",))``."""
    return dataclasses.replace(plan, **{section: dataclasses.replace(getattr(plan, section), **changes)})


# --------------------------------------------------------------------------------------------
# Validation of values (shared by the answers file and the UI's inline checks)
# --------------------------------------------------------------------------------------------

MULTILINE_FIELDS = ("git.commit_message",)  # every other text of a Plan is written on one line of some file
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # reorder text on screen


def text_problem(value: str, multiline: bool = False) -> str | None:
    """None when ``value`` can be written into a generated file as it is, else what is wrong with it.

    One rule for every text field (answers file, --plain, the wizard's fields): no line break (it would add
    lines, such as a RUN instruction, to the file it is written into), no control character, no invisible
    text-direction character. ``multiline`` (the commit message) allows line breaks and tabs.
    """
    for c in value:
        if multiline and c in "\n\t":
            continue
        if c in _LINE_BREAKS:
            return "has a line break in it, and would add lines to the file it is written into"
        if c in _BIDI_CONTROLS:
            return f"has the invisible text-direction character U+{ord(c):04X} in it"
        if unicodedata.category(c) == "Cc":
            return f"has the control character U+{ord(c):04X} in it"
    return None


def _texts(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every text of a Plan (or a section of one) with its answers-file key, e.g. ``runner.tags[0]``."""
    for f in dataclasses.fields(value):
        item, key = getattr(value, f.name), f"{prefix}{f.name}"
        if isinstance(item, str):
            yield key, item
        elif dataclasses.is_dataclass(item):
            yield from _texts(item, key + ".")
        elif isinstance(item, tuple):
            for i, element in enumerate(item):
                if f.metadata.get("mapping"):
                    yield f"{key}.{element[0]}", element[1]
                elif isinstance(element, str):
                    yield f"{key}[{i}]", element
                elif dataclasses.is_dataclass(element):
                    yield from _texts(element, f"{key}[{i}].")


def text_problems(plan: Plan) -> list[tuple[str, str, str]]:
    """:func:`text_problem` for every text of the plan, as check_plan's (key, problem, allowed)."""
    problems = []
    for key, text in _texts(plan):
        multiline = key in MULTILINE_FIELDS
        problem = text_problem(text, multiline)
        if problem:
            problems.append((key, problem, "text without control characters" if multiline
                             else "one line of text without control characters"))
    return problems


_SAFE_PATH = re.compile(r"[A-Za-z0-9._/-]+")


def build_path_problems(path: str, context: str) -> list[tuple[str, str, str]]:
    """dockerfile.path and dockerfile.context: inside the repository, and written into the pipeline's shell
    line and ``rules: exists`` as they are, so only characters that need no quoting."""
    problems = []
    for key, value, what in (("dockerfile.path", path, "a file such as Dockerfile or docker/Dockerfile"),
                             ("dockerfile.context", context, "a folder such as . (the repository) or services/api")):
        parts = value.split("/")
        if not value.strip():
            problem = "is empty"
        elif value.startswith("/"):
            problem = f"is {shown(value)}, an absolute path; it must be relative to the repository"
        elif ".." in parts:
            problem = f"is {shown(value)}, which leaves the repository with .."
        elif not _SAFE_PATH.fullmatch(value):
            problem = (f"is {shown(value)}; use letters, digits and . _ - / only (it is written into the pipeline's "
                       "docker build line as it is)")
        elif key == "dockerfile.path" and (value.endswith("/") or parts[-1] in (".", "")):
            problem = f"is {shown(value)}, a folder; name the file"
        else:
            continue
        problems.append((key, problem, what + ", relative to the repository"))
    return problems


def _stack_problems(spec: DockerfileSpec) -> list[tuple[str, str, str]]:
    """dockerfile.tool belongs to dockerfile.language; runtime_image and target are not blank."""
    problems = []
    tools = STACK_TOOLS.get(spec.language, ())
    if spec.tool is not None and spec.tool not in tools:
        allowed = " | ".join(tools) + " (or null)" if tools else "null (a " + spec.language + " Dockerfile uses no build tool)"
        problems.append(("dockerfile.tool", f"is {shown(spec.tool)}, which does not build {spec.language}", allowed))
    for key, value, allowed in (("runtime_image", spec.runtime_image, "a pinned image such as "
                                 "gcr.io/distroless/static-debian12:nonroot, or null"),
                                ("target", spec.target, "what is built, such as ./cmd/server, or null")):
        if value is not None and not value.strip():
            problems.append((f"dockerfile.{key}", "is empty", allowed))
    return problems


def check_plan(plan: Plan) -> list[tuple[str, str, str]]:
    """Rules beyond types: a list of (key, problem, allowed); empty when the plan is sound."""
    from dockwright.wizard.credentials import url_problem  # credentials reads plans' URLs, not the other way

    problems: list[tuple[str, str, str]] = text_problems(plan)
    url = url_problem(plan.gitlab.url) if plan.gitlab.url.strip() else None  # empty: GITLAB_HOST or the remote
    if url:
        problems.append(("gitlab.url", url, "the address you open GitLab at, e.g. https://gitlab.example.com"))
    for key, value, needed, allowed in (
            ("runner.description", plan.runner.description, plan.uses_own_runner, "a description such as My Docker Runner"),
            ("runner.docker_image", plan.runner.docker_image, plan.uses_own_runner and plan.executor != "shell",
             f"an image such as {DEFAULT_CLI_IMAGE}"),
            ("dockerfile.base_image", plan.dockerfile.base_image, True, "a pinned image such as python:3.13-slim")):
        if needed and not value.strip():
            problems.append((key, "is empty", allowed))
    if plan.version != ANSWERS_VERSION:
        problems.append(("version", f"is {plan.version}", str(ANSWERS_VERSION)))
    port = plan.dockerfile.port
    if port is not None and not 1 <= port <= 65535:
        problems.append(("dockerfile.port", f"is {port}", "a port from 1 to 65535, or null"))
    problems += _stack_problems(plan.dockerfile)
    if not plan.dockerfile.command:
        problems.append(("dockerfile.command", "is empty", "a list such as [python, app.py]"))
    problems += build_path_problems(plan.dockerfile.path, plan.dockerfile.context)
    if not plan.dockerfile.workdir.startswith("/"):
        problems.append(("dockerfile.workdir", f"is {shown(plan.dockerfile.workdir)}", "an absolute path such as /app"))
    version = docker_version_problem(plan.pipeline.docker_version)  # docker:V-cli and docker:V-dind must exist
    if version:
        problems.append(("pipeline.docker_version", *version))
    if len(plan.pipeline.stages) != 2 or len(set(plan.pipeline.stages)) != 2:
        problems.append(("pipeline.stages", "must name two different stages", "[build, release]"))
    if plan.uses_own_runner and not plan.runner.tags and not plan.runner.run_untagged:
        problems.append(
            ("runner.tags", "is empty while run_untagged is false, so the runner would never pick up a job",
             "at least one tag, or run_untagged: true")
        )
    for tag in plan.runner.tags:
        if not tag.strip() or "," in tag:
            problems.append(("runner.tags", f"has the tag {shown(tag)}", "non-empty tags without commas"))
    seen: set[tuple[str, str]] = set()
    for i, var in enumerate(plan.variables):
        where = f"variables[{i}].key"
        if not KEY_RE.fullmatch(var.key):
            problems.append((where, f"is {shown(var.key)}", "letters, digits and _, at most 255 characters"))
        if (var.key, var.environment_scope) in seen:
            problems.append((where, f"repeats {var.key} in scope {var.environment_scope}", "each key once per scope"))
        seen.add((var.key, var.environment_scope))
        if var.hidden and not var.masked:
            problems.append((f"variables[{i}].hidden", "is true while masked is false", "hidden only with masked: true"))
        if not var.environment_scope.strip():
            problems.append((f"variables[{i}].environment_scope", "is empty",
                             "* for every environment, or an environment name such as production"))
        if var.from_env is not None and looks_like_token(var.from_env):
            problems.append((f"variables[{i}].from_env", f"is {shown(var.from_env)}",
                             "the name of the environment variable that holds the value, not the value: "
                             "export MY_VALUE=... and write from_env: MY_VALUE"))
        elif var.from_env is not None and not KEY_RE.fullmatch(var.from_env):
            problems.append((f"variables[{i}].from_env", f"is {shown(var.from_env)}", "an environment variable name"))
    reg = plan.registry
    if reg.kind == "dockerhub" and not reg.image:
        problems.append(("registry.image", "is empty", "a Docker Hub repository such as user/app"))
    if reg.kind == "ecr":
        if not re.fullmatch(r"\d{12}", reg.account):
            problems.append(("registry.account", f"is {shown(reg.account)}", "a 12-digit AWS account id"))
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", reg.region):
            problems.append(("registry.region", f"is {shown(reg.region)}", "an AWS region such as eu-west-1"))
        if not reg.image:
            problems.append(("registry.image", "is empty", "the ECR repository name"))
        if reg.ecr.auth == "oidc" and not ROLE_ARN_RE.fullmatch(reg.ecr.role_arn):
            problems.append(("registry.ecr.role_arn", f"is {shown(reg.ecr.role_arn)}",
                             "the ARN of the IAM role the jobs assume, such as arn:aws:iam::123456789012:role/gitlab-ecr "
                             "(or registry.ecr.auth: keys)"))
    if reg.kind == "other" and (not reg.host or not reg.image):
        problems.append(("registry.host" if not reg.host else "registry.image", "is empty", "host and image for another registry"))
    if plan.runner_kind == "kubernetes":
        k8s = plan.runner.kubernetes
        if not re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", k8s.namespace):
            problems.append(("runner.kubernetes.namespace", f"is {shown(k8s.namespace)}",
                             "a Kubernetes namespace: lower-case letters, digits and -, at most 63, such as gitlab-runner"))
        if not k8s.helm_values_path.strip() or k8s.helm_values_path.startswith(("/", "~")) or ".." in k8s.helm_values_path.split("/"):
            problems.append(("runner.kubernetes.helm_values_path", f"is {shown(k8s.helm_values_path)}",
                             "a file in the repository such as gitlab-runner-values.yaml"))
    if plan.build_method == "buildkit-rootless" and reg.kind == "ecr":
        problems.append(("executor", f"is {plan.executor} while registry.kind is ecr",
                         "another build method for ECR (docker-buildah, a DinD or socket one): the moby/buildkit "
                         "rootless image has no AWS CLI to get ECR's login password, and no root to install one"))
    problems += plan_name_problems(plan)  # CI_*/GITLAB_* variable names, image names (wizard/names.py)
    from dockwright.wizard.render.pipeline_scan import scan_plan_problems

    problems += scan_plan_problems(plan)
    return problems
