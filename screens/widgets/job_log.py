"""A job's log as GitLab's job page shows it: ANSI colours, section headers marked, `[MASKED]` kept.

- Text arrives in pieces (:meth:`JobLog.append`); an unfinished last line waits for the rest.
- Memory is bounded: only the last ``max_lines`` lines are kept (a 50 MB log keeps its tail).
- Auto-scroll follows the end, pauses while the user has scrolled up, resumes at the bottom.
- :meth:`JobLog.search` jumps to the next line that contains a text.
"""

from __future__ import annotations

import re
from collections import deque

from rich.text import Text
from textual.widgets import RichLog

from dockwright.wizard.diagnose import strip_ansi

SECTION_START = re.compile(r"section_start:\d+:([\w.-]+)(\[[^\]]*\])?\r?(\x1b\[0K)?")
SECTION_END = re.compile(r"section_end:\d+:[\w.-]+\r?(\x1b\[0K)?")
MAX_LINES = 5_000
BATCH = 40  # lines drawn per turn of the event loop (RichLog.write costs about 1 ms a line)
MAX_LINE_CHARS = 4_000  # a longer line is cut on screen (the browser shows it whole)


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


class JobLog(RichLog):
    """The log pane of the watch screen."""

    def __init__(self, *, max_lines: int = MAX_LINES, **kwargs) -> None:
        super().__init__(max_lines=max_lines, wrap=False, markup=False, highlight=False, auto_scroll=True, **kwargs)
        self.keep = max_lines
        self.plain: deque[str] = deque(maxlen=max_lines)  # same lines without colours, for search
        self.backlog: deque[str] = deque(maxlen=max_lines)  # received, not drawn yet
        self.draining = False
        self.partial = ""
        self.skipped = 0
        self.job_id: int | None = None
        self.match_at: int | None = None

    def show_job(self, job_id: int | None, title: str = "") -> None:
        """Start over for another job."""
        self.clear()
        self.plain.clear()
        self.backlog.clear()
        self.partial = ""
        self.skipped = 0
        self.job_id = job_id
        self.match_at = None
        self.auto_scroll = True
        self.border_title = title

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
        """Lines are still waiting to be drawn."""
        return bool(self.backlog)

    def append(self, text: str) -> None:
        """Add new log text (only the part not shown before). Drawn in batches, so a huge piece never
        blocks the screen; only the last ``max_lines`` lines are ever kept."""
        if not text:
            return
        text = self.partial + text
        lines, skipped = tail_lines(text, self.keep + 1)
        self.partial = lines.pop()  # "" when the text ended with a newline
        overflow = max(0, len(self.backlog) + len(lines) - self.keep)
        if skipped or overflow:
            self.skipped += skipped + overflow + len(self.plain)
            self.clear()
            self.plain.clear()
            self.write(Text(f"… {self.skipped:,} earlier lines not shown here; press o to open the whole log "
                            "in the browser.", style="dim italic"))
            self.plain.append("")
        self.backlog.extend(lines)
        if not self.draining:
            self.draining = True
            self.call_later(self.drain)

    def drain(self) -> None:
        """Draw one batch of waiting lines, then let the screen breathe before the next."""
        for _ in range(min(BATCH, len(self.backlog))):
            self.write_line(self.backlog.popleft())
        if self.backlog:
            self.set_timer(0.001, self.drain)
        else:
            self.draining = False

    def write_line(self, raw: str) -> None:
        shown, header = clean_line(raw)
        if not shown and "section_end:" in raw:
            return  # a section's end marker alone on its line: nothing to show
        if len(shown) > MAX_LINE_CHARS:
            shown = shown[:MAX_LINE_CHARS] + f"\x1b[0m … ({len(shown) - MAX_LINE_CHARS:,} more characters)"
        line = Text("▸ ", style="bold cyan") + Text.from_ansi(shown, style="bold") if header else Text.from_ansi(shown)
        line.no_wrap = True
        self.plain.append(line.plain)
        self.write(line, scroll_end=self.auto_scroll)

    def flush_partial(self) -> None:
        """Show an unfinished last line (the job ended, nothing more will come)."""
        if self.partial:
            self.backlog.append(self.partial)
            self.partial = ""
            if not self.draining:
                self.draining = True
                self.call_later(self.drain)

    def search(self, query: str, forward: bool = True) -> int | None:
        """Jump to the next line containing ``query`` (case-insensitive); its index, or None."""
        if not query:
            return None
        needle = query.lower()
        lines = list(self.plain)
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
