"""How much does watching a pipeline cost, and how late does the watcher show things?

dockwright's follower (wizard/watch.py) against a re-implementation of `glab ci view`'s polling as its code
does it (gl-cli/glab internal/commands/ci/view/view.go `updateJobs`, ciutils/utils.go `runTrace`):

- at the start, `GET /pipelines/:id` twice (and `GET /repository/commits/:sha`, not counted here);
- every 5 s the job list AND the bridge list (`api.PipelineJobsWithID`);
- when a job's log is opened, `RunTraceSha` finds the job again (pipelines by sha, jobs, bridges), then
  every 3 s `GET /jobs/:id` and the whole `GET /jobs/:id/trace`, printing only what is past its offset,
  until the job is finished.

Both watch the same 20-job pipeline (4 stages x 5 jobs, each printing lines over about --job-seconds)
on the sandbox, one after the other, and both keep the log of "the running job" open (the lowest running
job id they know of; when it ends they open the next). An oracle reads the sandbox's own store every
20 ms (no HTTP) to know when each status change and each log line really happened.

Then a big log (--big-log-mb, 50 by default): one job printing that much, followed by dockwright with the
sandbox in a child process, measuring the follower's peak memory (tracemalloc) and, with the watch screen
running headless on the same log, how long the screen's event loop was ever blocked.

    .venv/bin/python bench/watch.py                 # prints the table quoted in the README
    .venv/bin/python bench/watch.py --before main   # the baseline: another commit's watch code, same run
    .venv/bin/python bench/watch.py --job-seconds 4 --big-log-mb 0
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dockwright.sandbox import Sandbox
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch import FINAL_STATUSES, Finished, JobChanged, LogText, Schedule, follow

STAGES = ("build", "test", "package", "deploy")


def pipeline_yaml(jobs: int, lines: int) -> str:
    per_stage = max(1, jobs // len(STAGES))
    out = [f"stages: [{', '.join(STAGES)}]", ""]
    n = 0
    for stage in STAGES:
        for i in range(per_stage):
            n += 1
            out.append(f"{stage}-{i + 1}:")
            out.append(f"  stage: {stage}")
            out.append("  script:")
            out += [f"    - echo 'job {n} step {k} of {lines}'" for k in range(1, lines + 1)]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------ oracle

class Oracle:
    """When each (job, status) and each length of each trace first existed, read from the store."""

    def __init__(self, sb: Sandbox, pipeline_id: int) -> None:
        self.sb, self.pipeline_id = sb, pipeline_id
        self.status_at: dict[tuple[int, str], float] = {}
        self.growth: dict[int, list[tuple[float, int]]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            now = time.monotonic()
            for row in self.sb.store.all("SELECT id, status, length(trace) AS n FROM jobs WHERE pipeline_id = ?",
                                         (self.pipeline_id,)):
                self.status_at.setdefault((row["id"], row["status"]), now)
                grown = self.growth.setdefault(row["id"], [])
                if row["n"] and (not grown or grown[-1][1] < row["n"]):
                    grown.append((now, row["n"]))
            self.stop.wait(0.02)

    def line_times(self, job_id: int) -> list[tuple[int, float]]:
        """(end offset in characters, time it existed) for each line of the job's final trace."""
        trace = self.sb.store.scalar("SELECT trace FROM jobs WHERE id = ?", (job_id,)) or ""
        grown = self.growth.get(job_id, [])
        out, i, pos = [], 0, 0
        while True:
            end = trace.find("\n", pos)
            if end == -1:
                return out
            while i < len(grown) and grown[i][1] < end + 1:
                i += 1
            if i < len(grown):
                out.append((end + 1, grown[i][0]))
            pos = end + 1


# ------------------------------------------------------------------------------------------------ watchers

@dataclass
class Seen:
    """What a watcher showed, and when."""

    statuses: dict[tuple[int, str], float] = field(default_factory=dict)
    log_marks: dict[int, list[tuple[float, int]]] = field(default_factory=dict)  # job -> (time, chars so far)
    chars: dict[int, int] = field(default_factory=dict)

    def status(self, job_id: int, status: str) -> None:
        self.statuses.setdefault((job_id, status), time.monotonic())

    def log(self, job_id: int, text: str) -> None:
        self.chars[job_id] = self.chars.get(job_id, 0) + len(text)
        self.log_marks.setdefault(job_id, []).append((time.monotonic(), self.chars[job_id]))


def pick_running(known: dict[int, str], current: int | None) -> int | None:
    if current is not None and known.get(current) == "running":
        return current
    running = sorted(j for j, s in known.items() if s == "running")
    return running[0] if running else None


async def watch_dockwright(client, project: str, pipeline_id: int, schedule: Schedule | None,
                           follower=follow) -> Seen:
    seen, known = Seen(), {}
    followed: set[int] = set()
    async for event in follower(client, project, pipeline_id=pipeline_id, follow_jobs=lambda: followed,
                              schedule=schedule):
        if isinstance(event, JobChanged):
            known[event.job.id] = event.job.status
            seen.status(event.job.id, event.job.status)
            current = pick_running(known, next(iter(followed), None))
            followed.clear()
            if current is not None:
                followed.add(current)
        elif isinstance(event, LogText):
            seen.log(event.job_id, event.text)
        elif isinstance(event, Finished):
            return seen
    return seen


async def watch_glab(client, project: str, pipeline_id: int) -> Seen:
    seen, known = Seen(), {}
    followed: int | None = None
    offset = 0
    # view.go run(): GetPipeline (for -p), GetCommit (not counted: the client has no such call), GetPipeline
    pipeline = await asyncio.to_thread(client.get_pipeline, project, pipeline_id)
    await asyncio.to_thread(client.get_pipeline, project, pipeline_id)
    start = time.monotonic()
    next_jobs, next_trace = start, None
    while True:
        now = time.monotonic()
        if now >= next_jobs:
            jobs = await asyncio.to_thread(client.list_pipeline_jobs, project, pipeline_id)
            await asyncio.to_thread(client.list_pipeline_bridges, project, pipeline_id)
            for job in jobs:
                known[job["id"]] = job["status"]
                seen.status(job["id"], job["status"])
            next_jobs = now + 5.0
            if jobs and all(s in FINAL_STATUSES for s in known.values()) and followed is None:
                return seen
        if followed is None:
            followed = pick_running(known, None)
            if followed is not None:
                # RunTraceSha: PipelineJobWithSha = pipelines by sha + jobs + bridges, then runTrace's ticker
                await asyncio.to_thread(client.find_pipelines, project, sha=pipeline["sha"])
                await asyncio.to_thread(client.list_pipeline_jobs, project, pipeline_id)
                await asyncio.to_thread(client.list_pipeline_bridges, project, pipeline_id)
                offset, next_trace = 0, time.monotonic() + 3.0  # the ticker's first tick is after 3 s
        if followed is not None and next_trace is not None and time.monotonic() >= next_trace:
            job = await asyncio.to_thread(client.get_job, project, followed)
            data = await asyncio.to_thread(client.get_job_trace, project, followed)
            text = data[offset:].decode("utf-8", "replace")
            offset = len(data)
            if text:
                seen.log(followed, text)
            next_trace += 3.0
            if job["status"] in FINAL_STATUSES:
                followed = None
        waits = [next_jobs] + ([next_trace] if followed is not None and next_trace else [])
        await asyncio.sleep(max(0.0, min(waits) - time.monotonic()))


# ------------------------------------------------------------------------------------------------ one run

@dataclass
class Result:
    name: str
    requests: int
    bytes_down: int
    seconds: float
    status_late: list[float]
    status_total: int
    line_late: list[float]


def lateness(oracle: Oracle, seen: Seen) -> tuple[list[float], list[float]]:
    status_late = [t - oracle.status_at[key] for key, t in seen.statuses.items()
                   if key in oracle.status_at and key[1] != "created"]
    line_late = []
    for job_id, marks in seen.log_marks.items():
        i = 0
        for end, happened in oracle.line_times(job_id):
            while i < len(marks) and marks[i][1] < end:
                i += 1
            if i < len(marks):
                line_late.append(max(0.0, marks[i][0] - happened))
    return status_late, line_late


def run_one(sb: Sandbox, client: GitLabClient, name: str, ci: str, branch: str, schedule: Schedule | None,
            follower=None) -> Result:
    commit = client.create_commit(sb.project_path, branch=branch, message=f"bench {name}",
                                  files={".gitlab-ci.yml": ci + f"# {branch}\n"}, start_branch="main")
    assert sb.wait_for(lambda: client.find_pipelines(sb.project_path, sha=commit["id"]), timeout=30)
    pipeline_id = int(client.find_pipelines(sb.project_path, sha=commit["id"])[0]["id"])
    oracle = Oracle(sb, pipeline_id)
    oracle.thread.start()
    first = len(sb.request_log)
    started = time.monotonic()
    if follower is not None:
        seen = asyncio.run(watch_dockwright(client, sb.project_path, pipeline_id, schedule, follower))
    else:
        seen = asyncio.run(watch_glab(client, sb.project_path, pipeline_id))
    seconds = time.monotonic() - started
    log = sb.request_log[first:]
    if os.environ.get("BENCH_WATCH_DEBUG"):
        kinds: dict[str, list[int]] = {}
        for _m, path, _s, size in log:
            kind = path.split("?")[0].rsplit("/", 1)[-1]
            kind = "job" if kind.isdigit() and "/jobs/" in path else kind
            counted = kinds.setdefault(kind, [0, 0])
            counted[0] += 1
            counted[1] += size
        print(name, "requests and bytes by kind:", kinds, file=sys.stderr)
    oracle.stop.set()
    oracle.thread.join()
    status_late, line_late = lateness(oracle, seen)
    total = sum(1 for key in oracle.status_at if key[1] != "created")
    return Result(name, len(log), sum(b for _m, _p, _s, b in log), seconds, status_late, total, line_late)


def fmt(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"{statistics.mean(values):4.2f} / {statistics.median(values):4.2f} / {p95:4.2f} / {values[-1]:4.2f}"


def table(results: list[Result], jobs: int, job_seconds: float) -> str:
    rows = [f"Watching one {jobs}-job pipeline (4 stages, jobs of ~{job_seconds:g} s) on the sandbox; "
            "lateness in seconds as mean / median / p95 / max.", "",
            "| watcher | API requests | downloaded | watch time | status changes shown | status lateness "
            "| log lines shown | log line lateness |",
            "|---|---:|---:|---:|---:|---|---:|---|"]
    for r in results:
        rows.append(f"| {r.name} | {r.requests} | {r.bytes_down / 1024:,.0f} KiB | {r.seconds:.0f} s | "
                    f"{len(r.status_late)} of {r.status_total} | {fmt(r.status_late)} | {len(r.line_late)} | "
                    f"{fmt(r.line_late)} |")
    glab = next((r for r in results if r.name.startswith("glab")), None)
    if glab is not None and glab.requests:
        rows += [""] + [f"{r.name} used {r.requests / glab.requests:.0%} of the requests and "
                        f"{r.bytes_down / max(1, glab.bytes_down):.0%} of the bytes of the glab schedule."
                        for r in results if r is not glab]
    return "\n".join(rows)


# ------------------------------------------------------------------------------------------------ big log

SERVE = """\
import sys
from dockwright.sandbox import Sandbox
with Sandbox(sys.argv[1], job_seconds=float(sys.argv[2])) as sb:
    print(sb.url, sb.project_path, flush=True)
    print(sb.token, flush=True)
    sys.stdin.read()
"""


# the watch code before issue 12 (the log pane was Textual's RichLog, every line parsed and written on the event
# loop; the follower downloaded and held each followed log whole): the baseline measured in the same run
# (--before REV for another commit)
BEFORE = "f5c1de5"


def load_before(rev: str, path: str, name: str) -> dict:
    """The module ``path`` of this repository at ``rev``, executed apart (our own code at a pinned commit)."""
    source = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True, check=True,
                            cwd=str(Path(__file__).resolve().parent.parent)).stdout
    namespace: dict = {"__name__": name}
    exec(compile(source, f"{rev}:{path}", "exec"), namespace)
    return namespace


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


# ------------------------------------------------------------------------------------------------ main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--lines", type=int, default=24, help="echo lines per job")
    parser.add_argument("--job-seconds", type=float, default=8.0)
    parser.add_argument("--big-log-mb", type=int, default=50, help="0 skips the big log")
    parser.add_argument("--schedule", default="", help="override dockwright's Schedule, e.g. fast=1,trace_fast=3")
    parser.add_argument("--only-dockwright", action="store_true")
    parser.add_argument("--big-log-only", action="store_true", help="skip the 20-job pipeline")
    parser.add_argument("--before", default=BEFORE, metavar="REV",
                        help=f"the watch code measured as the baseline in the same run (default {BEFORE}, before "
                             "issue 12's watch half; main's watch code was the same when this was written)")
    parser.add_argument("--no-baseline-pane", action="store_true",
                        help="skip the big log on the baseline's screen (the slowest part)")
    args = parser.parse_args()
    schedule = Schedule(**{k: float(v) for k, v in (kv.split("=") for kv in args.schedule.split(",") if kv)})
    ci = pipeline_yaml(args.jobs, args.lines)
    if args.big_log_only:
        print(big_log(args.big_log_mb, 10.0, baseline=not args.no_baseline_pane, before_rev=args.before))
        return 0
    with tempfile.TemporaryDirectory() as tmp, Sandbox(Path(tmp) / "sandbox", job_seconds=args.job_seconds) as sb:
        client = GitLabClient.connect(sb.url, sb.token)
        results = [run_one(sb, client, "dockwright", ci, "bench-dockwright", schedule, follow)]
        if not args.only_dockwright:
            old = load_before(args.before, "wizard/watch.py", "bench_before_watch")["follow"]
            results.append(run_one(sb, client, f"dockwright at {args.before}", ci, "bench-before", schedule, old))
            results.append(run_one(sb, client, "glab ci view schedule", ci, "bench-glab", None))
    print(table(results, args.jobs, args.job_seconds))
    if args.big_log_mb:
        print()
        print(big_log(args.big_log_mb, 10.0, baseline=not args.no_baseline_pane, before_rev=args.before))
    return 0


# ------------------------------------------------------------------------------------------------ the list

LIST_DOC = """--list: the pipelines list of a group (wizard/watch_group.py) against polling every project.

A sandbox group of --projects practice projects (20), --running of them (3) with a pipeline that keeps
running. First dockwright's group list runs --minutes (3) with its own schedule, then a poller that asks
every project's pipeline list every 5 s runs one minute; requests counted in the sandbox's request log, per
minute, and their ratio. dockwright's first minute (the projects, every project's first page, each shown
pipeline's details) is shown apart from the rest (what a list left open costs).

Then the nudge: --nudges (6) pipelines started by a commit (as a push does) in idle projects, a few seconds
apart, jobs of --nudge-job-seconds (20), each project's previous pipeline as long (a warm-up one: what the
list foresees ends by); an oracle reads the sandbox's store every 20 ms for when each
pipeline really ended, and the list's Notifier writes the escape sequence into a stream that notes the time.

    .venv/bin/python bench/watch.py --list
"""


def list_main() -> int:
    parser = argparse.ArgumentParser(description=LIST_DOC.split("\n\n")[0])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--running", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--nudges", type=int, default=6)
    parser.add_argument("--nudge-job-seconds", type=float, default=20.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Sandbox(Path(tmp) / "sandbox", job_seconds=0.3) as sb:
        client = GitLabClient.connect(sb.url, sb.token)
        paths = sb.create_group_projects("fleet", args.projects)
        assert sb.wait_for(lambda: all(client.recent_pipelines(p, limit=1)[0]["status"] == "success"
                                       for p in paths), timeout=120)
        sb.job_seconds = 24 * 3600.0
        running = [(p, sb.run_pipeline(p, "main")) for p in paths[:args.running]]
        ours = asyncio.run(list_requests(sb, client, args.minutes))
        every = asyncio.run(poll_every_project(sb, client, paths, 1.0))
        for path, pipeline_id in running:
            client.cancel_pipeline(path, pipeline_id)
        sb.job_seconds = args.nudge_job_seconds
        late = asyncio.run(nudge_lateness(sb, client, paths[args.running:][:args.nudges]))
    first, rest, total = ours
    print(list_table(args, first, rest, total, every, late))
    return 0


def count_requests(sb: Sandbox, since: int) -> int:
    return len(sb.request_log) - since


async def list_requests(sb: Sandbox, client: GitLabClient, minutes: float) -> tuple[float, float, float]:
    """dockwright's group list for ``minutes``: requests in its first minute, per minute after it, per minute."""
    from dockwright.wizard.watch_group import watch_projects

    async def consume() -> None:
        async for _event in watch_projects(client, group="fleet"):
            pass

    start = len(sb.request_log)
    task = asyncio.ensure_future(consume())
    await asyncio.sleep(60.0)
    after_first = len(sb.request_log)
    await asyncio.sleep(max(0.0, minutes * 60.0 - 60.0))
    task.cancel()
    end = len(sb.request_log)
    rest = (end - after_first) / max(1e-9, minutes - 1.0) if minutes > 1 else float("nan")
    return float(after_first - start), rest, (end - start) / minutes


async def poll_every_project(sb: Sandbox, client: GitLabClient, paths: list[str], minutes: float) -> float:
    """Every project's pipeline list (one page of 20) every 5 s: requests per minute."""
    start, began = len(sb.request_log), time.monotonic()
    while time.monotonic() - began < minutes * 60.0:
        tick = time.monotonic()
        for path in paths:
            await asyncio.to_thread(client.recent_pipelines, path, limit=20)
        await asyncio.sleep(max(0.0, 5.0 - (time.monotonic() - tick)))
    return count_requests(sb, start) / minutes


class StampedStream:
    """A terminal stand-in: notes when each nudge's escape sequence was written."""

    def __init__(self) -> None:
        self.at: list[float] = []

    def write(self, text: str) -> int:
        if "\x1b]9;" in text:
            self.at.append(time.monotonic())
        return len(text)

    def flush(self) -> None:
        pass


async def nudge_lateness(sb: Sandbox, client: GitLabClient, paths: list[str]) -> list[float]:
    """Seconds from each pipeline's end (the store) to its nudge, for pipelines started by a commit."""
    from dockwright.wizard.notify import Notifier
    from dockwright.wizard.watch_group import watch_projects
    from dockwright.wizard.watch_list import PipelineEnded

    notifier = Notifier(StampedStream())  # type: ignore[arg-type]
    nudged: dict[int, float] = {}
    ended: dict[int, float] = {}
    wanted: set[int] = set()

    async def consume() -> None:
        async for event in watch_projects(client, group="fleet"):
            if isinstance(event, PipelineEnded):
                notifier.pipeline_ended(event.row.id, event.row.status, event.row.ref, event.row.project)
                nudged.setdefault(event.row.id, time.monotonic())

    def oracle(stop: threading.Event) -> None:
        while not stop.is_set():
            now = time.monotonic()
            for pid in list(wanted):
                status = sb.store.scalar("SELECT status FROM pipelines WHERE id = ?", (pid,))
                if status in FINAL_STATUSES:
                    ended.setdefault(pid, now)
            stop.wait(0.02)

    # each project's previous pipeline took as long (as a project's pipelines usually do): the list foresees the end
    warm = []
    for n, path in enumerate(paths):
        warm.append(client.create_commit(path, branch="main", message=f"warm {n}", files={"WARM.txt": f"{n}\n"})["id"])
    assert sb.wait_for(lambda: all((client.find_pipelines(p, sha=sha) or [{}])[0].get("status") in FINAL_STATUSES
                                   for p, sha in zip(paths, warm, strict=True)), timeout=300, interval=1.0)
    stop = threading.Event()
    thread = threading.Thread(target=oracle, args=(stop,), daemon=True)
    thread.start()
    task = asyncio.ensure_future(consume())
    await asyncio.sleep(5.0)
    for n, path in enumerate(paths):
        sha = (await asyncio.to_thread(client.create_commit, path, branch="main", message=f"nudge {n}",
                                       files={"NUDGE.txt": f"{n}\n"}))["id"]
        found = await asyncio.to_thread(client.find_pipelines, path, sha=sha)
        wanted.update(int(p["id"]) for p in found)
        await asyncio.sleep(4.0)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not all(pid in nudged for pid in wanted):
        await asyncio.sleep(0.2)
    task.cancel()
    stop.set()
    thread.join()
    assert len(notifier.stream.at) >= len(nudged)  # type: ignore[union-attr]
    return [nudged[pid] - ended[pid] for pid in wanted if pid in nudged and pid in ended]


def list_table(args: argparse.Namespace, first: float, rest: float, total: float, every: float,
               late: list[float]) -> str:
    rows = [f"A group of {args.projects} projects, {args.running} with a running pipeline, on the sandbox; "
            "API requests per minute.", "",
            "| poller | requests / minute | ratio to every project every 5 s |", "|---|---:|---:|",
            f"| every project's pipeline list every 5 s | {every:.0f} | 1.00x |",
            f"| dockwright watch --group, first minute | {first:.0f} | {first / every:.2f}x |",
            f"| dockwright watch --group, after it | {rest:.0f} | {rest / every:.2f}x |",
            f"| dockwright watch --group, all {args.minutes:g} minutes | {total:.0f} | {total / every:.2f}x |", "",
            f"Pipeline end to nudge (escape sequence written), {len(late)} pipelines of {args.nudges}: "
            + (f"median {statistics.median(late):.2f} s, max {max(late):.2f} s." if late else "none nudged.")]
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(list_main() if "--list" in sys.argv[1:] else main())
