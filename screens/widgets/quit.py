"""Asked on quit when there is unapplied work: save the answers file (never secrets), quit, or stay."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class QuitScreen(ModalScreen[str]):
    """Dismisses with "save", "quit" or "stay"."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "stay", "Stay", id="quit.stay", tooltip="Go back to the wizard")]

    def __init__(self, answers_path: str, *, again: str) -> None:
        super().__init__()
        self.answers_path = answers_path
        self.again = again

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-dialog"):
            yield Label("Nothing has been applied yet. Keep your answers for next time?", id="quit-question")
            yield Label(f"They go to {self.answers_path} (no tokens or secret values are saved). "
                        f"{self.again} starts from them.", id="quit-detail")
            with Horizontal(id="quit-buttons"):
                yield Button("Save answers and quit", id="save", variant="primary")
                yield Button("Quit without saving", id="quit", variant="error")
                yield Button("Stay", id="stay")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "stay")

    def action_stay(self) -> None:
        self.dismiss("stay")
