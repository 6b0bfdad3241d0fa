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

# doc/api/merge_requests.md, 'List project merge requests' (an item): the fields of the stored (13.x) revision's
# example, plus draft, detailed_merge_status, merge_user, reviewers, has_conflicts and prepared_at, which newer
# revisions document in the same example (Entities::MergeRequestBasic)
_USER_BASIC: dict[str, Any] = {"id": "int", "name": "str", "username": "str", "state": "str", "avatar_url": None,
                               "web_url": "str"}
MERGE_REQUEST_LIST_ITEM: dict[str, Any] = {
    "id": "int", "iid": "int", "project_id": "int", "title": "str", "description": "str", "state": "str",
    "merged_by": None, "merge_user": None, "merged_at": None, "closed_by": None, "closed_at": None,
    "created_at": "str", "updated_at": "str", "target_branch": "str", "source_branch": "str", "upvotes": "int",
    "downvotes": "int", "author": _USER_BASIC, "assignee": None, "assignees": [_USER_BASIC], "reviewers": [],
    "source_project_id": "int", "target_project_id": "int", "labels": ["str"], "draft": "bool",
    "work_in_progress": "bool", "milestone": None, "merge_when_pipeline_succeeds": "bool", "merge_status": "str",
    "detailed_merge_status": "str", "sha": "str", "merge_commit_sha": None, "squash_commit_sha": None,
    "user_notes_count": "int", "discussion_locked": None, "should_remove_source_branch": None,
    "force_remove_source_branch": "bool", "web_url": "str",
    "references": {"short": "str", "relative": "str", "full": "str"},
    "time_stats": {"time_estimate": "int", "total_time_spent": "int", "human_time_estimate": None,
                   "human_total_time_spent": None},
    "squash": "bool", "task_completion_status": {"count": "int", "completed_count": "int"}, "has_conflicts": "bool",
    "prepared_at": "str",
}
# doc/api/merge_requests.md, 'Get single MR' and 'Create MR' (Entities::MergeRequest): the list item's fields and
# these; pipeline and head_pipeline are null until the merge request has a pipeline
MERGE_REQUEST: dict[str, Any] = {
    **MERGE_REQUEST_LIST_ITEM, "subscribed": "bool", "changes_count": "str", "latest_build_started_at": None,
    "latest_build_finished_at": None, "first_deployed_to_production_at": None,
    "pipeline": {"id": "int", "sha": "str", "ref": "str", "status": "str", "web_url": "str"},
    "head_pipeline": {"id": "int", "iid": "int", "project_id": "int", "sha": "str", "ref": "str", "status": "str",
                      "source": "str", "created_at": "str", "updated_at": "str", "web_url": "str",
                      "before_sha": "str", "tag": "bool", "yaml_errors": None, "user": _USER_BASIC,
                      "started_at": None, "finished_at": None, "committed_at": None, "duration": None,
                      "queued_duration": None, "coverage": None, "detailed_status": {"icon": "str", "text": "str"}},
    "diff_refs": {"base_sha": "str", "head_sha": "str", "start_sha": "str"}, "merge_error": None,
    "user": {"can_merge": "bool"},
}
# doc/api/merge_requests.md, 'List merge request pipelines' (an item; Entities::Ci::PipelineBasic)
MERGE_REQUEST_PIPELINE: dict[str, Any] = {"id": "int", "sha": "str", "ref": "str", "status": "str"}
# Fields GitLab gives as null in the situations the sandbox plays (no assignee, no milestone, not merged)
MERGE_REQUEST_NULLABLE = frozenset({"pipeline", "head_pipeline"})

# doc/api/groups.md, 'List groups' (an item) and 'Details of a group' (the same fields, and projects); a group's
# projects ('List a group's projects') are project list items: tests/gitlab_doc_shapes.py's PROJECT_LIST_ITEM
GROUP: dict[str, Any] = {
    "id": "int", "name": "str", "path": "str", "description": "str", "visibility": "str", "lfs_enabled": "bool",
    "avatar_url": None, "web_url": "str", "request_access_enabled": "bool", "full_name": "str", "full_path": "str",
    "parent_id": None,
}

# doc/api/jobs.md, 'Get a single job' and the jobs lists: a job with artifacts lists each file it keeps, and
# artifacts_file names its archive (doc/api/job_artifacts.md)
JOB_ARTIFACT: dict[str, Any] = {"file_type": "str", "size": "int", "filename": "str", "file_format": None}
JOB_WITH_ARTIFACTS: dict[str, Any] = {"artifacts": [JOB_ARTIFACT], "artifacts_file": {"filename": "str", "size": "int"},
                                      "artifacts_expire_at": "str"}
