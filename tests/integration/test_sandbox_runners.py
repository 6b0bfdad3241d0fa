"""Runners: created through the API, registered from a config.toml, legacy registration answers 410."""

from __future__ import annotations

import subprocess
import sys

import gitlab
import pytest
import requests

from dockwright.wizard.errors import BadInput

CONFIG = """concurrent = 1

[[runners]]
  name = "{name}"
  url = "{url}"
  token = "{token}"
  executor = "docker"
  [runners.docker]
    image = "docker:27"
    privileged = true
    volumes = ["/certs/client", "/cache"]
"""


SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it


def client(sb, token=None):
    return gitlab.Gitlab(sb.url, private_token=token or sb.token)


def create_runner(sb, token=None, **extra):
    data = {"runner_type": "project_type", "project_id": 1, "description": "my runner", "tag_list": ["docker"],
            "run_untagged": False, **extra}
    return client(sb, token).http_post("/user/runners", post_data=data)


def test_create_runner_returns_its_token_once_and_it_is_never_contacted(sb):
    created = create_runner(sb)
    assert set(created) == {"id", "token", "token_expires_at"}
    assert created["token"].startswith("glrt-")
    runner = client(sb).runners.get(created["id"])
    assert (runner.status, runner.online, runner.runner_type) == ("never_contacted", None, "project_type")
    assert runner.tag_list == ["docker"] and runner.run_untagged is False
    assert "token" not in runner.attributes
    assert runner.projects[0]["path_with_namespace"] == "demo/app"


def test_create_runner_scope(sb):
    only_runner = sb.create_token(scopes=("create_runner",))
    assert create_runner(sb, only_runner)["token"].startswith("glrt-")
    reader = sb.create_token(scopes=("read_api",))
    r = requests.post(f"{sb.url}/api/v4/user/runners", headers={"PRIVATE-TOKEN": reader}, timeout=5,
                      json={"runner_type": "project_type", "project_id": 1})
    assert r.status_code == 403 and r.json()["error"] == "insufficient_scope"
    r = requests.post(f"{sb.url}/api/v4/user/runners", headers={"PRIVATE-TOKEN": sb.token}, timeout=5, json={})
    assert (r.status_code, r.json()) == (400, {"error": "runner_type is missing"})


def test_config_toml_brings_the_runner_online(sb, tmp_path):
    created = create_runner(sb, description="from config")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(name="from config", url=sb.url + "/", token=created["token"]))
    assert sb.register_runners_from_config(config) == [created["id"]]
    runner = client(sb).runners.get(created["id"])
    assert (runner.status, runner.online) == ("online", True)
    assert runner.contacted_at
    row = sb.store.one("SELECT executor, privileged, volumes FROM runners WHERE id = ?", (created["id"],))
    assert (row["executor"], row["privileged"]) == ("docker", 1) and "/certs/client" in row["volumes"]


def test_config_toml_for_another_gitlab_or_unknown_token_registers_nothing(sb, tmp_path):
    created = create_runner(sb)
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(name="x", url="https://gitlab.com/", token=created["token"])
                      + CONFIG.format(name="y", url=sb.url, token="glrt-unknown").replace("concurrent = 1", ""))
    assert sb.register_runners_from_config(config) == []
    assert client(sb).runners.get(created["id"]).status == "never_contacted"
    with pytest.raises(BadInput):
        sb.register_runners_from_config(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("[[runners]\n")
    with pytest.raises(BadInput) as err:
        sb.register_runners_from_config(tmp_path / "bad.toml")
    assert "not valid TOML" in err.value.sentence


def test_legacy_registration_is_gone_unless_enabled(sb):
    reg_token = client(sb).projects.get(sb.project_path).runners_token
    r = requests.post(f"{sb.url}/api/v4/runners", data={"token": reg_token, "description": "old way"}, timeout=5)
    assert (r.status_code, r.json()) == (410, {"message": "410 Gone - runner registration disallowed"})
    sb.set_registration_tokens_enabled(True)
    try:
        r = requests.post(f"{sb.url}/api/v4/runners", timeout=5,
                          data={"token": reg_token, "description": "old way", "tag_list": "docker,linux"})
        assert r.status_code == 201
        body = r.json()
        assert not body["token"].startswith("glrt-")
        assert client(sb).runners.get(body["id"]).tag_list == ["docker", "linux"]
        r = requests.post(f"{sb.url}/api/v4/runners", data={"token": "wrong"}, timeout=5)
        assert (r.status_code, r.json()) == (403, {"message": "403 Forbidden"})
    finally:
        sb.set_registration_tokens_enabled(False)


def test_verify_list_reset_and_delete(sb):
    created = create_runner(sb, description="to delete")
    r = requests.post(f"{sb.url}/api/v4/runners/verify", timeout=5,
                      data={"token": created["token"], "system_id": "s_123"})
    assert (r.status_code, r.json()["id"]) == (200, created["id"])
    r = requests.post(f"{sb.url}/api/v4/runners/verify", data={"token": "glrt-nope", "system_id": "s"}, timeout=5)
    assert r.status_code == 403
    project = client(sb).projects.get(sb.project_path)
    listed = project.runners.list(get_all=True)
    kinds = {r.runner_type for r in listed}
    assert kinds == {"instance_type", "project_type"}
    only_project = project.runners.list(get_all=True, type="project_type")
    assert created["id"] in [r.id for r in only_project]
    assert all(r.is_shared is False for r in only_project)
    new_token = client(sb).http_post(f"/runners/{created['id']}/reset_authentication_token")["token"]
    assert new_token.startswith("glrt-") and new_token != created["token"]
    client(sb).runners.delete(created["id"])
    with pytest.raises(gitlab.GitlabGetError) as err:
        client(sb).runners.get(created["id"])
    assert err.value.response_code == 404


def test_register_runner_command_by_data_dir_and_by_url(sb, tmp_path):
    first = create_runner(sb, description="cli data-dir")
    second = create_runner(sb, description="cli url")
    for name, runner in (("a", first), ("b", second)):
        (tmp_path / f"{name}.toml").write_text(CONFIG.format(name=name, url=sb.url, token=runner["token"]))
    by_dir = subprocess.run([sys.executable, "-m", "dockwright.sandbox", "register-runner", "--config",
                             str(tmp_path / "a.toml"), "--data-dir", str(sb.data_dir)],
                            capture_output=True, text=True, timeout=60)
    assert by_dir.returncode == 0, by_dir.stderr
    assert f"runner {first['id']}" in by_dir.stdout
    by_url = subprocess.run([sys.executable, "-m", "dockwright.sandbox", "register-runner", "--config",
                             str(tmp_path / "b.toml"), "--url", sb.url], capture_output=True, text=True, timeout=60)
    assert by_url.returncode == 0, by_url.stderr
    assert client(sb).runners.get(first["id"]).status == "online"
    assert client(sb).runners.get(second["id"]).status == "online"
    none = subprocess.run([sys.executable, "-m", "dockwright.sandbox", "register-runner", "--config",
                           str(tmp_path / "missing.toml"), "--url", sb.url], capture_output=True, text=True, timeout=60)
    assert none.returncode == 2 and "There is no runner configuration" in none.stderr


def test_a_runner_stays_online_while_its_config_holds_the_token(sb, tmp_path):
    from dockwright.sandbox.api_runners import refresh_contacts

    created = create_runner(sb, description="long lived")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG.format(name="long lived", url=sb.url, token=created["token"]))
    sb.register_runners_from_config(config)
    three_hours_ago = "2000-01-01T00:00:00.000Z"
    sb.store.update("runners", created["id"], {"contacted_at": three_hours_ago})
    assert client(sb).runners.get(created["id"]).status == "stale"
    refresh_contacts(sb.store)
    assert client(sb).runners.get(created["id"]).status == "online"
    config.write_text("concurrent = 1\n")  # the runner was removed from this machine
    sb.store.update("runners", created["id"], {"contacted_at": three_hours_ago})
    refresh_contacts(sb.store)
    assert client(sb).runners.get(created["id"]).status == "stale"
