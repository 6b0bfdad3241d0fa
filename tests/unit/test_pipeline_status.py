"""GitLab's composite pipeline status (Gitlab::Ci::Status::Composite), the one rule sandbox and watch share."""

import pytest

from dockwright.wizard.pipeline_status import composite_status

M = "manual"

CASES = [
    # (jobs as (status, allow_failure), composed status)
    ([], None),
    ([("success", False), ("success", False)], "success"),
    ([("success", False), ("failed", False)], "failed"),
    ([("success", False), ("failed", True)], "success"),       # allowed to fail: success with warnings
    ([("success", False), ("canceled", True)], "success"),
    ([("failed", True)], "success"),
    ([("success", False), ("canceled", False)], "canceled"),
    ([("canceled", False), ("failed", False)], "failed"),
    ([("running", False), ("created", False)], "running"),
    ([("pending", False), ("created", False)], "pending"),
    ([("success", False), ("pending", False)], "running"),
    ([("success", False), ("created", False)], "running"),
    ([("created", False), ("created", False)], "created"),
    ([("skipped", False)], "skipped"),
    ([("success", False), ("skipped", False)], "success"),
    ([("success", False), (M, False)], "manual"),               # a blocking manual job holds the pipeline
    ([("created", False), (M, False)], "manual"),
    ([("success", False), (M, True)], "success"),               # an optional manual job is ignored
    ([(M, True)], "skipped"),                                   # only optional manual jobs: skipped, not success
    ([(M, True), ("skipped", False)], "skipped"),
    ([(M, True), ("created", False)], "created"),
    ([("failed", False), (M, False)], "manual"),
    ([("failed", False), (M, True)], "failed"),
    ([("waiting_for_resource", False), ("success", False)], "waiting_for_resource"),
    ([("scheduled", False), ("success", False)], "scheduled"),
    ([("preparing", False)], "preparing"),
    ([("canceling", False), ("success", False)], "running"),
]


@pytest.mark.parametrize(("jobs", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_composite_status(jobs, expected):
    assert composite_status(jobs) == expected


def test_accepts_any_iterable_once():
    assert composite_status(iter([("success", False), ("failed", True)])) == "success"
