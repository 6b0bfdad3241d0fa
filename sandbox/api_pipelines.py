"""REST handlers: pipelines (list, get, latest, create, retry, cancel), jobs (list, get, trace, retry,
cancel, play) and bridges (trigger jobs, each with its downstream child pipeline). As on GitLab, the jobs
lists and ``GET .../jobs/:id`` leave bridges out; ``GET .../pipelines/:pid/bridges`` lists them."""

from __future__ import annotations

import datetime
import json
from typing import Any

from dockwright.sandbox import artifacts_store
from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_common import (
    SCOPE_READ,
    SCOPE_WRITE,
    ApiError,
    Request,
    Response,
    forbidden,
    json_response,
    list_arg,
    not_found,
    paginate,
)
from dockwright.sandbox.api_projects import find_project
from dockwright.sandbox.api_runners import runner_brief
from dockwright.sandbox.api_users import user_json
from dockwright.sandbox.scheduler import PipelineRefused
from dockwright.sandbox.store import parse_iso

PIPELINE_STATUSES = ("created", "waiting_for_resource", "preparing", "pending", "running", "success", "failed",
                     "canceled", "skipped", "manual", "scheduled")
JOB_SCOPES = ("created", "pending", "running", "failed", "success", "canceled", "skipped", "waiting_for_resource",
              "manual")
# Ci::Pipeline's sources (app/models/concerns/enums/ci/pipeline.rb): the ``source`` filter's valid values
PIPELINE_SOURCES = ("push", "web", "trigger", "schedule", "api", "external", "pipeline", "chat", "webide",
                    "merge_request_event", "external_pull_request_event", "parent_pipeline",
                    "ondemand_dast_scan", "ondemand_dast_validation", "security_orchestration_policy",
                    "container_registry_push", "duo_workflow", "pipeline_execution_policy_schedule")
STATUS_TEXT = {"success": "passed", "failed": "failed", "running": "running", "pending": "pending",
               "created": "created", "canceled": "canceled", "skipped": "skipped", "manual": "manual"}


def _seconds(start: str | None, end: str | None) -> float | None:
    a, b = parse_iso(start), parse_iso(end)
    if a is None or b is None:
        return None
    return round((b - a).total_seconds(), 3)


def _running_seconds(start: str | None) -> float | None:
    from dockwright.sandbox.store import now_iso

    return _seconds(start, now_iso()) if start else None


def detailed_status(status: str, path: str) -> dict[str, Any]:
    text = STATUS_TEXT.get(status, status)
    return {"icon": f"status_{status}", "text": text, "label": text, "group": status, "tooltip": text,
            "has_details": True, "details_path": path, "illustration": None,
            "favicon": f"/assets/ci_favicons/favicon_status_{status}.png"}


def pipeline_json(req: Request, row: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    project = req.store.existing("SELECT * FROM projects WHERE id = ?", (row["project_id"],))
    path = f"/{project['path_with_namespace']}/-/pipelines/{row['id']}"
    base = {
        "id": row["id"], "iid": row["iid"], "project_id": row["project_id"], "sha": row["sha"], "ref": row["ref"],
        "status": row["status"], "source": row["source"], "created_at": row["created_at"],
        "updated_at": row["updated_at"], "web_url": f"{req.sandbox.url}{path}", "name": row.get("name"),
    }
    if not full:
        return base
    user = req.store.user(row["user_id"])
    duration = _seconds(row["started_at"], row["finished_at"])
    jobs = req.store.all("SELECT created_at, started_at FROM jobs WHERE pipeline_id = ? AND retried = 0",
                         (row["id"],))
    queued = None
    if row["started_at"]:
        queued = _seconds(row["created_at"], row["started_at"])
    return {
        **base, "before_sha": row["before_sha"], "tag": bool(row["tag"]), "yaml_errors": row["yaml_errors"],
        "user": user_json(req.sandbox, user, full=False) if user else None, "started_at": row["started_at"],
        "finished_at": row["finished_at"], "committed_at": None,
        "duration": int(duration) if duration is not None else None, "queued_duration": queued, "coverage": None,
        "archived": False, "detailed_status": detailed_status(row["status"], path),
        "failure_reason": "config_error" if row["yaml_errors"] else None,
        "stages": json.loads(row["stages"]), "jobs_count": len(jobs),
    }


def job_json(req: Request, row: dict[str, Any], commit: dict[str, Any] | None = None,
             pipeline: dict[str, Any] | None = None) -> dict[str, Any]:
    project = req.store.existing("SELECT * FROM projects WHERE id = ?", (row["project_id"],))
    pipeline = pipeline or req.store.existing("SELECT * FROM pipelines WHERE id = ?", (row["pipeline_id"],))
    if commit is None:
        commit = _commit_json(req, project, pipeline["sha"])
    runner = req.store.one("SELECT * FROM runners WHERE id = ?", (row["runner_id"],)) if row["runner_id"] else None
    user = req.store.user(row["user_id"])
    duration = _seconds(row["started_at"], row["finished_at"]) if row["finished_at"] else \
        _running_seconds(row["started_at"])
    queued_from = row["queued_at"] or row["created_at"]
    queued = _seconds(queued_from, row["started_at"]) if row["started_at"] else (
        _running_seconds(row["queued_at"]) if row["status"] == "pending" else None)
    return {
        "commit": commit, "coverage": None, "archived": False, "allow_failure": bool(row["allow_failure"]),
        "created_at": row["created_at"], "started_at": row["started_at"], "finished_at": row["finished_at"],
        "erased_at": row["erased_at"], "duration": duration, "queued_duration": queued,
        "tag_list": json.loads(row["tag_list"]), "id": row["id"], "name": row["name"],
        "pipeline": {"id": pipeline["id"], "project_id": pipeline["project_id"], "ref": pipeline["ref"],
                     "sha": pipeline["sha"], "status": pipeline["status"]},
        "ref": pipeline["ref"], "runner": runner_brief(runner) if runner else None,
        "runner_manager": None, "stage": row["stage"], "status": row["status"],
        "failure_reason": row["failure_reason"] if row["status"] == "failed" else None,
        "tag": bool(pipeline["tag"]), "when": row["when_"],
        "web_url": f"{req.sandbox.url}/{project['path_with_namespace']}/-/jobs/{row['id']}",
        "project": {"ci_job_token_scope_enabled": False},
        "user": user_json(req.sandbox, user, full=False) if user else None,
    } | artifacts_fields(req, row)


def artifacts_fields(req: Request, row: dict[str, Any]) -> dict[str, Any]:
    """A job's ``artifacts`` (each file GitLab keeps: archive, metadata, junit, and the finished job's log as
    ``trace``), ``artifacts_expire_at`` and, when it has an archive, ``artifacts_file``."""
    kept = artifacts_store.rows_of(req.store, row["id"])
    files = [{"file_type": a["file_type"], "size": a["size"], "filename": a["filename"],
              "file_format": a["file_format"]} for a in kept]
    if row["finished_at"] and row["trace"]:
        files.append({"file_type": "trace", "size": len(row["trace"].encode("utf-8")), "filename": "job.log",
                      "file_format": None})
    out: dict[str, Any] = {"artifacts": files,
                           "artifacts_expire_at": next((a["expire_at"] for a in kept), None)}
    archive = next((a for a in kept if a["file_type"] == "archive"), None)
    if archive is not None:
        out["artifacts_file"] = {"filename": archive["filename"], "size": archive["size"]}
    return out


def _commit_json(req: Request, project: dict[str, Any], sha: str) -> dict[str, Any] | None:
    try:
        info = gitrepo.commit_info(req.sandbox.repo_path(project), sha)
    except gitrepo.GitFailed:
        return None
    return {k: info[k] for k in ("id", "short_id", "created_at", "title", "message", "author_name",
                                 "author_email")}


def _find_pipeline(req: Request, project: dict[str, Any]) -> dict[str, Any]:
    ident = req.params["pipeline_id"]
    row = req.store.one("SELECT * FROM pipelines WHERE id = ? AND project_id = ?",
                        (int(ident), project["id"])) if ident.isdigit() else None
    if row is None:
        raise not_found()
    return row


def _find_job(req: Request, project: dict[str, Any]) -> dict[str, Any]:
    ident = req.params["job_id"]
    row = req.store.one("SELECT * FROM jobs WHERE id = ? AND project_id = ? AND bridge = 0",
                        (int(ident), project["id"])) if ident.isdigit() else None
    if row is None:
        raise not_found()
    return row


def _q(req: Request, name: str) -> str:
    return req.query.get(name, [""])[-1]


# -- pipelines ----------------------------------------------------------------------------------

def time_filter(req: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``updated_after``/``updated_before``/``created_after``/``created_before`` (ISO 8601); GitLab's
    finder compares with ``>=`` and ``<=``, and a value Grape cannot read as a DateTime is a 400."""
    for name in ("updated_after", "updated_before", "created_after", "created_before"):
        text = _q(req, name)
        if not text:
            continue
        try:
            limit = parse_iso(text)
        except ValueError as exc:
            raise ApiError(400, {"error": f"{name} is invalid"}) from exc
        assert limit is not None
        if limit.tzinfo is None:
            limit = limit.replace(tzinfo=datetime.UTC)
        column = name.partition("_")[0] + "_at"
        after = name.endswith("_after")
        rows = [r for r in rows if (stamp := parse_iso(r[column])) is not None
                and (stamp >= limit if after else stamp <= limit)]
    return rows


def list_pipelines(req: Request):
    """GitLab's filters (doc/api/pipelines.md, lib/api/ci/pipelines.rb). As since GitLab 17.0, child
    pipelines (source ``parent_pipeline``) are listed only when ``source=parent_pipeline`` asks for them."""
    project = find_project(req)
    rows = req.store.all("SELECT * FROM pipelines WHERE project_id = ?", (project["id"],))
    source = _q(req, "source")
    if source and source not in PIPELINE_SOURCES:
        raise ApiError(400, {"error": "source does not have a valid value"})
    rows = [r for r in rows if r["source"] == source] if source else \
        [r for r in rows if r["source"] != "parent_pipeline"]
    for name in ("sha", "ref"):
        if _q(req, name):
            rows = [r for r in rows if r[name] == _q(req, name)]
    rows = time_filter(req, rows)
    status = _q(req, "status")
    if status:
        if status not in PIPELINE_STATUSES:
            raise ApiError(400, {"error": "status does not have a valid value"})
        rows = [r for r in rows if r["status"] == status]
    scope = _q(req, "scope")
    if scope:
        wanted = {"running": ("running",), "pending": ("pending",), "finished": ("success", "failed", "canceled"),
                  "branches": None, "tags": None}
        if scope not in wanted:
            raise ApiError(400, {"error": "scope does not have a valid value"})
        if scope == "tags":
            rows = [r for r in rows if r["tag"]]
        elif scope == "branches":
            rows = [r for r in rows if not r["tag"]]
        else:
            rows = [r for r in rows if r["status"] in (wanted[scope] or ())]
    if _q(req, "yaml_errors"):
        want_errors = _q(req, "yaml_errors").lower() == "true"
        rows = [r for r in rows if bool(r["yaml_errors"]) == want_errors]
    if _q(req, "username"):
        rows = [r for r in rows if (req.store.user(r["user_id"]) or {}).get("username") == _q(req, "username")]
    order_by = _q(req, "order_by") or "id"
    if order_by not in ("id", "status", "ref", "updated_at", "user_id"):
        raise ApiError(400, {"error": "order_by does not have a valid value"})
    sort = _q(req, "sort") or "desc"
    if sort not in ("asc", "desc"):
        raise ApiError(400, {"error": "sort does not have a valid value"})
    rows.sort(key=lambda r: (r[order_by], r["id"]), reverse=sort == "desc")
    return paginate(req, rows, lambda r: pipeline_json(req, r, full=False))


def get_pipeline(req: Request):
    project = find_project(req)
    return json_response(200, pipeline_json(req, _find_pipeline(req, project)))


def latest_pipeline(req: Request):
    project = find_project(req)
    ref = _q(req, "ref") or project["default_branch"]
    sha = gitrepo.resolve(req.sandbox.repo_path(project), ref)
    row = None
    if sha:
        row = req.store.one("SELECT * FROM pipelines WHERE project_id = ? AND ref = ? AND sha = ? AND source != "
                            "'parent_pipeline' ORDER BY id DESC LIMIT 1", (project["id"], ref, sha))
    if row is None:
        raise forbidden()
    return json_response(200, pipeline_json(req, row))


def create_pipeline(req: Request):
    project = find_project(req)
    ref = str(req.required("ref"))
    variables = req.arg("variables") or []
    if not isinstance(variables, list) or not all(isinstance(v, dict) for v in variables):
        raise ApiError(400, {"error": "variables is invalid"})
    repo_path = req.sandbox.repo_path(project)
    sha = gitrepo.resolve(repo_path, ref)
    if sha is None:
        raise ApiError(400, {"message": {"base": ["Reference not found"]}})
    is_tag = gitrepo.resolve(repo_path, f"refs/tags/{ref}") is not None and \
        gitrepo.resolve(repo_path, f"refs/heads/{ref}") is None
    try:
        pid = req.scheduler.create_pipeline(project, ref, sha, source="api", before_sha=gitrepo.ZERO_SHA,
                                                    user_id=req.me["id"], is_tag=is_tag, variables=variables)
    except PipelineRefused as exc:
        raise ApiError(400, {"message": {"base": [str(exc)]}}) from exc
    row = req.store.existing("SELECT * FROM pipelines WHERE id = ?", (pid,))
    return json_response(201, pipeline_json(req, row))


def retry_pipeline(req: Request):
    project = find_project(req)
    row = _find_pipeline(req, project)
    if row["yaml_errors"]:
        raise forbidden()
    req.scheduler.retry_pipeline(row["id"], req.me["id"])
    return json_response(201, pipeline_json(req, req.store.existing("SELECT * FROM pipelines WHERE id = ?", (row["id"],))))


def cancel_pipeline(req: Request):
    project = find_project(req)
    row = _find_pipeline(req, project)
    req.scheduler.cancel_pipeline(row["id"])
    return json_response(200, pipeline_json(req, req.store.existing("SELECT * FROM pipelines WHERE id = ?", (row["id"],))))


def delete_pipeline(req: Request):
    project = find_project(req)
    row = _find_pipeline(req, project)
    req.scheduler.cancel_pipeline(row["id"])
    for job in req.store.all("SELECT id FROM jobs WHERE pipeline_id = ?", (row["id"],)):
        artifacts_store.delete(req.sandbox, job["id"])
    req.store.execute("DELETE FROM jobs WHERE pipeline_id = ?", (row["id"],))
    req.store.execute("DELETE FROM pipelines WHERE id = ?", (row["id"],))
    return Response(204)


# -- jobs ---------------------------------------------------------------------------------------

def _scoped(req: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    scopes = list_arg(req.query.get("scope[]") or req.query.get("scope"))
    for scope in scopes:
        if scope not in JOB_SCOPES:
            raise ApiError(400, {"error": "scope does not have a valid value"})
    if scopes:
        rows = [r for r in rows if r["status"] in scopes]
    return rows


def list_pipeline_jobs(req: Request):
    project = find_project(req)
    pipeline = _find_pipeline(req, project)
    include_retried = _q(req, "include_retried").lower() == "true"
    rows = req.store.all("SELECT * FROM jobs WHERE pipeline_id = ? AND bridge = 0"
                         + ("" if include_retried else " AND retried = 0") + " ORDER BY id DESC", (pipeline["id"],))
    commit = _commit_json(req, project, pipeline["sha"])
    return paginate(req, _scoped(req, rows), lambda r: job_json(req, r, commit, pipeline))


def list_project_jobs(req: Request):
    project = find_project(req)
    rows = req.store.all("SELECT * FROM jobs WHERE project_id = ? AND retried = 0 AND bridge = 0 ORDER BY id DESC",
                         (project["id"],))
    pipelines: dict[int, dict[str, Any]] = {}
    commits: dict[str, Any] = {}

    def render(row: dict[str, Any]) -> dict[str, Any]:  # one git call per commit, not per job
        pipeline = pipelines.get(row["pipeline_id"]) or req.store.existing("SELECT * FROM pipelines WHERE id = ?",
                                                                       (row["pipeline_id"],))
        pipelines[row["pipeline_id"]] = pipeline
        if pipeline["sha"] not in commits:
            commits[pipeline["sha"]] = _commit_json(req, project, pipeline["sha"])
        return job_json(req, row, commits[pipeline["sha"]], pipeline)

    return paginate(req, _scoped(req, rows), render)


def bridge_json(req: Request, row: dict[str, Any], commit: dict[str, Any] | None,
                pipeline: dict[str, Any]) -> dict[str, Any]:
    """A trigger job as GitLab's bridges API shows it: a job's fields and its downstream pipeline."""
    out = job_json(req, row, commit, pipeline)
    for key in ("artifacts", "artifacts_expire_at", "artifacts_file", "runner", "runner_manager", "tag_list", "archived", "project"):
        out.pop(key, None)
    child = req.store.one("SELECT * FROM pipelines WHERE id = ?", (row["downstream_pipeline_id"],)) \
        if row["downstream_pipeline_id"] else None
    out["downstream_pipeline"] = pipeline_json(req, child, full=False) if child else None
    return out


def list_pipeline_bridges(req: Request):
    project = find_project(req)
    pipeline = _find_pipeline(req, project)
    rows = req.store.all("SELECT * FROM jobs WHERE pipeline_id = ? AND bridge = 1 AND retried = 0 ORDER BY id DESC",
                         (pipeline["id"],))
    commit = _commit_json(req, project, pipeline["sha"]) if rows else None
    return paginate(req, _scoped(req, rows), lambda r: bridge_json(req, r, commit, pipeline))


def get_job(req: Request):
    project = find_project(req)
    return json_response(200, job_json(req, _find_job(req, project)))


def get_trace(req: Request):
    project = find_project(req)
    row = _find_job(req, project)
    return Response(200, row["trace"].encode("utf-8"), "text/plain; charset=utf-8",
                    [("Content-Disposition", f'infile; filename="{row["id"]}.log"')])


def retry_job(req: Request):
    project = find_project(req)
    row = _find_job(req, project)
    if row["status"] not in ("success", "failed", "canceled") or row["retried"]:
        raise forbidden("403 Forbidden - Job is not retryable")
    new_id = req.scheduler.retry_job(row["id"], req.me["id"])
    return json_response(201, job_json(req, req.store.existing("SELECT * FROM jobs WHERE id = ?", (new_id,))))


def cancel_job(req: Request):
    project = find_project(req)
    row = _find_job(req, project)
    req.scheduler.cancel_job(row["id"])
    return json_response(201, job_json(req, req.store.existing("SELECT * FROM jobs WHERE id = ?", (row["id"],))))


def play_job(req: Request):
    project = find_project(req)
    row = _find_job(req, project)
    if row["status"] != "manual":
        raise ApiError(400, {"message": "400 Bad request - Unplayable Job"})
    req.scheduler.play_job(row["id"], req.me["id"])
    return json_response(200, job_json(req, req.store.existing("SELECT * FROM jobs WHERE id = ?", (row["id"],))))


ROUTES = [
    ("GET", "/projects/:id/pipelines", list_pipelines, SCOPE_READ),
    ("GET", "/projects/:id/pipelines/latest", latest_pipeline, SCOPE_READ),
    ("GET", "/projects/:id/pipelines/:pipeline_id", get_pipeline, SCOPE_READ),
    ("POST", "/projects/:id/pipeline", create_pipeline, SCOPE_WRITE),
    ("POST", "/projects/:id/pipelines/:pipeline_id/retry", retry_pipeline, SCOPE_WRITE),
    ("POST", "/projects/:id/pipelines/:pipeline_id/cancel", cancel_pipeline, SCOPE_WRITE),
    ("DELETE", "/projects/:id/pipelines/:pipeline_id", delete_pipeline, SCOPE_WRITE),
    ("GET", "/projects/:id/pipelines/:pipeline_id/jobs", list_pipeline_jobs, SCOPE_READ),
    ("GET", "/projects/:id/pipelines/:pipeline_id/bridges", list_pipeline_bridges, SCOPE_READ),
    ("GET", "/projects/:id/jobs", list_project_jobs, SCOPE_READ),
    ("GET", "/projects/:id/jobs/:job_id", get_job, SCOPE_READ),
    ("GET", "/projects/:id/jobs/:job_id/trace", get_trace, SCOPE_READ),
    ("POST", "/projects/:id/jobs/:job_id/retry", retry_job, SCOPE_WRITE),
    ("POST", "/projects/:id/jobs/:job_id/cancel", cancel_job, SCOPE_WRITE),
    ("POST", "/projects/:id/jobs/:job_id/play", play_job, SCOPE_WRITE),
]
