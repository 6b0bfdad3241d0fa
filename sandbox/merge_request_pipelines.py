"""Merge request pipelines: opening a merge request, or a push to its source branch, moves
``refs/merge-requests/:iid/head`` and creates a detached ``merge_request_event`` pipeline when the CI file's
rules ask for one (the scheduler creates it; its ``CI_MERGE_REQUEST_*`` variables come from ci_variables.py)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from dockwright.sandbox import repo as gitrepo

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox.scheduler import Scheduler

CI_FILE = ".gitlab-ci.yml"


def merge_request_ref(iid: int) -> str:
    return f"refs/merge-requests/{iid}/head"


def on_merge_request_changed(scheduler: Scheduler, project: dict[str, Any], mr: dict[str, Any], *,
                             user_id: int) -> None:
    """A merge request was opened or its source branch moved: its ``refs/merge-requests/:iid/head`` follows
    the branch, and a merge_request_event pipeline starts when the CI file's rules ask for one."""
    from dockwright.sandbox.scheduler import PipelineRefused

    repo_path = scheduler.sandbox.repo_path(project)
    head = gitrepo.branch_sha(repo_path, mr["source_branch"])
    if head is None:
        return
    gitrepo.git(repo_path, "update-ref", merge_request_ref(mr["iid"]), head)
    if gitrepo.read_file(repo_path, head, CI_FILE) is None:
        return
    message = gitrepo.commit_info(repo_path, head)["message"].lower()
    if "[skip ci]" in message or "[ci skip]" in message:
        return
    with contextlib.suppress(PipelineRefused):  # no rule asks for a merge request pipeline
        create_merge_request_pipeline(scheduler, project, mr, user_id=user_id)


def create_merge_request_pipeline(scheduler: Scheduler, project: dict[str, Any], mr: dict[str, Any], *,
                                  user_id: int) -> int:
    """A detached merge request pipeline: ref ``refs/merge-requests/:iid/head``, the source branch's head,
    source ``merge_request_event``. Raises PipelineRefused when the rules leave no job."""
    from dockwright.sandbox.scheduler import PipelineRefused

    repo_path = scheduler.sandbox.repo_path(project)
    head = gitrepo.branch_sha(repo_path, mr["source_branch"])
    if head is None:
        raise PipelineRefused("Reference not found")
    return scheduler.create_pipeline(project, merge_request_ref(mr["iid"]), head, source="merge_request_event",
                                     before_sha=gitrepo.ZERO_SHA, user_id=user_id, merge_request=mr)
