"""Job artifacts and test reports in the sandbox (issue 15): a job's script writes files and a JUnit report,
artifacts:paths and artifacts:reports:junit keep them, and python-gitlab reads them back as from GitLab:
job.artifacts(), job.artifact(path), project.artifacts.download(), pipeline.test_report.get() and
pipeline.test_report_summary.get(), with the documented shapes."""

from __future__ import annotations

import io
import zipfile

from tests.gitlab_doc_shapes import shape_problems
from tests.gitlab_monitor_shapes import JOB_WITH_ARTIFACTS, TEST_REPORT, TEST_REPORT_SUMMARY
from tests.sandbox_helpers import api, commit_files, wait_pipeline

SANDBOX_JOB_SECONDS = 0.05

JUNIT_UNIT = ('<testsuites><testsuite name="unit" tests="3">'
              '<testcase classname="test_app" name="test_hello" time="0.25"/>'
              '<testcase classname="test_app" name="test_health" time="0.5">'
              '<failure message="assert 500 == 200">AssertionError: assert 500 == 200</failure></testcase>'
              '<testcase classname="test_app" name="test_later"><skipped/></testcase>'
              '</testsuite></testsuites>')
CI = f"""stages: [build, test]
build:
  stage: build
  script:
    - mkdir -p dist
    - echo "wheel for $CI_COMMIT_SHORT_SHA" > dist/app.whl
    - echo "notes" > dist/notes.txt
  artifacts:
    paths: [dist/, app.py]
    expire_in: 1 week
unit:
  stage: test
  script:
    - |-
      echo '{JUNIT_UNIT}' > report.xml
    - exit 1
  artifacts:
    when: always
    reports:
      junit: report.xml
lint:
  stage: test
  script:
    - echo '<testsuite><testcase classname="lint" name="ruff" time="1"/></testsuite>' > lint.xml
  artifacts:
    reports:
      junit: [lint.xml]
broken:
  stage: test
  allow_failure: true
  script:
    - echo 'not xml <' > broken.xml
  artifacts:
    reports:
      junit: broken.xml
"""


def _jobs(pipeline):
    return {j.name: j for j in pipeline.jobs.list(get_all=True)}


def test_artifacts_and_the_test_report_of_a_pipeline(sb, gl, tmp_path):
    project = gl.projects.get(sb.project_path)
    commit = commit_files(project, {".gitlab-ci.yml": CI}, "Artifacts and reports")
    [listed] = project.pipelines.list(get_all=True, sha=commit.id)
    pipeline = wait_pipeline(project, listed.id, statuses=("success", "failed"))
    assert pipeline.status == "failed"
    jobs = _jobs(pipeline)
    build = project.jobs.get(jobs["build"].id)
    assert shape_problems(build.attributes, JOB_WITH_ARTIFACTS) == []
    assert [a["file_type"] for a in build.attributes["artifacts"]] == ["archive", "metadata", "trace"]
    assert build.artifacts_file["filename"] == "artifacts.zip"
    assert jobs["build"].artifacts_file == build.artifacts_file  # the jobs list shows it too

    archive = zipfile.ZipFile(io.BytesIO(build.artifacts()))
    assert sorted(archive.namelist()) == ["app.py", "dist/app.whl", "dist/notes.txt"]
    assert archive.read("dist/app.whl") == f"wheel for {commit.id[:8]}\n".encode()
    assert build.artifact("dist/notes.txt") == b"notes\n"
    assert project.artifacts.download(ref_name="main", job="build") == build.artifacts()
    assert project.artifacts.raw("main", "dist/notes.txt", "build") == b"notes\n"
    r = api(sb, "GET", f"/projects/1/jobs/{build.id}/artifacts")
    assert r.headers["Content-Disposition"].startswith('attachment; filename="artifacts.zip"')
    assert api(sb, "GET", f"/projects/1/jobs/{build.id}/artifacts/dist/nothing").status_code == 404
    unit = project.jobs.get(jobs["unit"].id)
    assert [a["file_type"] for a in unit.attributes["artifacts"]] == ["junit", "trace"] and "artifacts_file" not in unit.attributes
    missing = api(sb, "GET", f"/projects/1/jobs/{unit.id}/artifacts")
    assert (missing.status_code, missing.json()) == (404, {"message": "404 Not Found"})

    report = pipeline.test_report.get()
    assert shape_problems(report.attributes, TEST_REPORT) == []
    assert (report.total_count, report.success_count, report.failed_count, report.skipped_count) == (4, 2, 1, 1)
    suites = {s["name"]: s for s in report.test_suites}
    assert set(suites) == {"unit", "lint", "broken"}
    failed = [c for c in suites["unit"]["test_cases"] if c["status"] == "failed"]
    assert [(c["classname"], c["name"], c["system_output"]) for c in failed] == \
        [("test_app", "test_health", "AssertionError: assert 500 == 200")]
    assert suites["unit"]["total_time"] == 0.75 and suites["lint"]["success_count"] == 1
    assert suites["broken"]["suite_error"].startswith("JUnit XML parsing failed") and suites["broken"]["total_count"] == 0

    summary = pipeline.test_report_summary.get()
    assert shape_problems(summary.attributes, TEST_REPORT_SUMMARY, nullable=frozenset({"total.suite_error"})) == []
    assert (summary.total["count"], summary.total["failed"], summary.total["skipped"]) == (report.total_count, 1, 1)
    unit_summary = next(s for s in summary.test_suites if s["name"] == "unit")
    assert unit_summary["build_ids"] == [unit.id] and "test_cases" not in unit_summary

    trace = unit.trace().decode()
    assert 'Uploading artifacts as "junit" to coordinator... 201 Created' in trace

    assert api(sb, "DELETE", f"/projects/1/jobs/{build.id}/artifacts").status_code == 204
    assert api(sb, "GET", f"/projects/1/jobs/{build.id}/artifacts").status_code == 404
    assert [a["file_type"] for a in project.jobs.get(build.id).attributes["artifacts"]] == ["trace"]


def test_a_pipeline_without_reports_has_an_empty_test_report(sb, gl):
    project = gl.projects.get(sb.project_path)
    commit = commit_files(project, {".gitlab-ci.yml": "plain:\n  script: [echo ok]\n"}, "No reports")
    [listed] = project.pipelines.list(get_all=True, sha=commit.id)
    pipeline = wait_pipeline(project, listed.id)
    empty = pipeline.test_report.get().attributes
    assert {k: v for k, v in empty.items() if k not in ("project_id", "pipeline_id")} == {  # python-gitlab adds those
        "total_time": 0, "total_count": 0, "success_count": 0, "failed_count": 0, "skipped_count": 0,
        "error_count": 0, "test_suites": []}
    summary = pipeline.test_report_summary.get()
    assert summary.total["count"] == 0 and summary.test_suites == []
    assert api(sb, "GET", "/projects/1/pipelines/999999/test_report").status_code == 404
