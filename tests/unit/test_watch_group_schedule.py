"""How soon the group list asks a project with a running pipeline again (wizard/watch_group.foreseen_wait):
fast around the end the ref's previous pipeline foretells, slower before it, the plain cadence without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dockwright.wizard.watch_group import GroupSchedule, foreseen_wait
from dockwright.wizard.watch_list import PipelineRow

NOW = datetime(2026, 11, 28, 17, 40, 0, tzinfo=UTC)
S = GroupSchedule()


def running(started_seconds_ago: float | None, ref: str = "main") -> PipelineRow:
    started = "" if started_seconds_ago is None else (NOW - timedelta(seconds=started_seconds_ago)).isoformat()
    return PipelineRow(10, "running", ref, "push", started_at=started)


def took(seconds: float, ref: str = "main", pid: int = 9) -> PipelineRow:
    return PipelineRow(pid, "success", ref, "push", duration=seconds)


def test_far_from_the_foreseen_end_it_waits_longer_then_asks_fast_around_it():
    assert foreseen_wait([running(10), took(600)], S, NOW) == S.far  # 590 s to go: at most ``far`` apart
    assert foreseen_wait([running(10), took(20)], S, NOW) == 20 - 10 - S.ending_early
    assert foreseen_wait([running(19), took(20)], S, NOW) == S.ending  # due in 1 s
    assert foreseen_wait([running(30), took(20)], S, NOW) == S.ending  # 10 s late: still fast (grace)
    assert foreseen_wait([running(60), took(20)], S, NOW) == S.active  # far past it: the plain cadence


def test_without_a_foretelling_pipeline_the_plain_cadence():
    assert foreseen_wait([running(None), took(20)], S, NOW) == S.active  # not started yet
    assert foreseen_wait([running(10)], S, NOW) == S.active  # nothing finished before it
    newer = PipelineRow(11, "success", "main", "push", duration=20.0)
    assert foreseen_wait([running(10), newer], S, NOW) == S.active  # only pipelines before it foretell


def test_the_same_ref_foretells_first():
    rows = [running(10, "feature"), took(600, "main", 9), took(20, "feature", 8)]
    assert foreseen_wait(rows, S, NOW) == 20 - 10 - S.ending_early
