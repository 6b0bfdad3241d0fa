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
