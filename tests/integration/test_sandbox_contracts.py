"""Contract tests: the sandbox's answers have the fields and JSON types of the examples GitLab documents
(tests/gitlab_doc_shapes.py), reached through python-gitlab over real HTTP as a script written for GitLab
would reach them."""

from __future__ import annotations

import gitlab
import requests

from tests.gitlab_doc_shapes import (
    COMMIT,
    COMMIT_DIFF,
    FILE_WRITE,
    PROJECT,
    PROJECT_DOC_TYPOS,
    PROJECT_LIST_ITEM,
    PROJECT_NULLABLE,
    TEMPLATE,
    TEMPLATE_LIST_ITEM,
    TREE_ITEM,
    shape_problems,
)
from tests.sandbox_helpers import api

SANDBOX_JOB_SECONDS = 0.05  # the shared `sb` fixture (tests/conftest.py) reads it


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


def test_create_update_and_delete_a_file_as_documented(sb, gl):
    project = gl.projects.get(sb.project_path)
    # doc/api/repository_files.md's example request: a file app/project.rb on main
    r = api(sb, "POST", "/projects/1/repository/files/app%2Fproject%2Erb", json={
        "branch": "main", "author_email": "author@example.com", "author_name": "Firstname Lastname",
        "content": "some content", "commit_message": "create a new file"})
    assert (r.status_code, r.json()) == (201, {"file_path": "app/project.rb", "branch": "main"})
    assert shape_problems(r.json(), FILE_WRITE) == []
    head = project.commits.list(ref_name="main", per_page=1, get_all=False)[0]
    assert (head.title, head.author_name, head.author_email) == \
        ("create a new file", "Firstname Lastname", "author@example.com")
    again = api(sb, "POST", "/projects/1/repository/files/app%2Fproject%2Erb",
                json={"branch": "main", "content": "x", "commit_message": "again"})
    assert (again.status_code, again.json()) == (400, {"message": "A file with this name already exists"})
    missing = api(sb, "POST", "/projects/1/repository/files/other.txt", json={"content": "x"})
    assert (missing.status_code, missing.json()) == (400, {"error": "branch is missing, commit_message is missing"})

    f = project.files.get("app/project.rb", ref="main")  # python-gitlab's documented round trip
    f.content = "new content"
    f.save(branch="main", commit_message="update file")
    assert project.files.raw("app/project.rb", ref="main") == b"new content"
    stale = api(sb, "PUT", "/projects/1/repository/files/app%2Fproject%2Erb", json={
        "branch": "main", "content": "y", "commit_message": "late", "last_commit_id": head.id})
    assert stale.status_code == 400 and "changed since you started editing" in stale.json()["message"]

    project.files.create({"file_path": "bin/run.sh", "branch": "topic", "start_branch": "main", "content": "ZWNobwo=",
                          "encoding": "base64", "execute_filemode": True, "commit_message": "a script on a branch"})
    assert project.files.raw("bin/run.sh", ref="topic") == b"echo\n"
    tree = {i["path"]: i for i in project.repository_tree(ref="topic", path="bin", get_all=True)}
    assert tree["bin/run.sh"]["mode"] == "100755"
    no_branch = api(sb, "POST", "/projects/1/repository/files/x.txt",
                    json={"branch": "nowhere", "content": "x", "commit_message": "x"})
    assert (no_branch.status_code, no_branch.json()) == \
        (400, {"message": "You can only create or edit files when you are on a branch"})

    project.files.delete(file_path="app/project.rb", commit_message="delete file", branch="main")
    r = api(sb, "GET", "/projects/1/repository/files/app%2Fproject%2Erb", params={"ref": "main"})
    assert (r.status_code, r.json()) == (404, {"message": "404 File Not Found"})
    gone = api(sb, "DELETE", "/projects/1/repository/files/app%2Fproject%2Erb",
               json={"branch": "main", "commit_message": "again"})
    assert (gone.status_code, gone.json()) == (400, {"message": "A file with this name doesn't exist"})
    bad = api(sb, "POST", "/projects/1/repository/files/a%2F..%2Fb", json={"branch": "main", "content": "x",
                                                                          "commit_message": "x"})
    assert (bad.status_code, bad.json()) == (400, {"error": "file_path should be a valid file path"})


def test_commits_list_filters_pages_and_diff(sb, gl):
    project = gl.projects.get(sb.project_path)
    project.files.create({"file_path": "docs/one.md", "branch": "main", "content": "one\n", "commit_message": "One"})
    project.files.create({"file_path": "docs/two.md", "branch": "main", "content": "two\n", "commit_message": "Two"})
    listed = project.commits.list(ref_name="main", get_all=True)
    assert [c.title for c in listed[:2]] == ["Two", "One"] and listed[-1].title == "Add the demo Flask app"
    for commit in listed:
        assert shape_problems(commit.attributes, COMMIT) == []
    # python-gitlab reserves path= for the URL: the filter goes in query_parameters
    assert [c.title for c in project.commits.list(query_parameters={"path": "docs/one.md"}, get_all=True)] == ["One"]
    assert project.commits.list(since="2999-01-01T00:00:00Z", get_all=True) == []
    assert project.commits.list(ref_name="no-such-branch", get_all=True) == []
    assert len(project.commits.list(since="2000-01-01T00:00:00Z", get_all=True)) == len(listed)
    r = api(sb, "GET", "/projects/1/repository/commits", params={"per_page": 1})
    assert r.status_code == 200 and len(r.json()) == 1
    assert r.headers["x-next-page"] == "2" and r.headers["x-page"] == "1"
    assert "x-total" not in r.headers and 'rel="last"' not in r.headers["link"]  # as GitLab's commits list
    r = api(sb, "GET", "/projects/1/repository/commits", params={"since": "yesterday"})
    assert (r.status_code, r.json()) == (400, {"error": "since is invalid"})

    diff = listed[0].diff(get_all=True)
    assert len(diff) == 1 and shape_problems(diff[0], COMMIT_DIFF) == []
    assert (diff[0]["new_path"], diff[0]["new_file"], diff[0]["a_mode"], diff[0]["b_mode"]) == \
        ("docs/two.md", True, "0", "100644")
    assert diff[0]["diff"] == "@@ -0,0 +1 @@\n+two\n"
    r = api(sb, "GET", "/projects/1/repository/commits/0000000/diff")
    assert (r.status_code, r.json()) == (404, {"message": "404 Commit Not Found"})


def test_create_list_filter_and_delete_a_practice_project(sb, gl, tmp_path):
    from tests.sandbox_helpers import git

    # doc/api/projects.md's example request, with the namespace left to its default (the caller's)
    created = gl.projects.create({"name": "new_project", "description": "New Project", "path": "new_project",
                                  "initialize_with_readme": True})
    assert created.path_with_namespace == "root/new_project" and created.namespace["kind"] == "user"
    assert shape_problems(created.attributes, PROJECT, nullable=PROJECT_NULLABLE, skip=PROJECT_DOC_TYPOS |
                          {"license", "license_url", "statistics"}) == []  # owner: given, it is root's namespace
    assert created.owner["username"] == "root" and created.empty_repo is False
    assert created.files.raw("README.md").startswith(b"# new_project")
    clone = git(["ls-remote", f"{sb.url}/root/new_project.git"], cwd=tmp_path, token=sb.token)
    assert "refs/heads/main" in clone.stdout

    bare = gl.projects.create({"name": "Second Try", "namespace_id": 2, "visibility": "internal"})
    assert (bare.path_with_namespace, bare.visibility, bare.empty_repo) == ("demo/second-try", "internal", True)

    r = api(sb, "POST", "/projects", json={"name": "new_project"})
    assert (r.status_code, r.json()) == \
        (400, {"message": {"name": ["has already been taken"], "path": ["has already been taken"]}})
    r = api(sb, "POST", "/projects", json={})
    assert (r.status_code, r.json()) == \
        (400, {"error": "name, path are missing, at least one parameter must be provided"})
    r = api(sb, "POST", "/projects", json={"name": "x", "namespace_id": 42})
    assert (r.status_code, r.json()) == (400, {"message": {"namespace": ["is not valid"]}})
    r = api(sb, "POST", "/projects", json={"name": "ok", "path": "-bad.git"})
    assert r.status_code == 400 and r.json()["message"]["path"][0].startswith("can contain only letters")

    assert [p.path_with_namespace for p in gl.projects.list(search="new_", get_all=True)] == ["root/new_project"]
    assert {p.path_with_namespace for p in gl.projects.list(owned=True, get_all=True)} >= \
        {"demo/app", "root/new_project", "demo/second-try"}
    assert [p.name for p in gl.projects.list(visibility="internal", get_all=True)] == ["Second Try"]
    ordered = [p.name for p in gl.projects.list(order_by="name", sort="asc", get_all=True)]
    assert ordered == sorted(ordered)
    reader = gitlab.Gitlab(sb.url, private_token=sb.create_token(scopes=("read_api",), user="someone_else"))
    assert reader.projects.list(membership=True, get_all=True) == []  # no other user is a member of anything

    gl.projects.delete(bare.id)
    r = api(sb, "DELETE", f"/projects/{created.id}")
    assert (r.status_code, r.json()) == (202, {"message": "202 Accepted"})
    assert api(sb, "GET", f"/projects/{created.id}").status_code == 404
    assert [p.path_with_namespace for p in gl.projects.list(get_all=True)] == ["demo/app"]
    result = git(["ls-remote", f"{sb.url}/root/new_project.git"], cwd=tmp_path, token=sb.token, check=False)
    assert result.returncode != 0


def test_repository_tree_path_ref_and_recursive(sb, gl):
    project = gl.projects.get(sb.project_path)
    project.files.create({"file_path": "src/pkg/mod.py", "branch": "main", "content": "x = 1\n",
                          "commit_message": "A package"})
    top = project.repository_tree(get_all=True)
    assert {"src", "app.py"} <= {i["path"] for i in top}
    for item in top:
        assert shape_problems(item, TREE_ITEM) == []
    assert {i["path"]: i["type"] for i in top}["src"] == "tree"
    assert [i["path"] for i in project.repository_tree(path="src", get_all=True)] == ["src/pkg"]
    deep = {i["path"]: i["mode"] for i in project.repository_tree(path="src", recursive=True, get_all=True)}
    assert deep == {"src/pkg": "040000", "src/pkg/mod.py": "100644"}
    assert project.repository_tree(path="no/such/folder", get_all=True) == []
    r = api(sb, "GET", "/projects/1/repository/tree", params={"ref": "no-such-ref"})
    assert (r.status_code, r.json()) == (404, {"message": "404 Tree Not Found"})


def test_repository_archive_formats(sb, gl, tmp_path):
    import io
    import tarfile
    import zipfile

    project = gl.projects.get(sb.project_path)
    project.files.create({"file_path": "arch/pkg/mod.py", "branch": "main", "content": "y = 2\n",
                          "commit_message": "A folder to archive"})
    sha = project.branches.get("main").commit["id"]
    data = project.repository_archive()  # tar.gz of the default branch
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        names = tar.getnames()
    assert f"app-main-{sha}/app.py" in names
    zipped = project.repository_archive(sha="main", format="zip")
    assert f"app-main-{sha}/requirements.txt" in zipfile.ZipFile(io.BytesIO(zipped)).namelist()
    r = api(sb, "GET", "/projects/1/repository/archive.tar.bz2", params={"path": "arch"})
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == f'attachment; filename="app-main-{sha}-arch.tar.bz2"'
    with tarfile.open(fileobj=io.BytesIO(r.content), mode="r:bz2") as tar:
        assert f"app-main-{sha}-arch/arch/pkg/mod.py" in tar.getnames()
        assert all(n.startswith(f"app-main-{sha}-arch") for n in tar.getnames())
        assert not any(n.endswith("app.py") for n in tar.getnames())
    r = api(sb, "GET", "/projects/1/repository/archive", params={"sha": "nope"})
    assert (r.status_code, r.json()) == (404, {"message": "404 File Not Found"})
    r = api(sb, "GET", "/projects/1/repository/nothing-here")
    assert (r.status_code, r.json()) == (404, {"error": "404 Not Found"})


def test_gitlab_ci_templates_are_public_and_pass_the_sandboxs_own_lint(sb, gl):
    listed = requests.get(f"{sb.url}/api/v4/templates/gitlab_ci_ymls", timeout=5)  # no token, as on GitLab
    assert listed.status_code == 200 and listed.headers["x-total"] == str(len(listed.json()))
    for item in listed.json():
        assert shape_problems(item, TEMPLATE_LIST_ITEM) == []
    keys = [t.key for t in gl.gitlabciymls.list(get_all=True)]
    assert {"Docker", "Python", "Bash"} <= set(keys)
    docker = gl.gitlabciymls.get("Docker")
    assert shape_problems(docker.attributes, TEMPLATE) == [] and "docker:27-dind" in docker.content
    for key in keys:
        content = gl.gitlabciymls.get(key).content
        lint = api(sb, "POST", "/projects/1/ci/lint", json={"content": content}).json()
        assert lint["valid"] is True, (key, lint["errors"])
    r = requests.get(f"{sb.url}/api/v4/templates/gitlab_ci_ymls/Nope", timeout=5)
    assert (r.status_code, r.json()) == (404, {"message": "404 gitlab_ci_yml Not Found"})
