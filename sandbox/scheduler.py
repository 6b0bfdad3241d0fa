"""Pipelines and jobs in motion: creates a pipeline when a push or an API commit brings a .gitlab-ci.yml,
moves jobs through GitLab's statuses (created -> pending -> running -> success/failed/canceled/skipped,
``manual`` until played), hands pending jobs to a matching online runner, and plays each job with the
CI simulation engine (``runner_sim.play_job``) over about ``job_seconds``, appending to the trace as
it goes. A pending job no runner can take stays pending, with GitLab's "stuck" sentence in its log.

A trigger job (``trigger: include: child.yml``) is a bridge: no runner plays it; when it is due it creates
a child pipeline (source ``parent_pipeline``) from that file of the same commit, with the bridge's
variables as pipeline variables. The bridge then passes, or with ``strategy: depend`` takes the child
pipeline's status (running while the child runs). Canceling the parent cancels its children.

Beside it: the registry jobs push to (registry_store.py), the predefined variables a job sees
(ci_variables.py) and a pipeline's status from its jobs' (wizard/pipeline_status.py).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dockwright.sandbox import artifacts_store, merge_request_pipelines
from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_runners import ensure_instance_runner, is_online, refresh_contacts
from dockwright.sandbox.ci_id_tokens import job_id_tokens
from dockwright.sandbox.ci_variables import BUILDS_DIR, job_predefined_variables
from dockwright.sandbox.registry_store import SandboxRegistry
from dockwright.sandbox.store import now_iso
from dockwright.wizard.pipeline_status import composite_status

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox import Sandbox
    from dockwright.sandbox.store import Store

DONE = ("success", "failed", "canceled", "skipped")
ACTIVE = ("created", "pending", "running", "manual")
CI_FILE = ".gitlab-ci.yml"
CANCELED_LINE = "\n\x1b[31;1mERROR: Job failed: canceled\x1b[0;m\n"
CONTACT_EVERY = 60.0  # seconds between two contacts of a registered runner


class PipelineRefused(Exception):
    """GitLab would not create this pipeline; ``str()`` is its message (400 ``{"message":{"base":[...]}}``)."""


@dataclass
class _Running:
    job_id: int
    token: str
    cancel: threading.Event


class Scheduler:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        assert sandbox.store is not None, "the scheduler starts with the sandbox, once its store is open"
        self.store: Store = sandbox.store
        self.registry = SandboxRegistry(sandbox)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.RLock()
        self._running: dict[int, _Running] = {}
        self._threads: list[threading.Thread] = []
        self._loop: threading.Thread | None = None
        self._ci_cache: dict[int, Any] = {}
        self.instance_runner_id = ensure_instance_runner(self.store)

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> None:
        # Jobs that were running when the sandbox stopped cannot resume: fail them as a runner would.
        for job in self.store.all("SELECT * FROM jobs WHERE status = 'running' AND bridge = 0"):  # bridges wait on
            self._finish(job["id"], "failed", "runner_system_failure",
                         "\n\x1b[31;1mERROR: Job failed (system failure): the sandbox stopped while this job ran\x1b[0;m\n")
        self._loop = threading.Thread(target=self._run, name="sandbox-scheduler", daemon=True)
        self._loop.start()
        self.wake()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for job_id in list(self._running):
            self.cancel_job(job_id)
        if self._loop is not None:
            self._loop.join(timeout=5)
        for thread in list(self._threads):
            thread.join(timeout=5)

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        last_contact = 0.0
        while not self._stop.is_set():
            self._wake.wait(timeout=0.5)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                if time.monotonic() - last_contact > CONTACT_EVERY:
                    refresh_contacts(self.store)
                    last_contact = time.monotonic()
                self.advance()
            except Exception as exc:  # keep scheduling; surface the bug to tests
                self.sandbox.internal_errors.append(f"scheduler: {exc!r}")

    # -- creating pipelines ---------------------------------------------------------------------------
    def on_ref_moved(self, project: dict[str, Any], ref: str, before: str, after: str, *, user_id: int) -> None:
        if after == gitrepo.ZERO_SHA:
            return
        if ref.startswith("refs/heads/"):
            name, is_tag = ref[len("refs/heads/"):], False
        elif ref.startswith("refs/tags/"):
            name, is_tag = ref[len("refs/tags/"):], True
        else:
            return
        repo_path = self.sandbox.repo_path(project)
        if gitrepo.read_file(repo_path, after, CI_FILE) is None:
            return
        message = gitrepo.commit_info(repo_path, after)["message"].lower()
        if "[skip ci]" in message or "[ci skip]" in message:
            return  # as GitLab: the push creates no pipeline
        with contextlib.suppress(PipelineRefused):  # rules left no job: GitLab creates no pipeline for the push
            self.create_pipeline(project, name, after, source="push", before_sha=before, user_id=user_id,
                                 is_tag=is_tag)
        if not is_tag:  # a push to a merge request's source branch: a merge_request_event pipeline too
            for mr in self.store.all("SELECT * FROM merge_requests WHERE project_id = ? AND source_branch = ? AND "
                                     "state = 'opened' ORDER BY id", (project["id"], name)):
                merge_request_pipelines.on_merge_request_changed(self, project, mr, user_id=user_id)

    def rule_variables(self, project: dict[str, Any], ref: str, sha: str, *, is_tag: bool, source: str,
                       merge_request: dict[str, Any] | None = None,
                       with_project_variables: bool = True) -> dict[str, str]:
        """What ``rules:if`` and ``workflow:rules`` see when GitLab creates a pipeline: the predefined
        variables (a merge request pipeline's ``CI_MERGE_REQUEST_*`` and no ``CI_COMMIT_BRANCH``; a branch
        pipeline's ``CI_OPEN_MERGE_REQUESTS``), then the project's variables."""
        from dockwright.sandbox.ci_variables import merge_request_variables, pipeline_variables

        name = merge_request["source_branch"] if merge_request else ref
        out = {**pipeline_variables(ref=name, sha=sha, default_branch=project["default_branch"], is_tag=is_tag),
               "CI_PIPELINE_SOURCE": source, "CI_PROJECT_PATH": project["path_with_namespace"]}
        if merge_request is not None:
            out.pop("CI_COMMIT_BRANCH", None)
            out.update(merge_request_variables(project, merge_request, url=self.sandbox.url,
                                               repo_path=self.sandbox.repo_path(project)))
        elif not is_tag:
            opened = self.store.all("SELECT iid FROM merge_requests WHERE project_id = ? AND source_branch = ? AND "
                                    "state = 'opened' ORDER BY iid", (project["id"], ref))
            if opened:  # GitLab: at most four, as "path!iid"
                out["CI_OPEN_MERGE_REQUESTS"] = ",".join(f"{project['path_with_namespace']}!{r['iid']}"
                                                         for r in opened[:4])
        if not with_project_variables:
            return out
        project_vars, _ = self.project_variables(project, protected_ref=self.is_protected(project, ref))
        return {**out, **project_vars}

    def project_variables(self, project: dict[str, Any], *, protected_ref: bool) -> tuple[dict[str, str], list[str]]:
        """The project's CI/CD variables a job on this ref sees, and the values to mask."""
        values: dict[str, str] = {}
        masked: list[str] = []
        for row in self.store.all("SELECT * FROM variables WHERE project_id = ? ORDER BY id", (project["id"],)):
            if row["protected"] and not protected_ref:
                continue
            if row["environment_scope"] not in ("*", ""):
                continue  # the sandbox has no environments
            value = row["value"] or ""
            if row["variable_type"] == "file":
                path = f"{BUILDS_DIR}/{project['path_with_namespace']}.tmp/{row['key']}"
                values[row["key"]] = path
            else:
                values[row["key"]] = value
            if row["masked"] and value:
                masked.append(value)
        return values, masked

    def expand_unless_raw(self, project: dict[str, Any], values: dict[str, str], predefined: dict[str, str]) -> None:
        """As the runner does: a variable's value is expanded (``$name`` of an undefined one is empty, ``$$`` is a
        ``$``) unless the variable is ``raw``; a user ``robot$team+ci`` becomes ``robot+ci`` when not raw."""
        from dockwright.sandbox.runner_sim import expand_value

        raw = {row["key"] for row in self.store.all("SELECT key FROM variables WHERE project_id = ? AND raw = 1",
                                                    (project["id"],))}
        context = {**predefined, **values}
        for key, value in values.items():
            if key not in raw and "$" in value:
                values[key] = expand_value(value, context)

    def is_protected(self, project: dict[str, Any], ref: str) -> bool:
        return ref == project["default_branch"]

    def create_pipeline(self, project: dict[str, Any], ref: str, sha: str, *, source: str, before_sha: str,
                        user_id: int, is_tag: bool = False, variables: Iterable[dict[str, str]] = (),
                        config_path: str = CI_FILE, parent_job_id: int | None = None,
                        merge_request: dict[str, Any] | None = None) -> int:
        """Create the pipeline and its jobs; returns its id. A yaml error makes a failed pipeline (push, or a
        child pipeline) or raises PipelineRefused (API, where GitLab answers 400)."""
        from dockwright.sandbox.ci_config import NO_JOBS_MESSAGE, CiYamlError, parse_ci
        from dockwright.sandbox.ci_rules import WORKFLOW_FILTERED_MESSAGE

        variables = list(variables)
        repo_path = self.sandbox.repo_path(project)
        text = gitrepo.read_file(repo_path, sha, config_path)
        if text is None and parent_job_id is None:
            raise PipelineRefused("Missing .gitlab-ci.yml file")
        extra = {str(v.get("key")): str(v.get("value", "")) for v in variables if v.get("key")}
        rule_vars = {**self.rule_variables(project, ref, sha, is_tag=is_tag, source=source,
                                           merge_request=merge_request), **extra}
        error = None
        parsed = None
        try:
            if text is None:  # a child pipeline's file: GitLab's message for a missing local include
                raise CiYamlError(f"Local file `{config_path}` does not exist!")
            parsed = parse_ci(text.decode("utf-8", "replace"), ref=ref, sha=sha,
                              default_branch=project["default_branch"], is_tag=is_tag,
                              file_exists=gitrepo.file_exists_at(repo_path, sha), variables=rule_vars)
        except CiYamlError as exc:
            error = str(exc)
            if source not in ("push", "parent_pipeline"):
                raise PipelineRefused(error) from None
        if parsed is not None and parsed.filtered_by_workflow:
            raise PipelineRefused(WORKFLOW_FILTERED_MESSAGE)
        if parsed is not None and not parsed.jobs:
            raise PipelineRefused(NO_JOBS_MESSAGE)
        stamp = now_iso()
        with self._lock:
            iid = (self.store.scalar("SELECT MAX(iid) FROM pipelines WHERE project_id = ?", (project["id"],)) or 0) + 1
            pipeline_id = self.store.insert("pipelines", {
                "iid": iid, "project_id": project["id"], "sha": sha, "before_sha": before_sha or gitrepo.ZERO_SHA,
                "ref": ref, "tag": int(is_tag), "status": "failed" if error else "created", "source": source,
                "user_id": user_id, "yaml_errors": error, "variables": json.dumps(list(variables)),
                "created_at": stamp, "updated_at": stamp, "finished_at": stamp if error else None,
                "stages": json.dumps(list(parsed.stages) if parsed else []),
                "config_path": config_path, "parent_job_id": parent_job_id,
                "merge_request_id": merge_request["id"] if merge_request else None,
                "name": parsed.name if parsed is not None else None,
            })
            if parsed is not None:
                self._ci_cache[pipeline_id] = parsed
                stages = list(parsed.stages)
                for job in parsed.jobs:
                    self._insert_job(pipeline_id, project["id"], job, stages.index(job.stage), user_id)
        self.store.update("projects", project["id"], {"last_activity_at": stamp})
        self.wake()
        return pipeline_id

    def _insert_job(self, pipeline_id: int, project_id: int, job: Any, stage_idx: int, user_id: int) -> int:
        return self.store.insert("jobs", {
            "project_id": project_id, "pipeline_id": pipeline_id, "name": job.name, "stage": job.stage,
            "stage_idx": stage_idx, "status": "created", "when_": job.when, "allow_failure": int(job.allow_failure),
            "tag_list": json.dumps(list(job.tags)), "needs": None if job.needs is None else json.dumps(list(job.needs)),
            "user_id": user_id, "created_at": now_iso(), "bridge": int(job.bridge),
        })

    def ci_pipeline(self, pipeline: dict[str, Any]) -> Any:
        """The parsed .gitlab-ci.yml of a pipeline (parsed again after a restart)."""
        from dockwright.sandbox.ci_config import parse_ci

        cached = self._ci_cache.get(pipeline["id"])
        if cached is not None:
            return cached
        project = self.store.existing("SELECT * FROM projects WHERE id = ?", (pipeline["project_id"],))
        repo_path = self.sandbox.repo_path(project)
        text = gitrepo.read_file(repo_path, pipeline["sha"], pipeline.get("config_path") or CI_FILE) or b""
        rule_vars = self.rule_variables(project, pipeline["ref"], pipeline["sha"], is_tag=bool(pipeline["tag"]),
                                        source=pipeline["source"], merge_request=self.merge_request_of(pipeline))
        parsed = parse_ci(text.decode("utf-8", "replace"), ref=pipeline["ref"], sha=pipeline["sha"],
                          default_branch=project["default_branch"], is_tag=bool(pipeline["tag"]),
                          file_exists=gitrepo.file_exists_at(repo_path, pipeline["sha"]), variables=rule_vars)
        self._ci_cache[pipeline["id"]] = parsed
        return parsed

    def merge_request_of(self, pipeline: dict[str, Any]) -> dict[str, Any] | None:
        mr_id = pipeline.get("merge_request_id")
        return self.store.one("SELECT * FROM merge_requests WHERE id = ?", (mr_id,)) if mr_id else None

    # -- actions from the API -------------------------------------------------------------------------
    def cancel_job(self, job_id: int) -> None:
        with self._lock:
            job = self.store.one("SELECT * FROM jobs WHERE id = ?", (job_id,))
            if job is None or job["status"] in DONE:
                return
            running = self._running.get(job_id)
            if running is not None:
                running.cancel.set()  # its thread stops playing and adds nothing after this line
            self._finish(job_id, "canceled", None, CANCELED_LINE if running is not None else "")
        self.wake()

    def cancel_pipeline(self, pipeline_id: int) -> None:
        with self._lock:  # all at once: the state machine must not skip a later job in between
            for child in self.store.all("SELECT id FROM pipelines WHERE parent_job_id IN (SELECT id FROM jobs WHERE "
                                        "pipeline_id = ? AND bridge = 1) AND finished_at IS NULL", (pipeline_id,)):
                self.cancel_pipeline(child["id"])  # as GitLab: canceling a parent cancels its child pipelines
            for job in self.store.all("SELECT id FROM jobs WHERE pipeline_id = ? AND status IN "
                                      "('created', 'pending', 'running', 'manual')", (pipeline_id,)):
                self.cancel_job(job["id"])
            self._update_pipeline_status(pipeline_id)

    def retry_job(self, job_id: int, user_id: int) -> int:
        """A new job in place of a finished one (the old one is marked retried); returns the new id."""
        with self._lock:
            job = self.store.one("SELECT * FROM jobs WHERE id = ?", (job_id,))
            assert job is not None
            self.store.update("jobs", job_id, {"retried": 1})
            new_id = self.store.insert("jobs", {
                k: job[k] for k in ("project_id", "pipeline_id", "name", "stage", "stage_idx", "when_",
                                    "allow_failure", "tag_list", "needs", "bridge")
            } | {"status": "pending", "user_id": user_id, "created_at": now_iso(), "queued_at": now_iso()})
            for later in self._current_jobs(job["pipeline_id"]):
                if later["stage_idx"] > job["stage_idx"] and later["status"] == "skipped":
                    self.store.update("jobs", later["id"], {"status": "created", "finished_at": None})
            self.store.update("pipelines", job["pipeline_id"], {"finished_at": None, "updated_at": now_iso()})
            self._update_pipeline_status(job["pipeline_id"])  # the answer already shows it running again
        self.wake()
        return new_id

    def retry_pipeline(self, pipeline_id: int, user_id: int) -> None:
        with self._lock:
            jobs = self._current_jobs(pipeline_id)
            for job in jobs:
                if job["status"] in ("failed", "canceled"):
                    self.retry_job(job["id"], user_id)
        self.wake()

    def play_job(self, job_id: int, user_id: int) -> None:
        with self._lock:
            self.store.update("jobs", job_id, {"status": "pending", "queued_at": now_iso(), "user_id": user_id})
            job = self.store.existing("SELECT pipeline_id FROM jobs WHERE id = ?", (job_id,))
            self.store.update("pipelines", job["pipeline_id"], {"finished_at": None})
            self._update_pipeline_status(job["pipeline_id"])
        self.wake()

    def job_for_token(self, secret: str) -> dict[str, Any] | None:
        with self._lock:
            for running in self._running.values():
                if secrets.compare_digest(running.token, secret):
                    return self.store.one("SELECT * FROM jobs WHERE id = ?", (running.job_id,))
        return None

    # -- the state machine ---------------------------------------------------------------------------
    def _current_jobs(self, pipeline_id: int) -> list[dict[str, Any]]:
        return self.store.all("SELECT * FROM jobs WHERE pipeline_id = ? AND retried = 0 ORDER BY stage_idx, id",
                              (pipeline_id,))

    def advance(self) -> None:
        with self._lock:
            pipelines = self.store.all("SELECT * FROM pipelines WHERE status IN "
                                       "('created', 'pending', 'running', 'manual') OR finished_at IS NULL")
            for pipeline in pipelines:
                self._advance_pipeline(pipeline)

    def _advance_pipeline(self, pipeline: dict[str, Any]) -> None:
        if pipeline["yaml_errors"]:
            return
        jobs = self._current_jobs(pipeline["id"])
        by_name = {j["name"]: j for j in jobs}
        for job in jobs:
            if job["status"] != "created":
                continue
            if job["needs"] is not None:
                deps = [by_name[n] for n in json.loads(job["needs"]) if n in by_name]
            else:
                deps = [j for j in jobs if j["stage_idx"] < job["stage_idx"]]
            if not all(self._is_settled(d) for d in deps):
                continue
            upstream_failed = any((d["status"] == "failed" and not d["allow_failure"]) or d["status"] == "canceled"
                                  or (d["status"] == "skipped" and job["needs"] is not None) for d in deps)
            if job["when_"] == "always":
                new = "pending"
            elif upstream_failed:
                new = "skipped"
            elif job["when_"] == "manual":
                new = "manual"
            else:
                new = "pending"
            changes: dict[str, Any] = {"status": new}
            if new == "pending":
                changes["queued_at"] = now_iso()
            if new == "skipped":
                changes["finished_at"] = None
            self.store.update("jobs", job["id"], changes)
            job.update(changes)
        project = self.store.existing("SELECT * FROM projects WHERE id = ?", (pipeline["project_id"],))
        for job in jobs:
            if job["status"] == "pending" and job["bridge"]:
                self._trigger(project, pipeline, job)
            elif job["status"] == "pending" and job["id"] not in self._running:
                self._assign(project, pipeline, job)
        self._update_pipeline_status(pipeline["id"])

    def _trigger(self, project: dict[str, Any], pipeline: dict[str, Any], job: dict[str, Any]) -> None:
        """A bridge is due: create its child pipeline; it passes at once, or follows the child (depend)."""
        ci_job = self._ci_job(pipeline, job["name"])
        self.store.update("jobs", job["id"], {"status": "running", "started_at": now_iso()})
        forwarded = [{"key": k, "value": v} for k, v in ci_job.variables.items()]  # GitLab's forward:yaml_variables
        try:
            child = self.create_pipeline(project, pipeline["ref"], pipeline["sha"], source="parent_pipeline",
                                         before_sha=pipeline["before_sha"], user_id=job["user_id"],
                                         is_tag=bool(pipeline["tag"]), variables=forwarded,
                                         config_path=ci_job.trigger_include, parent_job_id=job["id"])
        except PipelineRefused:  # rules left the child no job
            self._finish(job["id"], "failed", "downstream_pipeline_creation_failed", "")
            return
        self.store.update("jobs", job["id"], {"downstream_pipeline_id": child})
        if ci_job.trigger_depend:
            self._sync_bridge(child)  # a child with a yaml error has failed already
        else:
            self._finish(job["id"], "success", None, "")

    def _sync_bridge(self, child_id: int) -> None:
        """``strategy: depend``: the bridge shows its child pipeline's status (running while it runs)."""
        child = self.store.one("SELECT status, parent_job_id FROM pipelines WHERE id = ?", (child_id,))
        if child is None or child["parent_job_id"] is None:
            return
        bridge = self.store.one("SELECT * FROM jobs WHERE id = ?", (child["parent_job_id"],))
        if bridge is None or bridge["retried"] or bridge["downstream_pipeline_id"] != child_id:
            return
        parent = self.store.one("SELECT * FROM pipelines WHERE id = ?", (bridge["pipeline_id"],))
        if parent is None or not self._ci_job(parent, bridge["name"]).trigger_depend:
            return
        status = child["status"]
        if status in DONE:
            if bridge["status"] != status:
                self._finish(bridge["id"], status, None, "")
        elif status in ("created", "pending", "running") and bridge["status"] != "running":
            self.store.update("jobs", bridge["id"], {"status": "running", "finished_at": None})
            self._update_pipeline_status(parent["id"])

    @staticmethod
    def _is_settled(job: dict[str, Any]) -> bool:
        if job["status"] in DONE:
            return True
        return job["status"] == "manual" and bool(job["allow_failure"])

    def _update_pipeline_status(self, pipeline_id: int) -> None:
        pipeline = self.store.one("SELECT * FROM pipelines WHERE id = ?", (pipeline_id,))
        if pipeline is None or pipeline["yaml_errors"]:
            return
        jobs = self._current_jobs(pipeline_id)
        statuses = [j["status"] for j in jobs]
        status = composite_status((j["status"], bool(j["allow_failure"])) for j in jobs) or "skipped"
        changes: dict[str, Any] = {}
        if status != pipeline["status"]:
            changes["status"] = status
            changes["updated_at"] = now_iso()
        if status in ("running",) and not pipeline["started_at"]:
            changes["started_at"] = now_iso()
        if status in DONE or status == "manual":
            if not pipeline["finished_at"] and not any(s in ("running", "pending", "created") for s in statuses):
                changes["finished_at"] = now_iso()
                if not pipeline["started_at"]:
                    starts = [j["started_at"] for j in jobs if j["started_at"]]
                    changes["started_at"] = min(starts) if starts else None
        elif pipeline["finished_at"]:
            changes["finished_at"] = None
        self.store.update("pipelines", pipeline_id, changes)
        if pipeline["parent_job_id"] is not None and "status" in changes:
            self._sync_bridge(pipeline_id)

    # -- runners -----------------------------------------------------------------------------------
    def available_runners(self, project: dict[str, Any]) -> list[dict[str, Any]]:
        rows = self.store.all("SELECT * FROM runners WHERE project_id = ? ORDER BY id", (project["id"],))
        if project["shared_runners_enabled"]:
            rows += self.store.all("SELECT * FROM runners WHERE runner_type = 'instance_type' ORDER BY id")
        return [r for r in rows if is_online(r)]

    def _profile(self, row: dict[str, Any]) -> Any:
        from dockwright.sandbox.runner_sim import RunnerProfile, hosted_runner

        if row["runner_type"] == "instance_type":
            return hosted_runner(row["id"])
        return RunnerProfile(
            id=row["id"], description=row["description"], tags=tuple(json.loads(row["tag_list"])),
            run_untagged=bool(row["run_untagged"]), executor=row["executor"] or "shell",
            privileged=bool(row["privileged"]), volumes=tuple(json.loads(row["volumes"])),
            host_has_docker=bool(row["host_has_docker"]), protected_only=row["access_level"] == "ref_protected",
            services_privileged=None if row.get("services_privileged") is None else bool(row["services_privileged"]),
            allowed_privileged_services=tuple(json.loads(row.get("allowed_privileged_services") or "[]")),
            security_opt=tuple(json.loads(row.get("security_opt") or "[]")),
            **({"default_image": row["default_image"]} if row.get("default_image") else {}),
        )

    def _assign(self, project: dict[str, Any], pipeline: dict[str, Any], job: dict[str, Any]) -> None:
        from dockwright.sandbox.runner_sim import runner_matches

        ci_job = self._ci_job(pipeline, job["name"])
        protected = self.is_protected(project, pipeline["ref"])
        busy = {r.job_id: None for r in self._running.values()}
        busy_runners = {self.store.scalar("SELECT runner_id FROM jobs WHERE id = ?", (jid,)) for jid in busy}
        for row in self.available_runners(project):
            if row["runner_type"] != "instance_type" and row["id"] in busy_runners:
                continue  # a project runner plays one job at a time (gitlab-runner's concurrent = 1)
            if runner_matches(ci_job, self._profile(row), ref_protected=protected):
                self._start(project, pipeline, job, ci_job, row)
                return
        if job["started_at"] is None:
            message = self._stuck_message(project, pipeline, ci_job) + "\n"
            if job["trace"] != message:
                self.store.update("jobs", job["id"], {"trace": message})

    def _stuck_message(self, project: dict[str, Any], pipeline: dict[str, Any], ci_job: Any) -> str:
        from dockwright.sandbox.runner_sim import stuck_message

        profiles = [self._profile(r) for r in self.available_runners(project)]
        message = stuck_message(ci_job, profiles, ref_protected=self.is_protected(project, pipeline["ref"]))
        return message or "This job is pending: every runner that can take it is busy with another job."

    def _ci_job(self, pipeline: dict[str, Any], name: str) -> Any:
        for job in self.ci_pipeline(pipeline).jobs:
            if job.name == name:
                return job
        raise KeyError(name)

    # -- playing a job ------------------------------------------------------------------------------
    def job_variables(self, project: dict[str, Any], pipeline: dict[str, Any], job: dict[str, Any],
                      token: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
        """(predefined variables, project variables, values to mask) for one job run."""
        protected = self.is_protected(project, pipeline["ref"])
        predefined = job_predefined_variables(project, pipeline, job, token, url=self.sandbox.url,
                                              registry_host=self.sandbox.registry_host, protected=protected)
        mr = self.merge_request_of(pipeline)
        if mr is not None:  # a merge request pipeline: the source branch's name, no CI_COMMIT_BRANCH
            predefined.update(self.rule_variables(project, pipeline["ref"], pipeline["sha"], is_tag=False,
                                                  source=pipeline["source"], merge_request=mr,
                                                  with_project_variables=False))
            predefined.pop("CI_COMMIT_BRANCH", None)
        project_vars, masked = self.project_variables(project, protected_ref=protected)
        self.expand_unless_raw(project, project_vars, predefined)
        for extra in json.loads(pipeline["variables"] or "[]"):  # POST /pipeline variables win over the project's
            if isinstance(extra, dict) and extra.get("key"):
                project_vars[str(extra["key"])] = str(extra.get("value", ""))
        return predefined, project_vars, [token, *masked]

    def _start(self, project: dict[str, Any], pipeline: dict[str, Any], job: dict[str, Any], ci_job: Any,
               runner: dict[str, Any]) -> None:
        token = "glcbt-" + secrets.token_hex(16)
        running = _Running(job["id"], token, threading.Event())
        self._running[job["id"]] = running
        self.store.update("jobs", job["id"], {"status": "running", "started_at": now_iso(), "runner_id": runner["id"],
                                              "trace": "", "failure_reason": None})
        thread = threading.Thread(target=self._play, args=(project, pipeline, job, ci_job, runner, running),
                                  name=f"sandbox-job-{job['id']}", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _append(self, job_id: int, text: str) -> None:
        self.store.execute("UPDATE jobs SET trace = trace || ? WHERE id = ?", (text, job_id))

    def _play(self, project: dict[str, Any], pipeline: dict[str, Any], job: dict[str, Any], ci_job: Any,
              runner: dict[str, Any], running: _Running) -> None:
        from dockwright.sandbox.runner_sim import play_job

        status, reason = "failed", "script_failure"
        started = time.monotonic()
        pause = max(0.0, self.sandbox.job_seconds) / 40
        real = None
        try:
            predefined, variables, masked = self.job_variables(project, pipeline, job, running.token)
            tokens = job_id_tokens(ci_job.id_tokens, {**predefined, **variables})  # id_tokens: GitLab signs them
            predefined.update(tokens)
            masked += list(tokens.values())
            repo_path = self.sandbox.repo_path(project)
            if self.sandbox.real is not None:
                real = self.sandbox.real.job(repo_path, pipeline["sha"])
            exists = gitrepo.file_exists_at(repo_path, pipeline["sha"])
            gen = play_job(ci_job, runner=self._profile(runner), variables=variables, masked_values=masked,
                           read_file=lambda path: gitrepo.read_file(repo_path, pipeline["sha"], path.lstrip("/")),
                           path_exists=lambda path: path.strip("/") in ("", ".") or exists(path.lstrip("/")),
                           registry=self.registry, predefined=predefined, real=real,
                           list_files=lambda: gitrepo.list_files(repo_path, pipeline["sha"]))
            result = None
            while True:
                if running.cancel.is_set():
                    gen.close()
                    break
                try:
                    chunk = next(gen)
                except StopIteration as stop:
                    result = stop.value
                    break
                with self._lock:  # a cancel's last line is always the log's last line
                    if running.cancel.is_set():
                        continue
                    self._append(job["id"], chunk)
                if pause and time.monotonic() - started < self.sandbox.job_seconds * 0.9:
                    running.cancel.wait(pause)  # the log grows over the job's time, as a runner's does
            if result is not None:
                status, reason = result.status, result.failure_reason
                if ci_job.artifacts is not None and not running.cancel.is_set():
                    artifacts_store.save(self.sandbox, job, ci_job.artifacts, result.artifacts, result.junit)
                remaining = self.sandbox.job_seconds - (time.monotonic() - started)
                if remaining > 0:
                    running.cancel.wait(remaining)
        except Exception as exc:  # a bug in the engine must not hang the pipeline
            self.sandbox.internal_errors.append(f"job {job['id']}: {exc!r}")
            self._append(job["id"], f"\n\x1b[31;1mERROR: Job failed (system failure): {exc}\x1b[0;m\n")
            status, reason = "failed", "runner_system_failure"
        finally:
            if real is not None:
                real.close()  # the job's images leave the engine with it (one daemon per job)
            with self._lock:
                self._running.pop(job["id"], None)
                if running.cancel.is_set():
                    status = "canceled"
                self._finish(job["id"], status, reason if status == "failed" else None, "")
            self.wake()

    def _finish(self, job_id: int, status: str, reason: str | None, tail: str) -> None:
        if tail:
            self._append(job_id, tail)
        self.store.update("jobs", job_id, {"status": status, "failure_reason": reason, "finished_at": now_iso()})
        job = self.store.one("SELECT pipeline_id FROM jobs WHERE id = ?", (job_id,))
        if job is not None:
            self._update_pipeline_status(job["pipeline_id"])
