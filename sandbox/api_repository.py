"""REST handlers: repository branches, tree and files (reading), CI lint, and the container
registry's repositories and tags (filled by simulated ``docker push``)."""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from typing import Any

from ruamel.yaml import YAML

from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_commits import commit_json
from dockwright.sandbox.api_common import (
    SCOPE_READ,
    SCOPE_WRITE,
    ApiError,
    Request,
    Response,
    bad_request_missing,
    json_response,
    no_content,
    not_found,
    paginate,
    to_bool,
)
from dockwright.sandbox.api_projects import find_project
from dockwright.sandbox.store import now_iso


def _q(req: Request, name: str) -> str:
    return req.query.get(name, [""])[-1]


def branch_json(req: Request, project: dict[str, Any], name: str, sha: str) -> dict[str, Any]:
    default = name == project["default_branch"]
    return {
        "name": name, "merged": False, "protected": default, "default": default,
        "developers_can_push": False, "developers_can_merge": False, "can_push": True,
        "web_url": f"{req.sandbox.url}/{project['path_with_namespace']}/-/tree/{name}",
        "commit": commit_json(req, project, sha),
    }


# -- branches -----------------------------------------------------------------------------------

def list_branches(req: Request):
    project = find_project(req)
    items = gitrepo.branches(req.sandbox.repo_path(project))
    search = _q(req, "search")
    if search:
        if search.startswith("^"):
            items = [b for b in items if b[0].startswith(search[1:])]
        elif search.endswith("$"):
            items = [b for b in items if b[0].endswith(search[:-1])]
        else:
            items = [b for b in items if search in b[0]]
    return paginate(req, items, lambda b: branch_json(req, project, b[0], b[1]))


def get_branch(req: Request):
    project = find_project(req)
    name = req.params["branch"]
    sha = dict(gitrepo.branches(req.sandbox.repo_path(project))).get(name)
    if sha is None:
        raise not_found("Branch")
    return json_response(200, branch_json(req, project, name, sha))


def create_branch(req: Request):
    project = find_project(req)
    name = str(req.required("branch"))
    ref = str(req.required("ref"))
    repo_path = req.sandbox.repo_path(project)
    if dict(gitrepo.branches(repo_path)).get(name):
        raise ApiError(400, {"message": "Branch already exists"})
    if gitrepo.git(repo_path, "check-ref-format", "--branch", name, check=False) == b"":
        raise ApiError(400, {"message": "Branch name is invalid"})
    sha = gitrepo.resolve(repo_path, ref)
    if sha is None:
        raise ApiError(400, {"message": "Invalid reference name: " + ref})
    gitrepo.git(repo_path, "update-ref", f"refs/heads/{name}", sha, gitrepo.ZERO_SHA)
    req.sandbox.on_push(project, [(f"refs/heads/{name}", gitrepo.ZERO_SHA, sha)], user_id=req.me["id"])
    return json_response(201, branch_json(req, project, name, sha))


def delete_branch(req: Request):
    project = find_project(req)
    name = req.params["branch"]
    repo_path = req.sandbox.repo_path(project)
    if name not in dict(gitrepo.branches(repo_path)):
        raise not_found("Branch")
    if name == project["default_branch"]:
        raise ApiError(400, {"message": "The default branch of a project cannot be deleted."})
    gitrepo.git(repo_path, "update-ref", "-d", f"refs/heads/{name}")
    return no_content()


# -- files --------------------------------------------------------------------------------------

def _resolve_ref(req: Request, project: dict[str, Any], ref: str) -> str:
    if ref == "HEAD":
        ref = project["default_branch"]
    sha = gitrepo.resolve(req.sandbox.repo_path(project), ref)
    if sha is None:
        raise not_found("Commit")
    return sha


def _file(req: Request, *, ref_default: str | None = None) -> tuple[dict[str, Any], str, str, bytes, str]:
    """The file at ``ref``; GitLab requires ``ref`` except on the raw route, where it defaults to HEAD."""
    project = find_project(req)
    ref = _q(req, "ref") or ref_default
    if not ref:
        raise bad_request_missing("ref")
    path = req.params["file_path"]
    sha = _resolve_ref(req, project, ref)
    content = gitrepo.read_file(req.sandbox.repo_path(project), sha, path)
    if content is None:
        raise not_found("File")
    return project, ref, sha, content, path


def get_file(req: Request):
    project, ref, sha, content, path = _file(req)
    repo_path = req.sandbox.repo_path(project)
    last = gitrepo.git(repo_path, "log", "-1", "--format=%H", sha, "--", path).decode().strip()
    body = {
        "file_name": path.rpartition("/")[2], "file_path": path, "size": len(content), "encoding": "base64",
        "content": base64.b64encode(content).decode("ascii"),
        "content_sha256": hashlib.sha256(content).hexdigest(), "ref": ref,
        "blob_id": gitrepo.blob_id(repo_path, sha, path), "commit_id": sha, "last_commit_id": last,
        "execute_filemode": False,
    }
    headers = [(f"X-Gitlab-{k.replace('_', '-').title()}", str(v)) for k, v in body.items() if k != "content"]
    if req.method == "HEAD":
        return Response(200, b"", "application/json", headers)
    return json_response(200, body, headers)


def get_raw_file(req: Request):
    _project, _ref, _sha, content, _path = _file(req, ref_default="HEAD")
    return Response(200, content, "text/plain; charset=utf-8")


def list_tree(req: Request):
    """``ref`` (default branch; an unknown one is GitLab's 404 Tree Not Found), ``path`` (a missing folder
    lists nothing), ``recursive`` (folders and files at every depth)."""
    project = find_project(req)
    ref = _q(req, "ref") or project["default_branch"]
    sha = gitrepo.resolve(req.sandbox.repo_path(project), project["default_branch"] if ref == "HEAD" else ref)
    if sha is None:
        raise not_found("Tree")
    repo_path = req.sandbox.repo_path(project)
    recursive = bool(_q(req, "recursive")) and to_bool(_q(req, "recursive"), "recursive")
    args = ["ls-tree", "-t"] + (["-r"] if recursive else []) + [sha]
    base = _q(req, "path").strip("/")
    if base:
        args.append(base + "/")
    items = []
    for line in gitrepo.git(repo_path, *args).decode().splitlines():
        meta, _, path = line.partition("\t")
        mode, kind, oid = meta.split()
        if base and not path.startswith(base + "/"):  # -t also names the folders that lead to `path`
            continue
        items.append({"id": oid, "name": path.rpartition("/")[2], "type": kind, "path": path, "mode": mode})
    return paginate(req, items)


# -- CI lint ------------------------------------------------------------------------------------

def _merged_yaml(text: str) -> str:
    from dockwright.sandbox.ci_config import load_ci_yaml

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    data = load_ci_yaml(text)
    out = io.StringIO()
    yaml.explicit_start = True
    yaml.dump(data, out)
    return out.getvalue()


def _lint(req: Request, project: dict[str, Any], content: str, ref: str | None, include_jobs: bool) -> dict[str, Any]:
    from dockwright.sandbox.ci_config import CiYamlError, parse_ci

    ref = ref or project["default_branch"]
    repo_path = req.sandbox.repo_path(project)
    sha = gitrepo.resolve(repo_path, ref) or gitrepo.resolve(repo_path, project["default_branch"]) or ""
    exists = gitrepo.file_exists_at(repo_path, sha) if sha else (lambda _p: False)
    result: dict[str, Any] = {"valid": True, "errors": [], "warnings": [], "merged_yaml": None, "includes": []}
    try:
        parsed = parse_ci(content, ref=ref, sha=sha or gitrepo.ZERO_SHA, default_branch=project["default_branch"],
                          file_exists=exists)
        result["merged_yaml"] = _merged_yaml(content)
    except CiYamlError as exc:
        result.update(valid=False, errors=list(exc.errors))
        if exc.note:
            result["warnings"] = [f"sandbox: {exc.note}"]
        parsed = None
    if include_jobs:
        result["jobs"] = [] if parsed is None else [{
            "name": j.name, "stage": j.stage, "before_script": list(j.before_script), "script": list(j.script),
            "after_script": list(j.after_script), "tag_list": list(j.tags), "only": None, "except": None,
            "environment": None, "when": j.when, "allow_failure": j.allow_failure,
            "needs": None if j.needs is None else [{"name": n} for n in j.needs],
        } for j in parsed.jobs]
    return result


def lint_content(req: Request):
    project = find_project(req)
    content = req.arg("content")
    if content is None:
        raise bad_request_missing("content")
    include_jobs = bool(req.flag("include_jobs", False))
    return json_response(200, _lint(req, project, str(content), req.arg("ref"), include_jobs))


def lint_repository(req: Request):
    project = find_project(req)
    ref = _q(req, "content_ref") or _q(req, "sha") or project["default_branch"]
    sha = _resolve_ref(req, project, ref)
    text = gitrepo.read_file(req.sandbox.repo_path(project), sha, ".gitlab-ci.yml")
    if text is None:
        return json_response(200, {"valid": False, "errors": ["Please provide content of .gitlab-ci.yml"],
                                   "warnings": [], "merged_yaml": None, "includes": []})
    include_jobs = _q(req, "include_jobs").lower() == "true"
    return json_response(200, _lint(req, project, text.decode("utf-8", "replace"), ref, include_jobs))


# -- container registry -------------------------------------------------------------------------

def _repositories(req: Request, project: dict[str, Any]) -> list[dict[str, Any]]:
    rows = req.store.all(
        "SELECT MIN(id) AS id, repository, MIN(created_at) AS created_at, COUNT(*) AS tags_count "
        "FROM registry_tags WHERE project_id = ? GROUP BY repository ORDER BY MIN(id)", (project["id"],))
    real = req.sandbox.real
    if real is None:
        return rows
    # Real builds: the repositories and tags are what the real registry lists (/v2/_catalog, tags/list); the
    # rows give an id and a date to those pushed through a job, a checksum of the path to any other.
    known = {row["repository"]: row for row in rows}
    path = project["path_with_namespace"]
    found = []
    for repository in real.registry.catalog():
        if repository != path and not repository.startswith(path + "/"):
            continue
        tags = real.registry.tags(repository)
        if not tags:
            continue
        row = known.get(repository) or {"id": zlib.crc32(repository.encode()) & 0x7FFFFFFF, "repository": repository,
                                        "created_at": now_iso()}
        found.append({**row, "tags_count": len(tags), "tags": tags})
    return sorted(found, key=lambda r: r["id"])


def _tag_names(req: Request, row: dict[str, Any]) -> list[str]:
    if "tags" in row:
        return row["tags"]
    return [t["tag"] for t in req.store.all("SELECT tag FROM registry_tags WHERE repository = ? ORDER BY tag",
                                            (row["repository"],))]


def _tag_json(req: Request, repository: str, tag: str) -> dict[str, Any]:
    return {"name": tag, "path": f"{repository}:{tag}", "location": f"{req.sandbox.registry_host}/{repository}:{tag}"}


def list_registry_repositories(req: Request):
    project = find_project(req)
    with_tags = _q(req, "tags").lower() == "true"
    with_count = _q(req, "tags_count").lower() == "true"

    def render(row: dict[str, Any]) -> dict[str, Any]:
        name = row["repository"][len(project["path_with_namespace"]):].lstrip("/")
        body = {"id": row["id"], "name": name, "path": row["repository"], "project_id": project["id"],
                "location": f"{req.sandbox.registry_host}/{row['repository']}", "created_at": row["created_at"],
                "cleanup_policy_started_at": None, "status": None}
        if with_count:
            body["tags_count"] = row["tags_count"]
        if with_tags:
            body["tags"] = [_tag_json(req, row["repository"], tag) for tag in _tag_names(req, row)]
        return body

    return paginate(req, _repositories(req, project), render)


def list_registry_tags(req: Request):
    project = find_project(req)
    ident = req.params["repository_id"]
    match = [r for r in _repositories(req, project) if str(r["id"]) == ident]
    if not match:
        raise not_found("Repository")
    repository = match[0]["repository"]
    return paginate(req, _tag_names(req, match[0]), lambda tag: _tag_json(req, repository, tag))


def get_registry_tag(req: Request):
    project = find_project(req)
    ident = req.params["repository_id"]
    match = [r for r in _repositories(req, project) if str(r["id"]) == ident]
    if not match:
        raise not_found("Repository")
    repository = match[0]["repository"]
    row = req.store.one("SELECT * FROM registry_tags WHERE repository = ? AND tag = ?",
                        (repository, req.params["tag_name"]))
    real = req.sandbox.real
    if real is not None:  # digest and size from the real registry's manifest
        if req.params["tag_name"] not in _tag_names(req, match[0]):
            raise not_found("Tag")
        digest, size = real.registry.manifest(repository, req.params["tag_name"])
        return json_response(200, {**_tag_json(req, repository, req.params["tag_name"]),
                                   "revision": digest.split(":")[-1], "short_revision": digest.split(":")[-1][:9],
                                   "digest": digest, "created_at": row["created_at"] if row else now_iso(),
                                   "total_size": size})
    if row is None:
        raise not_found("Tag")
    return json_response(200, {**_tag_json(req, repository, row["tag"]), "revision": row["digest"].split(":")[-1],
                               "short_revision": row["digest"].split(":")[-1][:9], "digest": row["digest"],
                               "created_at": row["created_at"], "total_size": 0})


ROUTES = [
    ("GET", "/projects/:id/repository/branches", list_branches, SCOPE_READ),
    ("GET", "/projects/:id/repository/branches/:branch", get_branch, SCOPE_READ),
    ("POST", "/projects/:id/repository/branches", create_branch, SCOPE_WRITE),
    ("DELETE", "/projects/:id/repository/branches/:branch", delete_branch, SCOPE_WRITE),
    ("GET", "/projects/:id/repository/tree", list_tree, SCOPE_READ),
    ("GET", "/projects/:id/repository/files/:file_path", get_file, SCOPE_READ),
    ("GET", "/projects/:id/repository/files/:file_path/raw", get_raw_file, SCOPE_READ),
    ("POST", "/projects/:id/ci/lint", lint_content, SCOPE_WRITE),
    ("GET", "/projects/:id/ci/lint", lint_repository, SCOPE_READ),
    ("GET", "/projects/:id/registry/repositories", list_registry_repositories, SCOPE_READ),
    ("GET", "/projects/:id/registry/repositories/:repository_id/tags", list_registry_tags, SCOPE_READ),
    ("GET", "/projects/:id/registry/repositories/:repository_id/tags/:tag_name", get_registry_tag, SCOPE_READ),
]
