"""The wizard's sandbox can be reached from another terminal (issue 16 item 7): its URL and token on demand in
the command palette, and said once more when the wizard (and with it the sandbox) ends."""

from __future__ import annotations

from textual.widgets import Static

from tests.ui.helpers import sandbox_app

SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it


async def test_the_palette_shows_url_and_token_and_leaving_prints_them(sb, tmp_path, capsys):
    app = sandbox_app(sb, tmp_path / "app")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        command = next(c for c in app.get_system_commands(app.screen) if "URL and token" in c.title)
        command.callback()
        await pilot.pause()
        shown = str(app.screen.query_one("#sandbox-facts", Static).render())
        assert f"url: {sb.url}" in shown and f"token: {sb.token}" in shown and "project: demo/app" in shown
        assert "dockwright watch --sandbox" in str(app.screen.query_one("#sandbox-facts-use").render())
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ != "SandboxFacts"
        app.exit(0)
    said = capsys.readouterr()
    assert "the practice sandbox stopped with the wizard" in said.err
    assert f"url: {sb.url}" in said.err and f"token: {sb.token}" in said.err


async def test_copy_token_puts_the_token_itself_on_the_clipboard(sb, tmp_path):
    # found by mypy: the wizard handed its Secret (not the text) to the dialog, and Copy token crashed on it
    app = sandbox_app(sb, tmp_path / "app")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        next(c for c in app.get_system_commands(app.screen) if "URL and token" in c.title).callback()
        await pilot.pause()
        await pilot.click("#copy-token")
        await pilot.pause()
        assert app.clipboard == sb.token
        assert type(app.screen).__name__ == "SandboxFacts"
        app.exit(0)


async def test_without_a_sandbox_there_is_no_such_command_and_nothing_is_printed(tmp_path, capsys):
    from tests.ui.helpers import flask_repo, offline_app

    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not any("URL and token" in c.title for c in app.get_system_commands(app.screen))
        app.exit(0)
    assert "sandbox" not in capsys.readouterr().err
