"""Several projects in one pipelines list (wizard/watch_group.py, `dockwright watch --list --project A --project B`
and `--group G`) against a live sandbox: the --plain/--json output (golden, with ids and times masked), the
refused inputs, and GitLab's rate limit honoured (requests counted in the sandbox's request log; the poller's
clock is simulated, so nothing depends on how fast this machine is)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dockwright.sandbox.faults import Faults
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch_group import GroupSchedule, ListNote, watch_projects

SANDBOX_JOB_SECONDS = 0.1
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "watch_list"
UPDATE = os.environ.get("DOCKWRIGHT_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def fleet(sb):
    paths = sb.create_group_projects("fleet", 3) + sb.create_group_projects("fleet/team", 1)
    gl = GitLabClient.connect(sb.url, sb.token)
    assert sb.wait_for(lambda: all(gl.recent_pipelines(p, limit=1)[0]["status"] == "success" for p in paths),
                       timeout=60)
    return paths


def watch(sb, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("GITLAB_TOKEN", "GITLAB_HOST")} | {"GITLAB_TOKEN": sb.token}
    return subprocess.run([sys.executable, "-m", "dockwright.wizard.cli", "watch", "--url", sb.url, *args],
                          env=env, capture_output=True, text=True, timeout=90, cwd="/")


def masked(text: str) -> str:
    """Pipeline ids, dates and durations vary from run to run."""
    text = re.sub(r"#\d+", "#N", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "DATE", text)
    return re.sub(r" \d+s$", " Ts", text, flags=re.M)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; create it with DOCKWRIGHT_UPDATE_GOLDEN=1"
    assert text == path.read_text()


def test_plain_and_json_of_two_projects_and_of_a_group(sb, fleet):
    two = watch(sb, "--list", "--plain", "--project", "fleet/app-01", "--project", "fleet/app-03")
    assert two.returncode == 0, two.stderr
    check("live_two_projects.txt", masked(two.stdout))
    group = watch(sb, "--group", "fleet", "--plain")  # --group alone lists
    assert group.returncode == 0, group.stderr
    check("live_group.txt", masked(group.stdout))
    assert "fleet/team/app-01" in group.stdout  # subgroups too
    as_json = watch(sb, "--list", "--json", "--group", "fleet", "--max-projects", "2")
    assert as_json.returncode == 0, as_json.stderr
    objects = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert len({o["project"] for o in objects}) == 2 and all(o["status"] == "success" for o in objects)
    assert [o["id"] for o in objects] == sorted((o["id"] for o in objects), reverse=True)
    assert "Group fleet has 4 projects; the 2 most recently active are listed" in as_json.stderr
    check("live_group.jsonl", "".join(json.dumps({k: o[k] for k in ("project", "status", "ref", "source", "user")})
                                      + "\n" for o in objects))
    assert sb.token not in two.stdout + group.stdout + as_json.stdout + as_json.stderr


def test_refused_inputs_say_what_to_do_and_exit_2(sb, fleet):
    unknown = watch(sb, "--list", "--group", "no-such-group", "--plain")
    assert unknown.returncode == 2, unknown.stderr
    assert "has no group 'no-such-group' that this token can see" in unknown.stderr
    picked = watch(sb, "--group", "fleet", "--pipeline", "3", "--plain")
    assert picked.returncode == 2
    assert "--group fleet shows a list of many projects' pipelines; --pipeline picks one pipeline" in picked.stderr
    both = watch(sb, "--group", "fleet", "--project", "fleet/app-01", "--plain")
    assert both.returncode == 2 and "--group lists the group's projects" in both.stderr
    follow = watch(sb, "--project", "fleet/app-01", "--project", "fleet/app-02", "--follow-ref", "main", "--plain")
    assert follow.returncode == 2 and "--follow-ref picks one pipeline of one project" in follow.stderr


class Enough(Exception):
    pass


class SimulatedClock:
    """The poller's time without waiting: each sleep moves it on at once, until ``until`` seconds have passed
    (then the poller stops, whether it had something to say or not)."""

    def __init__(self, until: float) -> None:
        self.t = 0.0
        self.until = until

    def now(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        if self.t >= self.until:
            raise Enough
        await asyncio.sleep(0)


async def run_for(events, clock: SimulatedClock) -> list:
    seen = []
    try:
        async for event in events:
            seen.append(event)
    except Enough:
        pass
    return seen


async def poll_for(sb, seconds: float) -> tuple[int, int, list[str]]:
    """Run the group's poller for ``seconds`` of simulated time: (requests, 429 answers, rate sentences)."""
    client = GitLabClient.connect(sb.url, sb.token, max_rate_limit_wait=0.5)  # a 429 reaches the poller at once
    clock = SimulatedClock(seconds)
    first = len(sb.request_log)
    events = await run_for(watch_projects(client, group="fleet", clock=clock, schedule=GroupSchedule()), clock)
    said = [e.text for e in events if isinstance(e, ListNote) and e.kind == "rate"]
    log = sb.request_log[first:]
    return len(log), sum(1 for entry in log if entry[2] == 429), said


def test_the_rate_limit_slows_the_list_down_and_says_so(sb, fleet):
    sb.job_seconds = 3600.0  # a pipeline that keeps running: its project is polled often
    try:
        running = sb.run_pipeline("fleet/app-02", "main")
        sb.set_faults(Faults())  # a fresh window: the requests before this test do not count
        free, free_429, free_said = asyncio.run(poll_for(sb, 300))
        sb.set_faults(Faults(rate_limit_per_minute=30, rate_limit_window=3600))
        try:
            limited, limited_429, said = asyncio.run(poll_for(sb, 300))
        finally:
            sb.set_faults(Faults())
    finally:
        sb.job_seconds = SANDBOX_JOB_SECONDS
        GitLabClient.connect(sb.url, sb.token).cancel_pipeline("fleet/app-02", running)
    assert free_429 == 0 and free_said == [] and free > 40
    assert any(s.startswith("GitLab's rate limit is near: ") and "of 30 requests left" in s for s in said), said
    assert limited <= free / 2, (limited, free)  # the same simulated five minutes, half the requests or fewer
    assert limited_429 <= 3, limited_429  # it slowed down before GitLab had to refuse much


def test_a_group_list_polls_idle_projects_rarely(sb, fleet):
    """No pipeline runs: after the first pages, about one group request per 10 s and each project now and then."""
    async def run() -> int:
        client = GitLabClient.connect(sb.url, sb.token)
        clock = SimulatedClock(600)
        first = len(sb.request_log)
        await run_for(watch_projects(client, group="fleet", clock=clock), clock)
        return len(sb.request_log) - first

    count = asyncio.run(run())
    every_5s = 600 / 5 * 4  # 4 projects' pipeline lists every 5 s
    assert count <= 0.3 * every_5s, count
