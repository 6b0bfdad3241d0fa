"""`dockwright sandbox` in the foreground: prints url, token, project (plain or JSON), serves, stops on SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from dockwright.wizard.cli import main


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dockwright.sandbox", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    return proc.returncode, err


def test_json_output_then_serves_until_interrupted(tmp_path):
    proc = start(["--json", "--data-dir", str(tmp_path / "d"), "--job-seconds", "0.1"])
    try:
        facts = json.loads(proc.stdout.readline())
        assert list(facts) == ["url", "token", "project", "engine", "registry"]
        assert facts["url"].startswith("http://127.0.0.1:") and facts["project"] == "demo/app"
        # simulated builds (the suite's DOCKWRIGHT_SANDBOX_ENGINE=sim): jobs see the sandbox itself as CI_REGISTRY
        assert facts["engine"] == "sim" and facts["registry"] == facts["url"].removeprefix("http://")
        r = requests.get(f"{facts['url']}/api/v4/user", headers={"PRIVATE-TOKEN": facts["token"]}, timeout=10)
        assert r.json()["username"] == "root"
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "serving" in err and facts["token"] not in err
    assert "dockwright sandbox: builds: simulated builds (--engine sim)" in err


def test_plain_output_in_order_and_state_kept(tmp_path):
    proc = start(["--data-dir", str(tmp_path / "d")])
    try:
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(3)]
    finally:
        stop(proc)
    assert [line.split(": ", 1)[0] for line in lines] == ["url", "token", "project"]
    assert lines[1].split(": ", 1)[1].startswith("glpat-")
    assert (tmp_path / "d" / "sandbox.sqlite3").exists()
    assert (tmp_path / "d" / "repositories" / "demo" / "app.git").is_dir()


def test_refuses_a_non_loopback_host(capsys):
    assert main(["sandbox", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "only listens on this machine's loopback" in err and "127.0.0.1" in err


def test_rejects_bad_fault_values(capsys):
    assert main(["sandbox", "--error-rate", "2"]) == 2
    assert "error_rate must be between 0 and 1" in capsys.readouterr().err


def test_help_lists_the_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "sandbox" in capsys.readouterr().out


def test_sigterm_stops_it_cleanly(tmp_path):
    proc = start(["--json", "--data-dir", str(tmp_path / "d")])
    try:
        assert json.loads(proc.stdout.readline())["project"] == "demo/app"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
    assert proc.returncode == 0
    again = start(["--json", "--data-dir", str(tmp_path / "d")])  # the folder is unlocked again
    try:
        assert json.loads(again.stdout.readline())["project"] == "demo/app"
    finally:
        stop(again)


def test_group_projects_option_makes_a_group_to_monitor(tmp_path):
    proc = start(["--json", "--data-dir", str(tmp_path / "d"), "--job-seconds", "0.1", "--group-projects", "3",
                  "--group", "team"])
    try:
        facts = json.loads(proc.stdout.readline())
        r = requests.get(f"{facts['url']}/api/v4/groups/team/projects", headers={"PRIVATE-TOKEN": facts["token"]},
                         timeout=10)
        assert sorted(p["path_with_namespace"] for p in r.json()) == ["team/app-01", "team/app-02", "team/app-03"]
    finally:
        code, err = stop(proc)
    assert code == 0, err
    assert "group team holds 3 practice projects" in err


def test_group_projects_option_refuses_a_bad_group(capsys, tmp_path):
    assert main(["sandbox", "--data-dir", str(tmp_path / "d"), "--group-projects", "2", "--group", "a//b"]) == 2
    assert "is not a group path GitLab accepts" in capsys.readouterr().err
