"""The question of a retry/cancel/play/download is shown as written: job names and artifact paths come from the
user's .gitlab-ci.yml, where `build [linux]` or `out/[id]/` are fine, and were read as Rich markup."""

from __future__ import annotations

from textual.app import App

from dockwright.screens.widgets.confirm import ConfirmAction


async def test_a_question_with_brackets_is_shown_as_written_and_answered():
    question = "Retry job build [linux] ([/] [bold]x[/bold])?"
    answers: list[bool | None] = []

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(ConfirmAction(question), answers.append)

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        shown = app.screen.query_one("#confirm-question")
        assert str(shown.render()) == question
        await pilot.press("y")
        await pilot.pause()
    assert answers == [True]
