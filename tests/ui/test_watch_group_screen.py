"""The pipelines list of a group (screens/watch_list.py with wizard/watch_group.py) on a live sandbox: the
group's projects in a Project column, a pipeline's status change seen, the filters, Enter into the pipeline's
own project; and snapshots at 120 and 80 columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual.app import App
from textual.widgets import DataTable, Label

from dockwright.screens.watch import WatchScreen
from dockwright.screens.watch_app import WatchApp
from dockwright.screens.watch_list import PipelinesScreen
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch_group import GroupSchedule, ListNote
from dockwright.wizard.watch_list import ListFilter, ListUpdate, PipelineRow
from tests.ui.test_watch_screen import QUICK as WATCH_QUICK
from tests.ui.test_watch_screen import until

SANDBOX_JOB_SECONDS = 0.2
QUICK = GroupSchedule(active=0.1, idle_first=0.2, idle_max=0.4, activity=0.2, error_first=0.1, error_max=0.4)


def statuses(screen: PipelinesScreen) -> dict[int, str]:
    return {row.id: row.status for row in screen.rows}


async def test_a_groups_pipelines_a_status_change_and_the_filters(sb):
    projects = sb.create_group_projects("crew", 3)
    gl = GitLabClient.connect(sb.url, sb.token)
    assert sb.wait_for(lambda: all(gl.recent_pipelines(p, limit=1)[0]["status"] == "success" for p in projects),
                       timeout=60)
    app = WatchApp(gl, "crew", schedule=WATCH_QUICK, list_options={"group": "crew", "group_schedule": QUICK})
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, PipelinesScreen)
        await until(pilot, lambda: {r.project for r in screen.rows} == set(projects)
                    and all(r.user == "root" for r in screen.rows))
        table = screen.query_one(DataTable)
        cells = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        assert sorted(cells) == ["app-01", "app-02", "app-03"]  # the Project column, without the group's path
        assert "Pipelines of group crew" in str(screen.query_one("#list-title", Label).render())
        sb.job_seconds = 1.0
        try:
            new = sb.run_pipeline("crew/app-02", "main")
            await until(pilot, lambda: statuses(screen).get(new) in ("pending", "running"))
            await until(pilot, lambda: statuses(screen).get(new) == "success")
        finally:
            sb.job_seconds = SANDBOX_JOB_SECONDS
        assert screen.ended and screen.ended[-1].id == new and screen.ended[-1].project == "crew/app-02"
        assert "crew/app-02" in str(screen.query_one("#list-message").render())
        await pilot.press("f")
        await until(pilot, lambda: screen.loaded and screen.rows == ())
        assert "failed" in str(screen.query_one("#list-title", Label).render())
        await pilot.press("a")
        await until(pilot, lambda: screen.loaded and len(screen.rows) == 4)
        table.move_cursor(row=0)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, WatchScreen))
        watch = app.screen
        assert isinstance(watch, WatchScreen) and watch.project == "crew/app-02" and watch.pipeline_id == new
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        await pilot.press("q")
    assert app.return_value == 0


def rows_of_a_group() -> list[PipelineRow]:
    now = datetime.now(UTC)

    def at(minutes: int) -> str:
        return (now - timedelta(minutes=minutes, seconds=5)).isoformat()

    return [
        PipelineRow(73, "running", "main", "push", at(1), "alice", project="fleet/app-02"),
        PipelineRow(72, "failed", "fix-login", "merge_request_event", at(3), "bob", at(3), at(2), 62.0,
                    reason="test: The job's script failed (exit 1)", project="fleet/team/app-07"),
        PipelineRow(70, "success", "main", "schedule", at(12), "deploy-bot", at(12), at(10), 95.0,
                    project="fleet/app-01"),
    ]


class RecordedGroup(App):
    def on_mount(self) -> None:
        self.push_screen(PipelinesScreen(None, "fleet", group="fleet", autostart=False))


async def show_rows(pilot) -> None:
    screen = pilot.app.screen
    screen.apply(ListUpdate(tuple(rows_of_a_group()), ListFilter()))
    screen.apply(ListNote("projects", "Group fleet has 31 projects; the 20 most recently active are listed "
                                      "(--max-projects N for more)."))
    screen.apply(ListNote("rate", "GitLab's rate limit is near: 180 of 2000 requests left, the window resets in "
                                  "41 s; polling 2x slower."))
    await pilot.pause()


def test_snapshot_of_a_groups_pipelines(snap_compare):
    assert snap_compare(RecordedGroup(), terminal_size=(120, 20), run_before=show_rows)


def test_snapshot_of_a_groups_pipelines_at_80_columns(snap_compare):
    assert snap_compare(RecordedGroup(), terminal_size=(80, 24), run_before=show_rows)


async def test_near_the_rate_limit_the_view_slows_down_and_says_so(sb):
    from dockwright.sandbox.faults import Faults

    projects = sb.create_group_projects("limited", 3)
    gl = GitLabClient.connect(sb.url, sb.token, max_rate_limit_wait=0.5)  # a 429 reaches the list at once
    assert sb.wait_for(lambda: all(gl.recent_pipelines(p, limit=1)[0]["status"] == "success" for p in projects),
                       timeout=60)
    sb.set_faults(Faults(rate_limit_per_minute=40, rate_limit_window=3600))
    first = len(sb.request_log)
    try:
        app = WatchApp(gl, "limited", schedule=WATCH_QUICK, list_options={"group": "limited", "group_schedule": QUICK})
        async with app.run_test(size=(120, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, PipelinesScreen)
            note = screen.query_one("#list-note")
            await until(pilot, lambda: "rate limit" in str(note.render()))
            assert "GitLab's rate limit is near: " in str(note.render()) and "of 40 requests left" in str(note.render())
            assert screen.rows and {r.project for r in screen.rows} == set(projects)  # the list is still there
            await pilot.press("q")
    finally:
        sb.set_faults(Faults())
    log = sb.request_log[first:]
    assert sum(1 for entry in log if entry[2] == 429) == 0  # it said so and slowed down before GitLab refused
