"""Shared test set-up: git that works the same on every machine, and never the user's own config."""

import os

import pytest


@pytest.fixture(autouse=True)
def _hermetic_git(monkeypatch, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in {
        "GIT_AUTHOR_NAME": "Dockwright Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Dockwright Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_TERMINAL_PROMPT": "0",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("GITLAB_TOKEN", "GITLAB_HOST", "CI_SERVER_URL", "PYTHON_GITLAB_CFG", "NO_COLOR"):
        monkeypatch.delenv(key, raising=False)
    yield
