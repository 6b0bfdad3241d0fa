"""The project's recent pipelines, live: an async, UI-free poller for `dockwright watch --list`.

``watch_list(client, project, filters=...)`` yields :class:`ListUpdate` (the rows, newest first),
:class:`PipelineEnded` (a pipeline seen running has reached a final status: the nudge) and
:class:`ListWaiting` (GitLab did not answer; the list goes on). The Textual list screen and the
``--plain``/``--json`` output both consume it.

Cost discipline (as the follower's, wizard/watch.py):

- one list request per tick (one page, ``ListSchedule.limit`` pipelines, filtered by GitLab);
- GitLab's list entries carry no user or duration, so a pipeline's details are read once when it appears
  and again only when its status changes; a running pipeline's duration is counted here;
- the one-line reason of a failed pipeline (wizard/diagnose.py over its first failed job's log) is read
  once per pipeline, a few per tick;
- the tick is fast while a listed pipeline is active and backs off while none is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import IO, Any

from dockwright.wizard.errors import NetworkError
from dockwright.wizard.watch_events import FINAL_STATUSES
from dockwright.wizard.watch_schedule import Clock, ListSchedule

SOURCES = {"push": "push", "merge_request_event": "merge request", "schedule": "schedule", "web": "web",
           "api": "api", "trigger": "trigger", "pipeline": "pipeline", "external": "external", "chat": "chat",
           "parent_pipeline": "child"}
# in --plain lines every field is one word (scripts split on spaces); --json has GitLab's own word
SOURCE_WORDS = {"merge_request_event": "mr", "parent_pipeline": "child"}


@dataclass(frozen=True)
class PipelineRow:
    id: int
    status: str
    ref: str
    source: str
    created_at: str = ""  # ISO 8601 as GitLab gives it
    user: str = ""  # username; "" until the details are read
    started_at: str = ""
    finished_at: str = ""
    duration: float | None = None  # seconds, GitLab's once finished
    web_url: str = ""
    reason: str = ""  # one line: why it failed (from the diagnosis)
    sha: str = ""
    project: str = ""

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def row_from_api(entry: dict[str, Any], project: str = "") -> PipelineRow:
    return PipelineRow(int(entry["id"]), str(entry.get("status", "")), str(entry.get("ref") or ""),
                       str(entry.get("source") or ""), str(entry.get("created_at") or ""),
                       web_url=str(entry.get("web_url") or ""), sha=str(entry.get("sha") or ""), project=project)


def with_details(row: PipelineRow, detail: dict[str, Any]) -> PipelineRow:
    user = detail.get("user") or {}
    duration = detail.get("duration")
    return replace(row, status=str(detail.get("status", row.status)), user=str(user.get("username") or ""),
                   started_at=str(detail.get("started_at") or ""), finished_at=str(detail.get("finished_at") or ""),
                   duration=float(duration) if duration is not None else None)


def running_seconds(row: PipelineRow, now: datetime | None = None) -> float | None:
    """How long the pipeline has run: GitLab's duration once finished, counted from started_at before."""
    if row.duration is not None and row.finished:
        return row.duration
    started = parse_time(row.started_at)
    if started is None:
        return None
    return max(0.0, ((now or datetime.now(UTC)) - started).total_seconds())


@dataclass(frozen=True)
class ListFilter:
    """What the list shows. mine/ref/merge_requests/failed go to GitLab; ``search`` (part of a ref) is applied
    here to the page GitLab sent."""

    mine: bool = False
    ref: str = ""
    merge_requests: bool = False
    failed: bool = False
    search: str = ""
    mr: int | None = None  # a merge request's pipelines (its iid), from GET .../merge_requests/:iid/pipelines

    def query(self, username: str | None) -> dict[str, str]:
        found = {"ref": self.ref, "status": "failed" if self.failed else "",
                 "source": "merge_request_event" if self.merge_requests else "",
                 "username": username if self.mine and username else ""}
        return {k: v for k, v in found.items() if v}

    def matches(self, entry: dict[str, Any]) -> bool:
        """ref/status/source, for a list GitLab does not filter (a merge request's pipelines); "mine" needs
        the details, so a merge request's list ignores it."""
        return all(str(entry.get(k)) == v for k, v in self.query(None).items())

    def keeps(self, row: PipelineRow) -> bool:
        return not self.search or self.search.lower() in row.ref.lower()

    def describe(self) -> str:
        parts = ([f"merge request !{self.mr}"] if self.mr else []) + (["mine"] if self.mine else []) + ([f"branch {self.ref}"] if self.ref else []) + \
            (["merge requests"] if self.merge_requests else []) + (["failed"] if self.failed else []) + \
            ([f"ref contains “{self.search}”"] if self.search else [])
        return ", ".join(parts) or "all pipelines"


@dataclass(frozen=True)
class ListUpdate:
    rows: tuple[PipelineRow, ...]
    filters: ListFilter


@dataclass(frozen=True)
class PipelineEnded:
    """A pipeline this list saw active has reached a final status."""

    row: PipelineRow


@dataclass(frozen=True)
class ListWaiting:
    text: str


ListEvent = ListUpdate | PipelineEnded | ListWaiting


def failure_reason(client: Any, project: str, detail: dict[str, Any]) -> str:
    """One line: why a failed pipeline failed (blocking: a jobs list and one trace)."""
    from dockwright.wizard.diagnose import diagnose

    if detail.get("yaml_errors"):
        return "The .gitlab-ci.yml is invalid: " + str(detail["yaml_errors"]).splitlines()[0]
    jobs = client.list_pipeline_jobs(project, int(detail["id"]))
    failed = [j for j in jobs if j.get("status") == "failed"]
    failed.sort(key=lambda j: (bool(j.get("allow_failure")), int(j.get("id") or 0)))
    if not failed:
        return ""
    job = failed[0]
    trace = client.get_job_trace(project, int(job["id"])).decode("utf-8", "replace")
    found = diagnose(job, trace)
    title = found.title if found else "failed"
    return f"{job.get('name')}: {title}"


async def watch_list(client: Any, project: str, *, filters: Callable[[], ListFilter] = ListFilter,
                     clock: Clock | None = None, schedule: ListSchedule | None = None,
                     nudge: asyncio.Event | None = None, once: bool = False) -> AsyncIterator[ListEvent]:
    """Yield the list (again after every change) until the caller stops; ``once``: one full list and stop.
    Setting ``nudge`` (a filter changed) asks again at once. Raises GitLabRefused when GitLab says no."""
    clock = clock or Clock()
    s = schedule or ListSchedule()
    rows: dict[int, PipelineRow] = {}
    reasons: dict[int, str] = {}
    details: dict[int, dict[str, Any]] = {}
    seen_active: set[int] = set()
    username: str | None = None
    interval = s.fast
    error_wait = 0.0
    last_filters: ListFilter | None = None  # what the last ListUpdate was for: new filters always get one

    async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def sleep(seconds: float) -> None:
        nonlocal last_filters
        if await sleep_unless_nudged(clock, nudge, seconds):  # someone waits for an answer: the list, changed or not
            last_filters = None

    while True:
        wanted = filters()
        try:
            if wanted.mine and username is None:
                username = await call(client.current_username)
            if wanted.mr:  # GitLab filters nothing on this list: the other filters apply to its page here
                entries = [e for e in await call(client.merge_request_pipelines, project, wanted.mr, limit=s.limit)
                           if wanted.matches(e)]
            else:
                entries = await call(client.recent_pipelines, project, limit=s.limit, **wanted.query(username))
        except NetworkError as exc:
            error_wait = min(s.error_max, max(s.error_first, error_wait * 2))
            yield ListWaiting(f"GitLab did not answer ({exc.sentence.rstrip('.')}); asking again in {error_wait:.0f} s.")
            await sleep(error_wait)
            continue
        error_wait = 0.0
        listed = [row_from_api(e, project) for e in entries]
        fresh: list[PipelineRow] = []
        stale: list[PipelineRow] = []
        for row in listed:
            old = rows.get(row.id)
            if old is not None and old.status == row.status and row.id in details:
                fresh.append(replace(old, reason=reasons.get(row.id, "")))
            else:
                stale.append(row)
                fresh.append(replace(old, status=row.status) if old is not None else row)
        shown = tuple(r for r in fresh if wanted.keeps(r))
        changed = bool(stale)
        if stale and not once:
            last_filters = wanted
            yield ListUpdate(shown, wanted)  # at once from the list; who and how long follow
        ended: list[PipelineRow] = []
        try:
            for row in stale:
                detail = await call(client.get_pipeline, project, row.id)
                details[row.id] = detail
                full = with_details(row, detail)
                rows[row.id] = full
                if full.finished and row.id in seen_active:
                    ended.append(full)
                    seen_active.discard(row.id)
                elif not full.finished:
                    seen_active.add(row.id)
            todo = [r for r in listed if rows[r.id].status == "failed" and r.id not in reasons]
            for row in todo[:s.reasons_per_tick if not once else len(todo)]:
                reasons[row.id] = await call(failure_reason, client, project, details[row.id])
                changed = True
        except NetworkError as exc:
            yield ListWaiting(f"GitLab did not answer ({exc.sentence.rstrip('.')}); asking again in {s.fast:.0f} s.")
        rows_now = tuple(replace(rows.get(r.id, r), reason=reasons.get(r.id, "")) for r in listed)
        shown = tuple(r for r in rows_now if wanted.keeps(r))
        if changed or once or wanted != last_filters:
            last_filters = wanted
            yield ListUpdate(shown, wanted)
        for row in ended:
            yield PipelineEnded(replace(row, reason=reasons.get(row.id, "")))
        if once:
            return
        active = any(not r.finished for r in rows_now)
        interval = s.fast if (active or changed) else min(s.slow, interval * s.growth)
        await sleep(interval)


# ---------------------------------------------------------------------------------------------- as text

def when_text(row: PipelineRow) -> str:
    """created_at as ``2026-11-28 17:30`` (UTC), for lines that scripts and logs keep."""
    at = parse_time(row.created_at)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if at else "-"


def ago_text(row: PipelineRow, now: datetime | None = None) -> str:
    at = parse_time(row.created_at)
    if at is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - at).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def plain_line(row: PipelineRow, now: datetime | None = None, *, show_project: bool = False) -> str:
    """One line per pipeline: ``✘ #12 failed main push alice 2026-11-28 17:30 1m 02s: build: why``."""
    from dockwright.wizard.watch_plain import glyph

    who = row.user or "-"
    took = duration_text(running_seconds(row, now))
    project = f"{row.project} " if show_project and row.project else ""
    reason = f": {row.reason}" if row.reason else ""
    source = SOURCE_WORDS.get(row.source, row.source or "-")
    return (f"{glyph(row.status)} {project}#{row.id} {row.status} {row.ref} {source} "
            f"{who} {when_text(row)} {took}{reason}")


def write_rows(rows: Sequence[PipelineRow], out: IO[str], *, as_json: bool = False, empty: str = "",
               now: datetime | None = None, show_project: bool = False) -> None:
    """The list as lines (``--plain``; ``show_project``: the project's path after the glyph) or one JSON object
    per line (``--json``; nothing when empty)."""
    import json

    for row in rows:
        line = json.dumps(row.as_json(), ensure_ascii=False) if as_json else \
            plain_line(row, now, show_project=show_project)
        out.write(line + "\n")
    if not rows and empty and not as_json:
        out.write(empty + "\n")


async def sleep_unless_nudged(clock: Clock, nudge: asyncio.Event | None, seconds: float) -> bool:
    """Sleep ``seconds`` on ``clock``, or less when ``nudge`` is set; True when it was nudged (and clear it)."""
    if nudge is None:
        await clock.sleep(seconds)
        return False
    if not nudge.is_set():
        sleeper = asyncio.ensure_future(clock.sleep(seconds))
        nudged = asyncio.ensure_future(nudge.wait())
        try:
            await asyncio.wait({sleeper, nudged}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            nudged.cancel()
    was_nudged = nudge.is_set()
    nudge.clear()
    return was_nudged
