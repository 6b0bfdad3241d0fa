"""Repository, registry and the smaller endpoints: branches, tree, files (raw, HEAD), commits, tokens by id,
runner updates, pipeline deletion and list filters."""

from __future__ import annotations

import base64

import gitlab
import pytest
import requests

from tests.sandbox_helpers import api, wait_pipeline, wait_until

SANDBOX_JOB_SECONDS = 0.05  # the shared `sb` fixture (tests/conftest.py) reads it


@pytest.fixture(scope="module")
def project(sb):
    return gitlab.Gitlab(sb.url, private_token=sb.token).projects.get(sb.project_path)


def test_tree_raw_head_and_commit(sb, project):
    names = sorted(item["path"] for item in project.repository_tree(ref="main", get_all=True))
    assert names == [".gitignore", "README.md", "app.py", "requirements.txt"]
    raw = api(sb, "GET", "/projects/1/repository/files/requirements.txt/raw", params={"ref": "main"})
    assert raw.text.startswith("flask==")
    head = api(sb, "HEAD", "/projects/1/repository/files/app.py", params={"ref": "HEAD"})
    assert head.status_code == 200 and head.headers["X-Gitlab-File-Path"] == "app.py"
    sha = project.branches.get("main").commit["id"]
    assert project.commits.get(sha).id == sha


def test_commit_actions_update_move_delete_and_base64(sb, project):
    created = project.commits.create({"branch": "main", "commit_message": "Shuffle files", "actions": [
        {"action": "update", "file_path": "README.md", "content": "# changed\n"},
        {"action": "move", "file_path": "docs/app.md", "previous_path": ".gitignore"},
        {"action": "create", "file_path": "bin/run", "encoding": "base64",
         "content": base64.b64encode(b"#!/bin/sh\necho hi\n").decode()},
    ]})
    assert created.stats["total"] > 0 and created.parent_ids
    paths = {item["path"] for item in project.repository_tree(ref="main", recursive=True, get_all=True)}
    assert {"docs/app.md", "bin/run"} <= paths and ".gitignore" not in paths
    assert project.files.get("bin/run", ref="main").decode() == b"#!/bin/sh\necho hi\n"
    r = api(sb, "POST", "/projects/1/repository/commits", json={"branch": "main", "commit_message": "x",
                                                                  "actions": [{"action": "delete", "file_path": "nope"}]})
    assert (r.status_code, r.json()) == (400, {"message": "A file with this name doesn't exist"})
    r = api(sb, "POST", "/projects/1/repository/commits", json={"branch": "new", "commit_message": "x",
                                                                  "actions": [{"action": "create", "file_path": "a",
                                                                               "content": "a"}]})
    assert r.status_code == 400
    r = api(sb, "POST", "/projects/1/repository/commits", json={"branch": "new", "start_branch": "main",
                                                                  "commit_message": "x", "actions": [
                                                                      {"action": "create", "file_path": "a", "content": "a"}]})
    assert r.status_code == 201 and project.branches.get("new").commit["id"] == r.json()["id"]


def test_a_move_takes_the_file_as_the_same_commit_left_it(sb, project):
    # actions apply in order: a file created or changed earlier in the commit moves with its new content
    # (found by mypy: the move read the file from the parent commit, which has no such file or its old text)
    project.commits.create({"branch": "main", "commit_message": "Create, change and move", "actions": [
        {"action": "create", "file_path": "notes.txt", "content": "new notes\n"},
        {"action": "move", "file_path": "docs/notes.txt", "previous_path": "notes.txt"},
        {"action": "update", "file_path": "app.py", "content": "print('changed')\n"},
        {"action": "move", "file_path": "src/app.py", "previous_path": "app.py"},
    ]})
    assert project.files.get("docs/notes.txt", ref="main").decode() == b"new notes\n"
    assert project.files.get("src/app.py", ref="main").decode() == b"print('changed')\n"
    paths = {item["path"] for item in project.repository_tree(ref="main", recursive=True, get_all=True)}
    assert "notes.txt" not in paths and "app.py" not in paths


def test_branch_create_search_and_delete(sb, project):
    project.branches.create({"branch": "topic", "ref": "main"})
    assert [b.name for b in project.branches.list(get_all=True, search="^top")] == ["topic"]
    r = api(sb, "POST", "/projects/1/repository/branches", json={"branch": "topic", "ref": "main"})
    assert (r.status_code, r.json()) == (400, {"message": "Branch already exists"})
    project.branches.delete("topic")
    r = api(sb, "GET", "/projects/1/repository/branches/topic")
    assert (r.status_code, r.json()) == (404, {"message": "404 Branch Not Found"})
    r = api(sb, "DELETE", "/projects/1/repository/branches/main")
    assert r.status_code == 400


def test_registry_tag_detail_and_missing_repository(sb, project):
    sb.scheduler.registry.push("demo/app", "v1", "sha256:" + "a" * 64)
    sb.scheduler.registry.push("demo/app/worker", "v1", "sha256:" + "b" * 64)
    repos = api(sb, "GET", "/projects/1/registry/repositories", params={"tags": "true", "tags_count": "true"}).json()
    assert [(r["path"], r["name"], r["tags_count"]) for r in repos] == [("demo/app", "", 1),
                                                                         ("demo/app/worker", "worker", 1)]
    assert repos[0]["tags"] == [{"name": "v1", "path": "demo/app:v1", "location": f"{sb.registry_host}/demo/app:v1"}]
    tag = api(sb, "GET", f"/projects/1/registry/repositories/{repos[0]['id']}/tags/v1").json()
    assert tag["digest"] == "sha256:" + "a" * 64
    r = api(sb, "GET", "/projects/1/registry/repositories/9999/tags")
    assert (r.status_code, r.json()) == (404, {"message": "404 Repository Not Found"})


def test_tokens_by_id_runner_update_and_delete_by_token(sb, project):
    me = api(sb, "GET", "/personal_access_tokens/self").json()
    assert api(sb, "GET", f"/personal_access_tokens/{me['id']}").json()["scopes"] == me["scopes"]
    gl = gitlab.Gitlab(sb.url, private_token=sb.token)
    created = gl.http_post("/user/runners", post_data={"runner_type": "project_type", "project_id": 1})
    runner = gl.runners.get(created["id"])
    runner.tag_list = ["docker", "linux"]
    runner.paused = True
    runner.save()
    again = gl.runners.get(created["id"])
    assert (again.tag_list, again.paused, again.active) == (["docker", "linux"], True, False)
    assert created["id"] in [r.id for r in gl.runners.list(get_all=True)]
    r = requests.delete(f"{sb.url}/api/v4/runners", data={"token": created["token"]}, timeout=5)
    assert r.status_code == 204
    r = requests.delete(f"{sb.url}/api/v4/runners", data={"token": created["token"]}, timeout=5)
    assert r.status_code == 403


def test_pipeline_filters_and_delete(sb, project):
    project.commits.create({"branch": "main", "commit_message": "ci", "actions": [
        {"action": "create", "file_path": ".gitlab-ci.yml", "content": "ok:\n  script: [echo ok]\n"}]})
    first = wait_until(lambda: project.pipelines.list(get_all=True, ref="main"))[0]
    wait_pipeline(project, first.id)
    assert [p.id for p in project.pipelines.list(get_all=True, scope="finished", ref="main")] == [first.id]
    assert project.pipelines.list(get_all=True, scope="tags") == []
    assert project.pipelines.list(get_all=True, yaml_errors=True) == []
    assert [p.id for p in project.pipelines.list(get_all=True, username="root", order_by="status", sort="asc")]
    r = api(sb, "GET", "/projects/1/pipelines", params={"status": "bogus"})
    assert r.status_code == 400
    project.pipelines.delete(first.id)
    r = api(sb, "GET", f"/projects/1/pipelines/{first.id}")
    assert r.status_code == 404
