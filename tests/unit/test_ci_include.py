"""The sandbox's ``include:`` (issue 17): ``template:`` for the templates dockwright generates, merged as GitLab
merges them (included files first, the project's file over them, hashes key by key); every other include is
refused, an unknown template with GitLab's own error (lib/gitlab/ci/config/external/file/*.rb)."""

from __future__ import annotations

import pytest

from dockwright.sandbox.ci_include import TEMPLATES, deep_merge, expand_includes
from dockwright.sandbox.tools_sim import CS_REPORT
from dockwright.wizard.plan import Plan, replace_in
from dockwright.wizard.render import render_pipeline
from dockwright.wizard.render.pipeline_scan import SCAN_JOB, SCAN_TEMPLATE
from tests.unit.test_ci_config import error_of, parse
from tests.unit.test_generated_jobs_play import jobs, play, predefined, registry


def test_the_template_dockwright_includes_is_there_with_the_real_job_name():
    assert SCAN_TEMPLATE in TEMPLATES
    pipeline = parse("include:\n  - template: Jobs/Container-Scanning.gitlab-ci.yml\nstages: [build, test]\n"
                     "b:\n  stage: build\n  script: [x]\n")
    scan = {j.name: j for j in pipeline.jobs}[SCAN_JOB]
    assert scan.stage == "test" and scan.allow_failure is True and scan.script == ("gtcs scan",)
    assert scan.variables["GIT_STRATEGY"] == "none" and CS_REPORT in scan.artifacts.paths


def test_the_projects_file_wins_key_by_key_over_the_included_job():
    text = ("include:\n  - template: Jobs/Container-Scanning.gitlab-ci.yml\nstages: [build, release]\n"
            "b:\n  stage: build\n  script: [x]\ncontainer_scanning:\n  stage: release\n  variables:\n    CS_IMAGE: img:1\n")
    scan = {j.name: j for j in parse(text).jobs}[SCAN_JOB]
    assert scan.stage == "release" and scan.variables["CS_IMAGE"] == "img:1"
    assert scan.variables["GIT_STRATEGY"] == "none" and scan.script == ("gtcs scan",)  # the template's keys stay
    assert deep_merge({"a": {"x": 1, "l": [1]}}, {"a": {"y": 2, "l": [2]}}) == {"a": {"x": 1, "y": 2, "l": [2]}}
    assert expand_includes({"b": 1}) == {"b": 1}


@pytest.mark.parametrize(("include", "message"), [
    ("[{template: Jobs/Nope.gitlab-ci.yml}]", "Included file `Jobs/Nope.gitlab-ci.yml` is empty or does not exist!"),
    ("[{template: Jobs/Container-Scanning.yml}]", "Template file `Jobs/Container-Scanning.yml` is not a valid location!"),
    ("[{file: x.yml}]", '`{"file":"x.yml"}` does not have a valid subkey for include. Valid subkeys are: '
                        "`local`, `project`, `remote`, `template`, `artifact`, `component`"),
    ("[{local: a.yml, template: Jobs/Container-Scanning.gitlab-ci.yml}]",
     "Each include must use only one of: `local`, `project`, `remote`, `template`, `artifact`, `component`"),
    ("[{local: ci/other.yml}]", "include config is not supported in the sandbox"),
    ("[{remote: 'https://example.com/ci.yml'}]", "include config is not supported in the sandbox"),
    ("ci/other.yml", "include config is not supported in the sandbox"),
])
def test_other_includes_are_refused_with_gitlabs_words(include: str, message: str):
    err = error_of(f"include: {include}\nb:\n  script: [x]\n")
    assert str(err) == message
    if "sandbox" in message:
        assert "template" in err.note


def test_the_generated_scan_job_runs_on_the_pushed_image_and_keeps_its_report():
    text = render_pipeline(replace_in(Plan(), "pipeline", container_scanning=True))
    _, found = jobs(text)
    reg = registry()
    variables = {**predefined(), "CI_TEMPLATE_REGISTRY_HOST": "registry.gitlab.com"}
    log, result = play(found[SCAN_JOB], reg, variables=variables)
    assert result.status == "failed" and "Failed to pull" in log  # nothing pushed yet: the scan cannot pull
    play(found["dockwright-build"], reg)
    log, result = play(found[SCAN_JOB], reg, variables=variables)
    assert result.status == "success", log
    assert "registry.gitlab.com/security-products/container-scanning:5" in log
    assert dict(result.artifacts)[CS_REPORT].startswith(b'{\n  "version": "15.')
