"""REST handlers: repository commits (list with ``ref_name``/``since``/``until``/``path``, one commit, its
diff, and a commit of several actions), and the commit step the files API shares with them."""

from __future__ import annotations

import base64
import datetime as _dt
from pathlib import Path
from typing import Any

from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_common import (
    SCOPE_READ,
    SCOPE_WRITE,
    ApiError,
    Request,
    bad_request_missing,
    json_response,
    not_found,
    paginate,
    to_bool,
)
from dockwright.sandbox.api_projects import find_project

COMMIT_ACTIONS = ("create", "delete", "move", "update", "chmod")
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def _q(req: Request, name: str) -> str:
    return req.query.get(name, [""])[-1]


def commit_json(req: Request, project: dict[str, Any], sha: str) -> dict[str, Any]:
    info = gitrepo.commit_info(req.sandbox.repo_path(project), sha)
    return {**info, "trailers": {}, "extended_trailers": {},
            "web_url": f"{req.sandbox.url}/{project['path_with_namespace']}/-/commit/{sha}"}


def _stats(repo_path, sha: str, parents: list[str]) -> dict[str, int]:
    base = parents[0] if parents else EMPTY_TREE
    numstat = gitrepo.git(repo_path, "diff", "--numstat", base, sha).decode().splitlines()
    adds = sum(int(line.split()[0]) for line in numstat if line.split()[0].isdigit())
    dels = sum(int(line.split()[1]) for line in numstat if line.split()[1].isdigit())
    return {"additions": adds, "deletions": dels, "total": adds + dels}


def require_all(req: Request, *names: str) -> None:
    """Grape names every missing required parameter at once: ``branch is missing, content is missing``."""
    missing = [n for n in names if req.arg(n) is None or req.arg(n) == ""]
    if missing:
        raise ApiError(400, {"error": ", ".join(f"{n} is missing" for n in missing)})


def commit_on_branch(req: Request, project: dict[str, Any], branch: str, message: str,
                     changes: list[tuple[str, str, bytes | None, str | None]], *, start_ref: str | None,
                     start_default: bool = False) -> str:
    """One commit of ``changes`` onto ``branch`` (from ``start_ref`` when the branch is new), then the push
    hook (pipelines). ``start_default``: the files API starts a new branch from ``branch`` itself, so a
    missing branch without ``start_branch`` is GitLab's 'You can only create or edit files...'."""
    repo_path = req.sandbox.repo_path(project)
    before = gitrepo.resolve(repo_path, f"refs/heads/{branch}")
    start = None
    if before is None:
        if start_ref:
            start = gitrepo.resolve(repo_path, str(start_ref))
            if start is None:
                raise ApiError(400, {"message": f"Invalid reference name: {start_ref}"})
        elif gitrepo.branches(repo_path) or start_default:
            raise ApiError(400, {"message": "You can only create or edit files when you are on a branch"})
    user = req.me
    author = gitrepo.Author(str(req.arg("author_name") or user["name"]), str(req.arg("author_email") or user["email"]))
    try:
        sha = gitrepo.commit_files(repo_path, branch, message, author, changes,
                                   start_sha=start if before is None else None)
    except gitrepo.GitFailed as exc:
        raise ApiError(400, {"message": str(exc)}) from exc
    req.sandbox.on_push(project, [(f"refs/heads/{branch}", before or gitrepo.ZERO_SHA, sha)], user_id=user["id"])
    return sha


def decode_content(content: Any, encoding: Any) -> bytes:
    if encoding == "base64":
        try:
            return base64.b64decode(str(content), validate=True)
        except ValueError as exc:
            raise ApiError(400, {"message": "Invalid base64 content"}) from exc
    return str(content).encode("utf-8")


def create_commit(req: Request):
    project = find_project(req)
    branch = str(req.required("branch"))
    message = str(req.required("commit_message"))
    actions = req.arg("actions")
    if not actions:
        raise bad_request_missing("actions")
    if not isinstance(actions, list) or not all(isinstance(a, dict) for a in actions):
        raise ApiError(400, {"error": "actions is invalid"})
    changes = []
    for action in actions:
        kind = action.get("action")
        if kind not in COMMIT_ACTIONS:
            raise ApiError(400, {"error": "actions[action] does not have a valid value"})
        path = action.get("file_path")
        if not path:
            raise ApiError(400, {"error": "actions[file_path] is missing"})
        content = action.get("content")
        if kind in ("create", "update") and content is None:
            raise ApiError(400, {"error": "actions[content] is missing"})
        data = decode_content(content, action.get("encoding")) if content is not None else None
        if kind == "chmod":
            data = b"+x" if str(action.get("execute_filemode", "")).lower() == "true" else b"-x"
        changes.append((kind, str(path), data, action.get("previous_path")))
    sha = commit_on_branch(req, project, branch, message, changes,
                           start_ref=req.arg("start_sha") or req.arg("start_branch"))
    body = commit_json(req, project, sha)
    body.update({"stats": _stats(req.sandbox.repo_path(project), sha, body["parent_ids"]), "status": None})
    return json_response(201, body)


def _find_commit(req: Request) -> tuple[dict[str, Any], Path, str]:
    """The project, its bare repository and the full sha the route's ``:sha`` names; GitLab's 404 when none."""
    project = find_project(req)
    repo_path = req.sandbox.repo_path(project)
    sha = gitrepo.resolve(repo_path, req.params["sha"])
    if sha is None:
        raise not_found("Commit")
    return project, repo_path, sha


def get_commit(req: Request):
    project, repo_path, sha = _find_commit(req)
    body = commit_json(req, project, sha)
    stats = _q(req, "stats")
    if not stats or to_bool(stats, "stats"):
        body["stats"] = _stats(repo_path, sha, body["parent_ids"])
    return json_response(200, body)


def _date_arg(req: Request, name: str) -> float | None:
    """An ISO 8601 time as a Unix timestamp (UTC when no offset is given), or Grape's 400."""
    raw = _q(req, name)
    if not raw:
        return None
    try:
        when = _dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(400, {"error": f"{name} is invalid"}) from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return when.timestamp()


def list_commits(req: Request):
    """``ref_name`` (default branch), ``since``/``until`` (ISO 8601), ``path``, ``all``, ``first_parent``,
    ``order`` (default/topo), ``with_stats``. An unknown ref lists nothing, as GitLab's does. Like GitLab's,
    the pages carry no x-total/x-total-pages."""
    project = find_project(req)
    repo_path = req.sandbox.repo_path(project)
    args = ["log", "--format=%H %ct"]
    since, until = _date_arg(req, "since"), _date_arg(req, "until")
    if _q(req, "first_parent") and to_bool(_q(req, "first_parent"), "first_parent"):
        args.append("--first-parent")
    order = _q(req, "order") or "default"
    if order not in ("default", "topo"):
        raise ApiError(400, {"error": "order does not have a valid value"})
    if order == "topo":
        args.append("--topo-order")
    if _q(req, "all") and to_bool(_q(req, "all"), "all"):
        args.append("--all")
    else:
        sha = gitrepo.resolve(repo_path, _q(req, "ref_name") or project["default_branch"])
        if sha is None:
            return paginate(req, [], totals=False)
        args.append(sha)
    path = _q(req, "path")
    if path:
        args += ["--", path]
    shas = []
    for line in gitrepo.git(repo_path, *args, check=False).decode().splitlines():
        sha, _, stamp = line.partition(" ")
        if (since is None or int(stamp) >= since) and (until is None or int(stamp) <= until):
            shas.append(sha)
    with_stats = bool(_q(req, "with_stats")) and to_bool(_q(req, "with_stats"), "with_stats")

    def render(sha: str) -> dict[str, Any]:
        body = commit_json(req, project, sha)
        if with_stats:
            body["stats"] = _stats(repo_path, sha, body["parent_ids"])
        return body

    return paginate(req, shas, render, totals=False)


def _mode(mode: str) -> str:
    return "0" if set(mode) == {"0"} else mode


def commit_diff(req: Request):
    """The commit's changes against its first parent, one entry per file, ``diff`` holding the hunks."""
    _, repo_path, sha = _find_commit(req)
    parents = gitrepo.commit_info(repo_path, sha)["parent_ids"]
    base = parents[0] if parents else EMPTY_TREE
    raw = gitrepo.git(repo_path, "diff", "-M", "--raw", "-z", "--no-abbrev", base, sha).decode("utf-8", "replace")
    fields = raw.split("\0")
    entries = []
    i = 0
    while i < len(fields) - 1:
        meta = fields[i].lstrip(":").split()
        status = meta[4]
        if status.startswith(("R", "C")):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        entries.append((meta[0], meta[1], status[0], old, new))
    patch = gitrepo.git(repo_path, "diff", "-M", "-p", "--no-color", base, sha).decode("utf-8", "replace")
    blocks = ["diff --git " + b for b in patch.split("\ndiff --git ") if b]
    blocks[0] = blocks[0].removeprefix("diff --git diff --git ")
    items = []
    for index, (a_mode, b_mode, status, old, new) in enumerate(entries):
        block = blocks[index] if index < len(blocks) else ""
        lines = block.splitlines(keepends=True)
        start = next((n for n, line in enumerate(lines) if line.startswith("@@")), len(lines))
        items.append({"diff": "".join(lines[start:]), "new_path": new, "old_path": old, "a_mode": _mode(a_mode),
                      "b_mode": _mode(b_mode), "new_file": status == "A", "renamed_file": status == "R",
                      "deleted_file": status == "D", "generated_file": False})
    return paginate(req, items)


ROUTES = [
    ("GET", "/projects/:id/repository/commits", list_commits, SCOPE_READ),
    ("POST", "/projects/:id/repository/commits", create_commit, SCOPE_WRITE),
    ("GET", "/projects/:id/repository/commits/:sha", get_commit, SCOPE_READ),
    ("GET", "/projects/:id/repository/commits/:sha/diff", commit_diff, SCOPE_READ),
]
