"""A big job log (about 6 MB) followed while it grows: only new text is emitted, nothing is lost, and the
follower's memory stays under 3x the log. The sandbox runs in a child process so that only the
watcher's own allocations are measured (tracemalloc, every thread of this process)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tracemalloc

import pytest

from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch import Finished, JobChanged, LogText, Schedule, follow
from tests.sandbox_helpers import clone, commit_and_push

SERVE = """\
import sys
from dockwright.sandbox import Sandbox
with Sandbox(sys.argv[1], job_seconds=float(sys.argv[2])) as sb:
    print(sb.url, sb.project_path, flush=True)
    print(sb.token, flush=True)  # to the parent's pipe only
    sys.stdin.read()  # until the parent closes it
"""
LINE = 100_000  # characters per echoed line
LINES = 60


class _Served:
    def __init__(self, url: str, project_path: str, token: str) -> None:
        self.url, self.project_path, self.token = url, project_path, token


@pytest.fixture()
def served(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(tmp_path / "sandbox"), "2"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        url, project = proc.stdout.readline().split()
        token = proc.stdout.readline().strip()
        yield _Served(url, project, token)
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_6_mb_log_streams_in_bounded_memory(served, tmp_path):
    workdir = clone(served, tmp_path / "app")
    ci = ("big:\n  variables:\n    BIG: " + "x" * LINE + "\n  script:\n"
          + "".join(f"    - echo \"{i} $BIG\"\n" for i in range(LINES)))
    sha = commit_and_push(workdir, {".gitlab-ci.yml": ci}, "a big log", served.token, "big")
    client = GitLabClient.connect(served.url, served.token)
    schedule = Schedule(fast=0.2, slow=0.5, trace_fast=0.2, trace_slow=0.5, appear_fast=0.2)
    followed: set[int] = set()
    seen = {"chars": 0, "pieces": 0, "numbers": [], "tail": ""}

    async def watch():
        async for event in follow(client, served.project_path, sha=sha, follow_jobs=lambda: followed,
                                  schedule=schedule):
            if isinstance(event, JobChanged):
                followed.add(event.job.id)
            elif isinstance(event, LogText):
                seen["chars"] += len(event.text)
                seen["pieces"] += 1
                text = seen["tail"] + event.text
                for line in text.split("\n")[:-1]:
                    if line.endswith("x" * 100) and line.split(" ", 1)[0].isdigit():
                        seen["numbers"].append(int(line.split(" ", 1)[0]))
                seen["tail"] = text.rsplit("\n", 1)[-1][-LINE * 2:]
            elif isinstance(event, Finished):
                return event

    tracemalloc.start()
    try:
        finished = asyncio.run(asyncio.wait_for(watch(), 120))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    log_size = seen["chars"]
    assert finished.status == "success"
    assert log_size > LINES * LINE
    assert seen["numbers"] == list(range(LINES))  # every line once, in order: only new text each time
    assert seen["pieces"] > 1  # it arrived while the job ran, not all at the end
    print(f"big log: {log_size / 1e6:.1f} MB in {seen['pieces']} pieces, follower peak {peak / 1e6:.1f} MB")
    assert peak < 3 * log_size, f"peak {peak / 1e6:.1f} MB for a {log_size / 1e6:.1f} MB log"
