"""The pipelines list of a group (wizard/watch_group.py) against polling every project.

A sandbox group of --projects practice projects (20), --running of them (3) with a pipeline that keeps
running. First dockwright's group list runs --minutes (3) with its own schedule, then a poller that asks
every project's pipeline list every 5 s runs one minute; requests counted in the sandbox's request log, per
minute, and their ratio. dockwright's first minute (the projects, every project's first page, each shown
pipeline's details) is shown apart from the rest (what a list left open costs).

Then the nudge: --nudges (6) pipelines started by a commit (as a push does) in idle projects, a few seconds
apart, jobs of --nudge-job-seconds (20), each project's previous pipeline as long (a warm-up one: what the
list foresees ends by); an oracle reads the sandbox's store every 20 ms for when each
pipeline really ended, and the list's Notifier writes the escape sequence into a stream that notes the time.

    .venv/bin/python bench/watch_list.py
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dockwright.sandbox import Sandbox
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch import FINAL_STATUSES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
    sys.exit(main())
