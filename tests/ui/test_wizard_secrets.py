"""The wizard's fields keep the same rules as the answers file (one URL rule, one token rule, one text rule),
and a crash of the App never prints a token: Textual's report is not printed and the crash log is scrubbed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Input

from dockwright.wizard.credentials import Secret
from tests.ui.helpers import flask_repo, offline_app

SIZE = (120, 40)
TOKEN = "glpat-uiSecret0123456789ab"


@pytest.fixture
def repo(tmp_path):
    return flask_repo(tmp_path / "app")


async def settle(pilot, times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


def result_text(app) -> str:
    return str(app.screen.query_one("#connect-result").content)


@pytest.mark.parametrize(("url", "token", "expected"), [
    (f"http://oauth2:{TOKEN}@gitlab.example.com", TOKEN, "The GitLab URL has a user name or password in it"),
    ("http://gitlab.example.com :80", TOKEN, "The GitLab URL has a space in it"),
    ("https://gitlab.example.com:99999", TOKEN, "ports go from 1 to 65535"),
    ("https://gitlab.example.com", "glpat-pasted\u2019token0123", "The token has a character that is not plain ASCII"),
])
async def test_the_connect_fields_use_the_one_url_and_token_rule(repo, url, token, expected):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#connect-url", Input).value = url
        app.screen.query_one("#connect-token", Input).value = token
        await settle(pilot)
        await pilot.click("#connect-test")
        await settle(pilot)
        text = result_text(app)
        assert text.startswith("✗") and expected in text, text
        assert TOKEN not in text and app.services.client is None  # refused before any connection
        assert app.current_step == "connect"


async def test_next_refuses_a_field_with_a_control_character(repo):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        app.screen.query_one("#df-base_image", Input).value = "python:3.13-slim\x1b[2J"
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "dockerfile"
        # the field's own image-name rule refuses it first; the plan's text rule stands behind it
        assert any("Base image" in str(n.message) and "invisible character" in str(n.message)
                   for n in app._notifications)


async def test_a_crash_report_shows_no_locals_and_no_token(repo, capfd):
    """Textual's own crash report (which shows every frame's locals) is not printed; the wizard's log is scrubbed."""
    app = offline_app(repo)
    secret = Secret(TOKEN)

    def crash() -> None:
        headers = {"PRIVATE-TOKEN": secret.reveal()}  # a local a default crash report would print
        raise ValueError(f"Invalid header value {headers['PRIVATE-TOKEN'].encode()!r}")

    with pytest.raises(ValueError):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.call_later(crash)
            await settle(pilot)
    report = capfd.readouterr().err  # what Textual printed when the App ended
    assert TOKEN not in report and "Invalid header value" not in report
    log = re.search(r"traceback is in (\S+\.log)", app.crash or "")
    assert log, app.crash
    text = Path(log.group(1)).read_text()
    assert "ValueError" in text and "Invalid header value b'****'" in text
    assert TOKEN not in text  # neither in the message nor in a frame's locals


def test_a_found_token_that_cannot_be_one_is_named_on_the_connect_step(repo, monkeypatch):
    import argparse

    from dockwright.screens.app import build_services

    monkeypatch.setenv("GITLAB_TOKEN", TOKEN + "\nsecond line")
    monkeypatch.setenv("GITLAB_HOST", "https://gitlab.example.com")
    _plan, services, _sandbox = build_services(argparse.Namespace(answers=None, dir=str(repo)), repo)
    assert services.token is None  # not used: the Connect step asks for one and says why
    assert "The token from the GITLAB_TOKEN environment variable has a line break in it" in services.token_source
    assert TOKEN not in services.token_source
