"""Documented example answers of the endpoints a pipeline monitor uses (issue 15), kept as shapes for the
sandbox's contract tests, in the form tests/gitlab_doc_shapes.py uses (field names and JSON types; ``None``
marks a field the doc shows as null). Each entry names its doc page in gitlabhq/gitlabhq; where a page's
example is older than fields GitLab has since added, the entry says which fields come from where."""

from __future__ import annotations

from typing import Any

# doc/api/pipelines.md, 'List project pipelines' (an item)
PIPELINE_LIST_ITEM: dict[str, Any] = {
    "id": "int", "iid": "int", "project_id": "int", "status": "str", "source": "str", "ref": "str", "sha": "str",
    "name": None, "web_url": "str", "created_at": "str", "updated_at": "str",
}

# doc/api/pipelines.md, 'Get a test report for a pipeline' and 'Get a test report summary for a pipeline'
TEST_CASE: dict[str, Any] = {"status": "str", "name": "str", "classname": "str", "execution_time": "float",
                             "system_output": None, "stack_trace": None}
TEST_REPORT: dict[str, Any] = {
    "total_time": "float", "total_count": "int", "success_count": "int", "failed_count": "int",
    "skipped_count": "int", "error_count": "int",
    "test_suites": [{"name": "str", "total_time": "float", "total_count": "int", "success_count": "int",
                     "failed_count": "int", "skipped_count": "int", "error_count": "int", "test_cases": [TEST_CASE]}],
}
TEST_REPORT_SUMMARY: dict[str, Any] = {
    "total": {"time": "float", "count": "int", "success": "int", "failed": "int", "skipped": "int", "error": "int",
              "suite_error": None},
    "test_suites": [{"name": "str", "total_time": "float", "total_count": "int", "success_count": "int",
                     "failed_count": "int", "skipped_count": "int", "error_count": "int", "build_ids": ["int"],
                     "suite_error": None}],
}
