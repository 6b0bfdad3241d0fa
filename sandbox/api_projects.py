"""REST handlers: projects and their CI/CD variables."""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from dockwright.sandbox.api_common import (
    SCOPE_READ,
    SCOPE_WRITE,
    ApiError,
    Request,
    json_response,
    no_content,
    not_found,
    paginate,
    to_bool,
)

KEY_RE = re.compile(r"\A[A-Za-z0-9_]{1,255}\Z")
MASKED_EXPANDED_RE = re.compile(r"\A[a-zA-Z0-9_+=/@:.~-]{8,}\Z")
MASKED_RAW_RE = re.compile(r"\A\S{8,}\Z")
VARIABLE_TYPES = ("env_var", "file")
MAX_VARIABLES = 8000


def find_project(req: Request) -> dict[str, Any]:
    ident = urllib.parse.unquote(req.params["id"])
    project = req.store.project(ident)
    if project is None:
        raise not_found("Project")
    return project


def project_json(sandbox, project: dict[str, Any]) -> dict[str, Any]:
    path = project["path_with_namespace"]
    namespace, _, short = path.rpartition("/")
    web = f"{sandbox.url}/{path}"
    api = f"{sandbox.url}/api/v4/projects/{project['id']}"
    return {
        "id": project["id"], "description": project["description"], "description_html": "",
        "default_branch": project["default_branch"], "visibility": "private",
        "ssh_url_to_repo": f"git@127.0.0.1:{path}.git", "http_url_to_repo": f"{web}.git", "web_url": web,
        "readme_url": f"{web}/-/blob/{project['default_branch']}/README.md", "tag_list": [], "topics": [],
        "owner": {"id": project["creator_id"], "username": "root", "name": "Administrator",
                  "state": "active", "locked": False, "avatar_url": None, "web_url": f"{sandbox.url}/root"},
        "name": project["name"], "name_with_namespace": f"{namespace.replace('/', ' / ')} / {project['name']}",
        "path": short, "path_with_namespace": path, "issues_enabled": True, "open_issues_count": 0,
        "merge_requests_enabled": True, "jobs_enabled": True, "wiki_enabled": False, "snippets_enabled": False,
        "can_create_merge_request_in": True, "resolve_outdated_diff_discussions": False,
        "container_registry_enabled": True, "container_registry_access_level": "enabled",
        "container_registry_image_prefix": f"{sandbox.registry_host}/{path}",
        "security_and_compliance_access_level": "private",
        "created_at": project["created_at"], "updated_at": project["last_activity_at"],
        "last_activity_at": project["last_activity_at"], "creator_id": project["creator_id"],
        "namespace": {"id": 2, "name": namespace, "path": namespace, "kind": "group", "full_path": namespace,
                      "parent_id": None, "avatar_url": None, "web_url": f"{sandbox.url}/groups/{namespace}"},
        "import_url": None, "import_type": None, "import_status": "none", "import_error": None,
        "permissions": {"project_access": {"access_level": 50, "notification_level": 3}, "group_access": None},
        "archived": False, "avatar_url": None,
        "shared_runners_enabled": bool(project["shared_runners_enabled"]), "group_runners_enabled": True,
        "forks_count": 0, "star_count": 0,
        "runners_token": sandbox.registration_token(project["id"]),
        "ci_default_git_depth": 20, "ci_forward_deployment_enabled": True,
        "ci_config_path": "", "public_jobs": True, "only_allow_merge_if_pipeline_succeeds": False,
        "repository_storage": "default", "empty_repo": False,
        "_links": {"self": api, "issues": f"{api}/issues", "merge_requests": f"{api}/merge_requests",
                   "repo_branches": f"{api}/repository/branches", "labels": f"{api}/labels",
                   "events": f"{api}/events", "members": f"{api}/members",
                   "cluster_agents": f"{api}/cluster_agents"},
    }


def get_project(req: Request):
    return json_response(200, project_json(req.sandbox, find_project(req)))


def list_projects(req: Request):
    rows = req.store.all("SELECT * FROM projects ORDER BY id DESC")
    search = req.query.get("search", [""])[-1].lower()
    if search:
        rows = [r for r in rows if search in r["path_with_namespace"].lower() or search in r["name"].lower()]
    return paginate(req, rows, lambda r: project_json(req.sandbox, r))


def edit_project(req: Request):
    project = find_project(req)
    changes: dict[str, Any] = {}
    if req.arg("shared_runners_enabled") is not None:
        changes["shared_runners_enabled"] = int(to_bool(req.arg("shared_runners_enabled"), "shared_runners_enabled"))
    if req.arg("description") is not None:
        changes["description"] = str(req.arg("description"))
    req.store.update("projects", project["id"], changes)
    return json_response(200, project_json(req.sandbox, req.store.existing("SELECT * FROM projects WHERE id = ?", (project["id"],))))


# -- variables ----------------------------------------------------------------------------------

def variable_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "variable_type": row["variable_type"], "key": row["key"],
        "value": None if row["hidden"] else row["value"], "protected": bool(row["protected"]),
        "masked": bool(row["masked"]), "hidden": bool(row["hidden"]), "raw": bool(row["raw"]),
        "environment_scope": row["environment_scope"], "description": row["description"],
    }


def _scope_filter(req: Request) -> str | None:
    direct = req.query.get("filter[environment_scope]")
    if direct:
        return direct[-1]
    filt = req.body_params().get("filter")
    if isinstance(filt, dict) and filt.get("environment_scope"):
        return str(filt["environment_scope"])
    return None


def _find_variable(req: Request, project: dict[str, Any]) -> dict[str, Any]:
    key = urllib.parse.unquote(req.params["key"])
    scope = _scope_filter(req)
    sql = "SELECT * FROM variables WHERE project_id = ? AND key = ?"
    params: list[Any] = [project["id"], key]
    if scope is not None:
        sql += " AND environment_scope = ?"
        params.append(scope)
    rows = req.store.all(sql, params)
    if not rows:
        raise not_found("Variable")
    if len(rows) > 1:
        raise ApiError(409, {"message": "There are multiple variables with provided parameters. "
                                        "Please use 'filter[environment_scope]'"})
    return rows[0]


def _check_masked(value: str | None, raw: bool) -> None:
    pattern = MASKED_RAW_RE if raw else MASKED_EXPANDED_RE
    if value is None or not pattern.match(value):
        raise ApiError(400, {"message": {"value": ["is invalid"]}})


def _variable_type(req: Request, default: str) -> str:
    value = req.arg("variable_type", default)
    if value not in VARIABLE_TYPES:
        raise ApiError(400, {"error": "variable_type does not have a valid value"})
    return value


def list_variables(req: Request):
    project = find_project(req)
    rows = req.store.all("SELECT * FROM variables WHERE project_id = ? ORDER BY id", (project["id"],))
    return paginate(req, rows, variable_json)


def get_variable(req: Request):
    return json_response(200, variable_json(_find_variable(req, find_project(req))))


def create_variable(req: Request):
    project = find_project(req)
    key = req.required("key")
    value = req.arg("value")
    if value is None:
        raise ApiError(400, {"error": "value is missing"})
    value = str(value)
    key = str(key)
    if not KEY_RE.match(key):
        raise ApiError(400, {"message": {"key": ["can contain only letters, digits and '_'."]}})
    scope = str(req.arg("environment_scope") or "*")
    hidden = bool(req.flag("masked_and_hidden", False))
    masked = bool(req.flag("masked", False)) or hidden
    raw = bool(req.flag("raw", False))
    vtype = _variable_type(req, "env_var")
    if masked:
        _check_masked(value, raw)
    if req.store.one("SELECT id FROM variables WHERE project_id = ? AND key = ? AND environment_scope = ?",
                     (project["id"], key, scope)):
        raise ApiError(400, {"message": {"key": [f"({key}) has already been taken"]}})
    count = req.store.scalar("SELECT COUNT(*) FROM variables WHERE project_id = ?", (project["id"],))
    if count >= MAX_VARIABLES:
        raise ApiError(400, {"message": {"base": [f"Maximum number of project ci variables ({MAX_VARIABLES}) exceeded"]}})
    row_id = req.store.insert("variables", {
        "project_id": project["id"], "key": key, "value": value, "variable_type": vtype,
        "protected": int(bool(req.flag("protected", False))), "masked": int(masked), "hidden": int(hidden),
        "raw": int(raw), "environment_scope": scope, "description": req.arg("description"),
    })
    return json_response(201, variable_json(req.store.existing("SELECT * FROM variables WHERE id = ?", (row_id,))))


def update_variable(req: Request):
    project = find_project(req)
    row = _find_variable(req, project)
    changes: dict[str, Any] = {}
    masked_arg = req.flag("masked")
    if row["hidden"] and masked_arg is not None and masked_arg != bool(row["masked"]):
        raise ApiError(400, {"message": {"base": ["The visibility setting cannot be changed for masked and "
                                                  "hidden variables."]}})
    if req.arg("value") is not None:
        changes["value"] = str(req.arg("value"))
    if masked_arg is not None:
        changes["masked"] = int(masked_arg)
    for name in ("protected", "raw"):
        flag = req.flag(name)
        if flag is not None:
            changes[name] = int(flag)
    if req.arg("variable_type") is not None:
        changes["variable_type"] = _variable_type(req, row["variable_type"])
    if req.arg("environment_scope") is not None:
        changes["environment_scope"] = str(req.arg("environment_scope"))
    if "description" in req.body_params():
        changes["description"] = req.arg("description")
    merged = {**row, **changes}
    if merged["masked"]:
        _check_masked(merged["value"], bool(merged["raw"]))
    scope_moves = "environment_scope" in changes and changes["environment_scope"] != row["environment_scope"]
    if scope_moves and req.store.one("SELECT id FROM variables WHERE project_id = ? AND key = ? AND environment_scope = ?",
                                     (project["id"], row["key"], changes["environment_scope"])):
        raise ApiError(400, {"message": {"key": [f"({row['key']}) has already been taken"]}})
    req.store.update("variables", row["id"], changes)
    return json_response(200, variable_json(req.store.existing("SELECT * FROM variables WHERE id = ?", (row["id"],))))


def delete_variable(req: Request):
    project = find_project(req)
    row = _find_variable(req, project)
    req.store.execute("DELETE FROM variables WHERE id = ?", (row["id"],))
    return no_content()


ROUTES = [
    ("GET", "/projects", list_projects, SCOPE_READ),
    ("GET", "/projects/:id", get_project, SCOPE_READ),
    ("PUT", "/projects/:id", edit_project, SCOPE_WRITE),
    ("GET", "/projects/:id/variables", list_variables, SCOPE_READ),
    ("GET", "/projects/:id/variables/:key", get_variable, SCOPE_READ),
    ("POST", "/projects/:id/variables", create_variable, SCOPE_WRITE),
    ("PUT", "/projects/:id/variables/:key", update_variable, SCOPE_WRITE),
    ("DELETE", "/projects/:id/variables/:key", delete_variable, SCOPE_WRITE),
]
