"""A job's log as GitLab's job page shows it: ANSI colours, section headers marked, `[MASKED]` kept.

- Text arrives in pieces (:meth:`JobLog.append`); an unfinished last line waits for the rest.
- Memory and work are bounded: only the last ``max_lines`` lines are kept (a 50 MB log keeps its tail, and a
  line the pane would drop anyway is never looked at); a sentence at the top counts the lines left out and
  says where the whole log is.
- Nothing heavy runs on the event loop: new lines are taken in slices of a few milliseconds each (the screen
  draws and answers keys between two slices), and a line's colours (ANSI) are parsed only when it is drawn:
  the few lines on screen, not the thousands kept.
- While a pane is up, the objects that existed at its first paint are left out of the garbage collector's
  full passes (gc.freeze): a full pass over all of Textual and python-gitlab took 40-80 ms. Objects freed by
  their reference count still go at once; only cycles among those old objects wait for the last pane's
  unmount, which gives them back to the collector (screens/frozen.py: not before the wizard's own freeze ends).
- Auto-scroll follows the end, pauses while the user has scrolled up, resumes at the bottom.
- :meth:`JobLog.search` jumps to the next line that contains a text.
"""

from __future__ import annotations

import gc
import re
import time
from collections import deque

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dockwright.screens import frozen
from dockwright.wizard.diagnose import strip_ansi

SECTION_START = re.compile(r"section_start:\d+:([\w.-]+)(\[[^\]]*\])?\r?(\x1b\[0K)?")
SECTION_END = re.compile(r"section_end:\d+:[\w.-]+\r?(\x1b\[0K)?")
MAX_LINES = 5_000
SLICE_SECONDS = 0.004  # new lines taken per turn of the event loop: at most this long, then the screen draws
MAX_LINE_CHARS = 4_000  # a longer line is cut on screen (the browser shows it whole)
_frozen_by: set[int] = set()  # the mounted panes that froze the collector's old objects (see JobLog._settle)
FROZEN = "job log panes"  # their one hold on the frozen objects (screens/frozen.py)
_thresholds: list[int] = []  # the collector's thresholds before the first pane changed them
FULL_PASS_RARER = 10  # while a pane is up, a full collection waits for ten times as many younger ones
STRIP_CACHE = 256  # drawn lines kept: a few screens' worth (each is a dozen objects the garbage collector walks)


def clean_line(raw: str) -> tuple[str, bool]:
    """The line to show (ANSI kept) and whether it is a section header."""
    header = False
    if "section_" in raw:
        raw, _ends = SECTION_END.subn("", raw)
        raw, starts = SECTION_START.subn("", raw)
        header = starts > 0
    if "\r" in raw:  # a progress bar redraws the line: keep what is finally shown
        parts = [p for p in raw.split("\r") if strip_ansi(p).strip()]
        raw = parts[-1] if parts else ""
    return raw, header


def tail_lines(text: str, count: int) -> tuple[list[str], int]:
    """The last ``count`` complete-or-not lines of ``text`` and how many lines before them were skipped."""
    pos = len(text)
    for _ in range(count):
        pos = text.rfind("\n", 0, pos)
        if pos == -1:
            return text.split("\n"), 0
    return text[pos + 1:].split("\n"), text.count("\n", 0, pos + 1)


class JobLog(ScrollView, can_focus=True):
    """The log pane of the watch screen: a scrolling view of the last ``max_lines`` lines of one job's log."""

    DEFAULT_CSS = """
    JobLog { background: $surface; color: $foreground; overflow-y: scroll; }
    JobLog:focus { background-tint: $foreground 5%; }
    """

    def __init__(self, *, max_lines: int = MAX_LINES, name: str | None = None, id: str | None = None,  # noqa: A002
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.keep = max_lines
        self.rows: deque[str] = deque(maxlen=max_lines)  # the kept lines as shown (ANSI kept, parsed when drawn)
        self.plain_rows: deque[str] = deque(maxlen=max_lines)  # the same without colours, for search
        self.headers: set[int] = set()  # numbers of the kept lines that open a section
        self.backlog: deque[str] = deque()  # received, not taken into the view yet (never more than max_lines)
        self.draining = False
        self.partial = ""
        self.skipped = 0  # lines of this log before the first kept one
        self.first = 0  # number of the first kept line since show_job (the strip cache's key)
        self.job_id: int | None = None
        self.match_at: int | None = None
        self.auto_scroll = True
        self._strips: LRUCache[int, Strip] = LRUCache(STRIP_CACHE)
        self._shown: LRUCache[int, Strip] = LRUCache(STRIP_CACHE)  # the same cropped and styled (render_line)
        self._view: tuple[object, ...] = ()
        self._style: Style | None = None  # rich_style, until the styles change (notify_style_update)

    def on_mount(self) -> None:
        self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        """After the first paint: what exists by now (Textual, python-gitlab, the screens) lives as long as
        the pane, so it leaves the garbage collector's full passes, which would walk all of it (40-80 ms on a
        2-core machine) several times while a big log streams in. No collection first: that alone is such a
        pass (60 ms measured) right after the first paint; garbage frozen with the rest waits for the last pane's
        unmount, which gives it back to the collector (when the wizard holds none either). A full pass also comes
        ten times less often meanwhile: drawing a streaming log makes some 30,000 new objects a few seconds
        (strips, their segments and styles), and a pass over them was the longest stall left (35-75 ms,
        bench/watch.py)."""
        if not _frozen_by:
            frozen.hold(FROZEN)
            young, middle, full = _thresholds[:] = gc.get_threshold()
            gc.set_threshold(young, middle, full * FULL_PASS_RARER)
        _frozen_by.add(id(self))

    def on_unmount(self) -> None:
        if id(self) in _frozen_by:
            _frozen_by.discard(id(self))
            if not _frozen_by:
                gc.set_threshold(*_thresholds)
                frozen.release(FROZEN)

    def show_job(self, job_id: int | None, title: str = "") -> None:
        """Start over for another job."""
        self.rows.clear()
        self.plain_rows.clear()
        self.headers.clear()
        self.backlog.clear()
        self._strips.clear()
        self._shown.clear()
        self.partial = ""
        self.skipped = 0
        self.first = 0
        self.job_id = job_id
        self.match_at = None
        self.auto_scroll = True
        self.border_title = title
        self._resize()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    @property
    def following(self) -> bool:
        return self.auto_scroll

    # the user scrolling up pauses following the end; End (or resume_following) picks it up again
    def pause_following(self) -> None:
        self.auto_scroll = False

    def on_mouse_scroll_up(self) -> None:
        self.pause_following()

    def action_scroll_up(self) -> None:
        self.pause_following()
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self.pause_following()
        super().action_page_up()

    def action_scroll_home(self) -> None:
        self.pause_following()
        super().action_scroll_home()

    @property
    def busy(self) -> bool:
        """Lines are still waiting to be taken into the view."""
        return bool(self.backlog)

    # -- taking text in ---------------------------------------------------------------------------------

    def append(self, text: str) -> None:
        """Add new log text (only the part not shown before). Only its last ``max_lines`` lines are looked at;
        they join the view a slice at a time, so a huge piece never blocks the screen."""
        if not text:
            return
        text = self.partial + text
        lines, skipped = tail_lines(text, self.keep + 1)
        self.partial = lines.pop()  # "" when the text ended with a newline
        overflow = max(0, len(self.backlog) + len(lines) - self.keep)  # would be pushed out before being shown
        for _ in range(min(overflow, len(self.backlog))):
            self.backlog.popleft()
        self.skipped += skipped + overflow
        self.backlog.extend(lines[max(0, len(lines) - self.keep):])
        self._start_draining()

    def flush_partial(self) -> None:
        """Show an unfinished last line (the job ended, nothing more will come)."""
        if self.partial:
            self.backlog.append(self.partial)
            self.partial = ""
            self._start_draining()

    def _start_draining(self) -> None:
        if not self.draining:
            self.draining = True
            self.call_later(self.drain)

    def drain(self) -> None:
        """Take waiting lines into the view for at most :data:`SLICE_SECONDS`, then let the screen draw."""
        deadline = time.perf_counter() + SLICE_SECONDS
        backlog, taken, dropped = self.backlog, 0, 0
        while backlog:
            dropped += self._take(backlog.popleft())
            taken += 1
            if taken % 64 == 0 and time.perf_counter() > deadline:
                break
        if dropped:
            self.headers = {n for n in self.headers if n >= self.first}
            if not self.auto_scroll:  # the lines the user reads moved up: keep them where they were
                self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True)
                self.match_at = None if self.match_at is None or self.match_at < dropped else self.match_at - dropped
        self._resize()
        self.refresh()
        if self.auto_scroll:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        if backlog:
            self.set_timer(0.001, self.drain)
        else:
            self.draining = False

    def _take(self, raw: str) -> int:
        """One line into the view; returns 1 when the oldest kept line made room for it."""
        shown, header = clean_line(raw)
        if not shown and "section_end:" in raw:
            return 0  # a section's end marker alone on its line: nothing to show
        if len(shown) > MAX_LINE_CHARS:
            shown = shown[:MAX_LINE_CHARS] + f"\x1b[0m … ({len(shown) - MAX_LINE_CHARS:,} more characters)"
        dropped = 1 if len(self.rows) == self.keep else 0
        self.first += dropped
        self.skipped += dropped
        self.rows.append(shown)
        plain = strip_ansi(shown) if "\x1b" in shown or "\r" in shown else shown
        self.plain_rows.append("▸ " + plain if header else plain)
        if header:
            self.headers.add(self.first + len(self.rows) - 1)
        return dropped

    def _resize(self) -> None:
        """The scrollable height follows the rows. Set without asking the screen for a new layout (setting
        ``virtual_size`` does that: the whole screen arranged and drawn again, for a pane whose size on screen
        does not change); only the scrollbars are told (what Textual does after a layout)."""
        size = Size(0, len(self.rows) + (1 if self.skipped else 0))
        if self.virtual_size != size:
            self.set_reactive(ScrollView.virtual_size, size)
            self._scroll_update(size)

    # -- what is shown ----------------------------------------------------------------------------------

    @property
    def notice(self) -> str:
        return (f"… {self.skipped:,} earlier lines not shown here (this pane keeps the last {self.keep:,}); "
                "o opens the job in the browser, where GitLab shows the whole log.")

    @property
    def plain(self) -> list[str]:
        """The rows as shown, without colours (the first one says what was left out, if anything was)."""
        return ([self.notice] if self.skipped else []) + list(self.plain_rows)

    def styled_line(self, row: int) -> Strip:
        """Row ``row`` of the view, rendered (colours parsed now, then cached) and not cropped."""
        if self.skipped:
            if row == 0:
                text = Text(self.notice, style="dim italic")
                return Strip(text.render(self.app.console), text.cell_len)
            row -= 1
        number = self.first + row
        strip = self._strips.get(number)
        if strip is None:
            shown = self.rows[row]
            if number in self.headers:
                text = Text("▸ ", style="bold cyan") + Text.from_ansi(shown, style="bold")
            elif not shown.isprintable():  # colours, tabs, other control characters
                text = Text.from_ansi(shown)
            else:  # most lines: no colours, one plain segment
                strip = self._strips[number] = Strip([Segment(shown)], cell_len(shown))
                return strip
            text.expand_tabs()
            strip = self._strips[number] = Strip(text.render(self.app.console), text.cell_len)
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        style = self._style
        if style is None:  # Textual works it out from every ancestor's background: once, not per line
            style = self._style = self.rich_style
        if row >= len(self.rows) + (1 if self.skipped else 0):
            return Strip.blank(width, style)
        # while the log scrolls every line on screen moves, but most were drawn a frame ago under another row:
        # the cropped, styled line is kept by line number as long as the crop and the style stay the same
        if self.skipped and row == 0:  # the notice: its count changes
            return self.styled_line(0).crop_extend(scroll_x, scroll_x + width, style).apply_style(style)
        view = (scroll_x, width, style)
        if view != self._view:
            self._view = view
            self._shown.clear()
        key = self.first + row - (1 if self.skipped else 0)
        strip = self._shown.get(key)
        if strip is None:
            strip = self._shown[key] = self.styled_line(row).crop_extend(scroll_x, scroll_x + width, style) \
                .apply_style(style)
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None
        self._strips.clear()
        self._shown.clear()

    def search(self, query: str, forward: bool = True) -> int | None:
        """Jump to the next line containing ``query`` (case-insensitive); its index, or None."""
        if not query:
            return None
        needle = query.lower()
        lines = self.plain
        if not lines:
            return None
        start = self.match_at if self.match_at is not None else (-1 if forward else len(lines))
        order = range(start + 1, start + 1 + len(lines)) if forward else range(start - 1, start - 1 - len(lines), -1)
        for i in order:
            index = i % len(lines)
            if needle in lines[index].lower():
                self.match_at = index
                self.auto_scroll = False
                self.scroll_to(y=max(0, index - 2), animate=False)
                return index
        return None

    def action_scroll_end(self) -> None:  # End on the log: back to the end, and follow it again
        self.resume_following()

    def resume_following(self) -> None:
        self.auto_scroll = True
        self.match_at = None
        self.scroll_end(animate=False, immediate=True)
