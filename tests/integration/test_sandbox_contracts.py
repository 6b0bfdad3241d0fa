"""Contract tests: the sandbox's answers have the fields and JSON types of the examples GitLab documents
(tests/gitlab_doc_shapes.py), reached through python-gitlab over real HTTP as a script written for GitLab
would reach them."""

from __future__ import annotations

import gitlab
import pytest
import requests
from gitlab_doc_shapes import PROJECT, PROJECT_DOC_TYPOS, PROJECT_LIST_ITEM, PROJECT_NULLABLE, shape_problems

SANDBOX_JOB_SECONDS = 0.05  # the shared `sb` fixture (tests/conftest.py) reads it


@pytest.fixture(scope="module")
def gl(sb):
    return gitlab.Gitlab(sb.url, private_token=sb.token, retry_transient_errors=False)


def api(sb, method, path, **kwargs):
    return requests.request(method, f"{sb.url}/api/v4{path}", headers={"PRIVATE-TOKEN": sb.token}, timeout=5, **kwargs)


def test_a_project_has_every_documented_field(sb, gl):
    # owner: GitLab gives it only for a project in a user's namespace; demo/app is in the demo group
    project = gl.projects.get(sb.project_path, statistics=True, license=True)
    skip = PROJECT_DOC_TYPOS | {"owner"}
    assert shape_problems(project.attributes, PROJECT, nullable=PROJECT_NULLABLE, skip=skip) == []
    assert "owner" not in project.attributes
    assert project.statistics["commit_count"] >= 1 and project.license is None
    plain = gl.projects.get(sb.project_path).attributes
    assert "statistics" not in plain and "license" not in plain  # only when asked, as on GitLab


def test_the_project_list_has_every_documented_field(sb, gl):
    listed = gl.projects.list(get_all=True)
    assert listed
    for project in listed:
        assert shape_problems(project.attributes, PROJECT_LIST_ITEM, nullable=PROJECT_NULLABLE) == []
