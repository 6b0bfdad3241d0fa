"""The sandbox's pipelines list as a pipeline monitor reads it (issue 15): GitLab's filters, sources and
pagination headers, through python-gitlab over real HTTP, and the documented list item's shape."""

from __future__ import annotations

import datetime

from tests.gitlab_doc_shapes import shape_problems
from tests.gitlab_monitor_shapes import PIPELINE_LIST_ITEM
from tests.sandbox_helpers import api, commit_files, wait_pipeline

SANDBOX_JOB_SECONDS = 0.05

CI = "unit:\n  script: [echo ok]\n"
FAILING_CI = "unit:\n  script: [exit 4]\n"


def test_filters_sources_and_pages_of_the_pipelines_list(sb, gl):
    project = gl.projects.get(sb.project_path)
    first = commit_files(project, {".gitlab-ci.yml": CI}, "CI on main")
    project.commits.create({"branch": "topic", "start_branch": "main", "commit_message": "A failing topic",
                            "actions": [{"action": "update", "file_path": ".gitlab-ci.yml", "content": FAILING_CI}]})
    pushed = {p.ref: p for p in project.pipelines.list(get_all=True, source="push")}
    assert set(pushed) == {"main", "topic"}
    scheduled = sb.run_pipeline(sb.project_path, "main", source="schedule")
    by_web = sb.run_pipeline(sb.project_path, "main", source="web", user="alice")
    for pid in (pushed["main"].id, pushed["topic"].id, scheduled, by_web):
        wait_pipeline(project, pid)

    listed = project.pipelines.list(get_all=True)
    assert [p.id for p in listed] == sorted((p.id for p in listed), reverse=True)  # newest first by default
    for item in listed:
        assert shape_problems(item.attributes, PIPELINE_LIST_ITEM) == []
    assert {p.source for p in listed} >= {"push", "schedule", "web"}
    assert [p.id for p in project.pipelines.list(get_all=True, source="schedule")] == [scheduled]
    assert [p.id for p in project.pipelines.list(get_all=True, username="alice")] == [by_web]
    assert project.pipelines.get(by_web).user["username"] == "alice"
    assert [p.id for p in project.pipelines.list(get_all=True, ref="topic")] == [pushed["topic"].id]
    assert [p.id for p in project.pipelines.list(get_all=True, status="failed")] == [pushed["topic"].id]
    assert {p.id for p in project.pipelines.list(get_all=True, scope="finished")} == \
        {pushed["main"].id, pushed["topic"].id, scheduled, by_web}
    ascending = [p.id for p in project.pipelines.list(get_all=True, order_by="id", sort="asc")]
    assert ascending == sorted(ascending) and ascending[0] == pushed["main"].id

    future = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert project.pipelines.list(get_all=True, updated_after=future) == []
    assert len(project.pipelines.list(get_all=True, updated_before=future)) == len(listed)
    assert len(project.pipelines.list(get_all=True, created_after="2000-01-01T00:00:00Z")) == len(listed)

    r = api(sb, "GET", "/projects/1/pipelines", params={"per_page": 2, "page": 1})
    assert r.status_code == 200 and len(r.json()) == 2
    assert (r.headers["x-total"], r.headers["x-next-page"], r.headers["x-per-page"]) == (str(len(listed)), "2", "2")
    assert 'rel="next"' in r.headers["link"] and r.headers["RateLimit-Limit"]
    for name, value in (("source", "nowhere"), ("status", "green"), ("scope", "mine"), ("order_by", "name"),
                        ("updated_after", "yesterday")):
        bad = api(sb, "GET", "/projects/1/pipelines", params={name: value})
        assert bad.status_code == 400 and bad.json()["error"] in (f"{name} does not have a valid value",
                                                                 f"{name} is invalid"), (name, bad.json())
    assert first.id in {p.sha for p in listed}
