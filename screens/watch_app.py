"""WatchApp: only the watch screen, for `dockwright watch` in a terminal. Exits with the watch's exit code."""

from __future__ import annotations

from typing import Any

from textual.app import App

from dockwright.screens.errors import ScrubbedCrashReport
from dockwright.screens.watch import WatchScreen


class WatchApp(ScrubbedCrashReport, App[int]):
    TITLE = "dockwright watch"

    def __init__(self, client: Any, project: str, pipeline_id: int | None = None, sha: str | None = None,
                 ref: str | None = None, *, schedule: Any = None, registry_kind: str = "gitlab",
                 list_options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.client = client
        self.project = project
        self.list_options = list_options  # the pipelines list first (`dockwright watch` in a terminal, --list)
        self.target = dict(pipeline_id=pipeline_id, sha=sha, ref=ref, schedule=schedule, registry_kind=registry_kind)

    def on_mount(self) -> None:
        if self.list_options is not None:
            from dockwright.screens.watch_list import PipelinesScreen

            self.push_screen(PipelinesScreen(self.client, self.project, watch_schedule=self.target["schedule"],
                                             **self.list_options), lambda _: self.exit(0))
            return
        self.push_screen(WatchScreen(self.client, self.project, **self.target), self.exit)
