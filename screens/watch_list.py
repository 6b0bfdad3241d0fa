"""PipelinesScreen: the project's recent pipelines, live. Enter opens one in the WatchScreen, Esc comes back.

Self-contained: give it a GitLab client and a project; the polling is wizard/watch_list.py's (one list request
per tick, backing off while nothing runs). Its CSS is assets/watch.tcss. Dismisses with None.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from dockwright.screens.errors import explain
from dockwright.wizard.watch_list import (
    SOURCES,
    ListFilter,
    ListUpdate,
    ListWaiting,
    PipelineEnded,
    PipelineRow,
    ago_text,
    duration_text,
    running_seconds,
    watch_list,
)
from dockwright.wizard.watch_plain import glyph, status_word

# (title, width); "Why it failed" takes what is left; below WIDE columns, Source and Who give way
COLUMNS = (("", 1), ("Pipeline", 8), ("Status", 8), ("Ref", 16), ("Source", 13), ("Who", 8), ("When", 8),
           ("Took", 7))
NARROW_DROPS = ("Source", "Who")
WIDE = 110
STYLES = {"success": "green", "failed": "red", "canceled": "dim", "skipped": "dim", "running": "blue",
          "pending": "yellow", "manual": "dim"}


class PipelinesScreen(Screen[None]):
    CSS_PATH = Path(__file__).resolve().parent.parent / "assets" / "watch.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "leave", "Quit", id="list.quit", tooltip="Stop watching (the pipelines go on in GitLab)"),
        Binding("enter", "open", "Open", id="list.open", tooltip="Open the selected pipeline (Esc comes back)"),
        Binding("m", "only('mine')", "Mine", id="list.mine", tooltip="Only the pipelines you started"),
        Binding("b", "branch", "Branch", id="list.branch", tooltip="Only the selected pipeline's branch (again: all)"),
        Binding("r", "only('merge_requests')", "MRs", id="list.mrs", tooltip="Only merge request pipelines"),
        Binding("f", "only('failed')", "Failed", id="list.failed", tooltip="Only failed pipelines"),
        Binding("slash", "search", "Search", id="list.search", tooltip="Show only refs containing a text"),
        Binding("a", "all", "All", id="list.all", tooltip="Clear every filter"),
        Binding("F", "follow_ref", "Follow", id="list.follow_ref",
                tooltip="Follow the selected pipeline's branch: its newest pipeline, then each new one"),
    ]

    def __init__(self, client: Any, project: str, *, filters: ListFilter | None = None, schedule: Any = None,
                 watch_schedule: Any = None, autostart: bool = True, notifier: Any = None) -> None:
        super().__init__()
        self.notifier = notifier  # wizard/notify.py: a pipeline seen running ends: bell and desktop notification
        self.autostart = autostart  # False: rows come only through apply() (snapshots)
        self.client = client
        self.project = project
        self.filters = filters or ListFilter()
        self.schedule = schedule
        self.watch_schedule = watch_schedule
        self.rows: tuple[PipelineRow, ...] = ()
        self.nudge = asyncio.Event()
        self.loaded = False
        self.ended: list[PipelineRow] = []  # pipelines seen running that ended, newest last

    def compose(self) -> ComposeResult:
        yield Label("", id="list-title")
        yield Static("", id="list-message", markup=False)
        yield Input(placeholder="part of a branch or tag name; Enter keeps it, Esc clears it", id="list-search")
        yield DataTable(id="pipelines", cursor_type="row", zebra_stripes=True)
        yield Footer(show_command_palette=False)

    def columns(self) -> list[tuple[str, int]]:
        wide = self.size.width >= WIDE
        shown = [(name, width) for name, width in COLUMNS if wide or name not in NARROW_DROPS]
        left = self.size.width - sum(width + 2 for _, width in shown) - 4  # each cell has a space either side
        return shown + [("Why it failed", max(12, left))]

    def on_resize(self) -> None:
        table: DataTable[Any] = self.query_one("#pipelines", DataTable)
        table.clear(columns=True)
        for name, width in self.columns():
            table.add_column(name, width=width, key=name or "glyph")
        self.redraw()

    def on_mount(self) -> None:
        self.query_one("#list-search").display = False
        self.query_one("#list-message").display = False
        self.query_one("#pipelines", DataTable).focus()  # not the hidden search box: letters are keys here
        self.show_title()
        self.set_interval(1.0, self.redraw)
        if self.autostart:
            self.poll()

    # -- the list from the poller -------------------------------------------------------------------

    @work(exclusive=True, group="list", exit_on_error=False)
    async def poll(self) -> None:
        try:
            async for event in watch_list(self.client, self.project, filters=lambda: self.filters,
                                          schedule=self.schedule, nudge=self.nudge):
                self.apply(event)
        except Exception as exc:  # a wizard error: say it, keep the screen
            self.say(explain(exc))

    def apply(self, event: Any) -> None:
        if isinstance(event, ListUpdate):
            if event.filters != self.filters:
                return  # an answer to the filters before the last key: the next one comes at once
            self.loaded = True
            self.rows = event.rows
            self.say("")
            self.redraw()
            self.show_title()
        elif isinstance(event, ListWaiting):
            self.say(event.text)
        elif isinstance(event, PipelineEnded):
            self.ended.append(event.row)
            if self.notifier is not None:
                self.notifier.pipeline_ended(event.row.id, event.row.status, event.row.ref, self.project)
            self.say(f"Pipeline #{event.row.id} ({event.row.ref}) {status_word(event.row.status)}.")

    def say(self, text: str) -> None:
        message = self.query_one("#list-message", Static)
        message.update(text)
        message.display = bool(text)

    def show_title(self) -> None:
        count = f"{len(self.rows)} pipelines" if self.loaded else "reading the pipelines…"
        self.query_one("#list-title", Label).update(
            f"Pipelines of {self.project}: {self.filters.describe()} · {count} · Enter opens one")

    def redraw(self) -> None:
        """The rows again (times move on); the cursor stays on the same pipeline."""
        table: DataTable[Any] = self.query_one("#pipelines", DataTable)
        current = self.selected_row()
        table.clear()
        names = [str(column.key.value) for column in table.columns.values()]
        for row in self.rows:
            style = STYLES.get(row.status, "")
            cells = {"glyph": Text(glyph(row.status), style=style), "Pipeline": f"#{row.id}",
                     "Status": Text(status_word(row.status), style=style), "Ref": row.ref,
                     "Source": SOURCES.get(row.source, row.source), "Who": row.user or "…", "When": ago_text(row),
                     "Took": duration_text(running_seconds(row)), "Why it failed": Text(row.reason, style="red")}
            table.add_row(*(cells[name] for name in names), key=str(row.id))
        if current is not None and any(r.id == current.id for r in self.rows):
            table.move_cursor(row=table.get_row_index(str(current.id)), animate=False)
        if not self.rows and self.loaded:
            self.say(f"No pipelines here ({self.filters.describe()}); a to show all.")

    def selected_row(self) -> PipelineRow | None:
        table: DataTable[Any] = self.query_one("#pipelines", DataTable)
        if not self.rows or table.row_count == 0:
            return None
        index = min(table.cursor_row, len(self.rows) - 1)
        return self.rows[index] if index >= 0 else None

    # -- keys ----------------------------------------------------------------------------------------

    def action_leave(self) -> None:
        self.dismiss(None)

    def set_filters(self, filters: ListFilter) -> None:
        self.filters = filters
        self.loaded = False
        self.show_title()
        self.nudge.set()

    def action_only(self, name: str) -> None:
        """m, r, f: only mine / merge requests / failed; the same key again shows them all."""
        flags = {"mine": self.filters.mine, "merge_requests": self.filters.merge_requests, "failed": self.filters.failed}
        flags[name] = not flags[name]
        self.set_filters(replace(self.filters, mine=flags["mine"], merge_requests=flags["merge_requests"],
                                 failed=flags["failed"]))

    def action_branch(self) -> None:
        row = self.selected_row()
        if self.filters.ref:
            self.set_filters(replace(self.filters, ref=""))
        elif row is not None:
            self.set_filters(replace(self.filters, ref=row.ref))

    def action_all(self) -> None:
        self.query_one("#list-search", Input).value = ""
        self.set_filters(ListFilter())

    def action_search(self) -> None:
        box = self.query_one("#list-search", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#list-search")
    def search_changed(self, event: Input.Changed) -> None:
        self.filters = replace(self.filters, search=event.value.strip())
        self.rows = tuple(r for r in self.rows if self.filters.keeps(r))
        self.redraw()
        self.show_title()
        self.nudge.set()  # the rows the search had hidden come back with the next list

    @on(Input.Submitted, "#list-search")
    def search_submitted(self) -> None:
        """Enter keeps the search (the title says it; / changes it, a clears it) and goes back to the rows."""
        self.query_one("#list-search").display = False
        self.query_one("#pipelines", DataTable).focus()
        self.show_title()

    def key_escape(self) -> None:
        box = self.query_one("#list-search", Input)
        if box.display:
            box.value = ""
            box.display = False
            self.query_one("#pipelines", DataTable).focus()

    @on(DataTable.RowSelected, "#pipelines")
    def row_chosen(self) -> None:
        self.action_open()

    def action_follow_ref(self) -> None:
        row = self.selected_row()
        follow_ref = getattr(self.app, "follow_ref", None)
        if row is not None and follow_ref is not None:
            follow_ref(row.ref, from_list=True)

    def action_open(self) -> None:
        from dockwright.screens.watch import WatchScreen

        row = self.selected_row()
        if row is None:
            return
        self.app.push_screen(WatchScreen(self.client, self.project, pipeline_id=row.id, schedule=self.watch_schedule,
                                         back_on_escape=True, notifier=self.notifier), lambda _: self.nudge.set())
