"""Follow a GitLab pipeline and yield what changed: an async, UI-free follower.

``follow(client, project, ...)`` is an async iterator of events (:class:`PipelineStatus`,
:class:`JobChanged`, :class:`JobStuck`, :class:`LogText`, :class:`Waiting`, :class:`PipelineCreated`,
:class:`Finished`).
The Textual watch screen, ``dockwright watch --plain`` and ``dockwright apply`` all consume it.

How it polls, and why it asks GitLab about half as often as ``glab ci view`` (bench/watch.py):

- one request per tick for the job list; the pipeline's status is composed from its jobs the way GitLab
  composes it (and each job carries it), so the pipeline itself is fetched only at the start;
- the tick is fast right after something changed and slows down while nothing does; once some jobs have
  finished, it asks right when the running ones should end (by how long their siblings took);
- GitLab's trace API returns the whole log every time (no ranges), so a trace is fetched only for a
  job someone follows while it runs, and once when a followed or failed job finishes, unless the job
  list already says (the archived log's size in the job's ``artifacts``) that it has nothing new; it is
  streamed and only the new part is kept and emitted, in pieces of 256 KB; the runner's last line ("Job succeeded",
  "ERROR: Job failed") in a followed log brings the next job-list poll forward;
- 429 (Retry-After) and transient network trouble wait and retry; the watch does not end;
- child pipelines started by bridge (trigger) jobs are followed too.

The event types live in wizard/watch_events.py, the clock and polling intervals in
wizard/watch_schedule.py; every public name is importable from here too (``__all__``).
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from dockwright.wizard.errors import DockwrightError, GitLabRefused, NetworkError  # GitLabRefused (4xx) ends the watch
from dockwright.wizard.watch_events import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    Event,
    Finished,
    Job,
    JobChanged,
    JobStuck,
    LogText,
    PipelineCreated,
    PipelineStatus,
    Waiting,
    composite_status,
    job_from_api,
    retry_of,
)
from dockwright.wizard.watch_schedule import Clock, Schedule

# ---------------------------------------------------------------------------------------------- helpers

# the runner's last words in a job log: the job has ended, its status changes in GitLab right now
JOB_END_MARKERS = ("Job succeeded", "ERROR: Job failed")
# GitLab's job list scopes (doc/api/jobs.md) but ``created``: what a running pipeline's jobs can have become
SCOPES_BUT_CREATED = ("pending", "running", "failed", "success", "canceled", "skipped", "waiting_for_resource",
                      "manual")


class _Trace:
    """How much of one job's trace has been emitted; decodes only the new bytes (a character split between
    two reads waits in the decoder for the rest)."""

    __slots__ = ("decoder", "done", "ended", "interval", "next_fetch", "offset")

    def __init__(self) -> None:
        self.ended = False
        self.offset = 0
        self.next_fetch = 0.0
        self.interval = 0.0
        self.done = False
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def restart(self) -> None:
        """The log was erased or replaced: read it from its start again."""
        self.offset = 0
        self.decoder.reset()

    def read(self, size: int, chunks: list[bytes]) -> Iterator[str]:
        """The text of ``chunks``, the bytes past the offset of a log that had ``size`` bytes; consumes them."""
        self.offset = size
        while chunks:
            if text := self.decoder.decode(chunks.pop(0)):
                yield text


def _retry_after(exc: BaseException) -> float | None:
    value = getattr(exc, "retry_after", None)
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------- follower

async def follow(
    client: Any,
    project: str,
    *,
    pipeline_id: int | None = None,
    sha: str | None = None,
    ref: str | None = None,
    follow_jobs: Callable[[], set[int]] = lambda: set(),
    clock: Clock | None = None,
    schedule: Schedule | None = None,
    nudge: asyncio.Event | None = None,
    create_missing_after: float | None = None,
    commit_message: str = "",
) -> AsyncIterator[Event]:
    """Yield events about one pipeline until it reaches a final status (then :class:`Finished`).

    Give ``pipeline_id``, or ``sha`` and/or ``ref`` to wait for the newest pipeline of that commit or
    branch to appear. ``follow_jobs()`` is asked on every tick for the ids of the jobs whose log the
    caller shows right now; setting ``nudge`` (after a retry, or when the user picks another job) ends the
    current wait at once. Raises :class:`GitLabRefused` when GitLab says no (wrong project, token);
    network trouble is reported as :class:`Waiting` and retried until ``schedule.give_up_after``.
    With ``sha`` and ``ref`` and ``create_missing_after`` (seconds): a pushed commit that still has no
    pipeline by then (a push killed half-way: the commit reached GitLab, its pipeline never came) gets one
    through ``POST /projects/:id/pipeline`` when it is still the branch's head and ``commit_message`` does not
    ask to skip CI (:class:`PipelineCreated`). ``dockwright apply`` and the wizard's watch after Apply both
    ask for it (wizard/apply_watch.py).
    """
    watcher = _Watcher(client, project, follow_jobs, clock or Clock(), schedule or Schedule(), nudge)
    if sha and ref and create_missing_after is not None:
        watcher.create_missing = (create_missing_after, commit_message)
    async for event in watcher.run(pipeline_id, sha, ref):
        yield event


class _Watcher:
    def __init__(self, client: Any, project: str, follow_jobs: Callable[[], set[int]], clock: Clock,
                 schedule: Schedule, nudge: asyncio.Event | None = None) -> None:
        self.client = client
        self.nudge = nudge
        self.followed_before: set[int] = set()
        self.woken = False
        self.embedded_status: str | None = None  # the pipeline status the last job list carried
        self.durations: list[float] = []  # of this pipeline's finished jobs: how long its jobs take
        self.started_at: dict[int, float] = {}  # clock time a running job started (from its duration)
        self.next_jobs = 0.0
        self.interval = schedule.fast
        self.answered = False  # GitLab answered at least once: later network trouble is waited out
        self.failing_since: float | None = None
        self.project = project
        self.follow_jobs = follow_jobs
        self.clock = clock
        self.s = schedule
        self.jobs: dict[int, Job] = {}
        self.pending_since: dict[int, float] = {}
        self.stuck_reported: set[int] = set()
        self.traces: dict[int, _Trace] = {}
        self.children: dict[int, str] = {}  # child pipeline id -> last known status
        self.has_bridges: bool | None = None
        self.list_whole = True  # the next job list asks for every job (see list_root_jobs)
        self.error_wait = 0.0
        self.create_missing: tuple[float, str] | None = None  # (after seconds, commit message)

    # -- calling GitLab ------------------------------------------------------------------------------

    async def call(self, method: str | Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """One blocking client call in a thread; network trouble and 429 become a wait and a retry."""
        while True:
            try:
                call = method if callable(method) else getattr(self.client, method)
                result = await asyncio.to_thread(call, *args, **kwargs)
                self.error_wait = 0.0
                self.failing_since = None
                self.answered = True
                return result
            except NetworkError as exc:  # python-gitlab already retried 5xx and 429 (Retry-After) a few times
                now = self.clock.now()
                self.failing_since = self.failing_since if self.failing_since is not None else now
                if not self.answered or now - self.failing_since >= self.s.give_up_after:
                    raise  # never reached at all, or gone for too long: say so (exit 5)
                wait = _retry_after(exc)
                if wait is None:
                    self.error_wait = min(self.s.error_max, max(self.s.error_first, self.error_wait * 2))
                    wait = self.error_wait
                raise _Retry(wait, Waiting(
                    f"GitLab did not answer this time ({exc.sentence.rstrip('.')}); "
                    f"the watch goes on and asks again in {wait:.1f} s.")) from exc

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less when someone sets the nudge event."""
        if self.nudge is None:
            await self.clock.sleep(seconds)
            return
        if self.nudge.is_set():
            self.nudge.clear()
            return
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        nudged = asyncio.ensure_future(self.nudge.wait())
        try:
            done, _ = await asyncio.wait({sleeper, nudged}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            nudged.cancel()
        if nudged in done:
            self.nudge.clear()
            self.woken = True

    # -- main loop ------------------------------------------------------------------------------------

    async def run(self, pipeline_id: int | None, sha: str | None, ref: str | None) -> AsyncIterator[Event]:
        pipeline: dict[str, Any] | None = None
        # 1. find the pipeline (it may appear a few seconds after a push)
        started = self.clock.now()
        interval = self.s.appear_fast
        while pipeline is None:
            try:
                if pipeline_id is not None:
                    pipeline = await self.call("get_pipeline", self.project, pipeline_id)
                else:
                    found = await self.call("find_pipelines", self.project, sha=sha, ref=ref)
                    if found:  # the list entry has what the watch needs (id, status, web_url, sha, ref)
                        pipeline = max(found, key=lambda p: int(p["id"]))
            except _Retry as retry:
                yield retry.waiting
                await self.sleep(retry.seconds)
                continue
            if pipeline is None and self.create_missing is not None and sha and ref \
                    and self.clock.now() - started >= self.create_missing[0]:
                after, message = self.create_missing
                try:
                    created, said = await self.call(create_missing_pipeline, self.client, self.project, sha, ref,
                                                    message, after)
                except _Retry as retry:
                    yield retry.waiting
                    await self.sleep(retry.seconds)
                    continue
                self.create_missing = None  # asked once
                if created is not None:
                    yield PipelineCreated(int(created["id"]), said)
                    pipeline_id = int(created["id"])
                    continue
                yield Waiting(said)
            if pipeline is None:
                waited = self.clock.now() - started
                what = f"commit {sha[:8]}" if sha else f"branch {ref}" if ref else "the project"
                if waited >= self.s.appear_timeout:
                    raise GitLabRefused(
                        f"No pipeline appeared for {what} in {waited:.0f} s.",
                        "Check that the commit is pushed, that it has a .gitlab-ci.yml, and that CI/CD is "
                        "enabled for the project (Settings > General > Visibility > CI/CD).")
                yield Waiting(f"No pipeline for {what} yet; GitLab usually creates one a few seconds after a "
                              f"push. Checking again in {interval:.0f} s.")
                await self.sleep(interval)
                interval = min(self.s.appear_slow, interval * self.s.growth)

        root_id = int(pipeline["id"])
        root_url = str(pipeline.get("web_url", ""))
        root_status = str(pipeline.get("status"))
        yield PipelineStatus(root_id, root_status, root_url, str(pipeline.get("sha", "")), str(pipeline.get("ref", "")))

        # 2. follow it
        self.interval = self.s.fast
        self.next_jobs = self.clock.now()
        while True:
            now = self.clock.now()
            changed = False
            if now >= self.next_jobs:
                try:
                    events = await self.poll_jobs(root_id)
                except _Retry as retry:
                    yield retry.waiting
                    self.next_jobs = self.clock.now() + retry.seconds
                    events = None
                if events is not None:
                    for event in events:
                        yield event
                    changed = any(isinstance(e, JobChanged) for e in events)
                    derived = composite_status(j for j in self.jobs.values() if j.pipeline_id == root_id)
                    if derived and derived != root_status and derived not in FINAL_STATUSES:
                        root_status = derived
                        yield PipelineStatus(root_id, root_status, root_url)
                    if derived in FINAL_STATUSES or (not self.jobs and root_status in FINAL_STATUSES):
                        # each job carries its pipeline's status: ask for the pipeline only if they disagree
                        if self.embedded_status in FINAL_STATUSES:
                            pipeline = {**pipeline, "status": self.embedded_status}
                        else:
                            try:
                                pipeline = await self.call("get_pipeline", self.project, root_id)
                            except _Retry as retry:
                                yield retry.waiting
                                self.next_jobs = self.clock.now() + retry.seconds
                                continue
                        status = str(pipeline.get("status"))
                        if status != root_status:
                            root_status = status
                            yield PipelineStatus(root_id, root_status, root_url)
                        children_done = all(s in FINAL_STATUSES for s in self.children.values())
                        if status in FINAL_STATUSES and children_done:
                            async for event in self.final_traces():
                                yield event
                            yield Finished(status, root_id, root_url, str(pipeline.get("yaml_errors") or ""))
                            return
                    self.interval = self.s.fast if changed else min(self.s.slow, self.interval * self.s.growth)
                    self.next_jobs = self.clock.now() + self.interval
                    predicted = self.next_predicted_end()
                    if predicted is not None and predicted <= self.clock.now() + self.s.slow:
                        # a running job should end by then (its siblings took that long): ask right then,
                        # not before; the followed job's last log line also brings the poll forward
                        self.next_jobs = predicted
            async for event in self.poll_traces():
                yield event
            wake = min([self.next_jobs] + [t.next_fetch for jid, t in self.traces.items()
                                      if not t.done and jid in self.followed_running()])
            self.woken = False
            await self.sleep(wake - self.clock.now())
            if self.woken:  # something happened on the caller's side: look at the jobs again now
                self.next_jobs = self.clock.now()
                self.interval = self.s.fast

    def predicted_end(self, job_id: int) -> float | None:
        """When a running job should end, judged by how long this pipeline's finished jobs took."""
        if not self.durations or job_id not in self.started_at:
            return None
        typical = sorted(self.durations)[len(self.durations) // 2]
        return self.started_at[job_id] + typical + self.s.predict_margin

    def next_predicted_end(self) -> float | None:
        now = self.clock.now()
        ends = [end for jid, job in self.jobs.items() if job.status == "running"
                and (end := self.predicted_end(jid)) is not None and end > now]
        return min(ends) if ends else None

    def followed_running(self) -> set[int]:
        wanted = self.follow_jobs()
        return {jid for jid in wanted if jid in self.jobs and self.jobs[jid].status == "running"}

    async def list_root_jobs(self, root_id: int) -> list[dict[str, Any]]:
        """The root pipeline's jobs that can have changed. Jobs still ``created`` wait for an earlier stage and
        make most of a long pipeline's job list (each ~1.3 KB), so after the first whole list they are left out
        (``scope[]`` of every other status); the whole list again when a job the watch knows left the listed
        statuses (canceling, preparing are no scope), or when a stage ended and no created job moved
        (the next ones may be scheduled, or GitLab not done yet)."""
        if self.list_whole or not self.jobs:
            self.list_whole = False
            return list(await self.call("list_pipeline_jobs", self.project, root_id))
        listed = list(await self.call("list_pipeline_jobs", self.project, root_id, scope=SCOPES_BUT_CREATED))
        ids = {int(raw["id"]) for raw in listed}
        root = [job for job in self.jobs.values() if job.pipeline_id == root_id and not job.bridge]
        if any(not job.finished and job.status != "created" and job.id not in ids for job in root):
            return list(await self.call("list_pipeline_jobs", self.project, root_id))
        now_final = {int(raw["id"]) for raw in listed if raw.get("status") in FINAL_STATUSES}
        ended = [job for job in root if job.id in now_final and not job.finished]
        stage_done = {job.stage for job in ended} - {str(raw.get("stage")) for raw in listed
                                                     if raw.get("status") not in FINAL_STATUSES}
        created = {job.id for job in root if job.status == "created"}
        if stage_done and created and not created & ids:
            self.list_whole = True  # a stage ended and none of the waiting jobs moved yet: look at them all next
        return listed

    def forget_retried(self, job: Job) -> None:
        """``job`` is new to the watch: if it is the retry of a job the watch knows (watch_events.retry_of), that
        one leaves the map (its old status would count in the pipeline's status), and the next job list is a
        whole one: the later stages' jobs skipped after the failure are ``created`` again, which the scoped
        list leaves out."""
        old = retry_of(job, self.jobs.values())
        if old is not None:
            del self.jobs[old.id]
            self.list_whole = True

    async def poll_jobs(self, root_id: int) -> list[Event]:
        now = self.clock.now()
        raw_jobs = [(j, root_id, False) for j in await self.list_root_jobs(root_id)]
        if self.has_bridges is None or self.has_bridges:
            bridges = await self.call("list_pipeline_bridges", self.project, root_id)
            self.has_bridges = bool(bridges)
            raw_jobs += [(b, root_id, True) for b in bridges]
        for child_id, status in list(self.children.items()):
            if status not in FINAL_STATUSES or any(
                    j.pipeline_id == child_id and not j.finished for j in self.jobs.values()):
                raw_jobs += [(j, child_id, False) for j in await self.call("list_pipeline_jobs", self.project, child_id)]
        events: list[Event] = []
        root_jobs = [raw for raw, pid, bridge in raw_jobs if pid == root_id and not bridge]
        embedded = {str((raw.get("pipeline") or {}).get("status", "")) for raw in root_jobs}
        self.embedded_status = embedded.pop() if len(embedded) == 1 else None
        # GitLab lists jobs newest first; oldest first says them in pipeline order (build before release)
        for raw, pid, bridge in sorted(raw_jobs, key=lambda entry: int(entry[0].get("id") or 0)):
            job = job_from_api(raw, pid, bridge=bridge)
            if bridge and job.downstream_pipeline_id and job.downstream_pipeline_id not in self.children:
                self.children[job.downstream_pipeline_id] = "created"
                events.append(PipelineStatus(job.downstream_pipeline_id, "created", parent_id=root_id))
            old = self.jobs.get(job.id)
            if old is None:
                self.forget_retried(job)
            if job.status == "running" and job.id not in self.started_at:
                self.started_at[job.id] = now - float(job.duration or 0.0)
            if job.finished and (old is None or not old.finished) and job.duration and not job.bridge:
                self.durations.append(float(job.duration))
            if old is None or (old.status, old.runner, old.stage) != (job.status, job.runner, job.stage) \
                    or (job.finished and old.duration != job.duration):
                self.jobs[job.id] = job
                events.append(JobChanged(job, old is None, old.status if old else None, now))
                if job.finished and (old is None or not old.finished):
                    self.on_finished(job)
            else:
                self.jobs[job.id] = job
            events.extend(self.check_stuck(job, now))
        if any(isinstance(e, JobStuck) for e in events):  # what the runners are, to explain it
            runners = await self.project_runners()
            events = [dataclasses.replace(e, runners=runners) if isinstance(e, JobStuck) else e for e in events]
        # child pipelines: their status is composed from their jobs
        for child_id in self.children:
            derived = composite_status(j for j in self.jobs.values() if j.pipeline_id == child_id)
            if derived and derived != self.children[child_id]:
                self.children[child_id] = derived
                events.append(PipelineStatus(child_id, derived, parent_id=root_id))
        return events

    async def project_runners(self) -> tuple[dict[str, Any], ...] | None:
        """The project's runners for explaining a stuck job, or None when they cannot be read (the role is
        too low, GitLab does not answer): the explanation then goes on without them, the watch never ends."""
        method = getattr(self.client, "list_project_runners", None)
        if method is None:
            return None
        try:
            return tuple(await asyncio.to_thread(method, self.project))
        except DockwrightError:
            return None

    def check_stuck(self, job: Job, now: float) -> list[Event]:
        if job.status != "pending":
            self.pending_since.pop(job.id, None)
            return []
        since = self.pending_since.setdefault(job.id, now - float(job.queued_duration or 0.0))
        if job.id not in self.stuck_reported and now - since >= self.s.stuck_after:
            self.stuck_reported.add(job.id)
            return [JobStuck(job, now - since)]
        return []

    def on_finished(self, job: Job) -> None:
        """Schedule the one fetch of a finished job's trace if someone follows it or it failed."""
        if job.bridge:
            return
        trace = self.traces.get(job.id)
        if trace is not None and trace.ended:
            trace.done = True  # its end was already read while it ran
            return
        if job.id in self.follow_jobs() or (job.status == "failed"):
            trace = trace or self.traces.setdefault(job.id, _Trace())
            trace.done = False
            trace.next_fetch = 0.0
            trace.interval = -1.0  # marks "one last fetch"

    async def poll_traces(self) -> AsyncIterator[Event]:
        now = self.clock.now()
        followed = set(self.follow_jobs())
        for jid in followed - self.followed_before:  # newly followed: its log is shown from the start
            self.traces.pop(jid, None)
        self.followed_before = followed
        for jid in followed:
            job = self.jobs.get(jid)
            if job is None or job.bridge:
                continue
            trace = self.traces.get(jid)
            if trace is None:
                trace = self.traces[jid] = _Trace()
                if job.finished:
                    trace.interval = -1.0  # followed after it finished: fetch once
                elif jid in self.started_at:  # just started: nothing but the runner's preamble yet
                    trace.next_fetch = self.started_at[jid] + self.s.trace_fast
        for jid, trace in list(self.traces.items()):
            job = self.jobs.get(jid)
            if trace.done or job is None or now < trace.next_fetch:
                continue
            last = trace.interval == -1.0
            if not last and (jid not in followed or job.status not in ("running", "canceling")):
                continue
            if last and job.trace_size is not None and job.trace_size == trace.offset:
                trace.done = True  # GitLab's archived log is as long as what was read: nothing new to download
                continue
            try:
                size, chunks = await self.call("get_job_trace_from", self.project, jid, trace.offset)
                if size < trace.offset:  # the log was erased or replaced: start over
                    trace.restart()
                    size, chunks = await self.call("get_job_trace_from", self.project, jid, 0)
            except _Retry as retry:
                yield retry.waiting
                trace.next_fetch = self.clock.now() + retry.seconds
                continue
            # only the new bytes, in the pieces they were read in (256 KB): a big log never goes out whole
            text = tail = ""
            for piece in trace.read(size, chunks):
                yield LogText(jid, piece)
                text, tail = piece, (tail + piece[-400:])[-400:]
                await asyncio.sleep(0)  # let a screen draw between pieces of a big log
            if text and not last and any(marker in tail for marker in JOB_END_MARKERS):
                # the followed job just ended: ask for the job list now, not at the next slow tick
                trace.ended = True
                trace.done = True
                # (a moment later: GitLab sets the status right after the runner's last line)
                self.next_jobs = min(self.next_jobs, self.clock.now() + self.s.predict_margin)
                self.interval = self.s.fast
            if last:
                trace.done = True
            else:
                trace.interval = self.s.trace_fast if text else min(
                    self.s.trace_slow, max(self.s.trace_fast, trace.interval) * self.s.growth)
                trace.next_fetch = self.clock.now() + trace.interval
                predicted = self.predicted_end(jid)
                if predicted is not None and predicted > self.clock.now():  # its last lines, right when due
                    trace.next_fetch = min(trace.next_fetch, predicted)

    async def final_traces(self) -> AsyncIterator[Event]:
        for _jid, trace in list(self.traces.items()):
            if trace.interval == -1.0 and not trace.done:
                trace.next_fetch = 0.0
        async for event in self.poll_traces():
            yield event


def create_missing_pipeline(client: Any, project: str, sha: str, ref: str, message: str,
                            waited: float) -> tuple[dict | None, str]:
    """``POST /pipeline`` for ``ref`` when ``sha`` is still its head and ``message`` does not skip CI; blocking.
    Returns the pipeline (or None) and the sentence to say."""
    lowered = message.lower()
    if "[skip ci]" in lowered or "[ci skip]" in lowered:
        return None, (f"No pipeline for {sha[:8]}: its commit message asks GitLab to skip CI; "
                      "push a commit without [skip ci] to run one.")
    head = ((client.get_branch(project, ref) or {}).get("commit") or {}).get("id")
    if head != sha:
        return None, (f"No pipeline for {sha[:8]} yet, and {ref} has moved on to {str(head)[:8]}; "
                      "no pipeline is created for an older commit.")
    created = client.create_pipeline(project, ref)
    return created, (f"No pipeline appeared for {sha[:8]} in {waited:.0f} s (was the last run stopped during the "
                     f"push?); created pipeline #{created['id']} for {ref}.")


class _Retry(Exception):
    """GitLab did not answer: ask again in ``seconds``; ``waiting`` tells the user so."""

    def __init__(self, seconds: float, waiting: Waiting) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.waiting = waiting


async def collect(events: AsyncIterator[Event]) -> list[Event]:
    """Every event until the watch ends (for tests and scripts)."""
    return [event async for event in events]


__all__ = ["ACTIVE_STATUSES", "FINAL_STATUSES", "Clock", "Event", "Finished", "Job", "JobChanged", "JobStuck",
           "LogText", "PipelineCreated", "PipelineStatus", "Schedule", "Waiting", "collect", "composite_status",
           "create_missing_pipeline", "follow",
           "job_from_api", "retry_of"]
