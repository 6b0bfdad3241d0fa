"""Checks of single answers typed at ``dockwright --plain``'s prompts: each returns the problem as a
sentence that says what to type, or ``None`` when the answer is fine."""

from __future__ import annotations

import shlex

from dockwright.wizard.plan import Plan, check_plan


def url_problem(value: str) -> str | None:
    from dockwright.wizard.credentials import url_problem as gitlab_url_problem  # the one URL rule

    problem = gitlab_url_problem(value)
    if problem:
        return f"The GitLab URL {problem}."
    if not value.startswith(("http://", "https://")):
        return "Type the address with http:// or https://, e.g. https://gitlab.com."
    return None


def token_problem(value: str) -> str | None:
    from dockwright.wizard.credentials import token_problem as gitlab_token_problem  # the one token rule

    problem = gitlab_token_problem(value)
    return f"The token {problem}; paste only the token, e.g. glpat-..." if problem else None


def project_problem(value: str) -> str | None:
    if "/" not in value.strip("/"):
        return "A project path has a namespace and a name, e.g. alice/app or group/sub/app."
    return None


def env_name_problem(value: str) -> str | None:
    import re

    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return None
    return "An environment variable name: letters, digits and _, not starting with a digit."


def command_problem(value: str) -> str | None:
    try:
        return None if shlex.split(value) else "Type the command that starts the app, e.g. python app.py."
    except ValueError as exc:
        return f"The command cannot be split into words ({exc}); check the quotes."


def parse_env(value: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for word in shlex.split(value):
        name, _, val = word.partition("=")
        pairs.append((name, val))
    return tuple(pairs)


def env_problem(value: str) -> str | None:
    import re

    try:
        words = shlex.split(value)
    except ValueError as exc:
        return f"The ENV line cannot be split into words ({exc}); check the quotes."
    for word in words:
        name, eq, _ = word.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return f"{word!r} is not NAME=value (letters, digits and _ in the name)."
    return None


def registry_field_problem(plan: Plan, kind: str, name: str, label: str, earlier: dict[str, str]):
    """A check for one registry answer (``name`` is the RegistrySpec field, ``label`` its question), so an
    empty or malformed image, host, region or account is refused at its own prompt, not after the variables."""
    from dockwright.wizard.plan import replace_in

    def check(value: str) -> str | None:
        probe = replace_in(plan, "registry", kind=kind, **earlier, **{name: value})
        for key, what, allowed in check_plan(probe):
            if key == f"registry.{name}":
                return f"{label} {what}: use {allowed}."
        return None

    return check


# check_plan's answers-file keys as the questions call them, for the sentences after a step.
QUESTION_NAMES = {
    "dockerfile.port": "Port", "dockerfile.command": "Command", "dockerfile.workdir": "Working directory",
    "pipeline.docker_version": "Docker version", "pipeline.stages": "The stages", "runner.tags": "Runner tags",
    "registry.image": "Image name", "registry.host": "Registry host", "registry.account": "AWS account id",
    "registry.region": "AWS region", "dockerfile.base_image": "Base image", "runner.docker_image": "Default image for jobs",
    "dockerfile.path": "Dockerfile", "dockerfile.context": "Build context",
}


def image_problem(label: str):
    """A check for an image to run or build from (base image, the runner's default image): Docker's rule,
    the one the answers file uses."""
    from dockwright.wizard.names import image_name_problem

    def check(value: str) -> str | None:
        refused = image_name_problem(value, tag_allowed=True)
        return f"{label} {refused[0]}: use {refused[1]}." if refused else None

    return check


def build_path_problem(name: str, label: str, other: str):
    """A check for dockerfile.path or dockerfile.context (``other`` is the other one's answer): the answers
    file's rule, so a path outside the repository or one the pipeline's shell line cannot hold is refused."""
    from dockwright.wizard.plan import build_path_problems

    def check(value: str) -> str | None:
        values = {"path": other, "context": other, name: value}
        found = [p for p in build_path_problems(values["path"], values["context"]) if p[0] == f"dockerfile.{name}"]
        return f"{label} {found[0][1]}: use {found[0][2]}." if found else None

    return check


def plan_problem_sentence(key: str, problem: str, allowed: str) -> str:
    """One ``check_plan`` problem as a sentence naming the question: "Docker version is '27y': use ..."."""
    name = QUESTION_NAMES.get(key) or (f"The variable {key}" if key.startswith("variables") else key)
    return f"{name} {problem}: use {allowed}."


def docker_version_problem(value: str) -> str | None:
    from dockwright.wizard.docker_versions import docker_version_problem as refused  # the one version rule

    found = refused(value)
    return f"Docker version {found[0]}: use {found[1]}." if found else None
