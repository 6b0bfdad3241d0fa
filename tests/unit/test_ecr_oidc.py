"""ECR through OIDC id_tokens (issue 17, "go further"): GitLab's doc/ci/cloud_services/aws recipe in the jobs, no
AWS key as a CI/CD variable, and the sandbox's AWS answering as STS does."""

from __future__ import annotations

import dataclasses

import pytest

from dockwright.sandbox.ci_id_tokens import claims_of, job_id_tokens, mint
from dockwright.sandbox.shell_sim import Invocation
from dockwright.sandbox.tools_sim import tool_commands
from dockwright.wizard.answers_file import parse_answers
from dockwright.wizard.checks import check_pipeline
from dockwright.wizard.plan import EcrSpec, Plan, check_plan
from dockwright.wizard.render import registry_variables, render_pipeline
from dockwright.wizard.render.pipeline import BUILD_JOB, RELEASE_JOB
from dockwright.wizard.render.registry import AWS_ROLE_ARN_VAR, switch_ecr_auth, switch_registry
from dockwright.wizard.variables import variable_values
from tests.unit.test_generated_jobs_play import jobs, play, predefined, registry
from tests.unit.test_render_golden import assert_golden, load_yaml, plan_for

ROLE = "arn:aws:iam::123456789012:role/gitlab-ecr-push"
SERVER = "http://127.0.0.1:3000"


def oidc(executor: str = "docker-dind-tls") -> Plan:
    plan = plan_for(executor, "ecr")
    return dataclasses.replace(plan, registry=dataclasses.replace(plan.registry, ecr=EcrSpec(auth="oidc", role_arn=ROLE)))


@pytest.mark.parametrize("executor", ["docker-dind-tls", "shell", "docker-buildah", "kubernetes-dind-tls"])
def test_ecr_oidc_golden(executor: str) -> None:
    plan = oidc(executor)
    assert check_plan(plan) == []
    text = render_pipeline(plan)
    assert_golden(f"pipeline/{executor}-ecr-oidc.gitlab-ci.yml", text)
    assert check_pipeline(text) == []
    data = load_yaml(text)
    for job in (data[BUILD_JOB], data[RELEASE_JOB]):
        assert job["id_tokens"] == {"AWS_ID_TOKEN": {"aud": "$CI_SERVER_URL"}}
        login = " ".join(job["before_script"])
        assert "aws sts assume-role-with-web-identity" in login and '--web-identity-token "$AWS_ID_TOKEN"' in login
        assert login.index("assume-role-with-web-identity") < login.index("get-login-password")
    assert "AWS_ACCESS_KEY_ID" not in {v.key for v in registry_variables(plan)}


def test_oidc_creates_the_role_variable_only_protected_and_unmasked_with_the_answers_value() -> None:
    plan = oidc()
    (spec,) = registry_variables(plan)
    assert (spec.key, spec.protected, spec.masked) == (AWS_ROLE_ARN_VAR, True, False)
    ((made, value),) = variable_values(plan, env={}, prompt=None)
    assert made.key == AWS_ROLE_ARN_VAR and value.reveal() == ROLE  # from registry.ecr.role_arn: nothing asked
    keys = switch_ecr_auth(plan, "keys")
    assert [v.key for v in registry_variables(keys)] == ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
    assert switch_registry(Plan(), "ecr").registry.ecr.auth == "oidc"  # the recommended login when ECR is chosen


def test_the_answers_file_takes_the_ecr_keys_and_refuses_a_bad_role() -> None:
    text = ("registry: {kind: ecr, image: app, region: eu-west-1, account: '123456789012',\n"
            f"           ecr: {{auth: oidc, role_arn: '{ROLE}'}}}}\n")
    assert parse_answers(text).registry.ecr == EcrSpec(auth="oidc", role_arn=ROLE)
    bad = dataclasses.replace(oidc(), registry=dataclasses.replace(oidc().registry, ecr=EcrSpec(auth="oidc")))
    assert [k for k, _, _ in check_plan(bad)] == ["registry.ecr.role_arn"]
    assert parse_answers("registry: {kind: ecr, image: app, region: eu-west-1, account: '123456789012'}\n"
                         ).registry.ecr.auth == "keys"  # answers files written before OIDC keep their keys


def _aws(argv: list[str], env: dict[str, str]):
    return tool_commands(registry(), dict)["aws"](Invocation(argv=["aws", *argv], stdin="", env=env, cwd="/b"))


def _assume(token: str, role: str = ROLE):
    return _aws(["sts", "assume-role-with-web-identity", "--role-arn", role, "--role-session-name", "gitlab-1",
                 "--web-identity-token", token, "--query", "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]",
                 "--output", "text"], {"CI_SERVER_URL": SERVER})


def test_sts_accepts_a_token_of_this_gitlab_for_its_own_audience_and_refuses_others_with_aws_words() -> None:
    env = {**predefined(), "CI_SERVER_URL": SERVER}
    token = job_id_tokens((("AWS_ID_TOKEN", ("$CI_SERVER_URL",)),), env)["AWS_ID_TOKEN"]
    assert claims_of(token)["sub"] == "project_path:demo/app:ref_type:branch:ref:main"
    ok = _assume(token)
    assert ok.code == 0 and ok.stdout.startswith("ASIA") and len(ok.stdout.split()) == 3
    wrong = _assume(mint(("sts.amazonaws.com",), env))
    assert wrong.code == 254 and "(InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: " \
        "Incorrect token audience" in wrong.chunks[-1][1]
    assert "not a valid JWT" in _assume("not-a-jwt-at-all").chunks[-1][1]
    assert "Request ARN is invalid" in _assume(token, role="gitlab-ecr-push").chunks[-1][1]
    empty = _assume("")
    assert empty.code == 252 and "Invalid length for parameter WebIdentityToken, value: 0" in empty.chunks[-1][1]
    none = _aws(["ecr", "get-login-password", "--region", "eu-west-1"], {})
    assert none.code == 253 and "Unable to locate credentials" in none.chunks[-1][1]


def test_the_generated_oidc_jobs_play_green_and_fail_without_a_token() -> None:
    _, found = jobs(render_pipeline(oidc()))
    env = {**predefined(), "CI_SERVER_URL": SERVER, AWS_ROLE_ARN_VAR: ROLE}
    with_token = {**env, **job_id_tokens(found[BUILD_JOB].id_tokens, env)}
    log, result = play(found[BUILD_JOB], registry(), variables=with_token)
    assert result.status == "success", log
    assert "role arn:aws:iam::123456789012:role/gitlab-ecr-push assumed" in log
    log, result = play(found[BUILD_JOB], registry(), variables=env)  # no id_tokens given: STS refuses
    assert result.status == "failed" and "Invalid length for parameter WebIdentityToken, value: 0" in log
