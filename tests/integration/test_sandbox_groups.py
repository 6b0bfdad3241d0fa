"""Groups with several projects in the sandbox (issue 15): Sandbox.create_group_projects, GET /groups,
/groups/:id and /groups/:id/projects (paged, include_subgroups) through python-gitlab, the rate-limit headers
on every answer and the 429 with Retry-After past a configured limit."""

from __future__ import annotations

import gitlab
import pytest

from dockwright.sandbox import Faults
from dockwright.wizard.errors import BadInput
from tests.gitlab_doc_shapes import PROJECT_LIST_ITEM, PROJECT_NULLABLE, shape_problems
from tests.gitlab_monitor_shapes import GROUP
from tests.sandbox_helpers import api, wait_pipeline

SANDBOX_JOB_SECONDS = 0.05


def test_a_group_of_projects_each_with_a_pipeline(sb, gl):
    paths = sb.create_group_projects("fleet", 25)
    assert paths[0] == "fleet/app-01" and len(paths) == 25
    assert sb.create_group_projects("fleet", 25) == paths  # a second call keeps them as they are
    sb.create_group_projects("fleet/team", 2, pipelines=False)

    group = gl.groups.get("fleet")
    assert shape_problems(group.attributes, GROUP) == []
    assert (group.full_path, group.parent_id, len(group.attributes["projects"])) == ("fleet", None, 25)
    assert gl.groups.get(group.id).full_path == "fleet"  # by id as well as by path
    sub = gl.groups.get("fleet/team")
    assert (sub.parent_id, sub.full_name) == (group.id, "fleet / team")
    assert {g.full_path for g in gl.groups.list(get_all=True)} == {"demo", "fleet", "fleet/team"}
    assert [g.full_path for g in gl.groups.list(get_all=True, search="tea")] == ["fleet/team"]

    own = group.projects.list(get_all=True)
    assert len(own) == 25 and {p.path_with_namespace for p in own} == set(paths)
    for project in own:
        assert shape_problems(project.attributes, PROJECT_LIST_ITEM, nullable=PROJECT_NULLABLE) == []
    assert len(group.projects.list(get_all=True, include_subgroups=True)) == 27
    page = group.projects.list(per_page=10, page=3, order_by="path", sort="asc")
    assert [p.path for p in page] == [f"app-{n:02d}" for n in range(21, 26)]
    r = api(sb, "GET", f"/groups/{group.id}/projects", params={"per_page": 10})
    assert (r.headers["x-total"], r.headers["x-total-pages"], r.headers["x-next-page"]) == ("25", "3", "2")
    simple = api(sb, "GET", "/groups/fleet/projects", params={"simple": "true", "per_page": 1}).json()[0]
    assert "namespace" in simple and "permissions" not in simple

    first = gl.projects.get("fleet/app-01")
    [pipeline] = first.pipelines.list(get_all=True)
    assert (pipeline.source, pipeline.ref) == ("push", "main")
    assert wait_pipeline(first, pipeline.id).status == "success"
    assert gl.projects.get("fleet/team/app-01").pipelines.list(get_all=True) == []

    assert api(sb, "GET", "/groups/nowhere").json() == {"message": "404 Group Not Found"}
    other = gitlab.Gitlab(sb.url, private_token=sb.create_token(scopes=("read_api",), user="outsider"))
    assert other.groups.list(get_all=True) == []
    with pytest.raises(gitlab.exceptions.GitlabGetError):
        other.groups.get("fleet")
    for bad in ("", "a//b", "-x"):
        with pytest.raises(BadInput):
            sb.create_group_projects(bad, 1)
    with pytest.raises(BadInput):
        sb.create_group_projects("root", 1)  # a user's namespace


def test_rate_limit_headers_and_429_past_the_limit(sb, gl):
    r = api(sb, "GET", "/groups/fleet/projects")
    assert r.headers["RateLimit-Name"] == "throttle_authenticated_api"
    assert int(r.headers["RateLimit-Limit"]) >= int(r.headers["RateLimit-Remaining"])
    assert {"RateLimit-Observed", "RateLimit-Reset"} <= set(r.headers)
    sb.set_faults(Faults(rate_limit_per_minute=2, rate_limit_window=1.0))
    try:
        answers = [api(sb, "GET", "/groups/fleet/projects") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert answers[1].headers["RateLimit-Remaining"] == "0"
        assert int(answers[2].headers["Retry-After"]) >= 1 and answers[2].text == "Retry later\n"
        # python-gitlab waits Retry-After and asks again, as it does against GitLab
        assert len(gl.groups.get("fleet", lazy=True).projects.list(get_all=True)) == 25
    finally:
        sb.set_faults(Faults())
