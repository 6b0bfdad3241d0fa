"""What the pipeline follower (wizard/watch.py) reports: the event types, the job as the watch knows it,
and the pipeline status GitLab composes from its jobs. Pure data: no GitLab calls here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dockwright.wizard.pipeline_status import composite_status as pipeline_composite_status

FINAL_STATUSES = frozenset({"success", "failed", "canceled", "skipped"})
ACTIVE_STATUSES = frozenset({"created", "waiting_for_resource", "preparing", "pending", "running", "canceling",
                             "waiting_for_callback"})


@dataclass(frozen=True)
class Job:
    """What the watch knows about one job (or bridge) of a pipeline."""

    id: int
    name: str
    stage: str
    status: str
    pipeline_id: int
    allow_failure: bool = False
    duration: float | None = None
    queued_duration: float | None = None
    started_at: str | None = None
    runner: str | None = None
    tags: tuple[str, ...] = ()
    web_url: str = ""
    failure_reason: str | None = None
    bridge: bool = False
    downstream_pipeline_id: int | None = None
    # bytes of the job's log once GitLab has archived it (its ``artifacts`` entry of file_type trace, which the
    # job list carries for a finished job); None while it runs or before the archive exists
    trace_size: int | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def manual(self) -> bool:
        return self.status == "manual"


@dataclass(frozen=True)
class PipelineStatus:
    pipeline_id: int
    status: str
    web_url: str = ""
    sha: str = ""
    ref: str = ""
    parent_id: int | None = None  # set for a child pipeline


@dataclass(frozen=True)
class JobChanged:
    job: Job
    added: bool
    previous_status: str | None
    polled_at: float = 0.0  # clock.now() when GitLab reported it; `duration` was true then


@dataclass(frozen=True)
class JobStuck:
    """A job has been pending longer than ``stuck_after`` seconds: probably no runner can take it."""

    job: Job
    pending_seconds: float
    # the project's runners when the watch could read them (GitLabClient.list_project_runners: needs the
    # Maintainer role), for wizard.diagnose.diagnose_stuck; None when unknown
    runners: tuple[dict[str, Any], ...] | None = None


@dataclass(frozen=True)
class LogText:
    job_id: int
    text: str  # only the part of the trace not emitted before


@dataclass(frozen=True)
class Waiting:
    message: str


@dataclass(frozen=True)
class PipelineCreated:
    """The pushed commit had no pipeline after a while; the follower created one (``POST /pipeline``)."""

    pipeline_id: int
    message: str


@dataclass(frozen=True)
class Finished:
    status: str
    pipeline_id: int
    web_url: str = ""
    yaml_errors: str = ""  # GitLab refused the .gitlab-ci.yml: the pipeline failed without jobs


Event = PipelineStatus | JobChanged | JobStuck | LogText | Waiting | PipelineCreated | Finished


def job_from_api(raw: dict[str, Any], pipeline_id: int, *, bridge: bool = False) -> Job:
    runner = raw.get("runner") or {}
    downstream = raw.get("downstream_pipeline") or {}
    return Job(
        id=int(raw["id"]),
        name=str(raw.get("name", "")),
        stage=str(raw.get("stage", "")),
        status=str(raw.get("status", "created")),
        pipeline_id=int((raw.get("pipeline") or {}).get("id", pipeline_id)),
        allow_failure=bool(raw.get("allow_failure", False)),
        duration=raw.get("duration"),
        queued_duration=raw.get("queued_duration"),
        started_at=raw.get("started_at"),
        runner=(runner.get("description") or runner.get("name") or (f"#{runner['id']}" if runner.get("id") else None))
        if runner else None,
        tags=tuple(raw.get("tag_list") or ()),
        web_url=str(raw.get("web_url", "")),
        failure_reason=raw.get("failure_reason"),
        bridge=bridge,
        downstream_pipeline_id=int(downstream["id"]) if downstream.get("id") else None,
        trace_size=next((int(a["size"]) for a in raw.get("artifacts") or ()
                         if a.get("file_type") == "trace" and a.get("size") is not None), None),
    )


def retry_of(job: Job, known: Iterable[Job]) -> Job | None:
    """The job among ``known`` that ``job`` (one not known yet) is a retry of: the same name in the same pipeline,
    an older id. GitLab lists a retried job no more, so nothing else says it was replaced."""
    return next((old for old in known if old.pipeline_id == job.pipeline_id and old.name == job.name
                 and old.bridge == job.bridge and old.id < job.id), None)


def composite_status(jobs: Iterable[Job]) -> str | None:
    """The pipeline status GitLab derives from its jobs (see wizard/pipeline_status.py)."""
    return pipeline_composite_status((job.status, job.allow_failure) for job in jobs)
