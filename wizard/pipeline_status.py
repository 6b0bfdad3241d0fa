"""A pipeline's status composed from its jobs' statuses, the way GitLab composes it.

One rule for both sides: the sandbox uses it to decide a pipeline's status, the follower
(wizard/watch_events.py) to derive one before GitLab's own answer arrives. It follows
``Gitlab::Ci::Status::Composite`` (lib/gitlab/ci/status/composite.rb) with
``Ci::HasStatus``: an allowed-to-fail job that failed or was canceled counts as
"success with warnings"; an allowed-to-fail manual job is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

_PASSED_WITH_WARNINGS = {"failed", "canceled"}
_IGNORED = {"manual"}


def composite_status(statuses: Iterable[tuple[str, bool]]) -> str | None:
    """GitLab's composite status of ``(status, allow_failure)`` pairs; None when there are none.

    Only allowed-to-fail manual jobs (with or without skipped ones) compose to "skipped",
    as in GitLab. "canceling" counts as still running (GitLab's table predates it).
    """
    seen: set[str] = set()
    for status, allow_failure in statuses:
        if allow_failure and status in _PASSED_WITH_WARNINGS:
            seen.add("success_with_warnings")
        elif allow_failure and status in _IGNORED:
            seen.add("ignored")
        else:
            seen.add(status)
    if not seen:
        return None

    def only(*names: str) -> bool:
        return seen <= set(names)

    if only("skipped", "ignored"):
        return "skipped"
    if only("success", "skipped", "success_with_warnings", "ignored"):
        return "success"
    if only("created", "success_with_warnings", "ignored"):
        return "created"
    if only("preparing", "success_with_warnings", "ignored"):
        return "preparing"
    if only("canceled", "success", "skipped", "success_with_warnings", "ignored"):
        return "canceled"
    if only("pending", "created", "skipped", "success_with_warnings", "ignored"):
        return "pending"
    if seen & {"running", "pending", "canceling"}:
        return "running"
    for status in ("waiting_for_resource", "manual", "scheduled", "preparing"):
        if status in seen:
            return status
    if "created" in seen:
        return "running"
    return "failed"
