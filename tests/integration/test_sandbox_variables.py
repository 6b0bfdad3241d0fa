"""Project CI/CD variables through python-gitlab, with GitLab's error bodies, and pagination headers."""

from __future__ import annotations

import gitlab
import pytest

from tests.sandbox_helpers import api

SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it


@pytest.fixture
def project(sb):
    gl = gitlab.Gitlab(sb.url, private_token=sb.token)
    project = gl.projects.get(sb.project_path)
    yield project
    for var in project.variables.list(get_all=True):
        sb.store.execute("DELETE FROM variables WHERE key = ?", (var.key,))


def test_create_read_update_delete(project):
    created = project.variables.create({"key": "GREETING", "value": "hello", "description": "a word"})
    assert {k: v for k, v in created.attributes.items() if k != "project_id"} == {"variable_type": "env_var", "key": "GREETING", "value": "hello", "protected": False,
                                  "masked": False, "hidden": False, "raw": False, "environment_scope": "*",
                                  "description": "a word"}
    got = project.variables.get("GREETING")
    assert got.value == "hello"
    project.variables.update("GREETING", {"value": "bonjour", "protected": True})
    got = project.variables.get("GREETING")
    assert (got.value, got.protected) == ("bonjour", True)
    assert [v.key for v in project.variables.list(get_all=True)] == ["GREETING"]
    project.variables.delete("GREETING")
    with pytest.raises(gitlab.GitlabGetError) as err:
        project.variables.get("GREETING")
    assert err.value.response_code == 404


def test_error_bodies(sb, project):
    project.variables.create({"key": "TAKEN", "value": "one"})
    r = api(sb, "POST", "/projects/1/variables", json={"key": "TAKEN", "value": "two"})
    assert (r.status_code, r.json()) == (400, {"message": {"key": ["(TAKEN) has already been taken"]}})
    r = api(sb, "POST", "/projects/1/variables", json={"key": "SECRET", "value": "short", "masked": True})
    assert (r.status_code, r.json()) == (400, {"message": {"value": ["is invalid"]}})
    r = api(sb, "POST", "/projects/1/variables", json={"key": "BAD-KEY", "value": "x"})
    assert (r.status_code, r.json()) == (400, {"message": {"key": ["can contain only letters, digits and '_'."]}})
    r = api(sb, "POST", "/projects/1/variables", json={"value": "x"})
    assert (r.status_code, r.json()) == (400, {"error": "key is missing"})
    r = api(sb, "GET", "/projects/1/variables/NOPE")
    assert (r.status_code, r.json()) == (404, {"message": "404 Variable Not Found"})
    r = api(sb, "GET", "/projects/999/variables")
    assert (r.status_code, r.json()) == (404, {"message": "404 Project Not Found"})


def test_same_key_in_two_scopes_needs_a_filter(sb, project):
    project.variables.create({"key": "DEPLOY_URL", "value": "a", "environment_scope": "*"})
    project.variables.create({"key": "DEPLOY_URL", "value": "b", "environment_scope": "production"})
    r = api(sb, "GET", "/projects/1/variables/DEPLOY_URL")
    assert r.status_code == 409
    assert r.json() == {"message": "There are multiple variables with provided parameters. "
                                   "Please use 'filter[environment_scope]'"}
    r = api(sb, "GET", "/projects/1/variables/DEPLOY_URL", params={"filter[environment_scope]": "production"})
    assert r.status_code == 200 and r.json()["value"] == "b"
    project.variables.update("DEPLOY_URL", {"value": "c"}, filter={"environment_scope": "production"})
    r = api(sb, "GET", "/projects/1/variables/DEPLOY_URL", params={"filter[environment_scope]": "production"})
    assert r.json()["value"] == "c"


def test_masked_and_hidden_value_is_never_returned(sb, project):
    created = project.variables.create({"key": "REGISTRY_PASS", "value": "s3cr3t-v4lue", "masked_and_hidden": True})
    assert (created.value, created.masked, created.hidden) == (None, True, True)
    assert project.variables.get("REGISTRY_PASS").value is None
    r = api(sb, "PUT", "/projects/1/variables/REGISTRY_PASS", json={"masked": False})
    assert (r.status_code, r.json()) == (400, {"message": {"base": [
        "The visibility setting cannot be changed for masked and hidden variables."]}})


def test_masked_raw_values_allow_more_characters(sb, project):
    r = api(sb, "POST", "/projects/1/variables", json={"key": "RAWPW", "value": "p#ss!word%", "masked": True,
                                                       "raw": True})
    assert r.status_code == 201 and r.json()["masked"] is True
    r = api(sb, "POST", "/projects/1/variables", json={"key": "EXPPW", "value": "p#ss!word%", "masked": True})
    assert r.status_code == 400


def test_pagination_headers(sb, project):
    for i in range(23):
        project.variables.create({"key": f"V{i:02d}", "value": str(i)})
    r = api(sb, "GET", "/projects/demo%2Fapp/variables", params={"per_page": 10, "page": 2})
    assert r.status_code == 200 and len(r.json()) == 10
    h = r.headers
    assert (h["x-page"], h["x-per-page"], h["x-total"], h["x-total-pages"]) == ("2", "10", "23", "3")
    assert (h["x-next-page"], h["x-prev-page"]) == ("3", "1")
    assert 'rel="next"' in h["link"] and "page=3" in h["link"] and 'rel="last"' in h["link"]
    r = api(sb, "GET", "/projects/1/variables", params={"per_page": 500})
    assert r.headers["x-per-page"] == "100"
    assert len(project.variables.list(get_all=True, per_page=7)) == 23
