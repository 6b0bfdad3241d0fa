"""dockwright.wizard.checks: CI schema + semantic rules, hadolint, variable rules, plan coherence."""

from __future__ import annotations

import dataclasses

import pytest

from dockwright.wizard.checks import (
    Finding,
    check_coherence,
    check_dockerfile,
    check_masked_value,
    check_pipeline,
    check_variable_key,
)
from dockwright.wizard.plan import Plan, RegistrySpec, VariableSpec, replace_in


def messages(findings: list[Finding]) -> str:
    return "\n".join(str(f) for f in findings)


# ------------------------------------------------------------------ variables (GitLab's rules, NOTES.md)

@pytest.mark.parametrize("key", ["A", "DOCKERHUB_TOKEN", "a_1", "X" * 255])
def test_variable_key_accepted(key: str) -> None:
    assert check_variable_key(key) is None


@pytest.mark.parametrize("key,needle", [("", "needs a name"), ("MY-KEY", "'-'"), ("A B", "' '"),
                                        ("X" * 256, "256 characters"), ("CLÉ", "'É'")])
def test_variable_key_refused_with_what_to_change(key: str, needle: str) -> None:
    message = check_variable_key(key)
    assert message is not None and needle in message


@pytest.mark.parametrize("value", ["abcdefgh", "dckr_pat_AbC-123=+/@:.~", "A" * 100])
def test_masked_value_accepted(value: str) -> None:
    assert check_masked_value(value) is None


@pytest.mark.parametrize("value,needle", [("short", "at least 8"), ("has space in it", "without spaces"),
                                          ("line1\nline2x", "without spaces"), ("pa$$word!", "'!'")])
def test_masked_value_refused_with_the_reason(value: str, needle: str) -> None:
    message = check_masked_value(value)
    assert message is not None and needle in message


def test_masked_raw_value_allows_any_non_space() -> None:
    assert check_masked_value("pa$$word!#", raw=True) is None
    assert check_masked_value("pa$$ word!", raw=True) is not None
    assert check_masked_value("1234567", raw=True) is not None


# ------------------------------------------------------------------ pipeline

GOOD = """\
stages: [build, test]
build:
  stage: build
  script: [make]
test:
  stage: test
  needs: [build]
  script: [make test]
"""


def test_pipeline_good_has_no_findings() -> None:
    assert check_pipeline(GOOD) == []


def test_pipeline_schema_error_names_key_and_line() -> None:
    findings = check_pipeline(GOOD + "lint:\n  script: [ruff]\n  stagee: test\n")
    assert any(f.level == "error" and "`lint`" in f.message and "stagee" in f.message and f.line == 9
               for f in findings), messages(findings)


def test_pipeline_semantic_rules() -> None:
    text = """\
stages: [build, test]
a:
  stage: deploy
  script: [x]
b:
  stage: build
  needs: [nope, c]
  script: [y]
c:
  stage: test
  image: alpine:3.20
"""
    found = messages(check_pipeline(text))
    assert "Job a is in stage 'deploy'" in found
    assert "Job b needs 'nope'" in found
    assert "needs 'c' from the later stage 'test'" in found
    assert "Job c has no `script:`" in found


def test_pipeline_with_include_softens_unknown_jobs_and_stages() -> None:
    text = "include: [{local: ci/x.yml}]\na:\n  stage: lint\n  needs: [from-include]\n  script: [x]\n"
    findings = check_pipeline(text)
    assert findings and all(f.level == "warning" for f in findings)


def test_pipeline_docker_traps() -> None:
    text = """\
variables:
  CI_REGISTRY_USER: me
build:
  image: docker:24-cli
  services: [docker:25-dind]
  variables: {DOCKER_HOST: "tcp://docker:2376", DOCKER_TLS_CERTDIR: ""}
  script:
    - docker login -u me -p secret registry.example.com
    - docker build -t "img:$CI_COMMIT_REF_NAME" .
notls:
  image: docker:27-cli
  services: [docker:27-dind]
  variables: {DOCKER_HOST: "tcp://docker:2375", DOCKER_TLS_CERTDIR: "/certs"}
  script: [docker info]
"""
    found = messages(check_pipeline(text))
    for needle in ("shadows the real one", "DOCKER_TLS_CERTDIR is empty", "docker 24 with dind 25",
                   "--password-stdin", "$CI_COMMIT_REF_SLUG", "listens on 2376 only"):
        assert needle in found


@pytest.mark.parametrize("text,needle", [("a: [b", "not valid YAML"), ("- a\n- b\n", "mapping"),
                                         ("# nothing\nvariables: {A: b}\n", "no job")])
def test_pipeline_unreadable(text: str, needle: str) -> None:
    findings = check_pipeline(text)
    assert findings[0].level == "error" and needle in findings[0].message


def test_pipeline_reference_tag_is_understood() -> None:
    text = ".setup:\n  script: [echo hi]\njob:\n  script:\n    - !reference [.setup, script]\n    - make\n"
    assert check_pipeline(text) == []


# ------------------------------------------------------------------ Dockerfile

def test_dockerfile_hadolint_findings_have_code_line_and_link() -> None:
    findings = check_dockerfile("FROM python\nRUN pip install flask\nCMD python app.py\n")
    codes = {f.message.split(":")[0] for f in findings}
    assert {"DL3006", "DL3013", "DL3042", "DL3025"} <= codes, messages(findings)
    assert all(f.line for f in findings) and all("hadolint" in f.message for f in findings)


def test_dockerfile_own_rules_without_hadolint(monkeypatch) -> None:
    monkeypatch.setattr("dockwright.wizard.checks.hadolint_path", lambda: None)
    found = messages(check_dockerfile("FROM python:latest\nRUN echo hi\n"))
    assert "not pinned" in found and "no CMD" in found


def test_dockerfile_own_rules_read_real_syntax(monkeypatch) -> None:
    monkeypatch.setattr("dockwright.wizard.checks.hadolint_path", lambda: None)
    # FROM continued on the next line: the image is python:3.12-slim, not "\\"
    assert check_dockerfile("FROM \\\n    python:3.12-slim\nCMD [\"python\"]\n") == []
    # a heredoc line is no instruction; the CMD after it still counts
    assert check_dockerfile("FROM python:3.12-slim\nRUN <<EOF\nFROM ubuntu\nEOF\nCMD [\"python\"]\n") == []
    # a stage of the same file is no unpinned image
    assert check_dockerfile("FROM python:3.12-slim AS build\nFROM build\nCMD [\"python\"]\n") == []
    # a line Docker cannot read is an error with its line
    (finding,) = check_dockerfile("FROM python:3.12-slim\n  pip install flask\nCMD [\"python\"]\n")
    assert (finding.level, finding.line) == ("error", 2) and "unknown instruction: pip" in finding.message


MISTYPED_STAGE = """FROM python:3.12-slim AS builder
RUN pip wheel --no-cache-dir --wheel-dir /wheels flask==3.0.3
FROM python:3.12-slim AS runtime
COPY --from=buidler /wheels /wheels
COPY --from=builder /wheels /wheels
COPY --from=0 /wheels /wheels
COPY --from=busybox:1.36 /bin/busybox /bin/busybox
CMD ["python"]
"""


@pytest.mark.parametrize("hadolint", [True, False])
def test_copy_from_a_mistyped_stage_is_an_error_before_the_push(hadolint: bool, monkeypatch) -> None:
    if not hadolint:
        monkeypatch.setattr("dockwright.wizard.checks.hadolint_path", lambda: None)
    stray = [f for f in check_dockerfile(MISTYPED_STAGE) if "--from" in f.message or "DL3022" in f.message]
    assert [(f.level, f.line) for f in stray] == [("error", 4)], messages(stray)  # stages, an index, an image: fine
    assert "COPY --from=buidler names no stage defined above it (the stages: builder, runtime)" in stray[0].message
    assert "docker.io/library/buidler:latest" in stray[0].message and "Use a stage's name" in stray[0].message


# ------------------------------------------------------------------ coherence

def test_coherence_default_plan_is_quiet() -> None:
    assert check_coherence(Plan()) == []


def test_protected_registry_credentials_are_the_quiet_default() -> None:
    """Issue 17 item 16: protected is the default, so it is no longer warned about; unprotected is."""
    for kind, image in (("dockerhub", "me/app"), ("ecr", "app"), ("other", "team/app")):
        plan = dataclasses.replace(Plan(), registry=RegistrySpec(kind=kind, image=image, host="r.example.com",
                                                                 region="eu-west-1", account="123456789012"))
        assert not [f for f in check_coherence(plan) if "protected" in f.message], kind


@pytest.mark.parametrize("plan,needle", [
    (dataclasses.replace(Plan(), executor="docker-dind"), "without TLS"),
    (dataclasses.replace(Plan(), executor="docker-socket"), "root on that host"),
    (dataclasses.replace(Plan(), executor="shell"), "docker group"),
    (replace_in(Plan(), "runner", create=False), "privileged"),
    (replace_in(Plan(), "runner", docker_image="docker:24-cli"), "docker 24"),
    (replace_in(Plan(), "runner", protected=True), "stay pending"),
    (replace_in(dataclasses.replace(Plan(), executor="docker-socket"), "runner", privileged_services_only=True),
     "changes nothing"),
    (replace_in(Plan(), "dockerfile", language="generic"), "starting point"),
    (replace_in(Plan(), "dockerfile", base_image="python"), "not pinned"),
    (dataclasses.replace(Plan(), registry=RegistrySpec(kind="dockerhub", image="me/app"),  # issue 17 item 16
                         variables=(VariableSpec(key="DOCKERHUB_TOKEN", protected=False),)), "is not protected"),
    (dataclasses.replace(Plan(), registry=RegistrySpec(kind="dockerhub", image="me/app"),
                         variables=(VariableSpec(key="DOCKERHUB_TOKEN"),)), "not masked"),
])
def test_coherence_warnings_say_why(plan: Plan, needle: str) -> None:
    findings = check_coherence(plan)
    assert any(needle in f.message and f.level == "warning" for f in findings), messages(findings)


@pytest.mark.parametrize(("url", "warned"), [
    ("https://gitlab.example.com", True),
    ("https://git.corp.internal:8443", True),
    ("https://gitlab.com", False),
    ("https://acme.gitlab-dedicated.com", False),
    ("http://127.0.0.1:8929", False),  # the sandbox plays GitLab.com's hosted runners
])
def test_hosted_runners_on_a_self_managed_url_are_warned_about(url: str, warned: bool) -> None:
    """Issue 17.26: hosted runners exist on GitLab.com and Dedicated only; elsewhere the jobs may stay pending."""
    plan = dataclasses.replace(replace_in(Plan(), "gitlab", url=url), executor="hosted")
    found = [f for f in check_coherence(plan) if "GitLab.com and GitLab Dedicated only" in f.message]
    assert bool(found) is warned
    if warned:
        assert found[0].level == "warning" and "pending" in found[0].message and "docker-dind-tls" in found[0].message
    own = dataclasses.replace(replace_in(Plan(), "gitlab", url=url), executor="docker-dind-tls")
    assert not [f for f in check_coherence(own) if "GitLab Dedicated" in f.message]


def test_a_token_in_dockerfile_env_is_warned_about() -> None:
    from dockwright.wizard.checks import secret_env_findings

    plan = replace_in(Plan(), "dockerfile", env=(("API_TOKEN", "glpat-abcdefghij0123456789"), ("MODE", "production"),
                                                 ("KEY", "aB3dE5gH7jK9mN1pQ3sT5vX7")))
    found = secret_env_findings(plan)
    assert [f.level for f in found] == ["warning", "warning"]
    assert "dockerfile.env API_TOKEN" in found[0].message and "baked into every layer" in found[0].message
    assert "dockerfile.env KEY" in found[1].message
    assert all("glpat-" not in f.message and "aB3dE5" not in f.message for f in found)
    assert found[0] in check_coherence(plan)
