"""What GitLab's own clients expect of the sandbox (issue 18): raw files without ``ref``, multipart
bodies, and Ruby-symbol keys in .gitlab-ci.yml, over real HTTP."""

from __future__ import annotations

import requests

from tests.sandbox_helpers import api

SANDBOX_JOB_SECONDS = 0.05  # the shared `sb` fixture (tests/conftest.py) reads it

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


def test_raw_file_without_ref_reads_the_default_branch(sb, gl):
    r = api(sb, "GET", "/projects/1/repository/files/requirements.txt/raw")
    assert r.status_code == 200 and r.text.startswith("flask==")
    project = gl.projects.get(sb.project_path)
    assert project.files.raw("app.py").startswith(b'"""A tiny web app')  # python-gitlab sends no ref either
    r = api(sb, "GET", "/projects/1/repository/files/requirements.txt")  # the non-raw route still needs it
    assert (r.status_code, r.json()) == (400, {"error": "ref is missing"})


def test_multipart_update_keeps_every_field_and_stores_the_avatar(sb, gl, tmp_path):
    avatar = tmp_path / "logo.png"
    avatar.write_bytes(PNG_1X1)
    with avatar.open("rb") as fh:
        updated = gl.projects.update(1, {"description": "With a logo", "avatar": fh})
    assert updated["description"] == "With a logo"
    assert updated["avatar_url"].startswith(f"{sb.url}/uploads/-/system/project/avatar/1/")  # python-gitlab names it avatar.png
    again = gl.projects.get(1)
    assert again.description == "With a logo" and again.avatar_url == updated["avatar_url"]
    served = requests.get(again.avatar_url, timeout=5)
    assert served.status_code == 200 and served.content == PNG_1X1


def test_multipart_avatar_that_is_no_image_gets_gitlabs_error(sb):
    r = api(sb, "PUT", "/projects/1", files={"avatar": ("notes.txt", b"hello", "text/plain")},
            data={"description": "never stored"})
    assert r.status_code == 400
    assert r.json()["message"]["avatar"][0].startswith("file format is not supported.")
    assert api(sb, "GET", "/projects/1").json()["description"] != "never stored"


def test_multipart_file_where_a_text_field_is_expected_is_refused(sb):
    r = api(sb, "PUT", "/projects/1", files={"description": ("d.txt", b"text", "text/plain")})
    assert (r.status_code, r.json()) == (400, {"error": "description is invalid"})


def test_ruby_symbol_keys_are_read_as_gitlab_reads_them(sb):
    ci = ":test_job:\n  :script:\n    - echo symbol keys\n"
    r = api(sb, "POST", "/projects/1/ci/lint", json={"content": ci, "include_jobs": True})
    body = r.json()
    assert body["valid"] is True, body
    assert [j["name"] for j in body["jobs"]] == ["test_job"]
    assert "test_job:" in body["merged_yaml"] and ":test_job" not in body["merged_yaml"]
