"""`dockwright watch --follow-ref R`: keep following a branch. When a newer pipeline of ``R`` appears, the watch
moves to it and says so; it runs until the user quits. UI-free: the full screen and ``--plain`` both use it.

``newer_pipelines()`` asks for the branch's newest pipeline, one request for one pipeline per tick: every
``ListSchedule.ref_running`` seconds while the followed pipeline runs (a push during a run is rarer, and its
jobs are polled meanwhile), fast right after it ended and slower up to ``ref_slow`` while nothing comes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import IO, Any

from dockwright.wizard.errors import NetworkError
from dockwright.wizard.watch_schedule import Clock, ListSchedule


@dataclass(frozen=True)
class NewPipeline:
    pipeline_id: int
    ref: str
    previous: int | None  # the pipeline the watch followed until now
    status: str = ""

    def sentence(self) -> str:
        if self.previous is None:
            return f"Following branch {self.ref}: pipeline #{self.pipeline_id}; a newer one of {self.ref} is followed when it starts."
        return (f"A new pipeline of {self.ref} started: now following #{self.pipeline_id} "
                f"(was #{self.previous}); q quits.")


async def newer_pipelines(client: Any, project: str, ref: str, after: int | None = None, *,
                          running: Callable[[], bool] = lambda: False, clock: Clock | None = None,
                          schedule: ListSchedule | None = None) -> AsyncIterator[NewPipeline]:
    """Yield each pipeline of ``ref`` newer than ``after`` (the newest at once when ``after`` is None), forever.
    ``running()`` says whether the followed pipeline still runs (the slower cadence then)."""
    clock = clock or Clock()
    s = schedule or ListSchedule()
    interval = s.fast
    while True:
        try:
            found = await asyncio.to_thread(client.recent_pipelines, project, limit=1, ref=ref)
        except NetworkError:
            found = []  # asked again at the next tick; the followed pipeline's watch says GitLab is away
        if found and (after is None or int(found[0]["id"]) > after):
            newest = found[0]
            yield NewPipeline(int(newest["id"]), ref, after, str(newest.get("status", "")))
            after = int(newest["id"])
            interval = s.fast
        elif running():
            interval = s.ref_running
        else:
            interval = min(s.ref_slow, interval * s.growth)
        await clock.sleep(interval)


async def follow_ref_plain(client: Any, project: str, ref: str, out: IO[str], *, notifier: Any = None,
                           schedule: Any = None, list_schedule: ListSchedule | None = None) -> int:
    """``--follow-ref R --plain``: each pipeline of ``R`` as lines (wizard/watch_plain.py), moving to a newer one
    when it starts (even mid-run); returns only when cancelled (Ctrl-C), with the last pipeline's exit code."""
    from dockwright.wizard.watch import follow
    from dockwright.wizard.watch_plain import print_plain

    task: asyncio.Task[int] | None = None
    result = 0

    def running() -> bool:
        return task is not None and not task.done()

    try:
        async for new in newer_pipelines(client, project, ref, running=running, schedule=list_schedule):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            elif task is not None:
                result = task.result()
            out.write(new.sentence() + "\n")
            out.flush()
            options = {"schedule": schedule} if schedule is not None else {}
            task = asyncio.ensure_future(print_plain(follow(client, project, pipeline_id=new.pipeline_id, **options),
                                                     out, notifier=notifier, project=project))
    finally:
        if task is not None and not task.done():
            task.cancel()
    return result
