"""The watch screen on a pipeline that has already finished, and its keys (issue 16 items 4, 9, 10).

Driven by a real follower against the sandbox, as `dockwright watch --pipeline N` runs it.
"""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from dockwright.screens.watch import WatchScreen
from dockwright.screens.watch_app import WatchApp
from dockwright.screens.widgets.job_log import JobLog
from dockwright.screens.widgets.pipeline_graph import PipelineGraph
from dockwright.wizard.gitlab import GitLabClient
from sandbox_helpers import wait_until
from test_watch_screen import QUICK, push, until

SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it

TWO_JOBS = ("stages: [build, test]\n"
            "build:\n  stage: build\n  script: [echo built the thing]\n"
            "test:\n  stage: test\n  script: [echo tested the thing]\n")


def finished_pipeline(sb, workdir, ci: str = TWO_JOBS) -> int:
    sha = push(sb, workdir, ci)
    client = GitLabClient.connect(sb.url, sb.token)
    found = wait_until(lambda: [p for p in client.find_pipelines(sb.project_path, sha=sha)
                                if p["status"] in ("success", "failed")], timeout=30)
    return int(found[0]["id"])


def trace_requests(sb, job_id: int) -> int:
    return sum(1 for method, path, _status, _size in list(sb.request_log) if path.endswith(f"/jobs/{job_id}/trace"))


async def test_a_finished_jobs_log_is_fetched_once_and_shown(sb, workdir):
    pipeline_id = finished_pipeline(sb, workdir)
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, pipeline_id=pipeline_id, schedule=QUICK)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await until(pilot, lambda: screen.result is not None and len(screen.jobs) == 2)
        build = next(j for j in screen.jobs.values() if j.name == "build")
        test = next(j for j in screen.jobs.values() if j.name == "test")
        graph = screen.query_one(PipelineGraph)
        log = screen.query_one(JobLog)
        await pilot.press("tab")  # the first job cell, as a newcomer does it
        await until(pilot, lambda: screen.selected == build.id)
        await until(pilot, lambda: any("built the thing" in line for line in log.plain))
        graph.cells[test.id].focus()
        await until(pilot, lambda: any("tested the thing" in line for line in log.plain))
        assert not any("built the thing" in line for line in log.plain)
        graph.cells[build.id].focus()
        await until(pilot, lambda: any("built the thing" in line for line in log.plain))
        await pilot.pause(0.3)
        assert log.plain.count("built the thing") == 1  # shown once, not appended twice
        assert trace_requests(sb, build.id) == 1 and trace_requests(sb, test.id) == 1  # fetched once each
        await pilot.press("q")
