"""Variable values, GitLab's key and masking rules, and DOCKER_AUTH_CONFIG, checked without a server."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import BadInput
from dockwright.wizard.plan import Plan, RegistrySpec, VariableSpec
from dockwright.wizard.variables import (
    check_variable,
    docker_auth_config,
    ecr_docker_auth_config,
    mask_problem,
    resolve_value,
    variable_values,
)

GITLAB = Plan()
DOCKERHUB = Plan(registry=RegistrySpec(kind="dockerhub", image="me/app"))
ECR = Plan(registry=RegistrySpec(kind="ecr", image="app", region="eu-west-1", account="123456789012"))


def test_value_comes_from_the_named_environment_variable() -> None:
    spec = VariableSpec(key="API_KEY", from_env="MY_API_KEY")
    assert resolve_value(spec, {"MY_API_KEY": "s3cretvalue"}).reveal() == "s3cretvalue"


def test_missing_environment_variable_says_to_export_it() -> None:
    spec = VariableSpec(key="API_KEY", from_env="MY_API_KEY")
    with pytest.raises(BadInput) as err:
        resolve_value(spec, {})
    assert "MY_API_KEY" in str(err.value) and "export MY_API_KEY" in str(err.value)


def test_prompt_is_used_without_from_env_and_its_value_is_a_secret() -> None:
    asked: list[str] = []
    value = resolve_value(VariableSpec(key="API_KEY"), {}, prompt=lambda m: asked.append(m) or "typed-value")
    assert asked and "API_KEY" in asked[0] and "hidden" in asked[0]
    assert isinstance(value, Secret) and value.reveal() == "typed-value" and "typed" not in repr(value)


def test_no_prompt_and_no_from_env_is_bad_input() -> None:
    with pytest.raises(BadInput, match="from_env"):
        resolve_value(VariableSpec(key="API_KEY"), {})


@pytest.mark.parametrize("key", ["CI_REGISTRY", "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD", "CI_REGISTRY_IMAGE"])
def test_gitlab_registry_variables_are_refused_with_the_reason(key: str) -> None:
    with pytest.raises(BadInput) as err:
        check_variable(VariableSpec(key=key), Secret("whatever1"), GITLAB)
    assert "predefines" in err.value.sentence and "shadow" in err.value.sentence


@pytest.mark.parametrize("key", ["CI_REGISTRY_USER", "CI_JOB_TOKEN", "GITLAB_USER_LOGIN"])
def test_predefined_names_are_refused_for_every_registry(key: str) -> None:
    """Issue 16 item 6: Docker Hub's jobs get GitLab's CI_* and GITLAB_* variables too; a project variable shadows them."""
    with pytest.raises(BadInput) as err:
        check_variable(VariableSpec(key=key), Secret("whatever1"), DOCKERHUB)
    assert "predefines" in err.value.sentence and "shadow" in err.value.sentence


def test_names_that_only_look_alike_are_fine() -> None:
    for key in ("DOCKERHUB_USERNAME", "MY_CI_TOKEN", "ci_lower_is_another_name"):
        check_variable(VariableSpec(key=key), Secret("whatever1"), DOCKERHUB)


@pytest.mark.parametrize("value,raw,ok", [
    ("abcdefgh", False, True),
    ("abc", False, False),                 # too short
    ("abc defgh", False, False),           # space
    ("line1234\nline2", False, False),     # two lines
    ("pa$$word!", False, False),           # $ and ! are not maskable when expanded
    ("pa$$word!", True, True),             # ... but are when raw
    ("dGVzdDp0ZXN0==", False, True),       # base64
    ("user@host:1.0~x-y_z+/=", False, True),
])
def test_masking_rules_match_gitlab(value: str, raw: bool, ok: bool) -> None:
    spec = VariableSpec(key="TOKEN", masked=True, raw=raw)
    assert (mask_problem(spec, value) is None) is ok


def test_unmasked_values_are_not_checked_for_masking() -> None:
    assert mask_problem(VariableSpec(key="X"), "a b") is None


def test_masking_problem_names_the_bad_characters_and_the_way_out() -> None:
    with pytest.raises(BadInput) as err:
        check_variable(VariableSpec(key="TOKEN", masked=True), Secret("pa$$word!"), DOCKERHUB)
    assert "'$'" in err.value.sentence and "'!'" in err.value.sentence and "raw" in err.value.sentence
    assert "masked: false" in err.value.next_step


def test_bad_key_is_refused_before_sending() -> None:
    with pytest.raises(BadInput, match="only letters, digits and _"):
        check_variable(VariableSpec(key="MY-KEY"), Secret("x"), DOCKERHUB)


@given(st.text(alphabet="abcXYZ019_+=/@:.~-", min_size=8, max_size=40))
def test_every_value_of_the_allowed_alphabet_is_maskable(value: str) -> None:
    assert mask_problem(VariableSpec(key="K", masked=True), value) is None


def test_docker_auth_config_has_base64_user_and_password() -> None:
    cfg = json.loads(docker_auth_config("registry.example.com", "me", Secret("p4ss:word")).reveal())
    auth = cfg["auths"]["registry.example.com"]["auth"]
    assert base64.b64decode(auth).decode() == "me:p4ss:word"


def test_ecr_docker_auth_config_uses_the_ecr_login_helper() -> None:
    cfg = json.loads(ecr_docker_auth_config("123456789012.dkr.ecr.eu-west-1.amazonaws.com").reveal())
    assert cfg == {"credHelpers": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}}


def test_variable_values_builds_docker_auth_config_from_the_registry_variables() -> None:
    plan = Plan(registry=DOCKERHUB.registry, variables=(VariableSpec(key="DOCKER_AUTH_CONFIG"),))
    env = {"DOCKERHUB_USERNAME": "me", "DOCKERHUB_TOKEN": "dckr_pat_abcdefgh"}
    values = dict((s.key, v.reveal()) for s, v in variable_values(plan, env))
    assert values["DOCKERHUB_USERNAME"] == "me"
    cfg = json.loads(values["DOCKER_AUTH_CONFIG"])
    assert base64.b64decode(cfg["auths"]["https://index.docker.io/v1/"]["auth"]).decode() == "me:dckr_pat_abcdefgh"


def test_variable_values_for_ecr_uses_cred_helpers() -> None:
    plan = Plan(registry=ECR.registry, variables=(VariableSpec(key="DOCKER_AUTH_CONFIG"),))
    env = {"AWS_ACCESS_KEY_ID": "AKIAABCDEFGH", "AWS_SECRET_ACCESS_KEY": "abcdEFGH1234/+="}
    values = dict((s.key, v.reveal()) for s, v in variable_values(plan, env))
    assert json.loads(values["DOCKER_AUTH_CONFIG"]) == {"credHelpers": {
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}}


def test_gitlab_registry_needs_no_variables() -> None:
    assert variable_values(GITLAB, {}) == []


def test_a_value_holding_a_dollar_is_created_raw() -> None:
    """Issue 17.3: Harbor's robot user `robot$team+ci` would be expanded by the runner to `robot+ci`."""
    plan = Plan(registry=RegistrySpec(kind="other", image="team/app", host="harbor.example.com"))
    env = {"REGISTRY_USER": "robot$team+ci", "REGISTRY_PASSWORD": "s3cret-no-dollar"}
    specs = {s.key: s for s, _v in variable_values(plan, env)}
    assert specs["REGISTRY_USER"].raw is True
    assert specs["REGISTRY_PASSWORD"].raw is False


def test_the_review_says_raw() -> None:
    """The dry run and the review say which variables are raw, or that a $ makes one raw."""
    from dockwright.wizard.changes import VariableChange, describe_variable
    from dockwright.wizard.variables import raw_if_dollar

    spec = VariableSpec(key="REGISTRY_USER", from_env="REGISTRY_USER")
    unknown = VariableChange(None, "g/app", spec, None).preview()
    assert "raw=true if the value holds $" in unknown
    typed = raw_if_dollar(spec, Secret("robot$team+ci"))
    assert "raw=true " in VariableChange(None, "g/app", typed, None).preview()
    assert describe_variable(typed) == "CI/CD variable REGISTRY_USER (raw)"
