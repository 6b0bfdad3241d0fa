"""REST handlers: job artifacts (doc/api/job_artifacts.md) and a pipeline's unit test report
(doc/api/pipelines.md, 'Get a test report for a pipeline' and its summary).

- ``GET /projects/:id/jobs/:job_id/artifacts``: the job's ``artifacts.zip``; 404 when it has none.
- ``GET /projects/:id/jobs/:job_id/artifacts/*artifact_path``: one file of that archive.
- ``GET /projects/:id/jobs/artifacts/:ref_name/download?job=NAME``: the archive of the newest successful
  job of that name on the ref (and ``.../raw/*artifact_path`` for one file of it).
- ``DELETE /projects/:id/jobs/:job_id/artifacts``: 204.
- ``GET /projects/:id/pipelines/:pipeline_id/test_report`` and ``/test_report_summary``.
"""

from __future__ import annotations

import posixpath
import zipfile
from typing import Any

from dockwright.sandbox import artifacts_store
from dockwright.sandbox.api_common import SCOPE_READ, SCOPE_WRITE, ApiError, Request, Response, json_response, not_found
from dockwright.sandbox.api_pipelines import _find_job, _find_pipeline
from dockwright.sandbox.api_projects import find_project
from dockwright.sandbox.junit_reports import build_test_report, build_test_report_summary, suite


def _archive(req: Request, job: dict[str, Any]) -> Response:
    path = artifacts_store.archive_path(req.sandbox, job["id"])
    if path is None:
        raise not_found()
    return Response(200, path.read_bytes(), "application/octet-stream",
                    [("Content-Disposition", f'attachment; filename="{artifacts_store.ARCHIVE}"; '
                                             f"filename*=UTF-8''{artifacts_store.ARCHIVE}")])


def _entry(req: Request, job: dict[str, Any], artifact_path: str) -> Response:
    clean = posixpath.normpath(artifact_path)
    if clean.startswith(("../", "/")) or clean == "..":
        raise ApiError(400, {"message": "400 Bad request"})
    path = artifacts_store.archive_path(req.sandbox, job["id"])
    if path is None:
        raise not_found()
    with zipfile.ZipFile(path) as zipped:
        try:
            data = zipped.read(clean)
        except KeyError:
            raise not_found() from None
    name = posixpath.basename(clean)
    return Response(200, data, "application/octet-stream",
                    [("Content-Disposition", f'attachment; filename="{name}"; filename*=UTF-8\'\'{name}')])


def download_job_artifacts(req: Request):
    project = find_project(req)
    return _archive(req, _find_job(req, project))


def download_job_artifact_file(req: Request):
    project = find_project(req)
    return _entry(req, _find_job(req, project), req.params["artifact_path"])


def _latest_job_of_ref(req: Request) -> dict[str, Any]:
    """The newest successful job named ``job`` of the newest pipelines of ``:ref_name`` (GitLab's
    ``latest_successful_build_for_ref``); 404 when there is none."""
    project = find_project(req)
    name = req.query.get("job", [""])[-1]
    if not name:
        raise ApiError(400, {"error": "job is missing"})
    ref = req.params["ref_name"]
    row = req.store.one("SELECT jobs.* FROM jobs JOIN pipelines ON pipelines.id = jobs.pipeline_id WHERE "
                        "jobs.project_id = ? AND pipelines.ref = ? AND jobs.name = ? AND jobs.status = 'success' "
                        "AND jobs.retried = 0 ORDER BY pipelines.id DESC, jobs.id DESC LIMIT 1",
                        (project["id"], ref, name))
    if row is None:
        raise not_found()
    return row


def download_ref_artifacts(req: Request):
    return _archive(req, _latest_job_of_ref(req))


def download_ref_artifact_file(req: Request):
    return _entry(req, _latest_job_of_ref(req), req.params["artifact_path"])


def delete_job_artifacts(req: Request):
    project = find_project(req)
    job = _find_job(req, project)
    artifacts_store.delete(req.sandbox, job["id"])
    return Response(204)


def _suites(req: Request) -> list[dict[str, Any]]:
    project = find_project(req)
    pipeline = _find_pipeline(req, project)
    jobs = req.store.all("SELECT DISTINCT jobs.id, jobs.name FROM jobs JOIN job_artifacts ON job_artifacts.job_id = "
                         "jobs.id WHERE jobs.pipeline_id = ? AND jobs.retried = 0 AND job_artifacts.file_type = "
                         "'junit' ORDER BY jobs.id", (pipeline["id"],))
    by_name: dict[str, list[int]] = {}
    for job in jobs:
        by_name.setdefault(job["name"], []).append(job["id"])
    return [suite(name, ids, [r for job_id in ids for r in artifacts_store.junit_reports(req.sandbox, job_id)])
            for name, ids in by_name.items()]


def get_test_report(req: Request):
    return json_response(200, build_test_report(_suites(req)))


def get_test_report_summary(req: Request):
    return json_response(200, build_test_report_summary(_suites(req)))


ROUTES = [
    ("GET", "/projects/:id/jobs/artifacts/:ref_name/download", download_ref_artifacts, SCOPE_READ),
    ("GET", "/projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path", download_ref_artifact_file, SCOPE_READ),
    ("GET", "/projects/:id/jobs/:job_id/artifacts", download_job_artifacts, SCOPE_READ),
    ("DELETE", "/projects/:id/jobs/:job_id/artifacts", delete_job_artifacts, SCOPE_WRITE),
    ("GET", "/projects/:id/jobs/:job_id/artifacts/*artifact_path", download_job_artifact_file, SCOPE_READ),
    ("GET", "/projects/:id/pipelines/:pipeline_id/test_report", get_test_report, SCOPE_READ),
    ("GET", "/projects/:id/pipelines/:pipeline_id/test_report_summary", get_test_report_summary, SCOPE_READ),
]
