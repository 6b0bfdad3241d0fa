"""WatchApp: only the watch screen, for `dockwright watch` in a terminal. Exits with the watch's exit code."""

from __future__ import annotations

from typing import Any

from textual.app import App

from dockwright.screens.errors import ScrubbedCrashReport
from dockwright.screens.watch import WatchScreen


class WatchApp(ScrubbedCrashReport, App[int]):
    TITLE = "dockwright watch"

    def __init__(self, client: Any, project: str, pipeline_id: int | None = None, sha: str | None = None,
                 ref: str | None = None, *, schedule: Any = None, registry_kind: str = "gitlab") -> None:
        super().__init__()
        self.client = client
        self.project = project
        self.target = dict(pipeline_id=pipeline_id, sha=sha, ref=ref, schedule=schedule, registry_kind=registry_kind)

    def on_mount(self) -> None:
        self.push_screen(WatchScreen(self.client, self.project, **self.target), self.exit)
