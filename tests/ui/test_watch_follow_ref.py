"""--follow-ref and F: the watch moves to a branch's new pipeline when it starts and says so; plain lines too.
On a live sandbox."""

from __future__ import annotations

import asyncio
import io
import itertools

from dockwright.screens.watch import WatchScreen
from dockwright.screens.watch_app import WatchApp
from dockwright.screens.watch_list import PipelinesScreen
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch_list import ListFilter
from dockwright.wizard.watch_ref import follow_ref_plain
from dockwright.wizard.watch_schedule import ListSchedule
from tests.sandbox_helpers import commit_and_push
from tests.ui.test_watch_screen import QUICK, until

SANDBOX_JOB_SECONDS = 0.3  # the shared `sb` fixture (tests/conftest.py) reads it
REF_QUICK = ListSchedule(fast=0.1, slow=0.3, ref_running=0.2, ref_slow=0.3)
_n = itertools.count(1)
OK = "build:\n  script: [echo ok]\n"


def push(sb, workdir, branch: str) -> str:
    return commit_and_push(workdir, {".gitlab-ci.yml": f"# {next(_n)}\n{OK}"}, "ci", sb.token, branch)


def client(sb) -> GitLabClient:
    return GitLabClient.connect(sb.url, sb.token)


async def test_follow_ref_moves_to_the_new_pipeline_and_says_so(sb, workdir):
    first_sha = push(sb, workdir, "follow-me")
    app = WatchApp(client(sb), sb.project_path, schedule=QUICK, follow_ref="follow-me", ref_schedule=REF_QUICK)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WatchScreen) and app.screen.result == 0)
        first = app.screen
        assert first.sha == first_sha and "following branch follow-me" in str(first.query_one("#watch-title").render())
        second_sha = push(sb, workdir, "follow-me")
        await until(pilot, lambda: app.screen is not first and isinstance(app.screen, WatchScreen))
        second = app.screen
        assert second.pipeline_id > first.pipeline_id
        said = f"now following #{second.pipeline_id} (was #{first.pipeline_id})"
        await until(pilot, lambda: said in str(second.query_one("#watch-message").render()))
        await until(pilot, lambda: second.result == 0 and second.sha == second_sha)
        assert len(app.screen_stack) == 2  # the default screen and the newest pipeline: the old one is gone
        await pilot.press("q")
    assert app.return_value == 0


async def test_F_in_the_list_follows_the_selected_branch_and_Esc_comes_back(sb, workdir):
    push(sb, workdir, "follow-from-list")
    app = WatchApp(client(sb), sb.project_path, schedule=QUICK, ref_schedule=REF_QUICK,
                   list_options={"schedule": REF_QUICK, "filters": ListFilter(ref="follow-from-list")})
    async with app.run_test(size=(120, 30)) as pilot:
        listing = app.screen
        assert isinstance(listing, PipelinesScreen)
        await until(pilot, lambda: listing.rows and listing.rows[0].finished)
        await pilot.press("F")
        await until(pilot, lambda: isinstance(app.screen, WatchScreen) and app.screen.result == 0)
        first = app.screen
        push(sb, workdir, "follow-from-list")
        await until(pilot, lambda: app.screen is not first and isinstance(app.screen, WatchScreen))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is listing)
        assert app.followed_ref is None
        await pilot.press("q")
    assert app.return_value == 0


async def test_plain_follow_ref_prints_each_pipeline_and_the_move(sb, workdir):
    out = io.StringIO()
    push(sb, workdir, "follow-plain")
    task = asyncio.ensure_future(follow_ref_plain(client(sb), sb.project_path, "follow-plain", out,
                                                  schedule=QUICK, list_schedule=REF_QUICK))
    try:
        for _ in range(400):
            if out.getvalue().count("pipeline #") >= 1 and "passed" in out.getvalue():
                break
            await asyncio.sleep(0.05)
        push(sb, workdir, "follow-plain")
        for _ in range(400):
            if "A new pipeline of follow-plain started" in out.getvalue() and out.getvalue().count("✔ pipeline #") >= 2:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    text = out.getvalue()
    assert text.startswith("Following branch follow-plain: pipeline #")
    assert "A new pipeline of follow-plain started: now following #" in text
    assert text.count("✔ pipeline #") >= 2
