"""CI/CD variable values: where they come from, the rules they must pass, and DOCKER_AUTH_CONFIG.

Values come from the environment variable the plan names (``from_env``) or from a prompt that does
not echo, and are held as :class:`~wizard.credentials.Secret`. They are checked against GitLab's own
rules before anything is sent, so a bad value is a sentence here, not a 400 from GitLab later.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping

from dockwright.wizard.checks import check_masked_value, check_variable_key
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import BadInput
from dockwright.wizard.names import predefined_variable_problem
from dockwright.wizard.plan import Plan, VariableSpec, check_plan
from dockwright.wizard.render.registry import (
    AWS_ROLE_ARN_VAR,
    DOCKERHUB_TOKEN_VAR,
    DOCKERHUB_USER_VAR,
    OTHER_PASSWORD_VAR,
    OTHER_USER_VAR,
    all_variables,
    ecr_host,
    ecr_oidc,
)

DOCKER_AUTH_CONFIG = "DOCKER_AUTH_CONFIG"
MAX_VALUE_CHARS = 10_000


def key_problem(key: str) -> str | None:
    """Why GitLab would refuse ``key``, or None (the rule lives in :mod:`dockwright.wizard.checks`)."""
    return check_variable_key(key)


def new_variable(key: str) -> VariableSpec:
    """A variable the user adds. Such variables are for secrets, so it starts masked (its value must then pass
    GitLab's mask rule); masked can be turned off for a value that is not secret."""
    return VariableSpec(key=key, masked=True)


def new_key_problem(key: str, plan: Plan, listed: Iterable[str]) -> str | None:
    """Why ``key`` cannot be added next to the ``listed`` keys of ``plan`` (GitLab's key rule, a repeat, or a
    name check_plan refuses, such as one GitLab predefines), as a sentence; None if it can be added."""
    problem = key_problem(key)
    if problem:
        return problem[0].upper() + problem[1:].rstrip(".") + "."
    if key in set(listed):
        return f"{key} is already in the list."
    probe = check_plan(dataclasses.replace(plan, variables=(VariableSpec(key=key),)))
    for where, what, allowed in probe:
        if where.startswith("variables"):
            return f"The name {what}. Use {allowed}."
    return None


def mask_problem(spec: VariableSpec, value: str) -> str | None:
    """Why GitLab would refuse to mask ``value`` for ``spec``, or None (also None when not masked)."""
    if not (spec.masked or spec.hidden):
        return None
    problem = check_masked_value(value, raw=spec.raw)
    return f"{spec.key}: {problem}" if problem else None


def check_variable(spec: VariableSpec, value: Secret, plan: Plan) -> None:
    """Raise :class:`BadInput` when GitLab would refuse this variable or dockwright should not create it."""
    problem = key_problem(spec.key)
    if problem:
        raise BadInput(f"CI/CD variable {spec.key!r}: {problem}", "Rename it in the answers file (variables[].key).")
    if predefined_variable_problem(spec.key):
        raise BadInput(
            f"dockwright will not create {spec.key}: GitLab predefines the CI_* and GITLAB_* names in every job "
            "(CI_REGISTRY_USER and CI_REGISTRY_PASSWORD log in to its registry), and a project variable of that "
            "name would shadow the real value.",
            "Rename it in the answers file (variables[].key); the pipeline already has the predefined one.")
    text = value.reveal()
    if len(text) > MAX_VALUE_CHARS:
        raise BadInput(f"The value of {spec.key} is {len(text)} characters long; GitLab accepts at most "
                       f"{MAX_VALUE_CHARS}.", "Use a file-type variable with a shorter content or another store.")
    problem = mask_problem(spec, text)
    if problem:
        raise BadInput(f"CI/CD variable {problem}",
                       "Use another value, or set masked: false for it in the answers file (it would then "
                       "show in job logs).")


def raw_if_dollar(spec: VariableSpec, value: Secret | None) -> VariableSpec:
    """``spec`` made ``raw`` when its value holds a ``$``: the runner expands ``$name`` in a variable that is not
    raw, so Harbor's robot user ``robot$team+ci`` would arrive as ``robot+ci`` (``$team`` is undefined, hence
    empty) and the login fails. A value that is meant to reference another variable has no place in a secret."""
    if spec.raw or value is None or "$" not in value.reveal():
        return spec
    return dataclasses.replace(spec, raw=True)


def resolve_value(spec: VariableSpec, env: Mapping[str, str] = os.environ,
                  prompt: Callable[[str], str] | None = None, typed: Mapping[str, Secret] | None = None) -> Secret:
    """The value for ``spec``: from its ``from_env`` variable, else the value typed in earlier (``typed``, by
    key: the wizard's registry step), else from a prompt that must not echo."""
    if spec.from_env:
        value = env.get(spec.from_env)
        if value:
            return Secret(value)
    if typed and typed.get(spec.key):
        return typed[spec.key]
    if spec.from_env and prompt is None:
        raise BadInput(
            f"The CI/CD variable {spec.key} takes its value from the environment variable {spec.from_env}, "
            "which is not set.",
            f"Export it first (export {spec.from_env}=...) and re-run; the value is never written to disk.")
    if prompt is None:
        raise BadInput(f"The CI/CD variable {spec.key} has no from_env and there is no terminal to ask for it.",
                       f"Add from_env: NAME for {spec.key} in the answers file and export NAME.")
    value = prompt(f"Value for the CI/CD variable {spec.key} (hidden)")
    if not value:
        raise BadInput(f"No value was entered for {spec.key}.", "Re-run and type the value, or set from_env.")
    return Secret(value)


def docker_auth_config(host: str, username: str, password: Secret) -> Secret:
    """DOCKER_AUTH_CONFIG for a registry that takes a user and password: ``auths`` with base64 ``auth``."""
    auth = base64.b64encode(f"{username}:{password.reveal()}".encode()).decode()
    return Secret(json.dumps({"auths": {host: {"auth": auth}}}))


def ecr_docker_auth_config(host: str) -> Secret:
    """DOCKER_AUTH_CONFIG for Amazon ECR: the ``ecr-login`` credential helper fetches short-lived tokens."""
    return Secret(json.dumps({"credHelpers": {host: "ecr-login"}}))


def _auth_config_for(plan: Plan, values: dict[str, Secret]) -> Secret:
    kind = plan.registry.kind
    if kind == "ecr":
        return ecr_docker_auth_config(ecr_host(plan))
    if kind == "dockerhub":
        return docker_auth_config("https://index.docker.io/v1/", values[DOCKERHUB_USER_VAR].reveal(),
                                  values[DOCKERHUB_TOKEN_VAR])
    if kind == "other":
        return docker_auth_config(plan.registry.host, values[OTHER_USER_VAR].reveal(), values[OTHER_PASSWORD_VAR])
    raise BadInput("DOCKER_AUTH_CONFIG is not needed for GitLab's own registry: the runner logs in with the job "
                   "token.", "Remove DOCKER_AUTH_CONFIG from the answers file.")


def variable_values(plan: Plan, env: Mapping[str, str] = os.environ, prompt: Callable[[str], str] | None = None,
                    typed: Mapping[str, Secret] | None = None) -> list[tuple[VariableSpec, Secret]]:
    """Every variable apply creates, with its checked value, in order.

    A DOCKER_AUTH_CONFIG listed without ``from_env`` is built from the registry's other variables
    (``auths`` for Docker Hub and other registries, ``credHelpers`` -> ``ecr-login`` for ECR).
    """
    specs = all_variables(plan)
    out: list[tuple[VariableSpec, Secret]] = []
    values: dict[str, Secret] = {}
    deferred: list[VariableSpec] = []
    for spec in specs:
        if spec.key == DOCKER_AUTH_CONFIG and not spec.from_env:
            deferred.append(spec)
            continue
        if spec.key == AWS_ROLE_ARN_VAR and ecr_oidc(plan) and not spec.from_env:
            value = Secret(plan.registry.ecr.role_arn)  # the answers file's registry.ecr.role_arn: no secret
        else:
            value = resolve_value(spec, env, prompt, typed)
        spec = raw_if_dollar(spec, value)
        check_variable(spec, value, plan)
        values[spec.key] = value
        out.append((spec, value))
    for spec in deferred:
        value = _auth_config_for(plan, values)
        check_variable(spec, value, plan)
        out.append((spec, value))
    return out
