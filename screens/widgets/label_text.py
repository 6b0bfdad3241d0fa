"""Putting new text in a label without laying the whole screen out when its size stays the same.

Its own module: the watch screen uses it and need not import the wizard's form widgets (screens/widgets/fields.py).
"""

from __future__ import annotations

from textual.widgets import Static


def update_label(label: Static, text: str) -> None:
    """``label.update(text)`` when the text differs, and a layout of the screen only when the label's size changes
    with it. Textual's update lays the whole screen out again even for the same text: each step put its sentences
    in again each time it was shown (load_plan), a layout of the step on every Back and Next for nothing
    (bench/step_switch.py); on the watch screen each status change (title, message line) laid out the whole screen
    while a big log streamed in, 20-100 ms with 5,000 lines in the pane (bench/watch_big_log.py). A label whose
    width is set (not auto) keeps its size when the new text takes as many lines at that width as the old one."""
    if label.content == text:
        return
    if not label.display:  # hidden: showing it lays the screen out anyway
        label.update(text, layout=False)
        return
    width = label.content_region.width
    if not width or label.styles.width is None or label.styles.width.is_auto:
        label.update(text)  # not laid out yet, or as wide as its text: let Textual work the size out
        return
    lines = label.get_content_height(label.container_size, label.app.size, width)
    label.update(text, layout=False)
    if label.get_content_height(label.container_size, label.app.size, width) != lines:
        label.refresh(layout=True)
