"""The pipelines list screen (screens/watch_list.py) on a live sandbox: rows with why a pipeline failed,
filters, the ref search, Enter into the pipeline view and Esc back; and a snapshot."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from textual.app import App
from textual.widgets import DataTable, Input, Label

from dockwright.screens.watch import WatchScreen
from dockwright.screens.watch_app import WatchApp
from dockwright.screens.watch_list import PipelinesScreen
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch_list import ListFilter, ListUpdate, PipelineEnded, PipelineRow
from dockwright.wizard.watch_schedule import ListSchedule
from tests.sandbox_helpers import commit_and_push
from tests.ui.test_watch_screen import QUICK as WATCH_QUICK
from tests.ui.test_watch_screen import until

SANDBOX_JOB_SECONDS = 0.2  # the shared `sb` fixture (tests/conftest.py) reads it
QUICK = ListSchedule(fast=0.1, slow=0.4, error_first=0.1, error_max=0.4)
_n = itertools.count(1)


def push(sb, workdir, ci: str, branch: str) -> str:
    return commit_and_push(workdir, {".gitlab-ci.yml": f"# {next(_n)}\n{ci}"}, "ci", sb.token, branch)


def shown(screen: PipelinesScreen) -> list[str]:
    return [row.ref for row in screen.rows]


async def test_the_list_filters_searches_opens_a_pipeline_and_comes_back(sb, workdir):
    push(sb, workdir, "build:\n  script: [echo ok]\n", "feature-list")
    push(sb, workdir, "build:\n  script:\n    - echo no\n    - exit 4\n", "broken-list")
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, schedule=WATCH_QUICK,
                   list_options={"schedule": QUICK})
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, PipelinesScreen)
        await until(pilot, lambda: {"feature-list", "broken-list"} <= set(shown(screen))
                    and all(r.finished for r in screen.rows) and any(r.reason for r in screen.rows))
        assert shown(screen)[:2] == ["broken-list", "feature-list"]  # newest first
        table = screen.query_one(DataTable)
        first = [str(cell) for cell in table.get_row_at(0)]
        assert "failed" in first and "root" in first and any("exit 4" in cell for cell in first)
        await pilot.press("f")
        await until(pilot, lambda: screen.loaded and shown(screen) == ["broken-list"])
        assert "failed" in str(screen.query_one("#list-title", Label).render())
        await pilot.press("a")
        await until(pilot, lambda: screen.loaded and len(shown(screen)) >= 2)
        await pilot.press("slash")
        await until(pilot, lambda: isinstance(app.focused, Input))
        await pilot.press(*"feat")
        await until(pilot, lambda: shown(screen) == ["feature-list"])
        await pilot.press("enter")  # keeps the search, back to the rows
        await until(pilot, lambda: isinstance(app.focused, DataTable))
        assert "ref contains “feat”" in str(screen.query_one("#list-title", Label).render())
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, WatchScreen))
        watch = app.screen
        assert isinstance(watch, WatchScreen)
        await until(pilot, lambda: watch.result == 0 and watch.ref == "feature-list")
        keys = {b.binding.key: b.binding.description for b in watch.active_bindings.values() if b.enabled}
        assert keys["q"] == "Back"  # opened from the list, q goes back there: the footer says so
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("enter")  # again, and q this time
        await until(pilot, lambda: isinstance(app.screen, WatchScreen))
        await pilot.press("q")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("q")
    assert app.return_value == 0


def rows_a_few_minutes_old() -> list[PipelineRow]:
    now = datetime.now(UTC)

    def at(minutes: int) -> str:
        return (now - timedelta(minutes=minutes, seconds=5)).isoformat()

    return [
        PipelineRow(42, "failed", "fix-login", "merge_request_event", at(3), "alice", at(3), at(2), 62.0,
                    reason="image-build: The job cannot reach the Docker daemon"),
        PipelineRow(41, "success", "main", "push", at(12), "bob", at(12), at(10), 95.0),
        PipelineRow(40, "canceled", "v1.2.0", "api", at(30), "deploy-bot", at(30), at(29), 12.0),
        PipelineRow(39, "success", "main", "schedule", at(70), "alice", at(70), at(66), 240.0),
    ]


class RecordedList(App):
    def on_mount(self) -> None:
        self.push_screen(PipelinesScreen(None, "demo/app", autostart=False))


async def show_rows(pilot) -> None:
    screen = pilot.app.screen
    screen.apply(ListUpdate(tuple(rows_a_few_minutes_old()), ListFilter()))
    screen.apply(PipelineEnded(rows_a_few_minutes_old()[0]))
    await pilot.pause()


def test_snapshot_of_the_pipelines_list(snap_compare):
    assert snap_compare(RecordedList(), terminal_size=(120, 20), run_before=show_rows)


def test_snapshot_of_the_pipelines_list_at_80_columns(snap_compare):
    assert snap_compare(RecordedList(), terminal_size=(80, 24), run_before=show_rows)


async def test_dockwright_watch_starts_without_garbage_collection_until_its_first_frame(sb, monkeypatch):
    # as the wizard (tests/ui/test_run_wizard.py, screens/frozen.py): `dockwright watch` pauses the collector before
    # importing Textual; its first frame freezes what the start made, held by the app until it ends
    import gc

    import dockwright.screens.watch_app as watch_app
    from dockwright.screens import frozen
    from dockwright.screens.entry import TextualScreens

    collector_on: list[bool] = []

    class Recorded:
        def __init__(self, *args, **kwargs):
            pass

        def run(self):
            collector_on.append(gc.isenabled())
            return 0

    with monkeypatch.context() as patched:
        patched.setattr(watch_app, "WatchApp", Recorded)
        TextualScreens().run_watch_list(None, "demo/app", {})
        TextualScreens().run_watch(None, "demo/app", {})
    assert collector_on == [False, False] and gc.isenabled()

    assert gc.get_freeze_count() == 0
    with frozen.collection_paused():
        app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, schedule=WATCH_QUICK,
                       list_options={"schedule": QUICK})
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            assert gc.isenabled() and frozen.holding(app) and gc.get_freeze_count() > 0
        assert not frozen.holding(app) and gc.get_freeze_count() == 0
