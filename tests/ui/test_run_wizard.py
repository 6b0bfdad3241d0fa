"""`dockwright` without a subcommand: what the wizard starts from (answers file, detection, sandbox, credentials)."""

from __future__ import annotations

import argparse

from dockwright.screens.app import build_services
from dockwright.wizard.answers_file import save_answers
from dockwright.wizard.cli import build_parser
from dockwright.wizard.plan import replace_in
from tests.ui.helpers import flask_repo


def args_for(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_the_wizard_flags_parse_without_a_subcommand(tmp_path):
    args = args_for("--sandbox", "--dir", str(tmp_path), "--answers", "a.yml")
    assert args.sandbox and args.dir == str(tmp_path) and args.answers == "a.yml" and not args.plain
    assert getattr(args, "_run", None) is None  # main() hands over to the wizard


def test_reopening_a_folder_with_dockwright_yml_starts_from_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-from-env-0000")
    repo = flask_repo(tmp_path / "app")
    plan, services, sandbox = build_services(args_for("--dir", str(repo)), repo)
    assert sandbox is None and plan.dockerfile.port == 8000  # detection: gunicorn serves the Flask app
    save_answers(replace_in(replace_in(plan, "dockerfile", port=9000), "gitlab", url="https://gitlab.example.com"),
                 repo / "dockwright.yml")
    again, services, _ = build_services(args_for("--dir", str(repo)), repo)
    assert again.dockerfile.port == 9000 and again.gitlab.url == "https://gitlab.example.com"
    assert services.token.reveal() == "glpat-from-env-0000" and "GITLAB_TOKEN" in services.token_source
    assert "glpat" not in (repo / "dockwright.yml").read_text()


def test_no_token_anywhere_leaves_it_to_the_connect_step(tmp_path):
    repo = flask_repo(tmp_path / "app")
    _plan, services, _ = build_services(args_for("--dir", str(repo)), repo)
    assert services.token is None and services.url_source  # where the URL came from is always said


def test_sandbox_mode_practises_on_a_clone_of_the_demo_project(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    plan, services, sandbox = build_services(args_for("--sandbox"), tmp_path)
    try:
        assert services.sandbox and services.token.reveal() == sandbox.token
        assert plan.gitlab.url == sandbox.url and plan.gitlab.project == sandbox.project_path
        assert (services.workdir / ".git").is_dir() and services.workdir != tmp_path
        assert str(tmp_path / "state") in plan.runner.config_path  # not /etc/gitlab-runner when practising
    finally:
        sandbox.stop()


def test_sandbox_demo_practises_on_that_stacks_project(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    plan, services, sandbox = build_services(args_for("--sandbox", "--demo", "node"), tmp_path)
    try:
        assert (services.workdir / "package.json").is_file() and not (services.workdir / "app.py").exists()
        assert plan.dockerfile.language == "node"  # detection ran on the Node.js demo's clone
    finally:
        sandbox.stop()
    # the next start without --demo keeps the stack; --demo python starts the clone over as the Flask app
    plan, services, sandbox = build_services(args_for("--sandbox"), tmp_path)
    try:
        assert plan.dockerfile.language == "node"
    finally:
        sandbox.stop()
    plan, services, sandbox = build_services(args_for("--sandbox", "--demo", "python"), tmp_path)
    try:
        assert plan.dockerfile.language == "python" and (services.workdir / "app.py").is_file()
    finally:
        sandbox.stop()


def test_demo_is_refused_where_it_means_nothing(tmp_path, capsys, monkeypatch):
    from dockwright.wizard.cli import main

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    cases = [  # argv, what is wrong, what to do
        (["--demo", "node"], "--demo chooses the practice sandbox's demo project, so it needs --sandbox.",
         "Run `dockwright --sandbox --demo node`."),
        (["--sandbox", "--demo", "node", "--dir", str(tmp_path)], "--dir names a folder of your own",
         "Leave out --dir to practise on the demo"),
        (["--sandbox", "--demo", "cobol"], "There is no demo project for 'cobol'.", "Choose one of: python, node"),
        (["--plain", "--sandbox", "--demo", "cobol"], "There is no demo project for 'cobol'.", "Choose one of:"),
    ]
    for argv, sentence, next_step in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert sentence in err and next_step in err, err
    assert not (tmp_path / "state").exists()  # refused before any sandbox started


async def test_the_first_step_is_shown_before_the_start_and_filled_in_by_it(tmp_path, monkeypatch):
    """The first frame does not wait for detection or the sandbox: Connect says it is detecting, takes no typing
    and no Next meanwhile, and fills in from what the start found; the steps after it get the detection."""
    import asyncio
    import threading

    from dockwright.screens.app import DockwrightApp
    from dockwright.wizard.plan import Plan
    from dockwright.wizard.session import Session

    monkeypatch.setenv("GITLAB_TOKEN", "glpat-from-env-0000")
    repo = flask_repo(tmp_path / "app")
    save_answers(replace_in(Plan(), "dockerfile", port=9000), repo / "dockwright.yml")
    answers = (repo / "dockwright.yml").read_text()
    release = threading.Event()

    def starting():
        release.wait()
        plan, services, _sandbox = build_services(args_for("--dir", str(repo)), repo)
        return replace_in(plan, "gitlab", project="alice/app"), services

    app = DockwrightApp(replace_in(Plan(), "gitlab", url="", project=""), Session(workdir=repo), starting=starting)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert str(screen.query_one("#connect-url-source").render()) == "Detecting the project …"
        assert all(field.disabled for field in screen.query("Input"))
        app.goto("project")  # Next or the palette before the start returned: stays on Connect
        await pilot.press("ctrl+s")  # Save before the start read the answers file: it stays as it was
        assert (repo / "dockwright.yml").read_text() == answers
        assert app.current_step == "connect" and not app.is_screen_installed("project")
        release.set()
        while not app.started:
            await asyncio.sleep(0.01)
        await pilot.pause()
        assert screen.query_one("#connect-project").value == "alice/app"
        assert screen.query_one("#connect-token").value == "glpat-from-env-0000"
        assert "GITLAB_TOKEN" in str(screen.query_one("#connect-token-source").render())
        assert not any(field.disabled for field in screen.query("Input"))
        assert app.services.detection is not None and app.plan.dockerfile.port == 9000  # the answers file's
        app.goto("project")
        await pilot.pause()
        assert app.current_step == "project"


async def test_no_garbage_collection_from_the_command_line_to_the_first_frame(tmp_path, monkeypatch):
    """Start-up makes long-lived objects and hardly any garbage, and its collections cost 80-90 ms of the first
    frame (screens/frozen.py): the console script turns the collector off before importing Textual, the wizard's
    first frame freezes what the start made (held by the app, given back when it ends) and turns it on again."""
    import gc
    import sys

    import dockwright.screens.app as app_module
    from dockwright.screens import frozen
    from dockwright.screens.app import DockwrightApp
    from dockwright.screens.entry import main
    from dockwright.wizard.plan import Plan
    from dockwright.wizard.session import Session

    collector_on: list[bool] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(app_module, "run_wizard", lambda args: collector_on.append(gc.isenabled()) or 0)
    assert main(["--dir", str(tmp_path)]) == 0
    assert collector_on == [False] and gc.isenabled()  # off for the wizard's start, on again when it returned

    assert gc.get_freeze_count() == 0
    with frozen.collection_paused():
        app = DockwrightApp(Plan(), Session(workdir=flask_repo(tmp_path / "app")))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert gc.isenabled() and frozen.holding(app) and gc.get_freeze_count() > 0  # Ready came
        assert not frozen.holding(app) and gc.get_freeze_count() == 0  # the app ended: all collectable again


def test_the_collector_is_on_again_after_a_start_that_failed_and_stays_off_if_it_was_off():
    import gc

    import pytest

    from dockwright.screens import frozen

    with pytest.raises(RuntimeError), frozen.collection_paused():
        raise RuntimeError("the app failed before its first frame")
    assert gc.isenabled()
    gc.disable()
    try:
        with frozen.collection_paused():
            pass
        frozen.resume_collection(object())  # an app's Ready with nothing paused: nothing frozen, nothing turned on
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()
