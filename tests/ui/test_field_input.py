"""FieldInput, the Input of every form field: a keystroke repaints the field without laying the screen out (Textual's
Input asks for a layout of the whole screen on every change of its value), and it scrolls as Textual's Input does."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input, TextArea

from dockwright.screens.widgets.fields import FieldInput
from tests.ui.helpers import flask_repo, offline_app


async def test_a_key_in_the_port_field_reaches_the_preview_without_a_layout_of_the_screen(tmp_path):
    """Each key in the Port field laid the Dockerfile step out twice (~70 widgets: the port field, then the Command
    field that follows the port), 10-15 ms of the frame that shows the key (bench/keystroke.py)."""
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(120, 36)) as pilot:
        app.goto("dockerfile")
        for _ in range(3):
            await pilot.pause()
        screen = app.screen
        field = screen.query_one("#df-port", Input)
        field.focus()
        field.value = "80"
        await pilot.press("end")
        for _ in range(3):
            await pilot.pause()
        layouts: list[object] = []
        screen.screen_layout_refresh_signal.subscribe(screen, layouts.append, immediate=True)
        await pilot.press("1", "backspace", "2")
        for _ in range(3):
            await pilot.pause()
        area = screen.query_one("#preview-dockerfile", TextArea)
        command = screen.query_one("#df-command", Input)
        assert "EXPOSE 802\n" in area.text and "0.0.0.0:802" in command.value
        assert layouts == []


class TwoFields(App):
    CSS = "Input { width: 20; }"

    def compose(self) -> ComposeResult:
        yield Input(id="textual", select_on_focus=False)
        yield FieldInput(id="ours", select_on_focus=False)


async def test_a_field_input_scrolls_and_draws_as_textuals_input():
    """The layout Textual's Input asks for also kept its sideways scroll within the value after a deletion:
    FieldInput does that itself. The same keys in both: the same scroll and the same line drawn each time."""
    async with TwoFields().run_test(size=(60, 10)) as pilot:
        textual, ours = pilot.app.query_one("#textual", Input), pilot.app.query_one("#ours", Input)
        steps = [list("a-value-wider-than-the-field"), ["backspace"] * 4, ["home"], ["end"], ["left"] * 3,
                 ["ctrl+k"], ["ctrl+u"]]
        scrolled = []
        for keys in steps:
            for field in (textual, ours):
                field.focus()
                await pilot.press(*keys)
                for _ in range(3):
                    await pilot.pause()
            pilot.app.set_focus(None)  # neither draws a cursor
            await pilot.pause()
            assert ours.value == textual.value
            assert ours.scroll_offset == textual.scroll_offset
            assert ours.render_line(0).text == textual.render_line(0).text
            scrolled.append(ours.scroll_offset.x)
        assert scrolled[0] > scrolled[1] > 0 and scrolled[2] == 0 and scrolled[-1] == 0  # it did scroll, and back
