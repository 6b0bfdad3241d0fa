"""Asked before the watch changes anything in GitLab (retry, cancel, play); and whether a browser can be opened."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

CONSOLE_BROWSERS = {"www-browser", "links", "elinks", "lynx", "w3m"}  # they would take over this terminal


def has_browser() -> bool:
    """Whether Python's webbrowser finds a browser that opens outside this terminal."""
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    return getattr(browser, "name", "") not in CONSOLE_BROWSERS


class ConfirmAction(ModalScreen[bool]):
    """Retry, cancel, play: asked once, answered with y/n or the buttons."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Do it"),
                Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Leave it as it is")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self.question, id="confirm-question", markup=False)  # job names and paths come from the user's YAML
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
