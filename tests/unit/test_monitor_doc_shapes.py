"""The shapes the monitor's contract tests check the sandbox against (tests/gitlab_monitor_shapes.py) still
describe GitLab's documented example answers (tests/gitlab_monitor_examples.json): a shape cannot drift from
the docs unnoticed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gitlab_doc_shapes import shape_problems
from tests.gitlab_monitor_shapes import (
    GROUP,
    MERGE_REQUEST_LIST_ITEM,
    MERGE_REQUEST_PIPELINE,
    PIPELINE_LIST_ITEM,
    TEST_REPORT,
    TEST_REPORT_SUMMARY,
)

EXAMPLES = json.loads((Path(__file__).parents[1] / "gitlab_monitor_examples.json").read_text())
# fields the shapes take from newer revisions of merge_requests.md than the stored example's
NEWER_MR_FIELDS = frozenset({"draft", "detailed_merge_status", "merge_user", "reviewers", "has_conflicts",
                             "prepared_at"})

CASES = [
    ("GET /projects/:id/pipelines", PIPELINE_LIST_ITEM, frozenset()),
    ("GET /projects/:id/pipelines/:pipeline_id/test_report", TEST_REPORT, frozenset()),
    ("GET /projects/:id/pipelines/:pipeline_id/test_report_summary", TEST_REPORT_SUMMARY, frozenset()),
    ("GET /projects/:id/merge_requests/:merge_request_iid/pipelines", MERGE_REQUEST_PIPELINE, frozenset()),
    ("GET /projects/:id/merge_requests", MERGE_REQUEST_LIST_ITEM, NEWER_MR_FIELDS),
    ("GET /groups", GROUP, frozenset()),
]


@pytest.mark.parametrize(("endpoint", "shape", "skip"), CASES, ids=[c[0] for c in CASES])
def test_each_shape_describes_its_documented_example(endpoint, shape, skip):
    example = EXAMPLES[endpoint]["example_response"]
    items = example if isinstance(example, list) else [example]
    assert items, endpoint
    for item in items:
        assert shape_problems(item, shape, skip=skip) == [], EXAMPLES[endpoint]["doc"]


def test_every_documented_example_is_checked():
    assert {c[0] for c in CASES} == {k for k in EXAMPLES if not k.startswith("_")}
