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

The big log (the follower's memory, the watch screen's stalls) is bench/watch_big_log.py; a group's pipelines
list is bench/watch_list.py.

    .venv/bin/python bench/watch.py                 # prints the table quoted in the README
    .venv/bin/python bench/watch.py --before main   # the baseline: another commit's watch code, same run
    .venv/bin/python bench/watch.py --job-seconds 4
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


# ------------------------------------------------------------------------------------------------ main

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--lines", type=int, default=24, help="echo lines per job")
    parser.add_argument("--job-seconds", type=float, default=8.0)
    parser.add_argument("--schedule", default="", help="override dockwright's Schedule, e.g. fast=1,trace_fast=3")
    parser.add_argument("--only-dockwright", action="store_true")
    parser.add_argument("--before", default=BEFORE, metavar="REV",
                        help=f"the watch code measured as the baseline in the same run (default {BEFORE}, before "
                             "issue 12's watch half; main's watch code was the same when this was written)")
    args = parser.parse_args()
    schedule = Schedule(**{k: float(v) for k, v in (kv.split("=") for kv in args.schedule.split(",") if kv)})
    ci = pipeline_yaml(args.jobs, args.lines)
    with tempfile.TemporaryDirectory() as tmp, Sandbox(Path(tmp) / "sandbox", job_seconds=args.job_seconds) as sb:
        client = GitLabClient.connect(sb.url, sb.token)
        results = [run_one(sb, client, "dockwright", ci, "bench-dockwright", schedule, follow)]
        if not args.only_dockwright:
            old = load_before(args.before, "wizard/watch.py", "bench_before_watch")["follow"]
            results.append(run_one(sb, client, f"dockwright at {args.before}", ci, "bench-before", schedule, old))
            results.append(run_one(sb, client, "glab ci view schedule", ci, "bench-glab", None))
    print(table(results, args.jobs, args.job_seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
