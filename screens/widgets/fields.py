"""A labelled form row, the same everywhere."""

from __future__ import annotations

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label


def field_row(label: str, widget: Widget, hint: str = ""):
    """Yield a row: label on the left, the field on the right (hint as the field's tooltip)."""
    row = Horizontal(Label(label, classes="field-label"), widget, classes="field-row")
    if hint:
        widget.tooltip = hint
    yield row


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


def press_radio(radio_set, button) -> None:
    """Press ``button`` from the plan without a Changed message, and put the arrow-key highlight on it too
    (otherwise the highlight stays on the first choice and ↑/↓ start from there)."""
    from textual.widgets import RadioSet

    if not button.value:
        with radio_set.prevent(RadioSet.Changed):
            button.value = True
    radio_set._selected = list(radio_set.query("RadioButton")).index(button)  # Textual has no public setter
