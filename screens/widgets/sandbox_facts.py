"""The practice sandbox's URL and token, on demand (command palette): for `dockwright watch`, git or curl in
another terminal. The token is shown only here, when asked for, and copied only on the button."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from dockwright.wizard.credentials import Secret
from dockwright.wizard.sandbox_link import facts_lines

USE = ("In another terminal, `dockwright watch --sandbox` finds this sandbox by itself (no token to copy), and "
       "`dockwright sandbox --show` prints these lines. git and curl take the token as password / PRIVATE-TOKEN. "
       "The sandbox stops when the wizard does; its URL and token are printed then too.")


class SandboxFacts(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss", "Close", id="sandbox_facts.close", tooltip="Back to the wizard")]

    def __init__(self, url: str, token: Secret, project: str) -> None:
        super().__init__()
        self.url, self.token, self.project = url, token, project

    def compose(self) -> ComposeResult:
        with Vertical(id="sandbox-facts-dialog"):
            yield Label("The practice sandbox on this machine", id="sandbox-facts-title")
            yield Static("\n".join(facts_lines(self.url, self.token, self.project)), id="sandbox-facts",
                         markup=False)
            yield Label(USE, id="sandbox-facts-use")
            with Horizontal(id="sandbox-facts-buttons"):
                yield Button("Copy token", id="copy-token", variant="primary")
                yield Button("Close (Esc)", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy-token":
            self.app.copy_to_clipboard(self.token.reveal())
            self.notify("Token copied to the clipboard (where the terminal allows it).")
        else:
            self.dismiss(None)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
