"""The sandbox reads .gitlab-ci.yml like GitLab: the keywords it plays, rules, needs, and GitLab's error wording."""

import contextlib
import textwrap

import pytest

from dockwright.sandbox.ci_config import NO_JOBS_MESSAGE, CiYamlError, parse_ci
from dockwright.sandbox.ci_rules import evaluate_if

FILES = {"Dockerfile", "requirements.txt", "app.py"}


def parse(text, *, ref="main", default_branch="main", is_tag=False, files=FILES, variables=None):
    return parse_ci(
        textwrap.dedent(text), ref=ref, sha="0123456789abcdef0123456789abcdef01234567",
        default_branch=default_branch, is_tag=is_tag, file_exists=lambda p: p in files, variables=variables,
    )


def error_of(text, **kw):
    with pytest.raises(CiYamlError) as info:
        parse(text, **kw)
    return info.value


def test_default_stages_and_defaults_inherited():
    p = parse("""
        default:
          image: docker:27-cli
          services:
            - docker:27-dind
          before_script:
            - docker info
          tags: [dind]
        variables:
          DOCKER_TLS_CERTDIR: "/certs"
          PORT: 8080
        build:
          stage: build
          script: docker build -t x .
        check:
          script:
            - echo ok
          variables:
            PORT: "9090"
    """)
    assert p.declared_stages == (".pre", "build", "test", "deploy", ".post")
    assert p.stages == ("build", "test")
    build, check = p.jobs
    assert build.name == "build" and build.stage == "build"
    assert build.image == "docker:27-cli"
    assert build.services == (("docker:27-dind", ""),)
    assert build.before_script == ("docker info",)
    assert build.script == ("docker build -t x .",)
    assert build.tags == ("dind",)
    assert build.variables == {"DOCKER_TLS_CERTDIR": "/certs", "PORT": "8080"}
    assert check.stage == "test" and check.variables["PORT"] == "9090"
    assert build.needs is None and build.when == "on_success" and build.allow_failure is False
    assert len({build, check, build}) == 2 and hash(p)  # frozen values: usable as keys


def test_jobs_come_in_stage_order_then_file_order():
    p = parse("""
        stages: [build, release]
        release-b: {stage: release, script: [b]}
        build-a: {stage: build, script: [a]}
        release-a: {stage: release, script: [c]}
        pre: {stage: .pre, script: [p]}
    """)
    assert [j.name for j in p.jobs] == ["pre", "build-a", "release-b", "release-a"]
    assert p.stages == (".pre", "build", "release")


def test_services_with_alias_and_image_hash():
    p = parse("""
        build:
          image: {name: "docker:27-cli", entrypoint: [""]}
          services:
            - name: registry.example.com/mirror/docker:27-dind
              alias: docker
            - postgres:16
          script: [echo hi]
    """)
    job = p.jobs[0]
    assert job.image == "docker:27-cli"
    assert job.services == (("registry.example.com/mirror/docker:27-dind", "docker"), ("postgres:16", ""))


def test_hidden_jobs_anchors_and_merge_keys():
    p = parse("""
        .docker: &docker
          image: docker:27-cli
          tags: [docker]
          before_script: &login
            - echo login
        build:
          <<: *docker
          script:
            - *login
            - docker build .
    """)
    assert [j.name for j in p.jobs] == ["build"]
    job = p.jobs[0]
    assert job.image == "docker:27-cli" and job.tags == ("docker",)
    assert job.script == ("echo login", "docker build .")  # nested arrays from anchors are flattened


def test_unknown_job_keyword_is_named_like_gitlab():
    err = error_of("""
        build:
          script: [make]
          cahce:
            paths: [x]
    """)
    assert str(err) == "jobs:build config contains unknown keys: cahce"


def test_keywords_gitlab_knows_are_accepted_and_ignored_with_a_reason():
    p = parse("""
        cache: {paths: [.pip]}
        default:
          retry: 2
        build:
          script: [make]
          artifacts: {paths: [dist/]}
          environment: production
          needs: []
        test:
          script: [pytest]
          needs: [{job: build, artifacts: true}]
    """)
    build, test = p.jobs
    assert [k for k, _ in build.ignored] == ["cache", "retry", "environment"]
    assert build.artifacts is not None and build.artifacts.paths == ("dist/",) and test.artifacts is None
    assert [k for k, _ in test.ignored] == ["cache", "retry"] and test.needs == ("build",)


def test_every_job_keyword_of_gitlabs_schema_is_known():
    from dockwright.sandbox.ci_config import IGNORED_JOB_KEYS, REFUSED_JOB_KEYS

    # the job_template properties of GitLab's CI schema (app/assets/javascripts/editor/schema/ci.json)
    schema_job_keys = {
        "image", "services", "before_script", "after_script", "hooks", "rules", "variables", "cache", "id_tokens",
        "identity", "inputs", "secrets", "script", "run", "stage", "only", "extends", "needs", "except", "tags",
        "allow_failure", "timeout", "when", "start_in", "manual_confirmation", "dependencies", "artifacts",
        "environment", "release", "coverage", "retry", "parallel", "interruptible", "resource_group", "trigger",
        "inherit", "publish", "pages",
    }
    played = {"image", "services", "before_script", "after_script", "rules", "variables", "script", "stage",
              "needs", "tags", "allow_failure", "when", "trigger", "artifacts", "id_tokens"}
    assert schema_job_keys - played - set(IGNORED_JOB_KEYS) - set(REFUSED_JOB_KEYS) == set()
    for key in sorted(schema_job_keys - played):
        value = "x" if key != "when" else "manual"
        try:
            parse(f"j:\n  script: [x]\n  {key}: {value}\n")
        except CiYamlError as err:
            assert "unknown keys" not in str(err), key
            assert str(err) == f"jobs:j:{key} config is not supported in the sandbox" and err.note, key


def test_several_unknown_keys_and_a_typo():
    err = error_of("""
        build:
          script: [make]
          befor_script: [x]
          artifacts: {paths: [x]}
          scirpt: [y]
    """)
    assert str(err) == "jobs:build config contains unknown keys: befor_script, scirpt"


def test_keys_gitlab_knows_and_the_sandbox_cannot_play():
    assert str(error_of("default:\n  cahce: {}\nb:\n  script: [x]\n")) == "default config contains unknown keys: cahce"
    err = error_of("""
        b:
          script: [x]
          rules:
            - changes: [Dockerfile]
    """)
    assert str(err) == "jobs:b:rules:rule:changes config is not supported in the sandbox"
    err = error_of("b:\n  extends: .base\n  script: [x]\n.base:\n  tags: [x]\n")
    assert str(err) == "jobs:b:extends config is not supported in the sandbox" and "anchors" in err.note
    err = error_of("b:\n  script: [x]\n  only: [main]\n")
    assert str(err) == "jobs:b:only config is not supported in the sandbox" and "rules:" in err.note


def test_include_is_not_played():
    err = error_of("include: ci/other.yml\nb:\n  script: [x]\n")
    assert str(err) == "include config is not supported in the sandbox"
    assert "include" in err.note


def test_workflow_rules_decide_whether_there_is_a_pipeline():
    """dockwright's new files carry GitLab's "avoid duplicate pipelines" rules (issue 17 item 18)."""
    text = ("workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS\n      when: never\n"
            "    - if: $CI_COMMIT_BRANCH\nb:\n  script: [x]\n")
    def parsed(**variables):
        return parse_ci(text, ref="main", sha="0" * 40, default_branch="main", file_exists=lambda p: False,
                        variables=variables)
    assert [j.name for j in parsed().jobs] == ["b"] and not parsed().filtered_by_workflow
    assert parsed(CI_OPEN_MERGE_REQUESTS="demo/app!1").filtered_by_workflow
    tag = parse_ci(text, ref="v1", sha="0" * 40, default_branch="main", is_tag=True, file_exists=lambda p: False)
    assert tag.filtered_by_workflow and tag.jobs == ()  # no rule matched
    assert "unknown keys: bogus" in str(error_of("workflow: {bogus: 1}\nb:\n  script: [x]\n"))
    # accepted, not played: the sandbox never auto-cancels and runs each job once
    assert [j.name for j in parse_ci("b:\n  interruptible: true\n  resource_group: r\n  script: [x]\n"
                                                "  services: [{name: docker:27-dind, command: [--tls=false]}]\n",
                                                ref="main", sha="0" * 40, default_branch="main",
                                                file_exists=lambda p: False).jobs] == ["b"]


def test_job_without_script():
    err = error_of("build:\n  stage: build\n  image: docker:27-cli\n")
    assert str(err) == "jobs build config should implement the script:, run:, or trigger: keyword"
    assert err.errors == (str(err), "jobs config should contain at least one visible job")
    # a misspelt script: is no job for GitLab, so that is what it reports (not the unknown key)
    err = error_of("build:\n  scirpt: [make]\nok:\n  script: [x]\n")
    assert err.errors == ("jobs build config should implement the script:, run:, or trigger: keyword",)
    err = error_of("other:\n  trigger: group/other-project\n")  # multi-project: not played
    assert str(err) == "jobs:other:trigger config is not supported in the sandbox" and "child pipelines" in err.note


def test_trigger_jobs_are_bridges_to_a_child_pipeline_file():
    p = parse("""
        stages: [build, child]
        default:
          tags: [docker]
        build:
          stage: build
          script: [make]
        kid:
          stage: child
          variables: {WHO: parent}
          trigger:
            include: [{local: /ci/child.yml}]
            strategy: depend
        loose:
          stage: child
          trigger:
            include: ci/other.yml
        """)
    jobs = {j.name: j for j in p.jobs}
    assert not jobs["build"].bridge and jobs["build"].tags == ("docker",)
    kid = jobs["kid"]
    assert (kid.bridge, kid.trigger_include, kid.trigger_depend, kid.script, kid.tags) == \
        (True, "ci/child.yml", True, (), ())
    assert kid.variables["WHO"] == "parent"
    assert (jobs["loose"].trigger_include, jobs["loose"].trigger_depend) == ("ci/other.yml", False)
    assert "script" in str(error_of("k:\n  trigger: {include: c.yml}\n  script: [x]\n"))
    assert "strategy should be depend" in str(error_of("k:\n  trigger: {include: c.yml, strategy: x}\n"))
    assert "should be a local file" in str(error_of("k:\n  trigger: {include: [a.yml, b.yml]}\n"))
    assert "trigger:include:project config is not supported in the sandbox" in \
        str(error_of("k:\n  trigger: {include: [{project: g/p, file: x.yml}]}\n"))


def test_unknown_stage_lists_the_available_ones():
    err = error_of("""
        stages: [build, push]
        publish:
          stage: deploy
          script: [x]
    """)
    assert str(err) == ("publish job: chosen stage deploy does not exist; "
                        "available stages are .pre, build, push, .post")
    err = error_of("j:\n  stage: release\n  script: [x]\n")
    assert str(err) == ("j job: chosen stage release does not exist; "
                        "available stages are .pre, build, test, deploy, .post")


def test_needs_a_job_that_rules_left_out():
    err = error_of("""
        build:
          stage: build
          script: [x]
          rules:
            - if: $CI_COMMIT_TAG
        test:
          script: [y]
          needs: [build]
    """)
    assert str(err) == (
        "'test' job needs 'build' job, but 'build' does not exist in the pipeline. This might be because "
        "of the only, except, or rules keywords. To need a job that sometimes does not exist in the "
        "pipeline, use needs:optional."
    )


def test_needs_an_undefined_job_and_a_later_stage():
    assert str(error_of("test:\n  script: [y]\n  needs: [biuld]\n")) == "test job: undefined need: biuld"
    err = error_of("""
        build: {stage: build, script: [x], needs: [release]}
        release: {stage: deploy, script: [y]}
    """)
    assert str(err) == "build job: need release is not defined in current or prior stages"


def test_needs_optional_and_empty_needs():
    p = parse("""
        build:
          stage: build
          script: [x]
          rules: [{if: $CI_COMMIT_TAG}]
        lint:
          stage: test
          script: [l]
          needs: []
        test:
          script: [y]
          needs:
            - job: build
              optional: true
            - lint
    """)
    jobs = {j.name: j for j in p.jobs}
    assert set(jobs) == {"lint", "test"}
    assert jobs["lint"].needs == ()
    assert jobs["test"].needs == ("lint",)


def test_rules_if_on_branch_and_default_branch():
    text = """
        build:
          script: [b]
          rules:
            - if: $CI_COMMIT_BRANCH
        latest:
          script: [l]
          rules:
            - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
        tagged:
          script: [t]
          rules:
            - if: '$CI_COMMIT_TAG =~ /^v\\d+/'
    """
    assert [j.name for j in parse(text).jobs] == ["build", "latest"]
    assert [j.name for j in parse(text, ref="feature/x").jobs] == ["build"]
    assert [j.name for j in parse(text, ref="v1.2", is_tag=True).jobs] == ["tagged"]


def test_rules_exists_when_and_never():
    text = """
        build:
          script: [b]
          rules:
            - if: $CI_COMMIT_BRANCH == "wip"
              when: never
            - exists: [Dockerfile]
        deploy:
          script: [d]
          rules:
            - if: $CI_COMMIT_BRANCH == "main"
              when: manual
    """
    p = parse(text)
    assert [(j.name, j.when, j.allow_failure) for j in p.jobs] == [
        ("build", "on_success", False), ("deploy", "manual", False)]
    assert [j.name for j in parse(text, files=set()).jobs] == ["deploy"]
    assert parse(text, ref="wip").jobs == ()  # the server answers NO_JOBS_MESSAGE then
    assert "prevented any jobs" in NO_JOBS_MESSAGE


def test_when_manual_without_rules_does_not_block():
    p = parse("deploy:\n  script: [d]\n  when: manual\n")
    assert p.jobs[0].when == "manual" and p.jobs[0].allow_failure is True
    p = parse("deploy:\n  script: [d]\n  when: manual\n  allow_failure: false\n")
    assert p.jobs[0].allow_failure is False


def test_rules_see_global_job_and_project_variables():
    text = """
        variables:
          PUSH: "yes"
        build:
          script: [b]
          variables:
            KIND: docker
          rules:
            - if: $PUSH == "yes" && $KIND == "docker" && $EXTRA
    """
    assert parse(text).jobs == ()
    assert [j.name for j in parse(text, variables={"EXTRA": "1"}).jobs] == ["build"]


def test_if_expressions():
    env = {"A": "main", "B": "main", "EMPTY": "", "RE": "/^ma/"}
    assert evaluate_if("$A == $B", env)
    assert evaluate_if("$A != 'dev'", env)
    assert not evaluate_if("$EMPTY", env)
    assert not evaluate_if("$UNDEFINED", env)
    assert evaluate_if("$UNDEFINED == null", env)
    assert not evaluate_if("$EMPTY == null", env)
    assert evaluate_if('$A =~ /^MA/i', env)
    assert evaluate_if("$A =~ $RE", env)
    assert evaluate_if('$A !~ /dev/', env)
    assert evaluate_if('($UNDEFINED || $A == "main") && $B', env)
    assert not evaluate_if('$UNDEFINED || $EMPTY && $A', env)
    with pytest.raises(ValueError):
        evaluate_if("$A = 'x'", env)


def test_bad_if_is_a_yaml_error():
    err = error_of("b:\n  script: [x]\n  rules:\n    - if: $A === 'x'\n")
    assert str(err) == "jobs:b:rules:rule if invalid expression syntax"


def test_wrong_types():
    assert str(error_of("b:\n  script: [x]\n  tags: docker\n")) == "jobs:b:tags config should be an array of strings"
    assert "jobs:b:script config should be a string or a nested array" in str(error_of("b:\n  script: {a: 1}\n"))
    assert str(error_of("stages: build\nb:\n  script: [x]\n")) == "stages config should be an array of strings"
    assert str(error_of("b: [1, 2]\n")) == "jobs b config should implement the script:, run:, or trigger: keyword"
    assert "allow_failure config should be a hash or a boolean value" in str(
        error_of("b:\n  script: [x]\n  allow_failure: maybe\n"))
    assert "when should be one of" in str(error_of("b:\n  script: [x]\n  when: later\n"))
    assert "not supported in the sandbox" in str(error_of("b:\n  script: [x]\n  when: delayed\n"))
    assert "variables config should be a hash" in str(error_of("variables: [A]\nb:\n  script: [x]\n"))


def test_not_a_pipeline():
    assert str(error_of("just a string\n")) == "Invalid configuration format"
    assert str(error_of(".hidden:\n  script: [x]\n")) == "jobs config should contain at least one visible job"
    err = error_of("build:\n  script: [x]\n bad: indent\n")
    assert str(err).startswith("(<unknown>): ") and "line" in str(err)


def test_variables_hash_form_and_numbers():
    p = parse("""
        variables:
          DOCKER_TLS_CERTDIR: {value: "/certs", description: TLS between the client and dind}
          RETRIES: 3
          DEBUG: false
        b:
          script: [x]
    """)
    assert p.variables == {"DOCKER_TLS_CERTDIR": "/certs", "RETRIES": "3", "DEBUG": "false"}
    assert p.jobs[0].variables == p.variables


def test_a_key_written_twice_keeps_its_last_value_like_gitlab():
    p = parse("""
        variables:
          TAG: first
        variables:
          TAG: second
        build:
          script: [one]
          script: [two]
    """)
    assert p.variables == {"TAG": "second"}
    assert p.jobs[0].script == ("two",)


from hypothesis import given, settings  # noqa: E402 - the property tests sit below the examples they generalise
from hypothesis import strategies as st  # noqa: E402

_KEYS = st.sampled_from(["stages", "default", "variables", "image", "services", "tags", "rules", "needs", "script",
                         "before_script", "after_script", "when", "allow_failure", "stage", "build", ".hidden",
                         "if", "exists", "name", "alias", "cache", "include"])
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["build", "test", "$CI_COMMIT_BRANCH", "manual",
                                                                      "docker:27-dind", "$A == 'x'", "(", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=5))
def test_any_document_is_a_pipeline_or_a_yaml_error(doc):
    import json

    text = json.dumps(doc)  # JSON is YAML
    try:
        p = parse_ci(text, ref="main", sha="0" * 40, default_branch="main", file_exists=lambda path: True)
    except CiYamlError as exc:
        assert str(exc)
    else:
        assert all(j.stage in p.stages for j in p.jobs)
        assert all(j.when in ("on_success", "manual", "always") for j in p.jobs)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="$AB=!~&|()'\"/ ni", max_size=24))
def test_if_expressions_either_evaluate_or_raise_value_error(expr):
    with contextlib.suppress(ValueError):
        assert evaluate_if(expr, {"A": "a", "B": ""}) in (True, False)


def test_needs_in_a_circle_or_twice():
    err = error_of("""
        a: {stage: build, script: [x], needs: [b]}
        b: {stage: build, script: [y], needs: [a]}
    """)
    assert str(err).startswith("The pipeline has circular dependencies: topological sort failed: [")
    assert '"a"' in str(err) and '"b"' in str(err)
    assert str(error_of("a: {script: [x], needs: [a]}\n")) == "The pipeline has circular dependencies: self-dependency: a"
    err = error_of("""
        a: {stage: build, script: [x]}
        b: {stage: test, script: [y], needs: [a, a]}
    """)
    assert str(err) == "b has the following needs duplicated: a."


def test_ruby_symbol_keys_are_symbolized_like_gitlabs_loader():
    p = parse("""
        :stages: [build]
        :build_it:
          :stage: build
          :script: [make]
        :"two words":
          :stage: build
          script: [x]
        ":quoted":
          stage: build
          script: [y]
    """)
    assert [j.name for j in p.jobs] == ["build_it", "two words", ":quoted"]  # a quoted key stays a string
    assert p.jobs[0].script == ("make",)


def test_artifacts_paths_reports_and_gitlabs_messages():
    p = parse("""
        default:
          artifacts: {paths: [default.txt]}
        unit:
          script: [pytest]
          artifacts:
            when: always
            expire_in: 1 week
            paths: [dist/, "**/*.log"]
            exclude: [dist/*.tmp]
            reports:
              junit: report.xml
              coverage_report: {coverage_format: cobertura, path: coverage.xml}
        lint:
          script: [ruff]
    """)
    unit, lint = p.jobs
    assert unit.artifacts is not None and lint.artifacts is not None
    assert (unit.artifacts.paths, unit.artifacts.junit, unit.artifacts.when, unit.artifacts.expire_in) == \
        (("dist/", "**/*.log"), ("report.xml",), "always", "1 week")
    assert unit.artifacts.unplayed_reports == ("coverage_report",) and lint.artifacts.paths == ("default.txt",)
    for bad, message in (("artifacts: [x]", "jobs:j:artifacts config should be a hash"),
                         ("artifacts: {pathz: [x]}", "jobs:j:artifacts config contains unknown keys: pathz"),
                         ("artifacts: {paths: x, when: later}", "jobs:j:artifacts when should be on_success, "
                                                                "on_failure or always"),
                         ("artifacts: {expire_in: soon}", "jobs:j:artifacts expire in should be a duration"),
                         ("artifacts: {reports: {junitt: x}}", "jobs:j:artifacts:reports config contains unknown "
                                                               "keys: junitt")):
        assert str(error_of(f"j:\n  script: [x]\n  {bad}\n")) == message


def test_artifact_paths_match_as_the_runner_matches():
    from dockwright.sandbox.ci_artifacts import collect, parse_duration

    files = ["dist/app.whl", "dist/x.tmp", "logs/a.log", "logs/deep/b.log", "report.xml", "src/app.py"]
    found = collect(files, ["dist/", "**/*.log", "*.xml", "/builds/g/p/src/app.py", "missing/"],
                    exclude=["dist/*.tmp"], project_dir="/builds/g/p")
    assert found == {"dist/": ["dist/app.whl"], "**/*.log": ["logs/a.log", "logs/deep/b.log"],
                     "*.xml": ["report.xml"], "/builds/g/p/src/app.py": ["src/app.py"], "missing/": []}
    assert (parse_duration("1 week"), parse_duration("3 mins 4 sec"), parse_duration("42"),
            parse_duration("soon")) == (604800, 184, 42, None)


def test_a_services_own_variables_are_read_and_checked():
    """Issue 14: DinD on Kubernetes gives its service HEALTHCHECK_TCP_PORT (GitLab's services:variables)."""
    ok = 'b:\n  services:\n    - name: docker:29-dind\n      variables:\n        HEALTHCHECK_TCP_PORT: "2376"\n  script: [x]\n'
    (job,) = parse(ok).jobs
    assert job.services == (("docker:29-dind", ""),)
    with pytest.raises(CiYamlError, match="services:service variables config should be a hash of key value pairs"):
        parse(ok.replace('HEALTHCHECK_TCP_PORT: "2376"', "- HEALTHCHECK_TCP_PORT"))
