"""GitLabClient's pipelines and jobs (wizard/watch*.py and the UI), group and merge request lists, the CI lint and
the registry's tags: a part of :class:`~dockwright.wizard.gitlab.GitLabClient`, which is the one to use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import gitlab.exceptions

from dockwright.wizard.errors import BadInput
from dockwright.wizard.gitlab_part import ClientPart

if TYPE_CHECKING:
    from dockwright.wizard.gitlab import RateLimitState

TRACE_CHUNK = 256 * 1024  # a followed job log is read in pieces this big (get_job_trace_from)


@dataclass(frozen=True)
class LintResult:
    valid: bool
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    merged_yaml: str = ""


class PipelineCalls(ClientPart):

    def find_pipelines(self, project: str | int, *, sha: str | None = None, ref: str | None = None) -> list[dict]:
        """Pipelines of the project, newest first, optionally only for one commit or ref; child pipelines
        (source ``parent_pipeline``) are left out."""
        query: dict[str, Any] = {"order_by": "id", "sort": "desc"}
        if sha:
            query["sha"] = sha
        if ref:
            query["ref"] = ref
        p = self._project(project)
        found = self._call("list pipelines", lambda: [x.attributes for x in p.pipelines.list(get_all=True, **query)],
                           project=str(project), role="Reporter")
        # a child pipeline (from a trigger job) has the parent's commit and ref: it is followed through its parent
        return [x for x in found if x.get("source") != "parent_pipeline"]

    def recent_pipelines(self, project: str | int, *, limit: int = 20, ref: str | None = None,
                         status: str | None = None, source: str | None = None,
                         username: str | None = None, updated_after: str | None = None) -> list[dict]:
        """One page (``limit``) of the project's newest pipelines, filtered by GitLab; one request (the
        pipelines list view, wizard/watch_list.py). Child pipelines are left out as in find_pipelines."""
        query: dict[str, Any] = {"order_by": "id", "sort": "desc", "per_page": limit, "page": 1}
        query.update({k: v for k, v in (("ref", ref), ("status", status), ("source", source),
                                         ("username", username), ("updated_after", updated_after)) if v})
        p = self._project(project)
        found = self._call("list pipelines", lambda: [x.attributes for x in p.pipelines.list(**query)],
                           project=str(project), role="Reporter")
        return [x for x in found if x.get("source") != "parent_pipeline"]

    def rate_limit(self) -> RateLimitState | None:
        """The RateLimit-* headers of GitLab's newest answer (None before any, or when GitLab sends none)."""
        return self._gl.rate_state

    def group_projects(self, group: str, *, limit: int = 20) -> tuple[list[dict], int]:
        """``GET /groups/:id/projects?include_subgroups=true&order_by=last_activity_at`` (doc/api/groups.md),
        paged: the ``limit`` most recently active projects the token can see, and how many there are in all.
        An unknown group (or one the token cannot see) is a BadInput."""
        def run() -> tuple[list[dict], int]:
            try:
                found = self._gl.groups.get(group, lazy=True).projects.list(
                    iterator=True, per_page=min(100, limit + 1), include_subgroups=True, archived=False,
                    simple=True, order_by="last_activity_at", sort="desc")
                projects: list[dict] = []
                for item in found:
                    if len(projects) >= limit:
                        break
                    projects.append(item.attributes)
            except gitlab.exceptions.GitlabError as exc:
                if exc.response_code == 404:
                    raise BadInput(f"GitLab at {self.url} has no group {group!r} that this token can see.",
                                   "Check the group's path (as in its URL, e.g. fleet or fleet/team) and that "
                                   "the token's user is a member.") from None
                raise
            total = found.total if found.total is not None else len(projects)
            return projects, max(int(total), len(projects))

        return self._call(f"list the projects of group {group}", run, role="Reporter")

    def merge_request_pipelines(self, project: str | int, iid: int, *, limit: int = 20) -> list[dict]:
        """``GET /projects/:id/merge_requests/:iid/pipelines``: one page of a merge request's pipelines, newest
        first (its detached merge_request_event pipelines and its source branch's)."""
        p = self._project(project)
        return self._call(
            f"list the pipelines of merge request !{iid}",
            lambda: [x.attributes for x in p.mergerequests.get(iid, lazy=True).pipelines.list(per_page=limit, page=1)],
            project=str(project), role="Reporter")

    def open_merge_request(self, project: str | int, source_branch: str) -> dict | None:
        """The newest open merge request from ``source_branch``, or None."""
        p = self._project(project)
        found = self._call("look for the branch's merge request", lambda: [
            x.attributes for x in p.mergerequests.list(state="opened", source_branch=source_branch, per_page=1,
                                                       page=1, order_by="created_at", sort="desc")],
            project=str(project), role="Reporter")
        return found[0] if found else None

    def pipeline_test_report(self, project: str | int, pipeline_id: int) -> dict:
        """``GET /projects/:id/pipelines/:id/test_report``: the JUnit reports of the pipeline's jobs, by suite."""
        p = self._project(project)
        return self._call("read the pipeline's test report",
                          lambda: p.pipelines.get(pipeline_id, lazy=True).test_report.get().attributes,
                          project=str(project), role="Reporter")

    def current_username(self) -> str:
        """The username the token belongs to (``GET /user``, asked once)."""
        if self._gl.user is None:
            self._call("check who the token belongs to", self._gl.auth)
        assert self._gl.user is not None
        return str(self._gl.user.username)

    def create_pipeline(self, project: str | int, ref: str) -> dict:
        """``POST /projects/:id/pipeline`` for the head of ``ref``."""
        p = self._project(project)
        return self._call("create a pipeline", lambda: p.pipelines.create({"ref": ref}).attributes,
                          project=str(project), role="Developer")

    def get_pipeline(self, project: str | int, pipeline_id: int) -> dict:
        p = self._project(project)
        return self._call("read the pipeline", lambda: p.pipelines.get(pipeline_id).attributes,
                          project=str(project), role="Reporter")

    def list_pipeline_jobs(self, project: str | int, pipeline_id: int,
                           scope: tuple[str, ...] | None = None) -> list[dict]:
        """The pipeline's jobs; with ``scope``, only those in these statuses (GitLab's ``scope[]`` filter)."""
        p = self._project(project)
        filters = {"scope": list(scope)} if scope else {}
        return self._call(
            "list the pipeline's jobs",
            lambda: [j.attributes for j in p.pipelines.get(pipeline_id, lazy=True).jobs.list(get_all=True, **filters)],
            project=str(project), role="Reporter")

    def list_pipeline_bridges(self, project: str | int, pipeline_id: int) -> list[dict]:
        p = self._project(project)
        return self._call(
            "list the pipeline's trigger jobs",
            lambda: [j.attributes for j in p.pipelines.get(pipeline_id, lazy=True).bridges.list(get_all=True)],
            project=str(project), role="Reporter")

    def get_job(self, project: str | int, job_id: int) -> dict:
        p = self._project(project)
        return self._call("read the job", lambda: p.jobs.get(job_id).attributes, project=str(project), role="Reporter")

    def download_job_artifacts(self, project: str | int, job_id: int, out: Any) -> None:
        """``GET /projects/:id/jobs/:id/artifacts``: the job's artifacts archive, streamed into ``out`` (a binary file)."""
        p = self._project(project)
        self._call("download the job's artifacts",
                   lambda: p.jobs.get(job_id, lazy=True).artifacts(streamed=True, action=out.write),
                   project=str(project), role="Reporter")

    def get_job_trace(self, project: str | int, job_id: int) -> bytes:
        """The job's whole log (GitLab does not honour ranges): callers keep their own offset."""
        p = self._project(project)
        return self._call("read the job log", lambda: bytes(p.jobs.get(job_id, lazy=True).trace() or b""),
                          project=str(project), role="Reporter")

    def get_job_trace_from(self, project: str | int, job_id: int, offset: int,
                           chunk_size: int = TRACE_CHUNK) -> tuple[int, list[bytes]]:
        """The job's log past byte ``offset``, for following a growing log. GitLab sends the whole log every
        time (no ranges, doc/api/jobs.md "Get a log file"), so the body is streamed and its first ``offset``
        bytes are dropped as they arrive: neither the part already seen nor one big copy of the whole log is
        ever held (a 50 MB log joined into one bytes object held the GIL for tens of milliseconds). Returns
        the log's size and the new bytes in pieces of ``chunk_size``; a size below ``offset`` means the log
        was erased or replaced (ask again from 0)."""
        p = self._project(project)
        got: list[bytes] = []
        size = 0

        def take(chunk: bytes) -> None:
            nonlocal size
            skip = offset - size
            size += len(chunk)
            if skip < len(chunk):
                got.append(chunk[skip:] if skip > 0 else chunk)

        def run() -> None:
            nonlocal size
            got.clear()
            size = 0
            p.jobs.get(job_id, lazy=True).trace(streamed=True, action=take, chunk_size=chunk_size)

        self._call("read the job log", run, project=str(project), role="Reporter")
        return size, got

    def _action(self, project: str | int, kind: str, object_id: int, verb: str) -> dict:
        """``POST /projects/:id/<jobs|pipelines>/:id/<verb>`` (retry, cancel, play); ``kind`` is job or pipeline."""
        p = self._project(project)
        manager = p.jobs if kind == "job" else p.pipelines

        def run() -> dict:
            result = self._gl.http_post(f"{manager.path}/{object_id}/{verb}")
            return dict(result) if isinstance(result, dict) else {}

        return self._call(f"{verb} the {kind}", run, project=str(project), role="Developer")

    def retry_job(self, project: str | int, job_id: int) -> dict:
        return self._action(project, "job", job_id, "retry")

    def cancel_job(self, project: str | int, job_id: int) -> dict:
        return self._action(project, "job", job_id, "cancel")

    def play_job(self, project: str | int, job_id: int) -> dict:
        return self._action(project, "job", job_id, "play")

    def retry_pipeline(self, project: str | int, pipeline_id: int) -> dict:
        return self._action(project, "pipeline", pipeline_id, "retry")

    def cancel_pipeline(self, project: str | int, pipeline_id: int) -> dict:
        return self._action(project, "pipeline", pipeline_id, "cancel")

    def registry_tags(self, project: str | int) -> dict[str, list[str]]:
        """Container registry of the project: repository location -> its tag names."""
        p = self._project(project)

        def run() -> dict[str, list[str]]:
            out: dict[str, list[str]] = {}
            for repo in p.repositories.list(get_all=True):
                attrs = repo.attributes
                names = sorted(t.attributes["name"] for t in repo.tags.list(get_all=True))
                out[attrs.get("location") or attrs.get("path") or str(attrs["id"])] = names
            return out

        return self._call("list the container registry", run, project=str(project), role="Reporter")

    def lint(self, project: str | int, content: str, *, ref: str | None = None) -> LintResult:
        """``POST /projects/:id/ci/lint``: GitLab's own verdict on a .gitlab-ci.yml (200 even when invalid)."""
        p = self._project(project)
        data: dict[str, Any] = {"content": content}
        if ref:
            data["ref"] = ref
            data["dry_run"] = False

        def run() -> LintResult:
            res = self._gl.http_post(f"/projects/{p.encoded_id}/ci/lint", post_data=data)
            assert isinstance(res, dict)
            return LintResult(valid=bool(res.get("valid")), errors=tuple(res.get("errors") or ()),
                              warnings=tuple(res.get("warnings") or ()), merged_yaml=res.get("merged_yaml") or "")

        return self._call("lint the pipeline", run, project=str(project), role="Developer")

