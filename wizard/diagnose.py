"""Why did this job fail, or why does it not start? In plain words, with what to do.

``diagnose(job, trace, runners)`` reads the job's status, tags and failure reason, the end of its log
and (when known) the project's runners, and returns a :class:`Diagnosis` or ``None`` when it has
nothing better to say than "the script failed". The patterns are the messages GitLab, the runner and
Docker really print, so what a user learns in the sandbox holds on gitlab.com.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# only the end of a log is read: the cause of a failure is near where it stopped
TAIL_CHARS = 200_000
ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


@dataclass(frozen=True)
class Diagnosis:
    code: str  # no_runner, invalid_image_name, dind_not_privileged, docker_host_tls, registry_login,
    #            image_from_other_job, rate_limited, job_timeout, script_failed
    title: str  # one line
    why: str  # what happened, in plain words
    fix: str  # what to do
    evidence: str = ""  # the log line (or fact) it is based on
    command: str = ""  # the script line that failed, as the runner echoed it (without "$ ")
    step: str = ""  # the wizard step whose answer to change (a wizard.steps id), "" when none
    field: str = ""  # the field on that step, e.g. "Image"

    @property
    def go_back(self) -> str:
        """"Go back to the step “Registry and variables” (Image)": where dockwright's answer is changed."""
        if not self.step:
            return ""
        from dockwright.wizard.steps import step

        where = f" ({self.field})" if self.field else ""
        return f"Go back to the step “{step(self.step).title}”{where}, then apply again."

    def as_text(self) -> str:
        lines = [self.title, ""]
        if self.command:
            lines += ["Failed command: $ " + self.command, ""]
        lines += [self.why, "", "What to do: " + self.fix]
        if self.go_back:
            lines += ["", self.go_back]
        if self.evidence:
            lines += ["", "Seen: " + self.evidence]
        return "\n".join(lines)


def _field(job: Any, name: str, default: Any = None) -> Any:
    if isinstance(job, Mapping):
        if name == "tags":
            return tuple(job.get("tag_list") or job.get("tags") or ())
        return job.get(name, default)
    return getattr(job, name, default)


SECTION_MARK = re.compile(r"section_(start|end):\d+:[\w.-]+(\[[^\]]*\])?\r?")


def plain_log(text: str) -> str:
    """A job log as plain text: section markers removed first, while the \r that ends each one is still there
    (after strip_ansi the next line's first word read as the rest of the section's name:
    "...cleanup_file_variablesERROR: Job failed" became ": Job failed"), then colours and the rest."""
    return strip_ansi(SECTION_MARK.sub("", text))


def strip_ansi(text: str) -> str:
    """``text`` without ANSI colours, cursor moves, terminal titles and carriage returns: the one way
    dockwright turns a job log into plain text (the job log widget and the tests use it too)."""
    return ANSI_RE.sub("", text)


def _runner_tags(runner: Mapping[str, Any]) -> set[str]:
    return set(runner.get("tag_list") or runner.get("tags") or ())


def _runner_online(runner: Mapping[str, Any]) -> bool:
    if runner.get("paused") or runner.get("active") is False:
        return False
    if "online" in runner and runner["online"] is not None:
        return bool(runner["online"])
    return runner.get("status") == "online"


def runner_can_take(runner: Mapping[str, Any], tags: Iterable[str]) -> bool:
    """GitLab's rule: a runner takes a job if it has every tag of the job; an untagged job needs run_untagged."""
    tags = set(tags)
    if not tags:
        return bool(runner.get("run_untagged", True))
    return tags <= _runner_tags(runner)


def _runner_text(runner: Mapping[str, Any]) -> str:
    """``laptop [docker, linux] online``: a runner as the stuck-job explanation names it."""
    tags = ", ".join(sorted(_runner_tags(runner))) or "no tags"
    status = "paused" if runner.get("paused") else runner.get("status")
    return f"{runner.get('description') or runner.get('id')} [{tags}]" + (f" {status}" if status else "")


def diagnose_stuck(job: Any, runners: Sequence[Mapping[str, Any]] | None = None) -> Diagnosis:
    """A pending job that no runner picks up."""
    tags = tuple(_field(job, "tags", ()) or ())
    tag_text = ", ".join(tags) if tags else "no tags"
    name = _field(job, "name", "the job")
    if runners is not None:
        matching = [r for r in runners if runner_can_take(r, tags)]
        online = [r for r in matching if _runner_online(r)]
        if matching and not online:
            names = ", ".join(str(r.get("description") or r.get("id")) for r in matching)
            return Diagnosis(
                "no_runner", f"Job {name} is stuck: its runner is offline",
                f"The job needs a runner with tags [{tag_text}]. {names} has them but is not online (or is "
                "paused), so nothing picks the job up.",
                "Start the runner (`gitlab-runner run`, or `sudo gitlab-runner start` for the service) and check "
                "`gitlab-runner verify`; unpause it in Settings > CI/CD > Runners.",
                f"runner status: {', '.join(str(r.get('status', 'offline')) for r in matching)}")
        if not matching:
            have = "; ".join(_runner_text(r) for r in runners) or "none"
            why = (f"The job asks for a runner with tags [{tag_text}], and no runner of this project has all of "
                   f"them (runners: {have}).")
            if not tags:
                why = ("The job has no tags, and no runner of this project takes untagged jobs "
                       f"(runners: {have}).")
            return Diagnosis(
                "no_runner", f"Job {name} is stuck: no runner with its tags",
                why,
                "Either give the job the runner's tags (`tags:` in .gitlab-ci.yml), or add the tags to the runner "
                "(Settings > CI/CD > Runners > edit; tags are set when the runner is created, not at `register`), "
                "or tick \"Run untagged jobs\" for jobs without tags.",
                f"job tags: [{tag_text}]")
    return Diagnosis(
        "no_runner", f"Job {name} is stuck: no runner picks it up",
        f"GitLab keeps a job pending until an online runner with all of its tags [{tag_text}] asks for work. "
        "None did.",
        "Open Settings > CI/CD > Runners: check a runner is online (green) and has these tags, or that \"Run "
        "untagged jobs\" is on for jobs without tags. On the runner's machine, `gitlab-runner verify` and "
        "`gitlab-runner run` show whether it can reach GitLab.",
        f"job tags: [{tag_text}]")


# (code, pattern, title, why, fix); the first that matches wins, so the root cause comes before its echo
_RULES: tuple[tuple[str, re.Pattern[str], str, str, str], ...] = (
    ("invalid_image_name",
     re.compile(r"invalid tag \"[^\"\n]*\"|invalid argument \"[^\"\n]*\" for \"-t, --tag\" flag|"
                r"failed to parse stage name \"[^\"\n]*\"|invalid reference format", re.I),
     "Docker refused an image name",
     "Docker reads image names by a strict rule: lowercase letters, digits and . _ - in the name, parts "
     "separated by /, then an optional :tag of letters, digits, _ . - (no spaces). The name in the failed "
     "command breaks that rule, so nothing was built or pushed.",
     "Correct the image name (dockwright's fields check it as you type), commit and push again."),
    ("dind_not_privileged",
     re.compile(r"mount: permission denied \(are you root\?\)|Could not mount /sys/kernel/security|"
                r"failed to start daemon.*(operation not permitted|are you root)|"
                r"dind.*requires.*privileged", re.I),
     "Docker-in-Docker could not start: the runner is not privileged",
     "The docker:dind service runs its own Docker daemon, which needs a privileged container. The runner "
     "started it unprivileged, the daemon died, and every docker command after it had nothing to talk to.",
     "Set `privileged = true` under [runners.docker] in the runner's config.toml (dockwright writes it for the "
     "docker-dind executors), or `services_privileged = true` with the dind image matched by "
     "`allowed_privileged_services`, and restart the runner; or build without a daemon (Buildah, BuildKit "
     "rootless)."),
    ("image_from_other_job",
     re.compile(r"An image does not exist locally with the tag|No such image:|"
                r"tag does not exist:|reference does not exist", re.I),
     "The image is not there: it was built in another job",
     "Every job gets a fresh Docker daemon (its own docker:dind service), so an image built in one job is gone "
     "when the next job starts. This job tried to tag or push an image it never built.",
     "Build and push in the same job (`docker build -t $IMAGE . && docker push $IMAGE`); later jobs `docker pull` "
     "it from the registry."),
    ("docker_host_tls",
     re.compile(r"server gave HTTP response to HTTPS client|first record does not look like a TLS handshake|"
                r"Client sent an HTTP request to an HTTPS server|"
                r"Cannot connect to the Docker daemon at tcp://docker:237[56]|"
                r"Cannot connect to the Docker daemon at unix:///var/run/docker.sock|"
                r"error during connect:.*docker:237[56]|x509: certificate|"
                r"unable to resolve docker endpoint.*(ca\.pem|cert)", re.I),
     "The job cannot reach the Docker daemon: DOCKER_HOST and TLS do not match",
     "The docker client talks to the docker:dind service at DOCKER_HOST. With TLS (DOCKER_TLS_CERTDIR: "
     "\"/certs\") the daemon listens on tcp://docker:2376 and the client needs the certificates from the "
     "runner volume /certs/client; without TLS it is tcp://docker:2375. Here the two sides disagree, or the "
     "job has no docker:dind service at all.",
     "Use the matching pair in .gitlab-ci.yml: `DOCKER_HOST: tcp://docker:2376`, `DOCKER_TLS_CERTDIR: \"/certs\"` "
     "with `services: [docker:<version>-dind]`, and add \"/certs/client\" to the runner's volumes (dockwright's "
     "docker-dind-tls executor does all three)."),
    ("rate_limited",
     re.compile(r"toomanyrequests|You have reached your (unauthenticated )?pull rate limit|"
                r"429 Too Many Requests", re.I),
     "A registry refused: too many requests (rate limit)",
     "Docker Hub limits anonymous pulls per IP address (and GitLab limits API and registry requests). A shared "
     "runner's address often uses the allowance up.",
     "Retry later; log in to Docker Hub before pulling (a CI/CD variable with a Docker Hub token), or pull base "
     "images through GitLab's Dependency Proxy (`${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/python:3.12-slim`)."),
    ("registry_login",
     re.compile(r"unauthorized: (HTTP Basic: Access denied|authentication required|incorrect username or password)|"
                r"denied: requested access to the resource is denied|"
                r"Cannot perform an interactive login from a non TTY device|"
                r"Error response from daemon: Get .*: unauthorized|"
                r"Error: Cannot perform an interactive login|"
                r"no basic auth credentials|HTTP Basic: Access denied", re.I),
     "Logging in to the registry failed, or the push was refused",
     "`docker login` needs a user and password the registry accepts, and the image name must be one this user "
     "may push to. For GitLab's own registry the job already has CI_REGISTRY, CI_REGISTRY_USER and "
     "CI_REGISTRY_PASSWORD; project variables with those names shadow them and break the login.",
     "Use `echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"` "
     "and push to $CI_REGISTRY_IMAGE; delete any project variable named CI_REGISTRY* (Settings > CI/CD > "
     "Variables). For another registry, check the token's scope (write/push) and that it is not expired."),
)


# where dockwright's answer behind each cause is changed: (step id, field)
_STEPS = {
    "dind_not_privileged": ("executor", ""), "docker_host_tls": ("executor", ""),
    "registry_login": ("registry", "CI/CD variables"),
}
# the command a runner echoes before running it: "$ docker build ..." (after any section marker)
_COMMAND_RE = re.compile(r"^(?:section_(?:start|end):\d+:[\w.-]+(?:\[[^\]]*\])?)*\$ (.+?)\s*$", re.M)


def failing_command(text: str, before: int | None = None) -> str:
    """The last script line the runner echoed before ``before`` (default: before after_script ran), or ""."""
    end = len(text) if before is None else before
    after_script = text.rfind("Running after_script", 0, end)
    end = after_script if after_script != -1 and before is None else end
    found = [m.group(1) for m in _COMMAND_RE.finditer(text, 0, end)]
    return found[-1][:300] if found else ""


def _invalid_image_step(evidence: str) -> tuple[str, str]:
    """A refused FROM is the Dockerfile step's base image; a refused -t/push name is the registry's image."""
    if "stage name" in evidence:
        return "dockerfile", "Base image"
    return "registry", "Image"


def _evidence_line(text: str, match: re.Match[str]) -> str:
    start = text.rfind("\n", 0, match.start()) + 1
    end = text.find("\n", match.end())
    return text[start:end if end != -1 else len(text)].strip()[:300]


def diagnose(job: Any, trace: str = "", runners: Sequence[Mapping[str, Any]] | None = None) -> Diagnosis | None:
    """Explain a failed or stuck job; ``None`` when there is nothing more specific than its own log.

    ``job`` is a :class:`dockwright.wizard.watch.Job` or a job dict from the API; ``trace`` its log (or the end of
    it); ``runners`` the project's runners (dicts with tag_list, run_untagged, online/status), if known.
    """
    status = _field(job, "status", "")
    reason = _field(job, "failure_reason") or ""
    if status == "pending":
        return diagnose_stuck(job, runners)
    tail = plain_log(trace[-TAIL_CHARS:]) if trace else ""
    for code, pattern, title, why, fix in _RULES:
        match = pattern.search(tail)
        if match:
            evidence = _evidence_line(tail, match)
            where = _invalid_image_step(evidence) if code == "invalid_image_name" else _STEPS.get(code, ("", ""))
            return Diagnosis(code, title, why, fix, evidence, failing_command(tail, match.start()), *where)
    if reason == "stuck_or_timeout_failure" or "This job is stuck because" in tail:
        return diagnose_stuck(job, runners)
    if reason == "job_execution_timeout" or "execution took longer than" in tail.lower():
        return Diagnosis(
            "job_timeout", "The job ran out of time",
            "GitLab stops a job that runs longer than the project's (or the runner's) timeout.",
            "Make the job faster (cache dependencies, smaller build context) or raise the timeout in Settings > "
            "CI/CD > General pipelines, or `timeout:` on the job.", reason or "execution took longer")
    if status == "failed":
        last = last_lines(tail, 1)
        command = failing_command(tail)
        return Diagnosis(
            "script_failed", f"The command `{_short(command)}` failed" if command else "A command in the job's script failed",
            "The job stops at the first command that exits with a non-zero code; the lines just above the "
            "failure say why.",
            "Read the last lines of the log, run the same command locally, fix and push again.",
            last[0] if last else reason, command)
    return None


def _short(command: str, width: int = 60) -> str:
    return command if len(command) <= width else command[:width - 1] + "…"


def last_lines(text: str, count: int = 15) -> list[str]:
    """The last ``count`` non-empty lines of a log, ANSI colours and section markers removed."""
    lines = []
    for line in reversed(plain_log(text[-TAIL_CHARS:]).splitlines()):
        clean = line.strip()
        if clean:
            lines.append(clean)
            if len(lines) >= count:
                break
    return list(reversed(lines))
