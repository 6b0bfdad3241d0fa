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
from dockwright.sandbox.avatars import store_avatar
from dockwright.sandbox.project_fields import project_json

__all__ = ["find_project", "project_json"]

VISIBILITIES = ("private", "internal", "public")
ORDER_BY = ("id", "name", "path", "created_at", "updated_at", "last_activity_at")
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


def _query_flag(req: Request, name: str) -> bool:
    value = req.query.get(name, [""])[-1]
    return to_bool(value, name) if value else False


def get_project(req: Request):
    return json_response(200, project_json(req.sandbox, find_project(req), statistics=_query_flag(req, "statistics"),
                                           license_info=_query_flag(req, "license")))


def visible_and_sorted(req: Request, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The projects lists' ``visibility`` filter and ``order_by`` (default created_at) / ``sort`` (default desc)."""
    visibility = req.query.get("visibility", [""])[-1]
    if visibility:
        if visibility not in VISIBILITIES:
            raise ApiError(400, {"error": "visibility does not have a valid value"})
        rows = [r for r in rows if (r.get("visibility") or "private") == visibility]
    order_by = req.query.get("order_by", ["created_at"])[-1]
    if order_by not in ORDER_BY:
        raise ApiError(400, {"error": "order_by does not have a valid value"})
    sort = req.query.get("sort", ["desc"])[-1]
    if sort not in ("asc", "desc"):
        raise ApiError(400, {"error": "sort does not have a valid value"})
    column = {"updated_at": "last_activity_at", "path": "path_with_namespace"}.get(order_by, order_by)
    return sorted(rows, key=lambda r: (r[column], r["id"]), reverse=sort == "desc")


def list_projects(req: Request):
    """``search`` (name or path), ``owned`` and ``membership`` (root owns and belongs to every project;
    other users of the sandbox are members of none), ``visibility``, ``order_by``/``sort``."""
    rows = req.store.all("SELECT * FROM projects")
    search = req.query.get("search", [""])[-1].lower()
    if search:
        rows = [r for r in rows if search in r["path_with_namespace"].lower() or search in r["name"].lower()]
    if (_query_flag(req, "owned") or _query_flag(req, "membership")) and req.me["username"] != "root":
        rows = []
    rows = visible_and_sorted(req, rows)
    statistics = _query_flag(req, "statistics")
    return paginate(req, rows, lambda r: project_json(req.sandbox, r, statistics=statistics))


REGISTRY_ACCESS_LEVELS = ("enabled", "private", "disabled")


def edit_project(req: Request):
    """Description, instance runners, visibility and the avatar (a multipart upload, as GitLab takes it);
    an invalid avatar changes nothing and answers GitLab's validation error."""
    project = find_project(req)
    changes: dict[str, Any] = {}
    if req.arg("shared_runners_enabled") is not None:
        changes["shared_runners_enabled"] = int(to_bool(req.arg("shared_runners_enabled"), "shared_runners_enabled"))
    if req.arg("description") is not None:
        changes["description"] = str(req.arg("description"))
    if req.arg("visibility") is not None:
        if req.arg("visibility") not in VISIBILITIES:
            raise ApiError(400, {"error": "visibility does not have a valid value"})
        changes["visibility"] = req.arg("visibility")
    avatar = req.upload("avatar")
    if avatar is not None:
        changes["avatar"] = store_avatar(req.sandbox, project, avatar)
    level = req.arg("container_registry_access_level")
    if level is not None:
        if level not in REGISTRY_ACCESS_LEVELS:
            raise ApiError(400, {"error": "container_registry_access_level does not have a valid value"})
        changes["container_registry_access_level"] = str(level)
    elif req.arg("container_registry_enabled") is not None:  # the deprecated boolean GitLab still accepts
        on = to_bool(req.arg("container_registry_enabled"), "container_registry_enabled")
        changes["container_registry_access_level"] = "enabled" if on else "disabled"
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
