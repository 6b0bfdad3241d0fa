"""`gitlab-runner register` as apply runs it: the token's way in (issue 17.10) and the config path (17.5).

A small stand-in program plays gitlab-runner and writes down what it was given: its argv and which token
variables its environment holds; it is run through the real subprocess module.
"""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from dockwright.wizard import runner_setup
from dockwright.wizard.credentials import Secret
from dockwright.wizard.plan import Plan, replace_in

RECORDER = """\
import json, os, sys
names = ("CI_SERVER_TOKEN", "REGISTRATION_TOKEN")
with open(os.environ["HOME"] + "/register.json", "w") as f:
    json.dump({"argv": sys.argv[1:], "env": {n: os.environ.get(n) for n in names}}, f)
"""


@pytest.fixture
def fake_runner(tmp_path, monkeypatch):
    script = tmp_path / "gitlab-runner"
    script.write_text(f"#!{sys.executable}\n{RECORDER}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("HOME", str(tmp_path))
    return script


@pytest.mark.parametrize("workflow", ["authentication-token", "registration-token"])
def test_register_gets_the_runner_token_as_its_token(fake_runner, tmp_path, workflow):
    """The token apply got back from POST /runners (legacy) or POST /user/runners is the runner's authentication
    token: register must get it as --token (CI_SERVER_TOKEN). As REGISTRATION_TOKEN, register.go's
    doLegacyRegisterRunner would try to create a second runner with it."""
    plan = replace_in(Plan(), "runner", workflow=workflow)
    token = Secret("glrt-runner-auth-token-1234")
    assert runner_setup.run_register(plan, url="https://gitlab.example.com", config_path=str(tmp_path / "c.toml"),
                                     token=token, binary=str(fake_runner)) == "done"
    seen = json.loads((tmp_path / "register.json").read_text())
    assert seen["env"] == {"CI_SERVER_TOKEN": token.reveal(), "REGISTRATION_TOKEN": None}
    assert token.reveal() not in " ".join(seen["argv"])
    assert "--registration-token" not in seen["argv"]


def test_register_config_path_has_its_home_expanded(fake_runner, tmp_path):
    plan = Plan()
    runner_setup.run_register(plan, url="https://gitlab.example.com", config_path="~/.gitlab-runner/config.toml",
                              token=Secret("glrt-x-1234567890"), binary=str(fake_runner))
    argv = json.loads((tmp_path / "register.json").read_text())["argv"]
    assert argv[argv.index("--config") + 1] == os.path.join(str(tmp_path), ".gitlab-runner/config.toml")
