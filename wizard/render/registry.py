"""Where the image goes: its name, how a job logs in, and which CI/CD variables that needs.

One place decides this, so the pipeline, the variables step of the UI and the services that create
the variables always agree. GitLab's own registry needs no variable at all: ``CI_REGISTRY``,
``CI_REGISTRY_USER``, ``CI_REGISTRY_PASSWORD`` and ``CI_REGISTRY_IMAGE`` are predefined in every job.

An external registry's credentials (Docker Hub token, AWS keys, a registry password) are created
**protected**: anyone who can push a branch can change ``.gitlab-ci.yml`` and print an unprotected
variable, so only protected branches and tags get them. The jobs build on every ref and push only when
the credentials are there (:func:`push_guard_variable`); elsewhere they say why they did not push.
"""

from __future__ import annotations

from dataclasses import replace

from dockwright.wizard.plan import Plan, VariableSpec

DOCKERHUB_USER_VAR = "DOCKERHUB_USERNAME"
DOCKERHUB_TOKEN_VAR = "DOCKERHUB_TOKEN"
OTHER_USER_VAR = "REGISTRY_USER"
OTHER_PASSWORD_VAR = "REGISTRY_PASSWORD"
AWS_KEY_ID_VAR = "AWS_ACCESS_KEY_ID"
AWS_SECRET_VAR = "AWS_SECRET_ACCESS_KEY"
# ECR through OIDC (GitLab's doc/ci/cloud_services/aws/_index.md): the job's ID token, exchanged with AWS STS
# for the role's short-lived credentials. The role's ARN is no secret: a protected, unmasked variable, so only
# protected branches and tags push (and a fork's merge request skips the push, as with keys).
AWS_ID_TOKEN_VAR = "AWS_ID_TOKEN"
AWS_ROLE_ARN_VAR = "DOCKWRIGHT_AWS_ROLE_ARN"
ROLE_ARN_SPEC = VariableSpec(key=AWS_ROLE_ARN_VAR, protected=True, description=(
    "ARN of the IAM role the jobs assume with their ID token (not a secret; protected so that only "
    "protected branches and tags push)"))

_DEFAULTS: dict[str, tuple[VariableSpec, ...]] = {
    "gitlab": (),
    "dockerhub": (
        VariableSpec(key=DOCKERHUB_USER_VAR, from_env=DOCKERHUB_USER_VAR, protected=True,
                     description="Docker Hub user name the pipeline logs in with"),
        VariableSpec(key=DOCKERHUB_TOKEN_VAR, from_env=DOCKERHUB_TOKEN_VAR, masked=True, protected=True,
                     description="Docker Hub access token (Account settings > Personal access tokens)"),
    ),
    "ecr": (
        VariableSpec(key=AWS_KEY_ID_VAR, from_env=AWS_KEY_ID_VAR, masked=True, protected=True,
                     description="AWS access key id of an IAM user allowed to push to the ECR repository"),
        VariableSpec(key=AWS_SECRET_VAR, from_env=AWS_SECRET_VAR, masked=True, protected=True,
                     description="AWS secret access key of that IAM user"),
    ),
    "other": (
        VariableSpec(key=OTHER_USER_VAR, from_env=OTHER_USER_VAR, protected=True, description="user name for the registry"),
        VariableSpec(key=OTHER_PASSWORD_VAR, from_env=OTHER_PASSWORD_VAR, masked=True, protected=True,
                     description="password or token for the registry"),
    ),
}


def registry_variables(plan: Plan) -> tuple[VariableSpec, ...]:
    """The CI/CD variables the plan's registry needs, in order.

    A variable the plan already lists under the same key wins (its from_env, masked, protected, ...
    are the user's choice); the others come with dockwright's defaults. Empty for GitLab's registry.
    Protected by default: only pipelines of protected branches and tags get them, and only those push
    (the jobs elsewhere build, skip the login and say why they did not push).
    """
    mine = {v.key: v for v in plan.variables}
    return tuple(mine.get(spec.key, spec) for spec in _defaults(plan))


def ecr_oidc(plan: Plan) -> bool:
    return plan.registry.kind == "ecr" and plan.registry.ecr.auth == "oidc"


def _defaults(plan: Plan) -> tuple[VariableSpec, ...]:
    return (ROLE_ARN_SPEC,) if ecr_oidc(plan) else _DEFAULTS[plan.registry.kind]


def all_variables(plan: Plan) -> tuple[VariableSpec, ...]:
    """The registry's variables followed by the plan's other variables: everything apply creates."""
    needed = registry_variables(plan)
    keys = {v.key for v in needed}
    return needed + tuple(v for v in plan.variables if v.key not in keys)


def switch_registry(plan: Plan, kind: str) -> Plan:
    """The plan with the registry ``kind``, without the variables only the previous registry needed (its
    login's user and token would otherwise be created for a registry that no longer uses them)."""
    registry = replace(plan.registry, kind=kind)
    if kind == "ecr" and plan.registry.kind != "ecr":  # the recommended login when ECR is chosen
        registry = replace(registry, ecr=replace(registry.ecr, auth="oidc"))
    new = replace(plan, registry=registry)
    old = {v.key for v in _defaults(plan)} - {v.key for v in _defaults(new)}
    return replace(new, variables=tuple(v for v in plan.variables if v.key not in old))


def switch_ecr_auth(plan: Plan, auth: str) -> Plan:
    """The plan with ECR's login ``auth`` (oidc or keys), without the variables only the other one needed."""
    new = replace(plan, registry=replace(plan.registry, ecr=replace(plan.registry.ecr, auth=auth)))
    old = {v.key for v in _defaults(plan)} - {v.key for v in _defaults(new)}
    return replace(new, variables=tuple(v for v in plan.variables if v.key not in old))


def ecr_host(plan: Plan) -> str:
    return f"{plan.registry.account}.dkr.ecr.{plan.registry.region}.amazonaws.com"


def image_name(plan: Plan) -> str:
    """The image reference without tag, as the pipeline writes it (may hold a ``$VARIABLE``)."""
    reg = plan.registry
    if reg.kind == "gitlab":
        return "$CI_REGISTRY_IMAGE"
    if reg.kind == "dockerhub":
        return reg.image
    if reg.kind == "ecr":
        return f"{ecr_host(plan)}/{reg.image}"
    return f"{reg.host}/{reg.image}"


_GUARD = {"dockerhub": DOCKERHUB_TOKEN_VAR, "ecr": AWS_SECRET_VAR, "other": OTHER_PASSWORD_VAR}


def push_guard_variable(plan: Plan) -> str | None:
    """The (protected) variable without which a job cannot log in, so it builds but does not push; None for
    GitLab's registry, whose job token every pipeline has."""
    if ecr_oidc(plan):
        return AWS_ROLE_ARN_VAR
    return _GUARD.get(plan.registry.kind)


def registry_host(plan: Plan) -> str:
    """The host ``docker login`` and ``docker logout`` name (a ``$VARIABLE`` for GitLab's registry)."""
    kind = plan.registry.kind
    if kind == "gitlab":
        return '"$CI_REGISTRY"'
    if kind == "dockerhub":
        return "docker.io"
    if kind == "ecr":
        return ecr_host(plan)
    return plan.registry.host


def login_commands(plan: Plan) -> list[str]:
    """Shell lines that log the job's Docker client in; the secret always goes through stdin.

    For an external registry each line runs only when its protected secret is there (``test -z … ||``):
    a pipeline without it still builds, and the job says why it does not push.
    """
    kind = plan.registry.kind
    host = registry_host(plan)
    if kind == "gitlab":
        return [f'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin {host}']
    if kind == "dockerhub":
        lines = [f'echo "${DOCKERHUB_TOKEN_VAR}" | docker login -u "${DOCKERHUB_USER_VAR}" --password-stdin {host}']
    elif kind == "ecr":
        lines = []
        if plan.executor != "shell":
            lines.append("apk add --no-cache aws-cli")  # the docker:*-cli image is Alpine without the AWS CLI
        lines += aws_oidc_lines(plan)
        lines.append(
            f"aws ecr get-login-password --region {plan.registry.region}"
            f" | docker login --username AWS --password-stdin {host}"
        )
    else:
        lines = [f'echo "${OTHER_PASSWORD_VAR}" | docker login -u "${OTHER_USER_VAR}" --password-stdin {host}']
    guard = push_guard_variable(plan)
    return [f'test -z "${guard}" || {line}' for line in lines]


def aws_oidc_lines(plan: Plan) -> list[str]:
    """ECR with OIDC: GitLab's recipe (doc/ci/cloud_services/aws/_index.md, "Retrieve temporary credentials"):
    ``aws sts assume-role-with-web-identity`` with the job's ID token, its output in a variable of its own (so
    a failure fails the job), then the three credentials exported for the ``aws`` commands that follow."""
    if not ecr_oidc(plan):
        return []
    return [
        f'aws_sts_output=$(aws sts assume-role-with-web-identity --role-arn "${AWS_ROLE_ARN_VAR}"'
        ' --role-session-name "gitlab-$CI_PROJECT_ID-$CI_PIPELINE_ID-$CI_JOB_ID"'
        f' --web-identity-token "${AWS_ID_TOKEN_VAR}" --duration-seconds 3600'
        " --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)",
        'export $(printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s" $aws_sts_output)',
    ]


def id_token_lines(plan: Plan) -> list[str]:
    """The job's ``id_tokens:`` for ECR with OIDC: the audience is the GitLab instance's address, as GitLab's page
    sets up AWS's identity provider (``$CI_SERVER_URL``: the same file works on any instance)."""
    if not ecr_oidc(plan):
        return []
    return ["  id_tokens:", f"    {AWS_ID_TOKEN_VAR}:", "      aud: $CI_SERVER_URL"]
