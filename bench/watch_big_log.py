"""A big job log: the follower's memory and the watch screen's event-loop stalls while it grows.

One job printing --big-log-mb (50) of 100-character lines on the sandbox (in a child process, so its work
is not on the measured event loop), followed by dockwright: the follower's peak memory (tracemalloc); then
the watch screen running headless on the same log, how long its event loop was ever blocked (a 5 ms probe)
and how long its frames took, against the same probe on a bare event loop and against the watch code at
--before (f5c1de5, before issue 12's watch half) in the same run.

    .venv/bin/python bench/watch_big_log.py
    .venv/bin/python bench/watch_big_log.py --big-log-mb 20 --no-baseline-pane
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch import JobChanged, LogText, follow

sys.path.insert(0, str(Path(__file__).resolve().parent))

from watch import BEFORE, load_before

SERVE = """\
import sys
from dockwright.sandbox import Sandbox
with Sandbox(sys.argv[1], job_seconds=float(sys.argv[2])) as sb:
    print(sb.url, sb.project_path, flush=True)
    print(sb.token, flush=True)
    sys.stdin.read()
"""


def big_log(megabytes: int, job_seconds: float, baseline: bool = True, before_rev: str = BEFORE) -> str:
    lines_per_echo = 10_000  # 100-character lines, like a verbose build
    block = "\\n".join(f"{i:06d} " + "b" * 92 for i in range(lines_per_echo))
    echoes = max(1, megabytes * 1_000_000 // (lines_per_echo * 100))
    ci = f'big:\n  variables:\n    BLOCK: "{block}"\n  script:\n' + "".join(
        '    - echo "$BLOCK"\n' for _ in range(echoes))
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([sys.executable, "-c", SERVE, f"{tmp}/sandbox", str(job_seconds)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                cwd=str(Path(__file__).resolve().parent.parent))
        try:
            url, project = proc.stdout.readline().split()
            token = proc.stdout.readline().strip()
            client = GitLabClient.connect(url, token, timeout=120)
            memory = follow_big(client, project, ci, "big-1")
            floor = asyncio.run(bare_probe(15.0))
            screen = screen_big(client, project, ci, "big-2")
            before = screen_big(client, project, ci, "big-3",
                                pane=load_before(before_rev, "screens/widgets/job_log.py", "bench_before_job_log")["JobLog"],
                                follower=load_before(before_rev, "wizard/watch.py", "bench_before_watch")["follow"]) \
                if baseline else None
        finally:
            proc.stdin.close()
            proc.wait(timeout=60)
    size, peak, pieces, seconds = memory
    rows = [f"A {size / 1e6:.0f} MB job log, followed while it grows:", "",
            "| what | result |" + (f" {before_rev} (same run) | ratio |" if before else ""),
            "|---|---|" + ("---|---:|" if before else ""),
            f"| follower peak memory (tracemalloc) | {peak / 1e6:.0f} MB = {peak / size:.1f}x the log |"
            + (" | |" if before else ""),
            f"| log text arrived in | {pieces} pieces over {seconds:.0f} s; together exactly the whole log |"
            + (" | |" if before else "")]

    def row(what: str, value, unit: str, fmt: str = "{:.0f}") -> str:
        now = getattr(screen, value)
        line = f"| {what} | {fmt.format(now)}{unit} |"
        if before:
            then = getattr(before, value)
            line += f" {fmt.format(then)}{unit} | {now / then if then else 0:.2f}x |"
        return line

    rows += [row("watch screen, longest event-loop stall", "stall_ms", " ms"),
             row("watch screen, p95 event-loop stall (5 ms probe)", "p95_stall_ms", " ms", "{:.1f}"),
             row("watch screen, p95 frame (one screen update: layout and drawing)", "p95_frame_ms", " ms", "{:.1f}"),
             row("watch screen, longest frame", "max_frame_ms", " ms"),
             row("watch screen, time to the end of the log", "seconds", " s"),
             f"| lines kept in the pane | {screen.shown:,} |" + (f" {before.shown:,} | |" if before else ""),
             f"| the same 5 ms probe in an event loop with nothing else, 15 s (the machine's noise) | longest "
             f"{floor[0]:.0f} ms, p95 {floor[1]:.1f} ms |" + (" | |" if before else "")]
    return "\n".join(rows)


async def bare_probe(seconds: float) -> tuple[float, float]:
    """How late a 5 ms sleep wakes in an otherwise idle event loop: what the machine alone adds to a stall."""
    lags: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append(max(0.0, time.perf_counter() - before - 0.005))
    lags.sort()
    return lags[-1] * 1000, lags[int(0.95 * (len(lags) - 1))] * 1000


def follow_big(client, project: str, ci: str, branch: str) -> tuple[int, int, int, float]:
    sha = client.create_commit(project, branch=branch, message="big log", files={".gitlab-ci.yml": ci},
                               start_branch="main")["id"]
    followed: set[int] = set()
    count = {"chars": 0, "pieces": 0}

    async def watch() -> None:
        async for event in follow(client, project, sha=sha, follow_jobs=lambda: followed):
            if isinstance(event, JobChanged):
                followed.add(event.job.id)
            elif isinstance(event, LogText):
                count["chars"] += len(event.text)
                count["pieces"] += 1

    started = time.monotonic()
    tracemalloc.start()
    asyncio.run(watch())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    seconds = time.monotonic() - started
    job = client.list_pipeline_jobs(project, client.find_pipelines(project, sha=sha)[0]["id"])[0]
    whole = client.get_job_trace(project, job["id"]).decode("utf-8", "replace")
    assert len(whole) == count["chars"], "the follower lost or repeated log text"
    return count["chars"], peak, count["pieces"], seconds


@dataclass
class ScreenRun:
    stall_ms: float
    p95_stall_ms: float
    p95_frame_ms: float
    max_frame_ms: float
    shown: int
    seconds: float


def screen_big(client, project: str, ci: str, branch: str, pane: type | None = None, follower=None) -> ScreenRun:
    """The watch screen headless on the big log, following it; ``pane`` replaces its log widget and ``follower``
    its follow() (the baseline).
    A probe sleeps 5 ms at a time and records how much later than that it woke (the event loop was busy);
    a frame is one run of the screen's update timer (layout and drawing of what changed)."""
    from textual.screen import Screen

    from dockwright.screens import watch as watch_module
    from dockwright.screens.watch import WatchScreen
    from dockwright.screens.watch_app import WatchApp

    sha = client.create_commit(project, branch=branch, message="big log again",
                               files={".gitlab-ci.yml": ci + f"# {branch}\n"}, start_branch="main")["id"]
    kept, kept_follow = watch_module.JobLog, watch_module.follow
    watch_module.JobLog = pane or kept
    watch_module.follow = follower or kept_follow
    log_class = watch_module.JobLog
    frames: list[float] = []
    update = Screen._on_timer_update

    streaming = [False]  # measured from the first log text on (not the screen's first paint)

    def timed_update(self) -> None:
        started = time.perf_counter()
        update(self)
        if streaming[0]:
            frames.append(time.perf_counter() - started)

    async def run() -> ScreenRun:
        app = WatchApp(client, project, sha=sha)
        started = time.monotonic()
        async with app.run_test(size=(160, 48)) as pilot:
            screen = app.screen
            assert isinstance(screen, WatchScreen)
            screen.action_toggle_follow()
            lags: list[float] = [0.0]
            shown_at = 0.0
            log = screen.query_one(log_class)
            while screen.result is None and time.monotonic() - started < 600:
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                if streaming[0]:
                    lags.append(max(0.0, time.perf_counter() - before - 0.005))
                streaming[0] = streaming[0] or bool(log.busy or log.plain)
                now = time.monotonic()
                if os.environ.get("BENCH_WATCH_DEBUG") and now - shown_at > 10:
                    shown_at = now
                    print(f"{now - started:5.0f} s: pipeline {screen.status}, jobs "
                          f"{ {j.name: j.status for j in screen.jobs.values()} }, lines kept {len(log.plain)}, "
                          f"waiting {len(log.backlog)}", file=sys.stderr)
            while log.busy:
                await pilot.pause(0.05)
            lags.sort()
            drawn = sorted(frames) or [0.0]
            return ScreenRun(lags[-1] * 1000, lags[int(0.95 * (len(lags) - 1))] * 1000,
                             drawn[int(0.95 * (len(drawn) - 1))] * 1000, drawn[-1] * 1000, len(log.plain),
                             time.monotonic() - started)

    Screen._on_timer_update = timed_update  # type: ignore[method-assign]
    try:
        return asyncio.run(run())
    finally:
        Screen._on_timer_update = update  # type: ignore[method-assign]
        watch_module.JobLog, watch_module.follow = kept, kept_follow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--big-log-mb", type=int, default=50)
    parser.add_argument("--before", default=BEFORE, metavar="REV",
                        help=f"the watch code measured as the baseline in the same run (default {BEFORE})")
    parser.add_argument("--no-baseline-pane", action="store_true",
                        help="skip the big log on the baseline's screen (the slowest part)")
    args = parser.parse_args()
    print(big_log(args.big_log_mb, 10.0, baseline=not args.no_baseline_pane, before_rev=args.before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
