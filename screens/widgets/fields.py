"""A labelled form row, the same everywhere."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import Horizontal
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, RadioButton, Switch


def field_row(label: str, widget: Widget, hint: str = "", row_id: str | None = None):
    """Yield a row: label on the left, the field on the right (hint as the field's tooltip). ``row_id`` names
    the row (and its label, ``<row_id>-label``) for a screen that shows, hides or relabels it."""
    row = Horizontal(Label(label, classes="field-label", id=f"{row_id}-label" if row_id else None), widget,
                     classes="field-row", id=row_id)
    if hint:
        widget.tooltip = hint
    yield row


class FieldInput(Input):
    """An Input whose keystrokes repaint it without laying the whole screen out.

    Textual's Input sets its ``virtual_size`` (the value's width) on every change of its value, and Widget's
    ``virtual_size`` asks for a layout of the screen: reflowing every widget of a step (~70) and redrawing each one
    that the changed fields' parents cover, 10-15 ms of the frame that shows the key (bench/keystroke.py). The
    field's own size is fixed by the stylesheet (``width: auto`` still lays out: Input asks for it itself), so a
    repaint suffices; what the layout also did for an Input is keep its horizontal scroll within the value's width
    after a deletion, done here when the width changes."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self) -> None:
        self.scroll_x = self.scroll_x  # validate_scroll_x clamps it to the new max_scroll_x


class ChoiceButton(RadioButton):
    """A radio button whose chosen state shows as a shape, not by colour alone: ● chosen, blank otherwise."""

    BUTTON_INNER = " "

    def watch_value(self) -> None:
        self.BUTTON_INNER = "●" if self.value else " "  # Textual draws the button from this constant
        super().watch_value()


class MarkedSwitch(Switch):
    """A switch whose state shows as a shape, not by colour alone: its knob carries ✓ when on (Textual's knob is
    a coloured block, the same in both positions without colour)."""

    def render(self) -> Text:
        slider = self.get_component_rich_style("switch--slider")
        track, knob = Style(bgcolor=slider.bgcolor), Style(bgcolor=slider.color, color=slider.bgcolor, bold=True)
        if self._slider_position >= 0.5:
            return Text.assemble(("  ", track), (" ✓", knob))
        return Text.assemble(("  ", knob), ("  ", track))


class TickBox(Checkbox):
    """A checkbox whose state shows as a shape, not by colour alone: ✓ on, blank off (Checkbox draws X for both)."""

    BUTTON_INNER = " "

    def watch_value(self) -> None:
        self.BUTTON_INNER = "✓" if self.value else " "  # Textual draws the box from this constant
        super().watch_value()


# The answers-file keys of wizard.plan.check_plan, as the fields on screen call them.
FIELD_NAMES = {
    "registry.image": "Image", "registry.host": "Host", "registry.region": "AWS region",
    "registry.account": "AWS account", "runner.tags": "Tags", "runner.docker_image": "Docker image",
    "dockerfile.base_image": "Base image",
}


def plan_problem(key: str, problem: str, allowed: str) -> str:
    """One problem from ``check_plan`` as a sentence naming the field on screen."""
    import re

    name = FIELD_NAMES.get(key)
    if name is None and re.match(r"variables\[\d+\]\.key", key):
        name = "The variable name"
    return f"{name or key} {problem}: use {allowed}."


def press_radio(button) -> None:
    """Press ``button`` from the plan. The set's Changed message goes out as for a click: the set puts its
    arrow-key highlight on the button (else ↑/↓ start from the first choice), and the step's handler posts a
    PlanChanged that the App drops, the plan already holding that value."""
    button.value = True
