"""REST handlers: merge requests (create, list, get, update's close/reopen, their pipelines), as
doc/api/merge_requests.md documents them and lib/api/merge_requests.rb answers.

A merge request in the sandbox is a source and a target branch of the same project (no forks, no
approvals, no discussions). Creating one, and every later push to its source branch, creates a
``merge_request_event`` pipeline on ``refs/merge-requests/:iid/head`` when the CI file's rules or workflow
ask for one (scheduler.py); the ``CI_MERGE_REQUEST_*`` variables come from ci_variables.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dockwright.sandbox import merge_request_pipelines
from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_common import (
    SCOPE_READ,
    SCOPE_WRITE,
    ApiError,
    Request,
    json_response,
    list_arg,
    not_found,
    paginate,
)
from dockwright.sandbox.api_pipelines import pipeline_json, time_filter
from dockwright.sandbox.api_projects import find_project
from dockwright.sandbox.api_users import user_json
from dockwright.sandbox.store import now_iso

STATES = ("opened", "closed", "locked", "merged", "all")
DRAFT_RE = re.compile(r"\A\s*(\[draft\]|\(draft\)|draft:|draft -|draft\s)", re.IGNORECASE)


def mr_pipelines(store: Any, sandbox: Any, project: dict[str, Any], mr: dict[str, Any]) -> list[dict[str, Any]]:
    """GitLab's ``all_pipelines`` of a merge request, newest first: its merge_request_event pipelines, and
    the branch pipelines of its source branch for commits the merge request holds."""
    repo_path = sandbox.repo_path(project)
    out = gitrepo.git(repo_path, "rev-list", f"refs/heads/{mr['target_branch']}..refs/heads/{mr['source_branch']}",
                      check=False).decode()
    shas = set(out.split())
    rows = store.all("SELECT * FROM pipelines WHERE project_id = ? AND (merge_request_id = ? OR (ref = ? AND "
                     "merge_request_id IS NULL AND source != 'parent_pipeline')) ORDER BY id DESC",
                     (project["id"], mr["id"], mr["source_branch"]))
    return [r for r in rows if r["merge_request_id"] == mr["id"] or r["sha"] in shas]


def _user(req: Request, user_id: int | None) -> dict[str, Any] | None:
    user = req.store.user(user_id) if user_id else None
    return user_json(req.sandbox, user, full=False) if user else None


def mr_json(req: Request, project: dict[str, Any], mr: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    """``Entities::MergeRequestBasic`` (lists) or ``Entities::MergeRequest`` (create, get, update)."""
    repo_path = req.sandbox.repo_path(project)
    head = gitrepo.branch_sha(repo_path, mr["source_branch"])
    target = gitrepo.branch_sha(repo_path, mr["target_branch"])
    path = project["path_with_namespace"]
    draft = bool(DRAFT_RE.match(mr["title"]))
    merged = mr["state"] == "merged"
    closed = mr["state"] == "closed"
    author = _user(req, mr["author_id"])
    out: dict[str, Any] = {
        "id": mr["id"], "iid": mr["iid"], "project_id": project["id"], "title": mr["title"],
        "description": mr["description"] or "", "state": mr["state"], "created_at": mr["created_at"],
        "updated_at": mr["updated_at"], "merged_by": author if merged else None,
        "merge_user": author if merged else None, "merged_at": mr["merged_at"], "merge_after": None,
        "closed_by": author if closed else None, "closed_at": mr["closed_at"], "target_branch": mr["target_branch"],
        "source_branch": mr["source_branch"], "user_notes_count": 0, "upvotes": 0, "downvotes": 0,
        "author": author, "assignees": [], "assignee": None, "reviewers": [], "source_project_id": project["id"],
        "target_project_id": project["id"], "labels": json.loads(mr["labels"]), "draft": draft,
        "imported": False, "imported_from": "none", "work_in_progress": draft, "milestone": None,
        "merge_when_pipeline_succeeds": False, "merge_status": "can_be_merged",
        "detailed_merge_status": "draft_status" if draft else ("not_open" if mr["state"] != "opened" else "mergeable"),
        "sha": head, "merge_commit_sha": None, "squash_commit_sha": None, "discussion_locked": None,
        "should_remove_source_branch": None, "force_remove_source_branch": bool(mr["force_remove_source_branch"]),
        "prepared_at": mr["created_at"], "reference": f"!{mr['iid']}",
        "references": {"short": f"!{mr['iid']}", "relative": f"!{mr['iid']}", "full": f"{path}!{mr['iid']}"},
        "web_url": f"{req.sandbox.url}/{path}/-/merge_requests/{mr['iid']}",
        "time_stats": {"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": None,
                       "human_total_time_spent": None},
        "squash": bool(mr["squash"]), "squash_on_merge": bool(mr["squash"]),
        "task_completion_status": {"count": 0, "completed_count": 0}, "has_conflicts": False,
        "blocking_discussions_resolved": True, "approvals_before_merge": None,
    }
    if not full:
        return out
    pipelines = mr_pipelines(req.store, req.sandbox, project, mr)
    latest = pipelines[0] if pipelines else None
    base_sha = None
    if head and target:
        base_sha = gitrepo.git(repo_path, "merge-base", target, head, check=False).decode().strip() or None
    changes = 0
    if base_sha and head:
        changes = len(gitrepo.git(repo_path, "diff", "--name-only", base_sha, head, check=False).decode().split())
    started = [r["started_at"] for r in pipelines if r["started_at"]]
    out.update({
        "subscribed": True, "changes_count": str(changes), "latest_build_started_at": started[0] if started else None,
        "latest_build_finished_at": latest["finished_at"] if latest else None,
        "first_deployed_to_production_at": None,
        "pipeline": pipeline_json(req, latest, full=False) if latest else None,
        "head_pipeline": pipeline_json(req, latest) if latest else None,
        "diff_refs": {"base_sha": base_sha, "head_sha": head, "start_sha": target},
        "merge_error": None, "first_contribution": False, "user": {"can_merge": True},
    })
    return out


def _find_mr(req: Request, project: dict[str, Any]) -> dict[str, Any]:
    ident = req.params["merge_request_iid"]
    row = req.store.one("SELECT * FROM merge_requests WHERE project_id = ? AND iid = ?",
                        (project["id"], int(ident))) if ident.isdigit() else None
    if row is None:
        raise not_found()
    return row


def _q(req: Request, name: str) -> str:
    return req.query.get(name, [""])[-1]


def list_merge_requests(req: Request):
    """``state`` (default all), ``source_branch``, ``target_branch``, ``iids[]``, ``author_username``,
    ``search`` (title and description), ``created/updated_after/_before``, ``order_by``/``sort``."""
    project = find_project(req)
    rows = req.store.all("SELECT * FROM merge_requests WHERE project_id = ?", (project["id"],))
    state = _q(req, "state") or "all"
    if state not in STATES:
        raise ApiError(400, {"error": "state does not have a valid value"})
    if state != "all":
        rows = [r for r in rows if r["state"] == state]
    for name in ("source_branch", "target_branch"):
        if _q(req, name):
            rows = [r for r in rows if r[name] == _q(req, name)]
    iids = list_arg(req.query.get("iids[]") or req.query.get("iids"))
    if iids:
        rows = [r for r in rows if str(r["iid"]) in iids]
    if _q(req, "author_username"):
        rows = [r for r in rows if (req.store.user(r["author_id"]) or {}).get("username") == _q(req, "author_username")]
    search = _q(req, "search").lower()
    if search:
        rows = [r for r in rows if search in r["title"].lower() or search in (r["description"] or "").lower()]
    rows = time_filter(req, rows)
    order_by = _q(req, "order_by") or "created_at"
    if order_by not in ("created_at", "updated_at", "title"):
        raise ApiError(400, {"error": "order_by does not have a valid value"})
    sort = _q(req, "sort") or "desc"
    if sort not in ("asc", "desc"):
        raise ApiError(400, {"error": "sort does not have a valid value"})
    rows.sort(key=lambda r: (r[order_by], r["id"]), reverse=sort == "desc")
    return paginate(req, rows, lambda r: mr_json(req, project, r, full=False))


def create_merge_request(req: Request):
    project = find_project(req)
    missing = [n for n in ("source_branch", "target_branch", "title") if req.arg(n) in (None, "")]
    if missing:
        raise ApiError(400, {"error": ", ".join(f"{n} is missing" for n in missing)})
    source, target, title = str(req.arg("source_branch")), str(req.arg("target_branch")), str(req.arg("title"))
    repo_path = req.sandbox.repo_path(project)
    if source == target:
        raise ApiError(422, {"message": ["You can't use same project/branch for source and target"]})
    errors: dict[str, list[str]] = {}
    if gitrepo.branch_sha(repo_path, source) is None:
        errors["source_branch"] = ["does not exist"]
    if gitrepo.branch_sha(repo_path, target) is None:
        errors["target_branch"] = ["does not exist"]
    if errors:
        raise ApiError(400, {"message": errors})
    clash = req.store.one("SELECT iid FROM merge_requests WHERE project_id = ? AND source_branch = ? AND "
                          "target_branch = ? AND state = 'opened'", (project["id"], source, target))
    if clash is not None:
        raise ApiError(409, {"message": [f"Another open merge request already exists for this source branch: "
                                         f"!{clash['iid']}"]})
    stamp = now_iso()
    iid = (req.store.scalar("SELECT MAX(iid) FROM merge_requests WHERE project_id = ?", (project["id"],)) or 0) + 1
    labels = list_arg(req.arg("labels"))
    mr_id = req.store.insert("merge_requests", {
        "iid": iid, "project_id": project["id"], "title": title, "description": req.arg("description"),
        "source_branch": source, "target_branch": target, "author_id": req.me["id"], "created_at": stamp,
        "updated_at": stamp, "squash": int(bool(req.flag("squash", False))),
        "force_remove_source_branch": int(bool(req.flag("remove_source_branch", False))),
        "labels": json.dumps(labels),
    })
    mr = req.store.existing("SELECT * FROM merge_requests WHERE id = ?", (mr_id,))
    merge_request_pipelines.on_merge_request_changed(req.scheduler, project, mr, user_id=req.me["id"])
    return json_response(201, mr_json(req, project, mr))


def get_merge_request(req: Request):
    project = find_project(req)
    return json_response(200, mr_json(req, project, _find_mr(req, project)))


def update_merge_request(req: Request):
    """``state_event`` (close, reopen), ``title``, ``description``, ``target_branch``, ``labels``."""
    project = find_project(req)
    mr = _find_mr(req, project)
    changes: dict[str, Any] = {}
    event = req.arg("state_event")
    if event is not None:
        if event not in ("close", "reopen"):
            raise ApiError(400, {"error": "state_event does not have a valid value"})
        if event == "close" and mr["state"] == "opened":
            changes.update(state="closed", closed_at=now_iso())
        elif event == "reopen" and mr["state"] == "closed":
            changes.update(state="opened", closed_at=None)
    for name in ("title", "description", "target_branch"):
        if req.arg(name) is not None:
            changes[name] = str(req.arg(name))
    if req.arg("labels") is not None:
        changes["labels"] = json.dumps(list_arg(req.arg("labels")))
    if not changes and event is None:
        raise ApiError(400, {"error": "assignee_id, assignee_ids, reviewer_ids, description, labels, add_labels, "
                                      "remove_labels, milestone_id, remove_source_branch, allow_collaboration, "
                                      "allow_maintainer_to_push, squash, discussion_locked, state_event, "
                                      "target_branch, title are missing, at least one parameter must be provided"})
    if changes:
        changes["updated_at"] = now_iso()
        req.store.update("merge_requests", mr["id"], changes)
    return json_response(200, mr_json(req, project, req.store.existing("SELECT * FROM merge_requests WHERE id = ?",
                                                                        (mr["id"],))))


def list_mr_pipelines(req: Request):
    project = find_project(req)
    mr = _find_mr(req, project)
    return paginate(req, mr_pipelines(req.store, req.sandbox, project, mr), lambda r: pipeline_json(req, r, full=False))


def create_mr_pipeline(req: Request):
    """``POST .../merge_requests/:iid/pipelines``: a new merge_request_event pipeline for the head of the
    source branch (400 with GitLab's message when the rules leave it no job)."""
    from dockwright.sandbox.scheduler import PipelineRefused

    project = find_project(req)
    mr = _find_mr(req, project)
    try:
        pid = merge_request_pipelines.create_merge_request_pipeline(req.scheduler, project, mr, user_id=req.me["id"])
    except PipelineRefused as exc:
        raise ApiError(400, {"message": {"base": [str(exc)]}}) from exc
    return json_response(201, pipeline_json(req, req.store.existing("SELECT * FROM pipelines WHERE id = ?", (pid,))))


ROUTES = [
    ("GET", "/projects/:id/merge_requests", list_merge_requests, SCOPE_READ),
    ("POST", "/projects/:id/merge_requests", create_merge_request, SCOPE_WRITE),
    ("GET", "/projects/:id/merge_requests/:merge_request_iid", get_merge_request, SCOPE_READ),
    ("PUT", "/projects/:id/merge_requests/:merge_request_iid", update_merge_request, SCOPE_WRITE),
    ("GET", "/projects/:id/merge_requests/:merge_request_iid/pipelines", list_mr_pipelines, SCOPE_READ),
    ("POST", "/projects/:id/merge_requests/:merge_request_iid/pipelines", create_mr_pipeline, SCOPE_WRITE),
]
