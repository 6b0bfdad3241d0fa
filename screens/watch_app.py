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
                 list_options: dict[str, Any] | None = None, notify: bool = False, notifier: Any = None) -> None:
        super().__init__()
        if notifier is None:
            from dockwright.wizard.notify import terminal_notifier

            notifier = terminal_notifier(notify)
        self.notifier = notifier  # the bell and desktop notification when a pipeline ends (--no-notify: none)
        self.client = client
        self.project = project
        self.list_options = list_options  # the pipelines list first (`dockwright watch` in a terminal, --list)
        self.target = dict(pipeline_id=pipeline_id, sha=sha, ref=ref, schedule=schedule, registry_kind=registry_kind)

    def on_mount(self) -> None:
        if self.list_options is not None:
            from dockwright.screens.watch_list import PipelinesScreen

            options = {k: v for k, v in self.list_options.items() if k != "notify"}
            self.push_screen(PipelinesScreen(self.client, self.project, watch_schedule=self.target["schedule"],
                                             notifier=self.notifier, **options), lambda _: self.exit(0))
            return
        self.push_screen(WatchScreen(self.client, self.project, notifier=self.notifier, **self.target), self.exit)
