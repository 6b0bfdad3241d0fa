"""The pipeline as glab draws it: one column per stage, one cell per job (glyph, name, duration).

Attributes down: the screen calls :meth:`PipelineGraph.update_job`; the graph posts
:class:`PipelineGraph.JobSelected` up when the user picks a cell.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import HorizontalScroll, Vertical
from textual.message import Message
from textual.widgets import Label, Static

from dockwright.wizard.watch import Job, retry_of
from dockwright.wizard.watch_plain import glyph

STATUS_CLASSES = ("success", "failed", "running", "pending", "created", "manual", "canceled", "skipped",
                  "allowed", "preparing", "waiting_for_resource", "scheduled", "canceling")


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


class JobCell(Static, can_focus=True):
    """One job: glyph and name on the first line, duration (ticking while it runs) and marks below."""

    def __init__(self, job: Job) -> None:
        super().__init__(id=f"job-{job.id}", classes="job-cell")
        self.job = job
        self.elapsed: float | None = job.duration
        self.shown = ""
        self.set_job(job)

    def set_job(self, job: Job, elapsed: float | None = None) -> None:
        self.job = job
        self.elapsed = elapsed if elapsed is not None else job.duration
        status_class = "-allowed" if job.status == "failed" and job.allow_failure else f"-{job.status}"
        if not self.has_class(status_class):  # the running time ticks every second: styles only on a change
            for name in STATUS_CLASSES:
                self.remove_class(f"-{name}")
            self.add_class(status_class)
        self.refresh_text()

    def refresh_text(self) -> None:
        job = self.job
        marks = []
        if job.bridge:
            marks.append("» child pipeline")
        if job.status == "manual":
            marks.append("manual: p plays")
        if job.allow_failure:
            marks.append("may fail")
        second = "  ".join([format_duration(self.elapsed)] + marks).strip()
        text = f"{glyph(job.status, job.allow_failure)} {job.name}\n{second or job.status}"
        if text != self.shown:
            # a cell's size is fixed (assets/watch.tcss JobCell): no layout of the whole screen for new text
            self.shown = text
            self.update(text, layout=False)

    def on_click(self) -> None:
        self.focus()
        self.post_message(PipelineGraph.JobSelected(self.job))

    def on_focus(self) -> None:
        self.post_message(PipelineGraph.JobSelected(self.job))


class PipelineGraph(HorizontalScroll):
    """Stage columns in the order GitLab lists them (stages appear as their first job does)."""

    class JobSelected(Message):
        def __init__(self, job: Job) -> None:
            super().__init__()
            self.job = job

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cells: dict[int, JobCell] = {}
        self.columns: dict[tuple[int, str], Vertical] = {}

    def compose(self) -> ComposeResult:
        yield from ()

    def update_job(self, job: Job, elapsed: float | None = None) -> JobCell:
        cell = self.cells.get(job.id)
        if cell is None:  # a retried job comes back with a new id and the same name: same cell
            retried = retry_of(job, (c.job for c in self.cells.values()))
            cell = self.cells.get(retried.id) if retried is not None else None
            if cell is not None:
                del self.cells[cell.job.id]
                self.cells[job.id] = cell
        if cell is not None:
            cell.set_job(job, elapsed)
            return cell
        key = (job.pipeline_id, job.stage)
        column = self.columns.get(key)
        if column is None:
            column = Vertical(classes="stage-column")
            # GitLab lists a pipeline's jobs newest first, yet creates them stage by stage: a column goes
            # before the first column whose jobs were created later, so stages read left to right.
            later = next((col for k, col in self.columns.items()
                          if k[0] == job.pipeline_id and self._first_id(col) > job.id), None)
            self.columns[key] = column
            if later is None:
                self.mount(column)
            else:
                self.mount(column, before=later)
            title = job.stage if not self.is_child(job.pipeline_id) else f"» {job.stage}"
            column.mount(Label(title, classes="stage-title"))
        cell = JobCell(job)
        self.cells[job.id] = cell
        column.mount(cell)
        return cell

    def _first_id(self, column: Vertical) -> int:
        return min((c.job.id for c in self.cells.values() if c.parent is column), default=1 << 62)

    def is_child(self, pipeline_id: int) -> bool:
        first = next(iter(self.columns), None)
        return first is not None and first[0] != pipeline_id

    def ordered_jobs(self) -> list[Job]:
        return [cell.job for cell in self.cells.values()]
