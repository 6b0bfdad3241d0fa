"""The preview's TextArea: a new text or mark repaints only the lines that look different.

TextArea repaints every visible line after each edit and each change of its selection; with tree-sitter
highlighting that is ~0.4 ms a line, the larger part of the frame that shows a keystroke's effect in the preview
(bench/keystroke.py). Inside :meth:`PreviewArea.changing_lines` those whole-area repaints are held back; at the
end the lines whose text, highlighting, selection or cursor row changed are repainted, and the rest is drawn from
what is already on screen. Anything that moves the lines (a scroll, a new size, a wider or narrower document, a
wider line-number gutter, soft wrap) repaints the whole area, as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from textual.geometry import Offset, Region, Size
from textual.widgets import TextArea
from textual.widgets.text_area import Selection


class _Look(NamedTuple):
    """What a visible line's drawing depends on, besides its own text and highlights."""

    scroll: Offset
    size: Size
    width: int  # of the document (lines are drawn as wide as the widest one)
    gutter: int
    soft_wrap: bool


def _rows(selection: Selection) -> set[int]:
    """The rows a selection (and its cursor, the line drawn as the current one) is drawn on."""
    (top, _), (bottom, _) = sorted(selection)
    return {*range(top, bottom + 1), selection.end[0]} if selection.start != selection.end else {selection.end[0]}


class PreviewArea(TextArea):
    """A read-only TextArea whose text is replaced by the preview; see the module's docstring."""

    _holding = False
    _full_repaint_asked = False
    _bars_drawn: tuple | None = None  # what the scrollbars were last drawn for

    def _scroll_update(self, virtual_size: Size) -> None:
        """Widget redraws both scrollbars on every layout of the screen (a keystroke in any field lays it out),
        also when nothing they show changed; here only when their sizes, the document's or visibility did."""
        self._refresh_scrollbars()
        bars = (virtual_size, self.container_size, self.show_vertical_scrollbar, self.show_horizontal_scrollbar,
                self.scrollbar_size_vertical, self.scrollbar_size_horizontal)
        if bars != self._bars_drawn:
            self._bars_drawn = bars
            super()._scroll_update(virtual_size)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> PreviewArea:
        if self._holding and repaint and not regions and not recompose:
            self._full_repaint_asked = True  # which lines: worked out at the end of changing_lines
            if layout:
                super().refresh(repaint=False, layout=True)
            return self
        super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        return self

    def _look(self) -> _Look:
        return _Look(self.scroll_offset, self.size, self.virtual_size.width, self.gutter_width, self.soft_wrap)

    @contextmanager
    def changing_lines(self) -> Iterator[None]:
        """Edit the text and set the selection inside this block: only the lines drawn differently are repainted."""
        if self._holding or not self.is_mounted:
            yield
            return
        look, lines = self._look(), list(self.document.lines)  # a copy: the document edits its list
        highlights = {row: list(spans) for row, spans in self._highlights.items()}
        selection, bracket = self.selection, self._matching_bracket_location
        self._holding, self._full_repaint_asked = True, False
        try:
            yield
        finally:
            self._holding = False
            if self._full_repaint_asked:
                self._repaint_changed(look, lines, highlights, selection, bracket)

    def _repaint_changed(self, look: _Look, lines: list[str], highlights: dict[int, list], selection: Selection,
                         bracket: tuple[int, int] | None) -> None:
        """Repaint the visible rows drawn differently now than with the text, highlights and selection before."""
        if self._look() != look or look.soft_wrap:
            self.refresh()
            return
        new_lines = self.document.lines
        top = self.scroll_offset.y
        visible = range(top, top + self.size.height)
        rows = _rows(selection) | _rows(self.selection) if selection != self.selection else set()
        for location in (bracket, self._matching_bracket_location):
            if location is not None:
                rows.add(location[0])
        if len(new_lines) != len(lines):  # lines moved up or down: all from the first that differs
            first = next((i for i, (a, b) in enumerate(zip(lines, new_lines, strict=False)) if a != b),
                         min(len(lines), len(new_lines)))
            rows.update(range(first, visible.stop))
        else:
            rows.update(row for row in visible if lines[row:row + 1] != new_lines[row:row + 1])
        rows.update(row for row in visible if highlights.get(row, []) != self._highlights.get(row, []))
        for start, count in _runs(sorted(row for row in rows if row in visible)):
            self.refresh_lines(start, count)


def _runs(rows: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted rows as runs of consecutive ones: (first, how many)."""
    for _, run in itertools.groupby(enumerate(rows), key=lambda pair: pair[1] - pair[0]):
        block = [row for _, row in run]
        yield block[0], len(block)
