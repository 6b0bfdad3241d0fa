"""The sandbox's simulated runner: which runner takes a job, and how the job plays, with real messages.

``play_job`` yields a log like a real gitlab-runner's (section markers, ``$ command`` lines in green,
ANSI colours) and returns a :class:`JobResult`. It never sleeps: the server paces the output.

What decides the outcome, as on GitLab:

- shell executor: ``image:``/``services:`` are ignored; ``docker`` exists only on a host set up with it
  (else ``docker: command not found``), and the runner's user must be in the docker group;
- docker executor: the job's image must carry the docker CLI; a ``docker:*-dind`` service starts only
  on a privileged runner (else ``mount: permission denied (are you root?)``); it listens on 2376 with
  TLS when ``DOCKER_TLS_CERTDIR`` is set (the image's default ``/certs``), on 2375 without; the client
  finds the certificates only through the runner volume ``/certs/client``; socket binding needs the
  volume ``/var/run/docker.sock``. ``DOCKER_HOST`` must agree with all that (see docker_sim);
- every job gets its own daemon: an image built in one job is not in the next.
"""

from __future__ import annotations

import enum
import hashlib
import re
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from dockwright.sandbox.ci_artifacts import CiArtifacts, collect, workspace_files
from dockwright.sandbox.ci_config import CiJob
from dockwright.sandbox.docker_sim import (
    DEFAULT_CLIENT_VERSION,
    DockerCli,
    DockerDaemon,
    DockerReach,
    RegistryPort,
    parse_reference,
)
from dockwright.sandbox.rootless_sim import rootless_tools
from dockwright.sandbox.shell_sim import CommandResult, Invocation, Shell
from dockwright.sandbox.tools_sim import tool_commands

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox.real_engine import RealJob

__all__ = [
    "JobResult",
    "RegistryPort",
    "RunnerProfile",
    "hosted_runner",
    "play_job",
    "runner_matches",
    "service_hostnames",
    "stuck_message",
]

RUNNER_VERSION = "17.11.0"
_Flush = enum.Enum("_Flush", "FLUSH")
_FLUSH: Final = _Flush.FLUSH  # a step of the log ends here: play_job yields what came before as one chunk
_SOCKET = "/var/run/docker.sock"

# ANSI, as gitlab-runner writes them
_RESET = "\x1b[0;m"
_BOLD_GREEN = "\x1b[32;1m"
_BOLD_RED = "\x1b[31;1m"
_BOLD_CYAN = "\x1b[36;1m"
_YELLOW = "\x1b[0;33m"
_CLEAR = "\x1b[0K"


@dataclass(frozen=True)
class RunnerProfile:
    """A registered runner as the sandbox plays it (from config.toml and the runner's settings in GitLab)."""

    id: int
    description: str = ""
    tags: tuple[str, ...] = ()
    run_untagged: bool = True
    executor: str = "docker"  # "shell" | "docker"
    privileged: bool = False
    volumes: tuple[str, ...] = ("/cache",)
    host_has_docker: bool = False  # shell executor: Docker Engine installed on the runner's host
    protected_only: bool = False  # access_level ref_protected
    default_image: str = "ruby:3.3"  # [runners.docker] image: used when a job names none
    in_docker_group: bool = True  # shell executor: gitlab-runner may use /var/run/docker.sock
    services_privileged: bool | None = None  # [runners.docker] services_privileged; None: privileged applies
    allowed_privileged_services: tuple[str, ...] = ()  # empty: every service may be privileged
    security_opt: tuple[str, ...] = ()  # [runners.docker] security_opt; Kubernetes: the pod's AppArmor annotation

    def service_privileged(self, image: str) -> bool:
        """As gitlab-runner's executors/docker: services_privileged (else privileged), limited to the images
        allowed_privileged_services matches (doublestar patterns: ``*`` does not cross ``/``)."""
        on = self.privileged if self.services_privileged is None else self.services_privileged
        if not on or not self.allowed_privileged_services:
            return on
        return any(_glob(pattern).fullmatch(image) for pattern in self.allowed_privileged_services)


def _glob(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*|\*|\?)", pattern)
    table = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(table.get(part, re.escape(part)) for part in parts))


def hosted_runner(runner_id: int) -> RunnerProfile:
    """The instance runner that plays GitLab.com's hosted Linux runners."""
    return RunnerProfile(
        id=runner_id, description="sandbox hosted runner (plays GitLab.com's saas-linux-small-amd64)",
        tags=("saas-linux-small-amd64",), run_untagged=True, executor="docker", privileged=True,
        volumes=("/certs/client", "/cache"), default_image="ruby:3.1",
    )


@dataclass(frozen=True)
class JobResult:
    status: str  # "success" | "failed"
    failure_reason: str | None = None  # "script_failure" | "runner_system_failure" | None
    exit_code: int | None = None
    artifacts: tuple[tuple[str, bytes], ...] = ()  # artifacts:paths uploaded: (path in the project, content)
    junit: tuple[tuple[str, bytes], ...] = ()  # artifacts:reports:junit uploaded


def runner_matches(job: CiJob, runner: RunnerProfile, *, ref_protected: bool) -> bool:
    """Whether ``runner`` may pick ``job`` up: its tags cover the job's, or it runs untagged jobs."""
    if runner.protected_only and not ref_protected:
        return False
    if job.tags:
        return set(job.tags) <= set(runner.tags)
    return runner.run_untagged


def stuck_message(job: CiJob, runners: Iterable[RunnerProfile], *, ref_protected: bool) -> str | None:
    """GitLab's "stuck" banner for a pending job no online runner can take, or None if one can."""
    runners = list(runners)
    if any(runner_matches(job, r, ref_protected=ref_protected) for r in runners):
        return None
    if not runners:
        return "This job is stuck because the project doesn't have any runners online assigned to it."
    if job.tags:
        return ("This job is stuck because of one of the following problems. There are no active runners online, "
                "no runners for the protected branch, or no runners that match all of the job's tags: "
                + " ".join(job.tags))
    return "This job is stuck because you don't have any active runners that can run this job."


def service_hostnames(name: str, alias: str = "") -> tuple[str, ...]:
    """The host names a service is reachable as: its aliases, else names derived from the image.

    ``docker:27-dind`` -> ``docker``; ``registry.example.com/group/dind:1`` ->
    ``registry.example.com__group__dind`` and ``registry.example.com-group-dind`` (GitLab's rule).
    """
    if alias:
        return tuple(a for a in re.split(r"[\s,]+", alias) if a)
    bare = name.split("@", 1)[0]
    if bare.rfind(":") > bare.rfind("/"):
        bare = bare[:bare.rfind(":")]
    if "/" not in bare:
        return (bare,)
    return (bare.replace("/", "__"), bare.replace("/", "-"))


def _is_dind(image: str) -> bool:
    bare = image.split("@", 1)[0]
    repo, tag = (bare.rsplit(":", 1) + [""])[:2] if bare.rfind(":") > bare.rfind("/") else (bare, "")
    return "dind" in tag or repo.rsplit("/", 1)[-1].endswith("dind")


def _has_docker_cli(image: str) -> bool:
    bare = image.split("@", 1)[0]
    repo = bare[:bare.rfind(":")] if bare.rfind(":") > bare.rfind("/") else bare
    return repo.rsplit("/", 1)[-1] == "docker"


def _container_path(volume: str) -> str:
    parts = volume.split(":")
    return (parts[1] if len(parts) > 1 else parts[0]).rstrip("/") or "/"


def expand_value(text: str, env: Mapping[str, str]) -> str:
    """The runner's expansion of a variable's value (see :func:`_expand`); raw variables skip it."""
    return _expand(text, env)


def _expand(text: str, env: Mapping[str, str]) -> str:
    """The runner's expansion of a variable's value: ``$X``/``${X}`` (undefined: empty), ``$$`` is a ``$``."""
    def value(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1) or m.group(2), "")
    return re.sub(r"\$\$|\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))", value, text)


def _fake_sha(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()


class _Log:
    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock

    def section_start(self, name: str, title: str) -> str:
        return f"{_CLEAR}section_start:{int(self.clock())}:{name}\r{_CLEAR}{_CLEAR}{_BOLD_CYAN}{title}{_RESET}\n"

    def section_end(self, name: str) -> str:
        return f"{_CLEAR}section_end:{int(self.clock())}:{name}\r{_CLEAR}"


def _job_env(job: CiJob, variables: Mapping[str, str], predefined: Mapping[str, str] | None,
             runner: RunnerProfile, project_dir: str) -> dict[str, str]:
    """Predefined < .gitlab-ci.yml < project variables (GitLab's precedence), YAML values expanded."""
    env: dict[str, str] = {"HOME": "/root", "CI_BUILDS_DIR": project_dir.rsplit("/", 2)[0]}
    env.update(predefined or {})
    env.update({
        "CI_JOB_NAME": job.name, "CI_JOB_STAGE": job.stage, "CI_RUNNER_ID": str(runner.id),
        "CI_RUNNER_DESCRIPTION": runner.description, "CI_RUNNER_TAGS": ", ".join(runner.tags),
        "CI_PROJECT_DIR": project_dir,
    })
    context = {**env, **variables}
    for key, value in job.variables.items():
        env[key] = _expand(value, {**context, **env})
    env.update(variables)
    return env


def play_job(
    job: CiJob,
    *,
    runner: RunnerProfile,
    variables: Mapping[str, str],
    masked_values: Iterable[str],
    read_file: Callable[[str], bytes | None],
    registry: RegistryPort,
    path_exists: Callable[[str], bool] | None = None,
    predefined: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    list_files: Callable[[], Iterable[str]] | None = None,
    real: RealJob | None = None,
) -> Generator[str, None, JobResult]:
    """Play ``job`` on ``runner``: yields raw log chunks, returns the result.

    ``variables`` are the job's predefined and project variables (they win over the YAML's
    ``variables:``, as project variables do on GitLab); pass predefined ones in ``predefined`` instead
    if the YAML may override them. ``masked_values`` are replaced by ``[MASKED]`` in every chunk.
    ``read_file(path)`` gives a repository file at the job's commit (None if absent); ``path_exists``
    answers for files and directories (defaults to ``read_file(path) is not None``); ``list_files()`` lists the
    commit's files (for ``artifacts:paths``, beside the files the scripts wrote). ``real``: docker
    build/push/retag really run with the machine's engine (sandbox/real_engine.py) once the runner semantics
    let them; None: they are simulated.
    """
    secrets = sorted({v for v in masked_values if v}, key=len, reverse=True)

    def mask(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, "[MASKED]")
        return text

    buffer: list[str] = []
    inner = _play(job, runner=runner, variables=variables, read_file=read_file, registry=registry,
                  path_exists=path_exists, predefined=predefined, clock=clock, list_files=list_files, real=real)
    while True:  # one chunk per step (a section, a command and its output): the server paces per chunk
        try:
            chunk = next(inner)
        except StopIteration as stop:
            if buffer:
                yield mask("".join(buffer))
            return stop.value
        if chunk is _FLUSH:
            if buffer:
                yield mask("".join(buffer))
                buffer.clear()
        else:
            buffer.append(chunk)


def _play(job: CiJob, *, runner: RunnerProfile, variables: Mapping[str, str], read_file, registry: RegistryPort,
          path_exists, predefined, clock, list_files=None,
          real: RealJob | None = None) -> Generator[str | _Flush, None, JobResult]:
    log = _Log(clock)
    all_vars = {**(predefined or {}), **variables}
    project_path = all_vars.get("CI_PROJECT_PATH", "project")
    docker_executor = runner.executor in ("docker", "kubernetes")  # both run the job in the image: given
    if docker_executor:
        project_dir = f"/builds/{project_path}"
    else:
        project_dir = f"/home/gitlab-runner/builds/t{runner.id}/0/{project_path}"
    env = _job_env(job, variables, predefined, runner, project_dir)
    short_token = hashlib.sha256(f"runner{runner.id}".encode()).hexdigest()[:8]

    yield f"{_CLEAR}Running with gitlab-runner {RUNNER_VERSION} (sandbox){_RESET}\n"
    yield f"{_CLEAR}  on {runner.description or 'runner'} t1_{short_token}, system ID: s_sandbox{runner.id}{_RESET}\n"
    if real is None:
        yield (f"{_YELLOW}[sandbox] dockwright's simulated runner plays this job: docker commands are simulated, "
               f"other programs are printed as not executed{_RESET}\n")
    else:
        yield (f"{_YELLOW}[sandbox] dockwright's simulated runner plays this job: docker build, push and retag "
               f"run for real with {real.engine.name} and the registry {registry.host}; other programs are "
               f"printed as not executed{_RESET}\n")
    for key, why in job.ignored:  # GitLab keywords the sandbox accepts and does not play
        yield f"{_YELLOW}[sandbox] {key}: not played - {why}{_RESET}\n"

    yield _FLUSH

    # -- prepare the executor ---------------------------------------------------------------------
    daemon = DockerDaemon()
    reach = DockerReach()
    cli_present = False
    shell_name = "bash"
    yield log.section_start("prepare_executor", f'Preparing the "{runner.executor}" executor')
    if not docker_executor:
        yield "Using Shell (bash) executor...\n"
        if job.image or job.services:
            yield (f"{_YELLOW}[sandbox] the shell executor ignores image: and services: - the job runs "
                   f"directly on the runner's host{_RESET}\n")
        cli_present = runner.host_has_docker
        if runner.host_has_docker:
            reach = DockerReach(daemon=daemon, unix_socket=True, socket_permission=runner.in_docker_group)
    else:
        image = _expand(job.image, env) if job.image else runner.default_image
        try:
            parse_reference(image)
        except ValueError as exc:
            yield log.section_end("prepare_executor")
            yield f"{_BOLD_RED}ERROR: Job failed (system failure): Error response from daemon: {exc}{_RESET}\n"
            return JobResult("failed", "runner_system_failure", None)
        kind = "Kubernetes" if runner.executor == "kubernetes" else "Docker"
        yield f"Using {kind} executor with image {image} ...\n"
        volumes = {_container_path(v) for v in runner.volumes}
        socket_bound = _SOCKET in volumes
        if socket_bound:
            reach.unix_socket = True
            reach.daemon = daemon
        for name, alias in job.services:
            service = _expand(name, env)
            yield f"Starting service {service} ...\n"
            yield f"Pulling docker image {service} ...\n"
            yield f"Using docker image {_fake_sha(service)} for {service} with digest {service}@{_fake_sha(service, 'd')} ...\n"
            if not _is_dind(service):
                continue
            if socket_bound:
                yield (f"{_YELLOW}[sandbox] this runner binds the host's Docker socket ({_SOCKET}) and the job also "
                       f"starts {service}: the two do not go together. Use socket binding without a dind service, "
                       f"or a dind service on a privileged runner without the socket volume.{_RESET}\n")
            certdir = env.get("DOCKER_TLS_CERTDIR", "/certs")
            hostnames = service_hostnames(service, alias)
            if not runner.service_privileged(service):
                yield "Waiting for services to be up and running (timeout 30 seconds)...\n"
                yield (f"{_YELLOW}*** WARNING:{_RESET} Service runner-{short_token}-project-0-concurrent-0-"
                       f"{hostnames[0]}-0 probably didn't start properly.\n\nHealth check error:\n"
                       f"service \"runner-{short_token}-project-0-concurrent-0-{hostnames[0]}-0-wait-for-service\" "
                       "timeout\n\nHealth check container logs:\n\nService container logs:\n"
                       "mount: permission denied (are you root?)\n"
                       "Could not mount /sys/kernel/security.\n"
                       "AppArmor detection and --privileged mode might break.\n"
                       "mount: permission denied (are you root?)\n\n"
                       f"{_YELLOW}*********{_RESET}\n\n")
                yield (f"{_YELLOW}[sandbox] Docker-in-Docker needs a privileged service (privileged = true, or "
                       f"services_privileged = true with {service} in allowed_privileged_services, in "
                       f"[runners.docker]); this one is not, so the service died.{_RESET}\n")
                continue
            tls = bool(certdir)
            port = 2376 if tls else 2375
            for host in hostnames:
                reach.tcp[host] = (port, tls)
            reach.daemon = daemon
            if tls and f"{certdir.rstrip('/')}/client" in volumes:
                reach.client_cert_dirs = reach.client_cert_dirs | {f"{certdir.rstrip('/')}/client"}
            yield "Waiting for services to be up and running (timeout 30 seconds)...\n"
        yield f"Pulling docker image {image} ...\n"
        image_ref = parse_reference(image)
        proxied = "/dependency_proxy/containers/" in f"/{image_ref.path}"  # GitLab's pull-through cache of Docker Hub
        if image_ref.domain == registry.host and not proxied and not registry.has(image_ref.path, image_ref.tag or "latest"):
            yield log.section_end("prepare_executor")
            yield (f"{_BOLD_RED}ERROR: Job failed (system failure): failed to pull image \"{image}\" with specified "
                   f"policies [always]: Error response from daemon: manifest for {image_ref.with_tag()} not found: "
                   f"manifest unknown: manifest unknown (manager.go:250:0s){_RESET}\n")
            return JobResult("failed", "runner_system_failure", None)
        yield f"Using docker image {_fake_sha(image)} for {image} with digest {image}@{_fake_sha(image, 'd')} ...\n"
        cli_present = _has_docker_cli(image)
        shell_name = "sh" if cli_present or "alpine" in image else "bash"
        if cli_present and job.image_entrypoint is None:  # any `entrypoint:` (even [""]) replaces the image's
            _docker_entrypoint(env, reach)
    yield log.section_end("prepare_executor")
    yield _FLUSH

    yield log.section_start("prepare_script", "Preparing environment")
    yield f"Running on runner-{short_token}-project-0-concurrent-0 via sandbox...\n"
    yield log.section_end("prepare_script")
    yield _FLUSH

    yield log.section_start("get_sources", "Getting source from Git repository")
    sha = env.get("CI_COMMIT_SHA", "0" * 40)
    ref = env.get("CI_COMMIT_REF_NAME", "main")
    yield f"{_BOLD_GREEN}Fetching changes with git depth set to 20...{_RESET}\n"
    yield f"Initialized empty Git repository in {project_dir}/.git/\n"
    yield f"{_BOLD_GREEN}Created fresh repository.{_RESET}\n"
    yield f"{_BOLD_GREEN}Checking out {sha[:8]} as detached HEAD (ref is {ref})...{_RESET}\n\n"
    yield f"{_BOLD_GREEN}Skipping Git submodules setup{_RESET}\n"
    yield log.section_end("get_sources")
    yield _FLUSH

    line_counter = [150]

    def docker_handler(inv: Invocation) -> CommandResult:
        return cli(inv)

    def missing_docker(inv: Invocation) -> CommandResult:
        line_counter[0] += 1
        if shell_name == "sh":
            return CommandResult(127).err(f"/bin/sh: eval: line {line_counter[0]}: docker: not found\n")
        return CommandResult(127).err(f"bash: line {line_counter[0]}: docker: command not found\n")

    version = DEFAULT_CLIENT_VERSION
    if docker_executor and job.image:
        m = re.search(r":(\d+(?:\.\d+){0,2})", _expand(job.image, env))
        if m:
            version = m.group(1) + ".0" * (2 - m.group(1).count("."))
    if real is None:
        cli = DockerCli(reach, registry=registry, read_file=read_file, exists=path_exists, project_dir=project_dir,
                        client_version=version)
    else:
        from dockwright.sandbox.real_docker import RealDockerCli

        cli = RealDockerCli(reach, registry=registry, read_file=read_file, exists=path_exists,
                            project_dir=project_dir, client_version=version, real=real)
    written: dict[str, str] = {}  # the files the job's scripts write (its workspace)
    commands = {"docker": docker_handler if cli_present else missing_docker,
                **tool_commands(registry, lambda: written)}  # gtcs, aws: sandbox/tools_sim.py
    if docker_executor:
        commands.update(rootless_tools(runner, job_image=_expand(job.image, env) if job.image else runner.default_image,
                                       registry=registry, read_file=read_file, exists=path_exists,
                                       project_dir=project_dir, files=written, real=real))

    yield log.section_start("step_script", 'Executing "step_script" stage of the job script')
    if docker_executor:
        image = _expand(job.image, env) if job.image else runner.default_image
        yield f"Using docker image {_fake_sha(image)} for {image} with digest {image}@{_fake_sha(image, 'd')} ...\n"
    yield _FLUSH
    shell = Shell(env, cwd=project_dir, commands=commands, name=shell_name, files=written)
    exit_code = 0
    for entry in (*job.before_script, *job.script):
        yield _command_line(entry)
        exit_code = yield from shell.run(entry)
        yield _FLUSH
        if exit_code != 0 or shell.exited:
            break
    yield log.section_end("step_script")
    yield _FLUSH

    if job.after_script:
        yield log.section_start("after_script", "Running after_script")
        yield f"{_BOLD_GREEN}Running after script...{_RESET}\n"
        after = Shell(env, cwd=project_dir, commands=commands, name=shell_name, files=written)
        for entry in job.after_script:
            yield _command_line(entry)
            code = yield from after.run(entry)
            yield _FLUSH
            if code != 0 or after.exited:
                if code != 0:
                    yield f"{_YELLOW}WARNING: after_script failed, but job will continue unaffected: exit code {code}{_RESET}\n"
                break
        yield log.section_end("after_script")
        yield _FLUSH

    uploaded: dict[str, tuple[tuple[str, bytes], ...]] = {}
    if job.artifacts is not None:
        uploaded = yield from _upload_artifacts(job.artifacts, log, succeeded=exit_code == 0, project_dir=project_dir,
                                                written=written, repository=list(list_files() if list_files else ()),
                                                read_file=read_file)
    yield log.section_start("cleanup_file_variables", "Cleaning up project directory and file based variables")
    yield log.section_end("cleanup_file_variables")
    yield _FLUSH
    kept = {"artifacts": uploaded.get("archive", ()), "junit": uploaded.get("junit", ())}
    if exit_code == 0:
        yield f"{_BOLD_GREEN}Job succeeded{_RESET}\n"
        return JobResult("success", None, 0, **kept)
    yield f"{_BOLD_RED}ERROR: Job failed: exit code {exit_code}\n{_RESET}\n"
    return JobResult("failed", "script_failure", exit_code, **kept)


def _upload_artifacts(artifacts: CiArtifacts, log: _Log, *, succeeded: bool, project_dir: str,
                      written: Mapping[str, str], repository: list[str], read_file,
                      ) -> Generator[str | _Flush, None, dict[str, tuple[tuple[str, bytes], ...]]]:
    """gitlab-runner's upload step: the files ``paths`` (as ``archive``) and ``reports:junit`` (as ``junit``)
    match, with its log lines; returns what was uploaded, by artifact type."""
    wanted = {"on_success": succeeded, "on_failure": not succeeded, "always": True}[artifacts.when]
    if not wanted or not (artifacts.paths or artifacts.junit):
        return {}
    outcome = "successful" if succeeded else "failed"
    yield log.section_start(f"upload_artifacts_on_{'success' if succeeded else 'failure'}",
                            f"Uploading artifacts for {outcome} job")
    for report in artifacts.unplayed_reports:
        yield f"{_YELLOW}[sandbox] artifacts:reports:{report}: not played - only junit reports are kept{_RESET}\n"
    workspace = workspace_files(written, repository, project_dir)
    uploaded: dict[str, tuple[tuple[str, bytes], ...]] = {}
    for kind, patterns, exclude in (("archive", artifacts.paths, artifacts.exclude), ("junit", artifacts.junit, ())):
        if not patterns:
            continue
        yield f"{_BOLD_GREEN}Uploading artifacts...{_RESET}\n"
        found = collect(workspace, patterns, exclude=exclude, project_dir=project_dir)
        names: list[str] = []
        for pattern, matched in found.items():
            if matched:
                yield f"{pattern}: found {len(matched)} matching artifact files and directories{_RESET}\n"
            else:
                yield (f"{_YELLOW}WARNING: {pattern}: no matching files. Ensure that the artifact path is relative "
                       f"to the working directory ({project_dir}){_RESET}\n")
            names.extend(n for n in matched if n not in names)
        if not names:
            yield f"{_BOLD_RED}ERROR: No files to upload{_RESET}\n"
            continue
        contents = []
        for name in names:
            text = workspace[name]
            contents.append((name, text.encode("utf-8") if text is not None else (read_file(name) or b"")))
        uploaded[kind] = tuple(contents)
        yield f'Uploading artifacts as "{kind}" to coordinator... 201 Created{_RESET}  responseStatus=201 Created\n'
    yield log.section_end(f"upload_artifacts_on_{'success' if succeeded else 'failure'}")
    yield _FLUSH
    return uploaded


def _docker_entrypoint(env: dict[str, str], reach: DockerReach) -> None:
    """What the docker:* image's entrypoint (docker-library's docker-entrypoint.sh) exports before the script."""
    certdir = env.setdefault("DOCKER_TLS_CERTDIR", "/certs")  # the image's ENV default
    client_dir = f"{certdir.rstrip('/')}/client"
    should_tls = bool(certdir) and client_dir in reach.client_cert_dirs
    if not env.get("DOCKER_HOST") and reach.unix_socket:
        env["DOCKER_HOST"] = "unix:///var/run/docker.sock"
    if not env.get("DOCKER_HOST"):
        tls = should_tls or bool(env.get("DOCKER_TLS_VERIFY"))
        env["DOCKER_HOST"] = "tcp://docker:2376" if tls else "tcp://docker:2375"
    if (env["DOCKER_HOST"].startswith("tcp:") and not env.get("DOCKER_TLS_VERIFY")
            and not env.get("DOCKER_CERT_PATH") and should_tls):
        env["DOCKER_TLS_VERIFY"] = "1"
        env["DOCKER_CERT_PATH"] = client_dir


def _command_line(entry: str) -> str:
    lines = entry.strip("\n").split("\n")
    text = lines[0] + (" # collapsed multi-line command" if len(lines) > 1 else "")
    return f"{_BOLD_GREEN}$ {text}{_RESET}\n"
