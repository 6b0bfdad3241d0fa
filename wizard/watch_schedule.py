"""When the pipeline follower (wizard/watch.py) asks GitLab: its clock and its polling intervals."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


class Clock:
    """Monotonic time and sleeping; tests and the bench may pass their own."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


@dataclass(frozen=True)
class Schedule:
    """How often to ask GitLab, in seconds. The defaults are what bench/watch.py measured as the best
    trade: about half of glab's requests, with status changes and log lines shown sooner."""

    fast: float = 1.5  # job list right after a change
    slow: float = 10.0  # job list after a quiet spell (unless a running job is due to end sooner)
    growth: float = 3.0  # each quiet tick multiplies the interval by this
    trace_fast: float = 4.0  # a followed job's trace while it grows
    trace_slow: float = 8.0
    appear_fast: float = 1.0  # waiting for a pipeline to appear
    appear_slow: float = 10.0
    appear_timeout: float = 600.0
    error_first: float = 2.0  # first wait after a network error, doubled up to error_max
    error_max: float = 60.0
    give_up_after: float = 600.0  # GitLab unreachable this long in a row: the watch ends (exit 5)
    stuck_after: float = 60.0
    predict_margin: float = 0.3  # ask this long after a job should have ended (by its siblings' durations)


@dataclass(frozen=True)
class ListSchedule:
    """How often the pipelines list (wizard/watch_list.py) asks GitLab: one list request per tick, fast while
    a listed pipeline runs, slower after each quiet tick; a pipeline's details only when its status changed."""

    fast: float = 3.0  # while something runs or right after a change
    slow: float = 60.0  # nothing runs: back off up to this
    growth: float = 2.0
    limit: int = 20  # pipelines per list request (one page)
    reasons_per_tick: int = 3  # failed pipelines whose reason is read per tick (jobs list + one trace each)
    error_first: float = 2.0
    error_max: float = 60.0
    # --follow-ref: asking for a newer pipeline of the branch (one request for one pipeline each time)
    ref_running: float = 15.0  # while the followed pipeline runs (its jobs are polled meanwhile anyway)
    ref_slow: float = 20.0  # after it ended: fast at first, slower up to this (a push is seen within it)
