"""REST handlers: a learner's own practice projects, ``POST /projects`` and ``DELETE /projects/:id``.

The sandbox has one user that matters (root) and no groups of its own: a project goes into the caller's
namespace (``root``), or into ``demo`` (namespace id 2, the demo project's group) when ``namespace_id`` says
so; any other namespace is GitLab's ``namespace is not valid``. Deleting is immediate (GitLab Free's
behaviour; GitLab.com and Premium first mark a project for deletion)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_common import SCOPE_WRITE, ApiError, Request, json_response
from dockwright.sandbox.api_projects import VISIBILITIES, find_project
from dockwright.sandbox.avatars import remove_avatars
from dockwright.sandbox.project_fields import DEMO_GROUP_ID, ROOT_NAMESPACE_ID, project_json
from dockwright.sandbox.store import now_iso

PATH_RE = re.compile(r"\A[a-zA-Z0-9_][a-zA-Z0-9_.-]*\Z")
PATH_MESSAGE = ("can contain only letters, digits, '_', '-' and '.'. Cannot start with '-', end in '.git' or "
                "end in '.atom'")
NAME_RE = re.compile(r"\A[^\W][\w .+-]*\Z")
NAME_MESSAGE = ("can contain only letters, digits, emoji, '_', '.', '+', dashes, or spaces. It must start with a "
                "letter, digit, emoji, or '_'.")


def _namespace(req: Request) -> str:
    """The full path of the namespace ``namespace_id`` (an id or a path) names; the caller's own by default."""
    own = req.me["username"]
    wanted = req.arg("namespace_id") or req.arg("namespace")
    if wanted is None or wanted == "":
        return own
    text = str(wanted)
    groups = {row["path_with_namespace"].rpartition("/")[0] for row in req.store.all("SELECT * FROM projects")}
    if text in (str(ROOT_NAMESPACE_ID), "root") and own == "root":
        return "root"
    if text == own:
        return own
    if text == str(DEMO_GROUP_ID) or (text in groups and text != "root"):
        return "demo" if text == str(DEMO_GROUP_ID) else text
    raise ApiError(400, {"message": {"namespace": ["is not valid"]}})


def _slug(name: str) -> str:
    """GitLab's path from a name (``parameterize``): lower case, other characters to dashes."""
    return re.sub(r"[^a-z0-9_.]+", "-", name.lower()).strip("-.") or "project"


def create_project(req: Request):
    name, path = req.arg("name"), req.arg("path")
    if not name and not path:
        raise ApiError(400, {"error": "name, path are missing, at least one parameter must be provided"})
    name = str(name or path)
    path = str(path or _slug(name))
    namespace = _namespace(req)
    errors: dict[str, list[str]] = {}
    if not NAME_RE.match(name):
        errors.setdefault("name", []).append(NAME_MESSAGE)
    if not PATH_RE.match(path) or path.endswith((".git", ".atom")):
        errors.setdefault("path", []).append(PATH_MESSAGE)
    rows = [r for r in req.store.all("SELECT * FROM projects") if r["path_with_namespace"].rpartition("/")[0] == namespace]
    if any(r["name"] == name for r in rows):
        errors.setdefault("name", []).append("has already been taken")
    if any(r["path_with_namespace"].rpartition("/")[2].lower() == path.lower() for r in rows):
        errors.setdefault("path", []).append("has already been taken")
    visibility = req.arg("visibility") or "private"
    if visibility not in VISIBILITIES:
        raise ApiError(400, {"error": "visibility does not have a valid value"})
    default_branch = str(req.arg("default_branch") or "main")
    if gitrepo.git(Path("."), "check-ref-format", "--branch", default_branch, check=False) == b"":
        errors.setdefault("default_branch", []).append("is invalid")
    if errors:
        raise ApiError(400, {"message": errors})
    stamp = now_iso()
    runners = req.flag("shared_runners_enabled", True)
    project_id = req.store.insert("projects", {
        "path_with_namespace": f"{namespace}/{path}", "name": name, "description": str(req.arg("description") or ""),
        "default_branch": default_branch, "shared_runners_enabled": int(bool(runners)),
        "creator_id": req.me["id"], "created_at": stamp, "last_activity_at": stamp, "visibility": visibility,
    })
    project = req.store.existing("SELECT * FROM projects WHERE id = ?", (project_id,))
    repo_path = req.sandbox.repo_path(project)
    gitrepo.init_bare(repo_path, default_branch)
    if req.flag("initialize_with_readme", False):
        author = gitrepo.Author(req.me["name"], req.me["email"])
        readme = f"# {name}\n\n{project['description']}\n".rstrip("\n") + "\n"
        gitrepo.commit_files(repo_path, default_branch, "Initial commit", author,
                             [("create", "README.md", readme.encode("utf-8"), None)])
    return json_response(201, project_json(req.sandbox, project))


def delete_project(req: Request):
    project = find_project(req)
    pid = project["id"]
    for pipeline in req.store.all("SELECT id FROM pipelines WHERE project_id = ?", (pid,)):
        req.scheduler.cancel_pipeline(pipeline["id"])
    for table in ("jobs", "pipelines", "variables", "registry_tags"):
        req.store.execute(f"DELETE FROM {table} WHERE project_id = ?", (pid,))
    req.store.execute("DELETE FROM runners WHERE project_id = ? AND runner_type = 'project_type'", (pid,))
    req.store.execute("DELETE FROM projects WHERE id = ?", (pid,))
    shutil.rmtree(req.sandbox.repo_path(project), ignore_errors=True)
    remove_avatars(req.sandbox, pid)
    return json_response(202, {"message": "202 Accepted"})


ROUTES: list[tuple[str, str, Any, tuple[str, ...]]] = [
    ("POST", "/projects", create_project, SCOPE_WRITE),
    ("DELETE", "/projects/:id", delete_project, SCOPE_WRITE),
]
