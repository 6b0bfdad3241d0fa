"""The sandbox answers python-gitlab and git over real HTTP: identity, version, projects, auth errors."""

from __future__ import annotations

import gitlab
import pytest
import requests

from dockwright.sandbox import Sandbox
from dockwright.wizard.errors import BadInput
from tests.sandbox_helpers import clone, commit_and_push, git

SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it


def client(sb, token=None) -> gitlab.Gitlab:
    return gitlab.Gitlab(sb.url, private_token=token or sb.token, retry_transient_errors=False)


def test_current_user_token_version_and_metadata(sb):
    gl = client(sb)
    gl.auth()
    assert gl.user.username == "root"
    assert gl.version()[0].count(".") == 2
    token = gl.personal_access_tokens.get("self")
    assert sorted(token.scopes) == ["api", "create_runner", "write_repository"]
    assert token.active is True and token.revoked is False
    meta = gl.http_get("/metadata")
    assert set(meta) >= {"version", "revision", "kas", "enterprise"}


def test_project_by_path_and_by_id(sb):
    gl = client(sb)
    by_path = gl.projects.get(sb.project_path)
    by_id = gl.projects.get(by_path.id)
    assert by_id.path_with_namespace == "demo/app"
    assert by_path.default_branch == "main"
    assert by_path.shared_runners_enabled is True
    assert by_path.http_url_to_repo == f"{sb.url}/demo/app.git"
    listed = gl.projects.list(get_all=True)
    assert [p.path_with_namespace for p in listed] == ["demo/app"]


def test_missing_project_and_unknown_route_bodies(sb):
    headers = {"PRIVATE-TOKEN": sb.token}
    r = requests.get(f"{sb.url}/api/v4/projects/nobody%2Fnothing", headers=headers, timeout=5)
    assert (r.status_code, r.json()) == (404, {"message": "404 Project Not Found"})
    r = requests.get(f"{sb.url}/api/v4/no/such/route", headers=headers, timeout=5)
    assert (r.status_code, r.json()) == (404, {"error": "404 Not Found"})
    with pytest.raises(gitlab.GitlabGetError) as err:
        client(sb).projects.get("nobody/nothing")
    assert err.value.response_code == 404


def test_authentication_errors(sb):
    r = requests.get(f"{sb.url}/api/v4/user", timeout=5)
    assert (r.status_code, r.json()) == (401, {"message": "401 Unauthorized"})
    r = requests.get(f"{sb.url}/api/v4/user", headers={"PRIVATE-TOKEN": "glpat-wrong"}, timeout=5)
    assert (r.status_code, r.json()) == (401, {"message": "401 Unauthorized"})
    expired = sb.create_token(scopes=("api",), expired=True)
    r = requests.get(f"{sb.url}/api/v4/user", headers={"Authorization": f"Bearer {expired}"}, timeout=5)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert r.json()["error_description"].startswith("Token is expired.")
    revoked = sb.create_token(scopes=("api",), revoked=True)
    r = requests.get(f"{sb.url}/api/v4/user", headers={"PRIVATE-TOKEN": revoked}, timeout=5)
    assert r.status_code == 401 and r.json()["error_description"].startswith("Token was revoked.")
    with pytest.raises(gitlab.GitlabAuthenticationError):
        client(sb, "glpat-wrong").auth()


def test_read_api_token_reads_but_cannot_write(sb):
    token = sb.create_token(scopes=("read_api",))
    gl = client(sb, token)
    assert gl.projects.get(sb.project_path).path == "app"
    r = requests.post(f"{sb.url}/api/v4/projects/1/variables", headers={"PRIVATE-TOKEN": token},
                      json={"key": "A", "value": "b"}, timeout=5)
    assert r.status_code == 403
    assert r.json() == {"error": "insufficient_scope",
                        "error_description": "The request requires higher privileges than provided by the access token.",
                        "scope": "api"}


def test_rate_limit_headers_on_every_answer(sb):
    r = requests.get(f"{sb.url}/api/v4/version", headers={"PRIVATE-TOKEN": sb.token}, timeout=5)
    assert r.headers["RateLimit-Name"] == "throttle_authenticated_api"
    assert int(r.headers["RateLimit-Limit"]) >= int(r.headers["RateLimit-Remaining"]) >= 0
    assert int(r.headers["RateLimit-Reset"]) > 0


def test_git_clone_push_with_token_as_password(sb, tmp_path):
    work = clone(sb, tmp_path / "work")
    assert (work / "app.py").exists() and (work / "requirements.txt").exists()
    sha = commit_and_push(work, {"NOTES.md": "practice\n"}, "Add notes", sb.token)
    remote = git(["ls-remote", f"{sb.url}/{sb.project_path}.git", "refs/heads/main"], cwd=tmp_path, token=sb.token)
    assert remote.stdout.split()[0] == sha
    # the first request of each git command got the Basic challenge, then git sent the token
    statuses = [s for m, p, s, _ in sb.request_log if p.endswith("info/refs")]
    assert 401 in statuses and 200 in statuses


def test_git_refuses_bad_token_and_read_only_push(sb, tmp_path):
    url = f"{sb.url}/{sb.project_path}.git"
    bad = git(["ls-remote", url], cwd=tmp_path, token="glpat-not-a-token", check=False)
    assert bad.returncode != 0 and "Authentication failed" in bad.stderr
    reader = sb.create_token(scopes=("read_repository",))
    work = clone(sb, tmp_path / "ro", token=reader)
    (work / "x.txt").write_text("x\n")
    git(["add", "x.txt"], cwd=work)
    git(["commit", "-q", "-m", "x"], cwd=work)
    push = git(["push", "origin", "HEAD:main"], cwd=work, token=reader, check=False)
    assert push.returncode != 0 and "You are not allowed to upload code." in push.stderr


def test_only_loopback_is_accepted(tmp_path):
    with pytest.raises(BadInput) as err:
        Sandbox(tmp_path, host="0.0.0.0")
    assert "loopback" in err.value.sentence


def test_state_persists_and_reset_starts_over(tmp_path):
    with Sandbox(tmp_path / "d") as first:
        first_token = first.token
        client(first).projects.get(first.project_path).variables.create({"key": "KEEP", "value": "me"})
    with Sandbox(tmp_path / "d") as again:
        assert again.token != first_token  # a fresh token each start; none is on disk
        assert client(again).projects.get(again.project_path).variables.get("KEEP").value == "me"
        assert first_token.encode() not in (tmp_path / "d" / "sandbox.sqlite3").read_bytes()
    with Sandbox(tmp_path / "d", reset=True) as fresh:
        assert client(fresh).projects.get(fresh.project_path).variables.list(get_all=True) == []


def test_reset_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(BadInput) as err:
        Sandbox(tmp_path, reset=True).start()
    assert "did not write" in err.value.sentence
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_instance_runners_can_be_turned_off_through_the_api(sb):
    project = client(sb).projects.get(sb.project_path)
    project.shared_runners_enabled = False
    project.save()
    assert client(sb).projects.get(sb.project_path).shared_runners_enabled is False
    project.shared_runners_enabled = True
    project.save()
    assert client(sb).projects.get(sb.project_path).shared_runners_enabled is True


def test_a_pending_job_resumes_after_a_restart(tmp_path):
    from tests.sandbox_helpers import commit_files, wait_pipeline, wait_until

    with Sandbox(tmp_path / "d", job_seconds=0.05) as first:
        first.set_instance_runners(first.project_path, False)
        project = client(first).projects.get(first.project_path)
        commit_files(project, {".gitlab-ci.yml": "later:\n  script: [echo resumed]\n"}, "Job for later")
        pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True))[0].id
        wait_until(lambda: project.pipelines.get(pipeline_id).status == "pending")
    with Sandbox(tmp_path / "d", job_seconds=0.05) as again:
        again.set_instance_runners(again.project_path, True)
        project = client(again).projects.get(again.project_path)
        assert wait_pipeline(project, pipeline_id).status == "success"
        job = project.pipelines.get(pipeline_id, lazy=True).jobs.list(get_all=True)[0]
        assert "resumed" in project.jobs.get(job.id, lazy=True).trace().decode()
        assert again.internal_errors == []


def test_git_scopes_and_expired_tokens(sb, tmp_path):
    url = f"{sb.url}/{sb.project_path}.git"
    api_reader = sb.create_token(scopes=("read_api",))  # read_api may download code, as on GitLab
    assert "refs/heads/main" in git(["ls-remote", url], cwd=tmp_path, token=api_reader).stdout
    runner_maker = sb.create_token(scopes=("create_runner",))
    result = git(["ls-remote", url], cwd=tmp_path, token=runner_maker, check=False)
    assert result.returncode != 0 and "You are not allowed to download code." in result.stderr
    expired = sb.create_token(scopes=("write_repository",), expired=True)
    result = git(["ls-remote", f"{sb.url}/{sb.project_path}.git"], cwd=tmp_path, token=expired, check=False)
    assert result.returncode != 0 and "Authentication failed" in result.stderr


def test_one_sandbox_per_data_directory(tmp_path):
    with Sandbox(tmp_path / "d") as first:
        with pytest.raises(BadInput) as err:
            Sandbox(tmp_path / "d").start()
        assert "Another sandbox is already running" in err.value.sentence
        with pytest.raises(BadInput) as err:  # a port in use: refused, and the other folder is not left locked
            Sandbox(tmp_path / "e", port=first.port).start()
        assert "cannot listen" in err.value.sentence
    with Sandbox(tmp_path / "d"), Sandbox(tmp_path / "e") as other:
        assert other.url


def test_a_restart_comes_back_on_the_same_url_when_it_can(tmp_path):
    import socket

    with Sandbox(tmp_path / "d") as first:
        url, port = first.url, first.port
    with Sandbox(tmp_path / "d") as again:
        assert again.url == url
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))
    holder.listen()
    try:
        with Sandbox(tmp_path / "d") as moved:  # the old port is taken: any free one
            assert moved.url != url and moved.port != port
    finally:
        holder.close()
