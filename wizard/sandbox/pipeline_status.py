"""A sandbox pipeline's status, composed from its jobs' statuses as GitLab composes it."""

from __future__ import annotations

from typing import Any


def composite_status(jobs: list[dict[str, Any]]) -> str:
    """A pipeline's status from its (current) jobs, as GitLab composes it."""
    statuses = [j["status"] for j in jobs]
    if not statuses:
        return "skipped"
    blocking_manual = [j for j in jobs if j["status"] == "manual" and not j["allow_failure"]]
    if any(s == "running" for s in statuses):
        return "running"
    if any(s == "pending" for s in statuses):
        return "running" if any(s in ("success", "failed", "canceled") for s in statuses) else "pending"
    if any(s == "created" for s in statuses):
        if blocking_manual:
            return "manual"
        return "running" if any(s in ("success", "failed") for s in statuses) else "created"
    if blocking_manual:
        return "manual"
    relevant = [j for j in jobs if j["status"] not in ("manual", "skipped")]
    if any(j["status"] == "failed" and not j["allow_failure"] for j in relevant):
        return "failed"
    if any(j["status"] == "canceled" for j in relevant):
        return "canceled"
    if not relevant:
        return "manual" if any(s == "manual" for s in statuses) else "skipped"
    return "success"
