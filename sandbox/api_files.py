"""REST handlers: create, update and delete one file (``POST/PUT/DELETE /projects/:id/repository/files/
:file_path``), each a real commit in the bare repository (and so a pipeline, as a push makes one)."""

from __future__ import annotations

from typing import Any

from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_commits import commit_on_branch, decode_content, require_all
from dockwright.sandbox.api_common import SCOPE_WRITE, ApiError, Request, json_response, no_content, to_bool
from dockwright.sandbox.api_projects import find_project


def _file_path(req: Request) -> str:
    path = req.params["file_path"]
    parts = path.split("/")
    if not path or path.startswith("/") or ".." in parts or "" in parts:
        raise ApiError(400, {"error": "file_path should be a valid file path"})
    return path


def _encoding(req: Request) -> str:
    encoding = req.arg("encoding") or "text"
    if encoding not in ("text", "base64"):
        raise ApiError(400, {"error": "encoding does not have a valid value"})
    return encoding


def _check_last_commit(req: Request, project: dict[str, Any], branch: str, path: str) -> None:
    """``last_commit_id``: GitLab refuses the change when the file changed on the branch since then."""
    expected = req.arg("last_commit_id")
    if not expected:
        return
    repo_path = req.sandbox.repo_path(project)
    head = gitrepo.resolve(repo_path, f"refs/heads/{branch}")
    last = gitrepo.git(repo_path, "log", "-1", "--format=%H", head, "--", path).decode().strip() if head else ""
    if last and last != str(expected):
        raise ApiError(400, {"message": "You are attempting to update a file that has changed since you started "
                                        "editing it."})


def _write(req: Request, action: str, status: int):
    project = find_project(req)
    path = _file_path(req)
    wanted = ["branch", "commit_message"] + (["content"] if action != "delete" else [])
    require_all(req, *wanted)
    branch = str(req.arg("branch"))
    changes: list[tuple[str, str, bytes | None, str | None]] = []
    if action == "delete":
        changes.append(("delete", path, None, None))
    else:
        changes.append((action, path, decode_content(req.arg("content"), _encoding(req)), None))
        mode = req.arg("execute_filemode")
        if mode is not None:
            changes.append(("chmod", path, b"+x" if to_bool(mode, "execute_filemode") else b"-x", None))
    if action != "create":
        _check_last_commit(req, project, branch, path)
    commit_on_branch(req, project, branch, str(req.arg("commit_message")), changes,
                     start_ref=req.arg("start_branch"), start_default=True)
    if action == "delete":
        return no_content()
    return json_response(status, {"file_path": path, "branch": branch})


def create_file(req: Request):
    return _write(req, "create", 201)


def update_file(req: Request):
    return _write(req, "update", 200)


def delete_file(req: Request):
    return _write(req, "delete", 204)


ROUTES = [
    ("POST", "/projects/:id/repository/files/:file_path", create_file, SCOPE_WRITE),
    ("PUT", "/projects/:id/repository/files/:file_path", update_file, SCOPE_WRITE),
    ("DELETE", "/projects/:id/repository/files/:file_path", delete_file, SCOPE_WRITE),
]
