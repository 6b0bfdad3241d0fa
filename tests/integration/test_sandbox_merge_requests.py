"""Merge requests in the sandbox (issue 15): created through python-gitlab, listed and read with the
documented shapes, and the merge_request_event pipelines GitLab creates for them, with the CI_MERGE_REQUEST_*
variables and the refs/merge-requests/:iid/head ref."""

from __future__ import annotations

from tests.gitlab_doc_shapes import shape_problems
from tests.gitlab_monitor_shapes import (
    MERGE_REQUEST,
    MERGE_REQUEST_LIST_ITEM,
    MERGE_REQUEST_NULLABLE,
    MERGE_REQUEST_PIPELINE,
    PIPELINE_LIST_ITEM,
)
from tests.sandbox_helpers import api, commit_files, git, wait_pipeline, wait_until

SANDBOX_JOB_SECONDS = 0.05

# the merge request pipelines workflow GitLab documents (doc/ci/yaml/workflow.md, "Switch between branch
# pipelines and merge request pipelines")
MR_CI = """workflow:
  name: "$CI_PIPELINE_SOURCE pipeline for $CI_COMMIT_REF_NAME"
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS
      when: never
    - if: $CI_COMMIT_BRANCH
unit:
  script:
    - echo "mr=[$CI_MERGE_REQUEST_IID] $CI_MERGE_REQUEST_SOURCE_BRANCH_NAME to $CI_MERGE_REQUEST_TARGET_BRANCH_NAME"
    - echo "branch=[$CI_COMMIT_BRANCH] ref=$CI_COMMIT_REF_NAME source=$CI_PIPELINE_SOURCE"
    - echo "title=$CI_MERGE_REQUEST_TITLE ref_path=$CI_MERGE_REQUEST_REF_PATH"
mr-only:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script: [echo only in merge requests]
"""
PLAIN_CI = "unit:\n  script: [echo plain]\n"


def _branch(project, name: str, files: dict[str, str], message: str):
    actions = [{"action": "create", "file_path": path, "content": text} for path, text in files.items()]
    return project.commits.create({"branch": name, "start_branch": "main", "commit_message": message,
                                   "actions": actions})


def test_a_merge_request_gets_merge_request_pipelines(sb, gl, tmp_path):
    project = gl.projects.get(sb.project_path)
    first = _branch(project, "feature", {".gitlab-ci.yml": MR_CI}, "Merge request pipelines")
    [branch_pipeline] = project.pipelines.list(get_all=True, ref="feature")
    assert branch_pipeline.source == "push" and branch_pipeline.sha == first.id
    wait_pipeline(project, branch_pipeline.id)

    mr = project.mergerequests.create({"source_branch": "feature", "target_branch": "main",
                                       "title": "Add CI", "description": "Runs on merge requests"})
    assert (mr.iid, mr.state, mr.source_branch, mr.sha) == (1, "opened", "feature", first.id)
    assert shape_problems(mr.attributes, MERGE_REQUEST, nullable=MERGE_REQUEST_NULLABLE) == []
    mr_pipelines = mr.pipelines.list(get_all=True)
    assert [p.source for p in mr_pipelines] == ["merge_request_event", "push"]
    for item in mr_pipelines:
        assert shape_problems(item.attributes, MERGE_REQUEST_PIPELINE) == []
        assert shape_problems(item.attributes, PIPELINE_LIST_ITEM) == []
    detached = mr_pipelines[0]
    assert (detached.ref, detached.sha) == ("refs/merge-requests/1/head", first.id)
    assert (detached.name, mr_pipelines[1].name) == ("merge_request_event pipeline for feature",
                                                     "push pipeline for feature")  # workflow:name
    wait_pipeline(project, detached.id)
    jobs = {j.name: j for j in project.pipelines.get(detached.id).jobs.list(get_all=True)}
    assert set(jobs) == {"unit", "mr-only"}
    trace = project.jobs.get(jobs["unit"].id, lazy=True).trace().decode()
    assert "mr=[1] feature to main" in trace
    assert "branch=[] ref=feature source=merge_request_event" in trace
    assert "title=Add CI ref_path=refs/merge-requests/1/head" in trace

    # a push to the source branch: a new merge request pipeline, and no branch pipeline (workflow rules)
    second = commit_files(project, {"README.md": "# changed\n"}, "Change the readme", branch="feature")
    newer = wait_until(lambda: [p for p in project.mergerequests.get(1).pipelines.list(get_all=True)
                                if p.sha == second.id])
    assert [p.source for p in newer] == ["merge_request_event"]
    assert [p.sha for p in project.pipelines.list(get_all=True, ref="feature")] == [first.id]
    got = project.mergerequests.get(1)
    assert got.sha == second.id and got.head_pipeline["id"] == newer[0].id
    assert got.diff_refs["head_sha"] == second.id
    assert project.pipelines.list(get_all=True, source="merge_request_event", ref="refs/merge-requests/1/head")
    ls = git(["ls-remote", f"{sb.url}/{sb.project_path}.git", "refs/merge-requests/1/head"], cwd=tmp_path,
             token=sb.token)
    assert ls.stdout.split() == [second.id, "refs/merge-requests/1/head"]  # the ref follows the source branch
    r = api(sb, "POST", "/projects/1/merge_requests/1/pipelines")
    assert r.status_code == 201 and r.json()["source"] == "merge_request_event"
    wait_pipeline(project, r.json()["id"])


def test_list_filters_errors_and_close(sb, gl):
    project = gl.projects.get(sb.project_path)
    _branch(project, "plain", {"ci/plain.txt": "x\n"}, "No CI change")
    mr = project.mergerequests.create({"source_branch": "plain", "target_branch": "main", "title": "Draft: plain"})
    assert mr.draft is True and mr.detailed_merge_status == "draft_status"
    listed = project.mergerequests.list(get_all=True, state="opened")
    for item in listed:
        assert shape_problems(item.attributes, MERGE_REQUEST_LIST_ITEM) == []
    assert [m.iid for m in project.mergerequests.list(get_all=True, source_branch="plain")] == [mr.iid]
    assert project.mergerequests.list(get_all=True, source_branch="nowhere") == []
    r = api(sb, "POST", "/projects/1/merge_requests", json={"source_branch": "plain", "target_branch": "main",
                                                            "title": "again"})
    assert (r.status_code, r.json()) == \
        (409, {"message": [f"Another open merge request already exists for this source branch: !{mr.iid}"]})
    r = api(sb, "POST", "/projects/1/merge_requests", json={"source_branch": "main", "target_branch": "main",
                                                            "title": "same"})
    assert (r.status_code, r.json()) == (422, {"message": ["You can't use same project/branch for source and target"]})
    r = api(sb, "POST", "/projects/1/merge_requests", json={"source_branch": "gone", "target_branch": "main",
                                                            "title": "gone"})
    assert (r.status_code, r.json()) == (400, {"message": {"source_branch": ["does not exist"]}})
    r = api(sb, "POST", "/projects/1/merge_requests", json={})
    assert (r.status_code, r.json()) == \
        (400, {"error": "source_branch is missing, target_branch is missing, title is missing"})
    assert api(sb, "GET", "/projects/1/merge_requests/99").json() == {"message": "404 Not Found"}
    mr.state_event = "close"
    mr.save()
    assert project.mergerequests.get(mr.iid).state == "closed"
    assert mr.iid not in [m.iid for m in project.mergerequests.list(get_all=True, state="opened")]
    assert mr.iid in [m.iid for m in project.mergerequests.list(get_all=True, state="closed")]


def test_without_merge_request_rules_no_merge_request_pipeline(sb, gl):
    """GitLab's default `only: [branches, tags]`: a CI file with no rules gets no merge request pipeline."""
    project = gl.projects.get(sb.project_path)
    _branch(project, "plain-ci", {"other.txt": "y\n"}, "Another branch")
    commit_files(project, {".gitlab-ci.yml": PLAIN_CI}, "Plain CI", branch="plain-ci")
    mr = project.mergerequests.create({"source_branch": "plain-ci", "target_branch": "main", "title": "Plain"})
    assert [p.source for p in mr.pipelines.list(get_all=True)] == ["push"]
    r = api(sb, "POST", f"/projects/1/merge_requests/{mr.iid}/pipelines")
    assert r.status_code == 400 and "prevented any jobs" in r.json()["message"]["base"][0]
