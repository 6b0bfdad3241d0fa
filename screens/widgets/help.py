"""The teaching page of a step (assets/help/<step>.md) in a modal: F1 (or ? outside a text field) opens it,
Escape closes it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from dockwright.assets import asset_text
from dockwright.wizard.steps import Step


def help_text(step: Step) -> str:
    try:
        return asset_text(step.help_asset)
    except (FileNotFoundError, OSError):
        return (f"# {step.title}\n\n{step.why}\n\n"
                f"The full teaching page for this step (`assets/help/{step.help_page}.md`) is not "
                "installed in this copy of dockwright. GitLab's CI/CD documentation covers the same ground: "
                "https://docs.gitlab.com/ci/")


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="help.close", tooltip="Close the teaching page"),
    ]

    def __init__(self, step: Step) -> None:
        super().__init__()
        self.step = step

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = f"Help: {self.step.title}"
            body.border_subtitle = "Esc closes and takes you back to the step  ·  ↑ ↓ PgUp PgDn scroll"
            yield Markdown(help_text(self.step), id="help-text")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
