"""GitLabClient's runners: find, create (the current way and the legacy registration token), reset, update, delete,
list and their status: a part of :class:`~dockwright.wizard.gitlab.GitLabClient`, which is the one to use."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import gitlab.exceptions

from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import DockwrightError
from dockwright.wizard.gitlab_part import MAX_RETRIES, ClientPart, _reveal


class RunnerCalls(ClientPart):

    def project_id(self, project: str | int) -> int:
        proj = self._project(project)
        if getattr(proj, "_lazy", False) or "id" not in proj.attributes or not isinstance(proj.attributes["id"], int):
            full = self._call("open the project", lambda: self._gl.projects.get(project), project=str(project))
            self._projects[str(project)] = full
            return int(full.attributes["id"])
        return int(proj.attributes["id"])

    def find_runner(self, project: str | int, *, description: str, tags: Iterable[str]) -> dict | None:
        """A project runner with this description and exactly these tags, or None."""
        p = self._project(project)
        want = sorted(tags)

        def run() -> dict | None:
            for r in p.runners.list(get_all=True, type="project_type"):
                if r.attributes.get("description") != description:
                    continue
                full = self._gl.runners.get(r.attributes["id"]).attributes
                if sorted(full.get("tag_list") or ()) == want:
                    return full
            return None

        return self._call("list the project's runners", run, project=str(project), role="Maintainer")

    def create_runner(self, project: str | int, *, description: str, tags: Iterable[str], run_untagged: bool = False,
                      locked: bool = True, protected: bool = False, note: str | None = None) -> dict:
        """``POST /user/runners`` (project_type): returns ``{id, token, token_expires_at}``; the glrt- token is
        shown only this once."""
        pid = self.project_id(project)
        data = {"runner_type": "project_type", "project_id": pid, "description": description,
                "tag_list": list(tags), "run_untagged": run_untagged, "locked": locked,
                "access_level": "ref_protected" if protected else "not_protected"}
        if note:
            data["maintenance_note"] = note
        tags = list(tags)

        def post() -> dict:
            # Not retried blindly: if GitLab created the runner but the answer was lost, a second POST
            # would make a second runner. Look first, then try again.
            res = self._gl.http_post("/user/runners", post_data=data, retry_transient_errors=False)
            assert isinstance(res, dict)
            return dict(res)

        for attempt in range(MAX_RETRIES):
            try:
                return self._call("create a project runner", post, project=str(project), role="Maintainer")
            except DockwrightError as exc:
                if getattr(exc, "code", "") not in ("server_error", "connection_dropped", "timeout") \
                        or attempt == MAX_RETRIES - 1:
                    raise
            time.sleep(0.1 * 2 ** attempt)
            found = self.find_runner(project, description=description, tags=tags)
            if found is not None:  # the lost answer did create it: a fresh token for the same runner
                return {"id": found["id"], "token": self.reset_runner_token(int(found["id"])),
                        "token_expires_at": None}
        raise AssertionError("unreachable")  # pragma: no cover

    def register_runner_legacy(self, registration_token: Secret | str, *, description: str,
                               tags: Iterable[str], run_untagged: bool = False, locked: bool = True,
                               protected: bool = False, note: str | None = None) -> dict:
        """The deprecated ``POST /runners`` with a registration token (GitLab answers 410 from 17.0 on)."""
        data = {"token": _reveal(registration_token), "description": description, "tag_list": ",".join(tags),
                "run_untagged": run_untagged, "locked": locked,
                "access_level": "ref_protected" if protected else "not_protected"}
        if note:
            data["maintenance_note"] = note

        def run() -> dict:
            res = self._gl.http_post("/runners", post_data=data)
            assert isinstance(res, dict)
            return dict(res)

        return self._call("register a runner with a registration token", run, role="Maintainer")

    def reset_runner_token(self, runner_id: int) -> str:
        """``POST /runners/:id/reset_authentication_token``: a new token for a runner whose token is lost."""

        def run() -> str:
            res = self._gl.http_post(f"/runners/{runner_id}/reset_authentication_token")
            assert isinstance(res, dict)
            return str(res["token"])

        return self._call("reset the runner's token", run, role="Maintainer")

    def update_runner(self, runner_id: int, **fields: Any) -> dict:
        """``PUT /runners/:id`` with only ``fields`` (description, tag_list, run_untagged, locked, access_level,
        maintenance_note): the runner keeps its id and its token, so config.toml stays valid."""
        def run() -> dict:
            res = self._gl.http_put(f"/runners/{runner_id}", post_data=fields)
            assert isinstance(res, dict)
            return dict(res)

        return self._call("update the runner", run, role="Maintainer")

    def delete_runner(self, runner_id: int) -> None:
        """``DELETE /runners/:id``; a runner already gone counts as deleted (a retried DELETE after a lost 204)."""
        try:
            self._call("delete the runner", lambda: self._gl.http_delete(f"/runners/{runner_id}"), role="Maintainer")
        except DockwrightError as exc:
            if getattr(exc, "code", "") != "not_found":
                raise

    def list_project_runners(self, project: str | int) -> list[dict]:
        """The runners available to the project (its own and, when enabled, the instance's), each with the
        facts a stuck job is explained by: id, description, status, online, paused, runner_type, tag_list,
        run_untagged. ``GET /projects/:id/runners`` leaves out the tags and run_untagged, so each runner is
        read once more with ``GET /runners/:id`` (the list's fields win where GitLab limits that read)."""
        p = self._project(project)

        def run() -> list[dict]:
            runners = []
            for brief in p.runners.list(get_all=True):
                listed = dict(brief.attributes)
                try:
                    full = dict(self._gl.runners.get(listed["id"]).attributes)
                except gitlab.exceptions.GitlabGetError as exc:
                    if exc.response_code not in (403, 404):
                        raise
                    full = {}  # e.g. an instance runner a non-admin may not read: the list's facts only
                runners.append({**full, **{k: v for k, v in listed.items() if v is not None or k not in full}})
            return runners

        return self._call("list the project's runners", run, project=str(project), role="Maintainer")

    def get_runner(self, runner_id: int) -> dict:
        return self._call("read the runner", lambda: self._gl.runners.get(runner_id).attributes, role="Maintainer")

    def runner_status(self, runner_id: int) -> str:
        """``online``, ``offline``, ``stale`` or ``never_contacted``."""
        return str(self.get_runner(runner_id).get("status") or "never_contacted")

