"""Several projects' recent pipelines in one list: `dockwright watch --list --project A --project B` and
`--group G`. UI-free, like wizard/watch_list.py (one project), whose events it yields (ListUpdate with a
``project`` on every row, PipelineEnded, ListWaiting) plus :class:`ListNote` (a standing sentence: how many
of a group's projects are polled, GitLab's rate limit near).

The adaptive schedule (what keeps a group of 20 projects cheap, bench/watch.py --list measures it):

- each project has its own due time: while one of its pipelines runs, fast (``ending``) around the end its
  ref's previous pipeline foretells (started_at + that pipeline's duration), up to ``far`` apart before it,
  every ``active`` seconds when nothing foretells it; an idle project every ``idle_first`` seconds growing by
  ``growth`` up to ``idle_max`` (defaults: GroupSchedule);
- after a project's first full page, it is asked only for the pipelines updated since the newest
  ``updated_at`` already seen (``updated_after``, doc/api/pipelines.md): an unchanged project answers one
  row; the rows are merged by id;
- with ``--group``, one request every ``activity`` seconds lists the group's projects by
  ``last_activity_at`` (doc/api/groups.md): a project with new activity (a push) is asked at once, so an idle
  project's new pipeline shows without polling it often; at most ``max_projects`` projects (the most recently
  active), with a sentence when the group has more;
- a pipeline's details (who, duration) only when its status changed, and only for the rows shown;
- GitLab's RateLimit-* headers: with less than a fifth of the window left every interval stretches, and a
  429 (after the client's own waits for Retry-After) pauses polling as long as GitLab asked; both are said.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from dockwright.wizard.errors import NetworkError
from dockwright.wizard.watch_list import (
    ListEvent,
    ListFilter,
    ListUpdate,
    ListWaiting,
    PipelineEnded,
    PipelineRow,
    failure_reason,
    parse_time,
    row_from_api,
    sleep_unless_nudged,
    with_details,
)
from dockwright.wizard.watch_schedule import Clock


@dataclass(frozen=True)
class GroupSchedule:
    """How often each project of a multi-project list is asked, in seconds."""

    active: float = 4.0  # a project with an active pipeline whose end cannot be foreseen
    ending: float = 1.2  # around a running pipeline's foreseen end (as long as its ref's last pipeline took)
    ending_early: float = 3.0  # ... from this long before it
    ending_grace: float = 20.0  # ... until this long after it (then ``active`` again)
    far: float = 15.0  # a foreseen end still far: asked at most this far apart (a retry or cancel shows then)
    idle_first: float = 30.0  # a quiet project, right after it was active or changed
    idle_max: float = 180.0  # ... growing by ``growth`` up to this (a pipeline no push announced: seen within it)
    growth: float = 2.0
    activity: float = 15.0  # --group: the projects by last activity (one request for the whole group)
    per_project: int = 5  # pipelines per project and request (one page)
    shown: int = 30  # rows in the list, newest first across the projects
    max_projects: int = 20  # --group: projects polled at most (--max-projects)
    reasons_per_tick: int = 2
    error_first: float = 2.0
    error_max: float = 60.0
    max_slow: float = 8.0  # near the rate limit, intervals stretch up to this factor


@dataclass(frozen=True)
class ListNote:
    """A standing sentence about the list (``kind`` "projects" or "rate"); an empty text clears it."""

    kind: str
    text: str


@dataclass
class _Project:
    path: str
    due: float = 0.0
    interval: float = 0.0
    rows: dict[int, PipelineRow] = field(default_factory=dict)
    newest_update: str = ""  # the largest updated_at seen: the next ask is for pipelines updated since
    activity: str = ""  # the group's last_activity_at of it


def _newest_update(entries: list[dict[str, Any]], before: str) -> str:
    stamps = [str(e.get("updated_at") or "") for e in entries]
    return max([before, *stamps], key=lambda s: (datetime.fromisoformat(s.replace("Z", "+00:00"))
                                                  if s else datetime.min.replace(tzinfo=UTC)))


def foreseen_wait(rows: Sequence[PipelineRow], s: GroupSchedule, now: datetime | None = None) -> float:
    """How soon to ask a project with an active pipeline again: fast around the end its ref's previous pipeline
    foretells, slower before it; ``s.active`` when nothing foretells it (not started, no finished pipeline)."""
    now = now or datetime.now(UTC)
    done = sorted((r for r in rows if r.finished and r.duration), key=lambda r: -r.id)
    waits = []
    for row in rows:
        if row.finished:
            continue
        started = parse_time(row.started_at)
        before = next((r for r in done if r.ref == row.ref and r.id < row.id), None) or \
            next((r for r in done if r.id < row.id), None)
        if started is None or before is None or before.duration is None:
            waits.append(s.active)
            continue
        left = (started - now).total_seconds() + before.duration
        if left > s.ending_early:
            waits.append(min(s.far, left - s.ending_early))
        elif left > -s.ending_grace:
            waits.append(s.ending)
        else:
            waits.append(s.active)
    return min(waits, default=s.active)


def rate_sentence(state: Any, slow: float, now: float | None = None) -> str:
    import time

    left = max(0, int(state.reset_at - (now if now is not None else time.time()))) if state.reset_at else None
    reset = f", the window resets in {left} s" if left is not None else ""
    return (f"GitLab's rate limit is near: {state.remaining} of {state.limit} requests left{reset}; "
            f"polling {slow:.0f}x slower.")


async def watch_projects(client: Any, projects: Sequence[str] = (), *, group: str | None = None,
                         filters: Callable[[], ListFilter] = ListFilter, clock: Clock | None = None,
                         schedule: GroupSchedule | None = None, nudge: asyncio.Event | None = None,
                         once: bool = False) -> AsyncIterator[ListEvent | ListNote]:
    """Yield the combined list (again after every change) until the caller stops; ``once``: one full list
    and stop. Raises BadInput for an unknown group, GitLabRefused when GitLab says no."""
    clock = clock or Clock()
    s = schedule or GroupSchedule()
    state: dict[str, _Project] = {}
    details: dict[int, dict[str, Any]] = {}
    full: dict[int, PipelineRow] = {}  # rows with their details
    reasons: dict[int, str] = {}
    seen_active: set[int] = set()
    username: str | None = None
    last_filters: ListFilter | None = None
    slow = 1.0  # the rate-limit stretch
    rate_said = False
    error_wait = 0.0

    async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def read_group() -> None:
        assert group is not None
        found, _total = await call(client.group_projects, group, limit=s.max_projects)
        for entry in found:
            path = str(entry["path_with_namespace"])
            activity = str(entry.get("last_activity_at") or "")
            known = state.get(path)
            if known is None:
                state[path] = _Project(path, activity=activity)
            elif known.activity != activity:
                known.activity, known.due = activity, 0.0  # a push or other activity: ask it now
        listed = {str(entry["path_with_namespace"]) for entry in found}
        for path in [p for p in state if p not in listed][:max(0, len(state) - s.max_projects)]:
            del state[path]  # no longer among the most recently active: its place goes to the newcomer

    def raise_empty() -> None:
        from dockwright.wizard.errors import BadInput

        raise BadInput(f"Group {group} has no projects this token can see.",
                       "Check the group's path, or pass projects with --project.")

    async def sleep(seconds: float) -> None:
        nonlocal last_filters
        if await sleep_unless_nudged(clock, nudge, seconds):
            last_filters = None

    if group is not None:
        found, total = await call(client.group_projects, group, limit=s.max_projects)
        if not found:
            raise_empty()
        for entry in found:
            path = str(entry["path_with_namespace"])
            state[path] = _Project(path, activity=str(entry.get("last_activity_at") or ""))
        if total > len(found):
            yield ListNote("projects", f"Group {group} has {total} projects; the {len(found)} most recently active "
                                       "are listed (--max-projects N for more).")
    else:
        state.update((p, _Project(p)) for p in projects)
    activity_due = clock.now() + s.activity
    wanted_before: ListFilter | None = None

    while True:
        wanted = filters()
        if wanted_before is not None and (wanted.mine, wanted.ref, wanted.merge_requests, wanted.failed) != \
                (wanted_before.mine, wanted_before.ref, wanted_before.merge_requests, wanted_before.failed):
            for p in state.values():  # GitLab filters these: every project's page again
                p.rows.clear()
                p.newest_update, p.due = "", 0.0
        wanted_before = wanted
        changed = False
        try:
            if wanted.mine and username is None:
                username = await call(client.current_username)
            now = clock.now()
            if group is not None and now >= activity_due and not once:
                await read_group()
                activity_due = now + s.activity * slow
            for p in sorted(state.values(), key=lambda p: p.due):
                if p.due > now:
                    continue
                since = {"updated_after": p.newest_update} if p.newest_update else {}
                entries = await call(client.recent_pipelines, p.path, limit=s.per_project,
                                     **wanted.query(username), **since)
                moved = False  # a new pipeline or a status change in this project
                for entry in entries:
                    row = row_from_api(entry, p.path)
                    old = p.rows.get(row.id)
                    moved = moved or old is None or old.status != row.status
                    p.rows[row.id] = row
                changed = changed or moved
                for old_id in sorted(p.rows)[:-s.per_project]:  # the page's size, newest kept
                    del p.rows[old_id]
                p.newest_update = _newest_update(entries, p.newest_update)
                active = any(not r.finished for r in p.rows.values())
                if active:
                    p.interval = foreseen_wait([full.get(r.id, r) for r in p.rows.values()], s)
                elif moved or p.interval in (0.0, s.active):
                    p.interval = s.idle_first
                else:
                    p.interval = min(s.idle_max, p.interval * s.growth)
                p.due = clock.now() + p.interval * slow
            error_wait = 0.0
        except NetworkError as exc:
            wait = getattr(exc, "retry_after", None)
            if getattr(exc, "code", "") == "rate_limited":
                slow = min(s.max_slow, slow * 2)
                wait = max(wait or 0.0, s.error_first)
                yield ListNote("rate", f"GitLab's rate limit is reached (429): waiting {wait:.0f} s as it asked, "
                                       f"then polling {slow:.0f}x slower.")
                rate_said = True
            else:
                error_wait = min(s.error_max, max(s.error_first, error_wait * 2))
                wait = error_wait
                yield ListWaiting(f"GitLab did not answer ({exc.sentence.rstrip('.')}); asking again in {wait:.0f} s.")
            await sleep(wait)
            continue

        combined = sorted((r for p in state.values() for r in p.rows.values()), key=lambda r: -r.id)[:s.shown]
        stale = [r for r in combined if r.id not in full or full[r.id].status != r.status]
        ended: list[PipelineRow] = []
        try:
            for row in stale:
                detail = await call(client.get_pipeline, row.project, row.id)
                details[row.id] = detail
                full[row.id] = with_details(row, detail)
                changed = True
                if full[row.id].finished and row.id in seen_active:
                    ended.append(full[row.id])
                    seen_active.discard(row.id)
                elif not full[row.id].finished:
                    seen_active.add(row.id)
            todo = [r for r in combined if full[r.id].status == "failed" and r.id not in reasons]
            for row in todo[:len(todo) if once else s.reasons_per_tick]:
                reasons[row.id] = await call(failure_reason, client, row.project, details[row.id])
                changed = True
        except NetworkError as exc:
            yield ListWaiting(f"GitLab did not answer ({exc.sentence.rstrip('.')}); asking again soon.")
        rows = tuple(replace(full.get(r.id, r), status=r.status, reason=reasons.get(r.id, "")) for r in combined)
        shown = tuple(r for r in rows if wanted.keeps(r))
        if changed or once or wanted != last_filters:
            last_filters = wanted
            yield ListUpdate(shown, wanted)
        for row in ended:
            yield PipelineEnded(replace(row, reason=reasons.get(row.id, "")))
        if once:
            return
        rate = client.rate_limit() if hasattr(client, "rate_limit") else None
        if rate is not None and rate.near:
            slow = min(s.max_slow, max(2.0, slow * 1.5))
            yield ListNote("rate", rate_sentence(rate, slow))
            rate_said = True
        else:
            slow = max(1.0, slow / 1.5)  # back to the schedule step by step
            if rate_said:  # the window has room again: the sentence goes
                rate_said = False
                yield ListNote("rate", "")
        due = min([p.due for p in state.values()] + ([activity_due] if group is not None else []))
        await sleep(max(0.2, due - clock.now()))
