"""TestReportBox: a finished pipeline's JUnit summary in the pipeline view (wizard/test_report.py), read with
one request when the pipeline ends; hidden when the pipeline has no test report or it cannot be read."""

from __future__ import annotations

import asyncio
from typing import Any

from textual import work
from textual.widgets import Static

from dockwright.screens.widgets.label_text import update_label
from dockwright.wizard.errors import DockwrightError
from dockwright.wizard.test_report import TestSummary, summarize


class TestReportBox(Static):
    __test__ = False  # not a pytest class

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", markup=False, **kwargs)  # test names are text, not markup
        self.summary: TestSummary | None = None

    def on_mount(self) -> None:
        self.display = False

    @work(exclusive=True, group="test-report", exit_on_error=False)
    async def load(self, client: Any, project: str, pipeline_id: int) -> None:
        try:
            report = await asyncio.to_thread(client.pipeline_test_report, project, pipeline_id)
        except DockwrightError:  # no report for this GitLab or role: the view goes on without it
            return
        self.show(summarize(report))

    def show(self, summary: TestSummary) -> None:
        self.summary = summary
        update_label(self, "\n".join(summary.lines()))  # no layout for a box that stays hidden (no report)
        self.display = not summary.empty
        self.set_class(bool(summary.failed or summary.errors), "-failed")
