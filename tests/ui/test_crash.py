"""A bug anywhere in the wizard: the answers are kept, a traceback log without secrets is written, and the
exit code and the one sentence on exit say so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Input

from dockwright.screens.registry import RegistryScreen
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import EXIT_INTERNAL
from tests.ui.helpers import flask_repo, offline_app, settle

SIZE = (120, 40)
TOKEN = "glpat-Xk3f9Qm2Lr7Tz1Wc8Vb4"
TYPED_SECRET = "dckr_pat_s3cr3t_value_42"



@pytest.fixture
def repo(tmp_path):
    return flask_repo(tmp_path / "app")


def break_add_variable(monkeypatch) -> None:
    """A bug on the registry step: adding a variable raises, with both secrets in the exception's message."""
    def broken(self) -> None:
        raise RuntimeError(f"simulated bug holding {TOKEN} and {TYPED_SECRET}")

    monkeypatch.setattr(RegistryScreen, "_add_variable", broken)


async def answer_then_crash(app) -> None:
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        app.screen.query_one("#df-port", Input).value = "9123"
        await settle(pilot)
        app.services.secrets["APP_SECRET"] = Secret(TYPED_SECRET)
        app.goto("registry")
        await settle(pilot)
        app.screen.query_one("#var-new-key", Input).focus()
        await pilot.press("A", "enter")
        await settle(pilot)


def log_named_in(sentence: str) -> Path:
    found = re.search(r"traceback is in (\S+\.log)", sentence)
    assert found, sentence
    return Path(found.group(1))


async def test_an_unexpected_error_saves_the_answers_and_logs_the_traceback_without_secrets(repo, monkeypatch):
    break_add_variable(monkeypatch)
    app = offline_app(repo, token=TOKEN)
    with pytest.raises(RuntimeError, match="simulated bug"):  # Pilot re-raises what stopped the app
        await answer_then_crash(app)
    assert app.exit_status == EXIT_INTERNAL and app.return_code != 0
    assert "port: 9123" in (repo / "dockwright.yml").read_text()  # the answers were saved
    sentence = app.crash
    assert sentence.startswith("dockwright stopped on an unexpected error (RuntimeError)")
    assert f"your answers are saved in {repo / 'dockwright.yml'}" in sentence
    log = log_named_in(sentence)
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "in broken" in text and "simulated bug holding" in text
    assert TOKEN not in text and TYPED_SECRET not in text and "glpat-" not in text
    assert TOKEN not in sentence and TYPED_SECRET not in sentence
    assert oct(log.stat().st_mode & 0o777) == "0o600"


async def test_answers_go_to_a_recovery_file_when_the_answers_file_cannot_be_written(repo, monkeypatch):
    break_add_variable(monkeypatch)
    app = offline_app(repo, token=TOKEN)
    (repo / "dockwright.yml").mkdir()  # a folder where the file should go: the write must fail
    with pytest.raises(RuntimeError):
        await answer_then_crash(app)
    found = re.search(r"so they are saved in (\S+\.yml) \(dockwright --answers \1 starts from them\)", app.crash)
    assert found, app.crash
    assert "port: 9123" in Path(found.group(1)).read_text()
    assert log_named_in(app.crash).exists()


def test_the_wizard_exits_with_the_internal_error_code_and_one_sentence(repo, monkeypatch, capsys):
    """`dockwright` itself (run_wizard, a real App.run without a terminal) after a bug: exit code 70,
    and on stderr the sentence instead of Textual's traceback with local variables."""
    from dockwright.screens.app import DockwrightApp, run_wizard
    from dockwright.wizard.cli import build_parser

    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)

    async def crash(pilot) -> None:
        pilot.app.call_later(lambda: 1 / 0)

    run = DockwrightApp.run
    monkeypatch.setattr(DockwrightApp, "run", lambda self: run(self, headless=True, size=SIZE, auto_pilot=crash))
    assert run_wizard(build_parser().parse_args(["--dir", str(repo)])) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "dockwright stopped on an unexpected error (ZeroDivisionError)" in err
    assert "had not changed any answer" in err  # nothing to save, so nothing written
    assert not (repo / "dockwright.yml").exists()
    assert TOKEN not in err and "locals" not in err
    assert len(err.strip().splitlines()) == 1  # one sentence, its paths unbroken
    assert "ZeroDivisionError" in log_named_in(err).read_text()
