"""WatchApp: the watch screens alone, for `dockwright watch` in a terminal: one pipeline (WatchScreen), the
pipelines list (PipelinesScreen) or a branch followed from pipeline to pipeline (--follow-ref, F).
Exits with the watch's exit code (0 from the list)."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import App

from dockwright.screens import frozen
from dockwright.screens.errors import ScrubbedCrashReport
from dockwright.screens.watch import WatchScreen


class WatchApp(ScrubbedCrashReport, App[int]):
    TITLE = "dockwright watch"

    def __init__(self, client: Any, project: str, pipeline_id: int | None = None, sha: str | None = None,
                 ref: str | None = None, *, schedule: Any = None, registry_kind: str = "gitlab",
                 list_options: dict[str, Any] | None = None, notify: bool = False, notifier: Any = None,
                 follow_ref: str | None = None, ref_schedule: Any = None) -> None:
        super().__init__()
        if notifier is None:
            from dockwright.wizard.notify import terminal_notifier

            notifier = terminal_notifier(notify)
        self.notifier = notifier  # the bell and desktop notification when a pipeline ends (--no-notify: none)
        self.client = client
        self.project = project
        self.list_options = list_options  # the pipelines list first (`dockwright watch` in a terminal, --list)
        self.target = dict(pipeline_id=pipeline_id, sha=sha, ref=ref, schedule=schedule, registry_kind=registry_kind)
        self.first_ref = follow_ref
        self.ref_schedule = ref_schedule  # a ListSchedule for how often a newer pipeline is looked for
        self.followed_ref: str | None = None
        self.ref_screen: WatchScreen | None = None  # the screen the followed branch's newest pipeline is on

    def on_ready(self) -> None:
        """The first frame is up: the garbage collector, paused since the command line (screens/entry.py), runs
        again, what the start made frozen until the app ends (screens/frozen.py)."""
        frozen.resume_collection(self)

    async def _shutdown(self) -> None:
        await super()._shutdown()
        frozen.release(self)

    def on_mount(self) -> None:
        if self.list_options is not None:
            from dockwright.screens.watch_list import PipelinesScreen

            options = {k: v for k, v in self.list_options.items() if k != "notify"}
            self.push_screen(PipelinesScreen(self.client, self.project, watch_schedule=self.target["schedule"],
                                             notifier=self.notifier, **options), lambda _: self.exit(0))
        elif self.first_ref:
            self.follow_ref(self.first_ref)
        else:
            self.push_screen(WatchScreen(self.client, self.project, notifier=self.notifier, **self.target), self.exit)

    # -- following a branch ----------------------------------------------------------------------------

    def follow_ref(self, ref: str, *, from_list: bool = False, screen: WatchScreen | None = None) -> None:
        """Show the newest pipeline of ``ref`` (or keep ``screen``, already on it) and move to each newer one
        when it starts, until the user leaves (q; Esc back to the list when opened from it)."""
        self.followed_ref = ref
        self.ref_screen = screen
        self.follow_ref_worker(ref, from_list)

    @work(exclusive=True, group="follow-ref", exit_on_error=False)
    async def follow_ref_worker(self, ref: str, from_list: bool) -> None:
        import asyncio

        from dockwright.wizard.watch_ref import newer_pipelines

        def running() -> bool:
            return self.ref_screen is not None and self.ref_screen.result is None

        def left(result: int | None) -> None:
            self.followed_ref = self.ref_screen = None
            self.workers.cancel_group(self, "follow-ref")
            if not from_list:
                self.exit(result)

        after = self.ref_screen.pipeline_id if self.ref_screen is not None else None
        async for new in newer_pipelines(self.client, self.project, ref, after, running=running,
                                         schedule=self.ref_schedule):
            while self.ref_screen is not None and self.screen is not self.ref_screen:
                await asyncio.sleep(0.2)  # a question is open on top of it: move once it is answered
            screen = WatchScreen(self.client, self.project, pipeline_id=new.pipeline_id, schedule=self.target["schedule"],
                                 notifier=self.notifier, back_on_escape=from_list, following_ref=ref)
            if self.ref_screen is not None:
                self.pop_screen()  # its own callback is not called: the new screen carries `left`
            await self.push_screen(screen, left)
            self.ref_screen = screen
            screen.say(new.sentence())
