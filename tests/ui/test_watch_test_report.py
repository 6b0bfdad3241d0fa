"""The JUnit test report summary in the pipeline view (wizard/test_report.py, screens/widgets/test_report.py):
the documented example, and a live sandbox pipeline whose tests fail."""

from __future__ import annotations

import json
from pathlib import Path

from dockwright.screens.watch_app import WatchApp
from dockwright.screens.widgets.test_report import TestReportBox
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.test_report import summarize
from tests.sandbox_helpers import commit_and_push
from tests.ui.test_watch_screen import QUICK, until

SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it
EXAMPLES = Path(__file__).resolve().parent.parent / "gitlab_monitor_examples.json"
JUNIT = ('<testsuites><testsuite name="unit" tests="3">'
         '<testcase classname="test_app" name="test_hello" time="0.25"/>'
         '<testcase classname="test_app" name="test_health" time="0.5">'
         '<failure message="assert 500 == 200">AssertionError: assert 500 == 200</failure></testcase>'
         '<testcase classname="test_app" name="test_later"><skipped/></testcase>'
         '</testsuite></testsuites>')
CI = f"""unit:
  script:
    - |-
      echo '{JUNIT}' > report.xml
    - exit 1
  artifacts:
    when: always
    reports:
      junit: report.xml
"""


def test_the_documented_example_reads_as_one_passed_test():
    example = json.loads(EXAMPLES.read_text())["GET /projects/:id/pipelines/:pipeline_id/test_report"]
    summary = summarize(example["example_response"])
    assert summary.lines() == ["Tests: 1 run, 1 passed"]
    assert summarize({"total_count": 0, "test_suites": []}).lines() == []


def test_many_failures_are_cut_with_a_count():
    cases = [{"status": "failed", "name": f"t{i}", "classname": "c"} for i in range(10)]
    summary = summarize({"total_count": 10, "failed_count": 10, "test_suites": [{"name": "s", "test_cases": cases}]})
    lines = summary.lines(limit=3)
    assert lines[0] == "Tests: 10 run, 0 passed, 10 failed" and lines[1:4] == ["  ✘ s: c.t0", "  ✘ s: c.t1", "  ✘ s: c.t2"]
    assert lines[4].startswith("  … and 7 more")


async def test_the_pipeline_view_names_the_failed_tests(sb, workdir):
    sha = commit_and_push(workdir, {".gitlab-ci.yml": CI}, "tests", sb.token, "junit-view")
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, sha=sha, schedule=QUICK)
    async with app.run_test(size=(120, 36)) as pilot:
        box = app.screen.query_one(TestReportBox)
        await until(pilot, lambda: box.summary is not None)
        assert box.display and box.has_class("-failed")
        assert str(box.render()).splitlines() == ["Tests: 3 run, 1 passed, 1 failed, 1 skipped",
                                                  "  ✘ unit: test_app.test_health"]
        await pilot.press("q")
    assert app.return_value == 1
