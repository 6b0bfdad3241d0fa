"""PipelinesScreen: the project's recent pipelines, live. Enter opens one in the WatchScreen, Esc comes back.

Self-contained: give it a GitLab client and a project; the polling is wizard/watch_list.py's (one list request
per tick, backing off while nothing runs). With ``projects`` (several) or ``group``, one list of those projects'
pipelines with a Project column, polled by wizard/watch_group.py's adaptive schedule; its standing sentences
(projects left out, GitLab's rate limit near) show under the title. Its CSS is assets/watch.tcss. Dismisses
with None.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Static

from dockwright.screens.errors import explain
from dockwright.screens.widgets.fields import FieldInput
from dockwright.screens.widgets.steady_footer import SteadyFooter
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
PROJECT_COLUMN = ("Project", 14)  # several projects: after the glyph; below WIDE + 20 Source and Who give way,
# below WIDE When and Took too
SEVERAL_NARROW_DROPS = ("Source", "Who", "When", "Took")
WIDE = 110
STYLES = {"success": "green", "failed": "red", "canceled": "dim", "skipped": "dim", "running": "blue",
          "pending": "yellow", "manual": "dim"}


class PipelinesTable(DataTable):
    """The rows: Enter opens the pipeline, and the footer says so (DataTable's own Enter is hidden there)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", id="list.open_row", tooltip="Open the selected pipeline (Esc comes back)"),
    ]


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
                 watch_schedule: Any = None, autostart: bool = True, notifier: Any = None,
                 projects: Sequence[str] = (), group: str | None = None, group_schedule: Any = None) -> None:
        super().__init__()
        self.projects = tuple(projects)  # several projects in one list (or a group's): wizard/watch_group.py
        self.group = group
        self.group_schedule = group_schedule
        self.several = bool(self.projects or group)
        self.notes: dict[str, str] = {}  # standing sentences: "projects" (some left out), "rate" (limit near)
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
        yield Static("", id="list-note", markup=False)
        yield Static("", id="list-message", markup=False)
        yield FieldInput(placeholder="part of a branch or tag name; Enter keeps it, Esc clears it", id="list-search")
        yield PipelinesTable(id="pipelines", cursor_type="row", zebra_stripes=True)
        yield SteadyFooter(show_command_palette=False)

    def columns(self) -> list[tuple[str, int]]:
        wide = self.size.width >= WIDE
        drops: tuple[str, ...] = () if wide else NARROW_DROPS
        if self.several:  # the Project column's room: Source and Who go first, then When and Took
            drops = () if self.size.width >= WIDE + 20 else NARROW_DROPS if wide else SEVERAL_NARROW_DROPS
        shown = [(name, width) for name, width in COLUMNS if name not in drops]
        if self.several:
            shown.insert(1, PROJECT_COLUMN)
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
        self.query_one("#list-note").display = False
        self.query_one("#pipelines", DataTable).focus()  # not the hidden search box: letters are keys here
        self.show_title()
        self.set_interval(1.0, self.redraw)
        if self.autostart:
            self.poll()

    # -- the list from the poller -------------------------------------------------------------------

    @work(exclusive=True, group="list", exit_on_error=False)
    async def poll(self) -> None:
        try:
            if self.several:
                from dockwright.wizard.watch_group import watch_projects

                events = watch_projects(self.client, self.projects, group=self.group, filters=lambda: self.filters,
                                        schedule=self.group_schedule, nudge=self.nudge)
            else:
                events = watch_list(self.client, self.project, filters=lambda: self.filters, schedule=self.schedule,
                                    nudge=self.nudge)
            async for event in events:
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
            project = event.row.project or self.project
            if self.notifier is not None:
                self.notifier.pipeline_ended(event.row.id, event.row.status, event.row.ref, project)
            where = f"{project} " if self.several else ""
            self.say(f"Pipeline {where}#{event.row.id} ({event.row.ref}) {status_word(event.row.status)}.")
        elif hasattr(event, "kind"):  # ListNote (wizard/watch_group.py): a standing sentence, or its end
            self.notes[event.kind] = event.text
            note = self.query_one("#list-note", Static)
            text = "\n".join(t for t in self.notes.values() if t)
            note.update(text)
            note.display = bool(text)

    def say(self, text: str) -> None:
        message = self.query_one("#list-message", Static)
        message.update(text)
        message.display = bool(text)

    def show_title(self) -> None:
        count = f"{len(self.rows)} pipeline{'' if len(self.rows) == 1 else 's'}" if self.loaded else "reading the pipelines…"
        where = f"group {self.group}" if self.group else ", ".join(self.projects) if self.projects else self.project
        self.query_one("#list-title", Label).update(
            f"Pipelines of {where}: {self.filters.describe()} · {count} · Enter opens one")

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
                     "Took": duration_text(running_seconds(row)), "Why it failed": Text(row.reason, style="red"),
                     "Project": self.project_name(row)}
            table.add_row(*(cells[name] for name in names), key=str(row.id))
        if current is not None and any(r.id == current.id for r in self.rows):
            table.move_cursor(row=table.get_row_index(str(current.id)), animate=False)
        if not self.rows and self.loaded:
            self.say(f"No pipelines here ({self.filters.describe()}); a to show all.")

    def project_name(self, row: PipelineRow) -> str:
        """The row's project; in a group's list without the group's own path (fleet/app-01 shows app-01)."""
        if self.group and row.project.startswith(self.group + "/"):
            return row.project[len(self.group) + 1:]
        return row.project

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
        if self.several:
            self.say("F follows a branch of one project: run dockwright watch --project P --follow-ref R.")
            return
        follow_ref = getattr(self.app, "follow_ref", None)
        if row is not None and follow_ref is not None:
            follow_ref(row.ref, from_list=True)

    def action_open(self) -> None:
        from dockwright.screens.watch import WatchScreen

        row = self.selected_row()
        if row is None:
            return
        self.app.push_screen(WatchScreen(self.client, row.project or self.project, pipeline_id=row.id, schedule=self.watch_schedule,
                                         back_on_escape=True, notifier=self.notifier), lambda _: self.nudge.set())
