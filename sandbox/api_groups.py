"""REST handlers: groups (``GET /groups``, ``GET /groups/:id``, ``GET /groups/:id/projects``), as
doc/api/groups.md documents them.

The sandbox keeps no group table: a group is a namespace some project lives in that is not a user's
(``demo`` of demo/app, ``fleet`` of the projects ``Sandbox.create_group_projects`` makes) and every parent
of one (``fleet`` of ``fleet/team/app``). Its id is stable (project_fields.group_id). Root is a member of
every group; other users of the sandbox are members of none.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from dockwright.sandbox.api_common import SCOPE_READ, ApiError, Request, json_response, not_found, paginate, to_bool
from dockwright.sandbox.api_projects import visible_and_sorted
from dockwright.sandbox.project_fields import namespace_json, project_json


def group_paths(store: Any) -> list[str]:
    """Every group's full path, parents included, sorted."""
    users = {row["username"] for row in store.all("SELECT username FROM users")}
    found: set[str] = set()
    for row in store.all("SELECT path_with_namespace FROM projects"):
        namespace = row["path_with_namespace"].rpartition("/")[0]
        if not namespace or namespace in users:
            continue
        parts = namespace.split("/")
        found.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(found)


def _projects_in(store: Any, full_path: str, *, subgroups: bool) -> list[dict[str, Any]]:
    rows = store.all("SELECT * FROM projects")
    if subgroups:
        return [r for r in rows if r["path_with_namespace"].startswith(full_path + "/")]
    return [r for r in rows if r["path_with_namespace"].rpartition("/")[0] == full_path]


def group_json(req: Request, full_path: str) -> dict[str, Any]:
    """``Entities::Group``: the fields of doc/api/groups.md's 'List groups' item, and those newer revisions add."""
    namespace = namespace_json(req.sandbox, full_path)
    parent = full_path.rpartition("/")[0]
    names = [p.rpartition("/")[2] for p in _ancestors(full_path)]
    projects = _projects_in(req.store, full_path, subgroups=True)
    created = min((r["created_at"] for r in projects), default=None)
    return {
        "id": namespace["id"], "web_url": namespace["web_url"], "name": namespace["name"], "path": namespace["path"],
        "description": "", "visibility": "private", "share_with_group_lock": False,
        "require_two_factor_authentication": False, "two_factor_grace_period": 48,
        "project_creation_level": "developer", "auto_devops_enabled": None, "subgroup_creation_level": "maintainer",
        "emails_disabled": False, "emails_enabled": True, "mentions_disabled": None, "lfs_enabled": True,
        "default_branch": None, "default_branch_protection": 2, "avatar_url": None, "request_access_enabled": True,
        "full_name": " / ".join(names), "full_path": full_path, "created_at": created,
        "parent_id": namespace_json(req.sandbox, parent)["id"] if parent else None, "organization_id": 1,
        "shared_runners_setting": "enabled", "ldap_cn": None, "ldap_access": None, "marked_for_deletion_on": None,
        "wiki_access_level": "enabled",
    }


def _ancestors(full_path: str) -> list[str]:
    parts = full_path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def find_group(req: Request) -> str:
    """The full path of the group ``:id`` names (its id, or its URL-encoded full path); else 404."""
    ident = urllib.parse.unquote(req.params["id"])
    for path in group_paths(req.store):
        if ident == path or (ident.isdigit() and namespace_json(req.sandbox, path)["id"] == int(ident)):
            if req.me["username"] != "root":
                break  # GitLab hides a private group from a non-member
            return path
    raise not_found("Group")


def _flag(req: Request, name: str) -> bool | None:
    value = req.query.get(name, [""])[-1]
    return to_bool(value, name) if value else None


def list_groups(req: Request):
    """``search`` (name or path), ``top_level_only``, ``order_by`` (name, path, id), ``sort`` (default asc)."""
    paths = group_paths(req.store) if req.me["username"] == "root" else []
    search = req.query.get("search", [""])[-1].lower()
    if search:
        paths = [p for p in paths if search in p.rpartition("/")[2].lower()]
    if _flag(req, "top_level_only"):
        paths = [p for p in paths if "/" not in p]
    groups = [group_json(req, p) for p in paths]
    order_by = req.query.get("order_by", ["name"])[-1]
    if order_by not in ("name", "path", "id", "similarity"):
        raise ApiError(400, {"error": "order_by does not have a valid value"})
    sort = req.query.get("sort", ["asc"])[-1]
    if sort not in ("asc", "desc"):
        raise ApiError(400, {"error": "sort does not have a valid value"})
    key = "name" if order_by == "similarity" else order_by
    groups.sort(key=lambda g: (g[key], g["id"]), reverse=sort == "desc")
    return paginate(req, groups)


def get_group(req: Request):
    """The group, with ``projects`` (its own projects, at most 100) unless ``with_projects=false``."""
    path = find_group(req)
    out = group_json(req, path)
    if _flag(req, "with_projects") is not False:
        rows = sorted(_projects_in(req.store, path, subgroups=False), key=lambda r: r["id"])[:100]
        out["projects"] = [project_json(req.sandbox, r) for r in rows]
        out["shared_projects"] = []
    return json_response(200, out)


def list_group_projects(req: Request):
    """``include_subgroups``, ``search``, ``visibility``, ``archived`` (nothing is archived), ``simple``,
    ``order_by`` (default created_at) and ``sort`` (default desc); offset pagination."""
    path = find_group(req)
    rows = _projects_in(req.store, path, subgroups=bool(_flag(req, "include_subgroups")))
    search = req.query.get("search", [""])[-1].lower()
    if search:
        rows = [r for r in rows if search in r["path_with_namespace"].rpartition("/")[2].lower()
                or search in r["name"].lower()]
    rows = [] if _flag(req, "archived") else visible_and_sorted(req, rows)
    if _flag(req, "simple"):
        return paginate(req, rows, lambda r: _simple(req, r))
    return paginate(req, rows, lambda r: project_json(req.sandbox, r))


def _simple(req: Request, row: dict[str, Any]) -> dict[str, Any]:
    """``Entities::BasicProjectDetails`` (``simple=true``)."""
    full = project_json(req.sandbox, row)
    keys = ("id", "description", "name", "name_with_namespace", "path", "path_with_namespace", "created_at",
            "default_branch", "tag_list", "topics", "ssh_url_to_repo", "http_url_to_repo", "web_url", "readme_url",
            "forks_count", "avatar_url", "star_count", "last_activity_at", "namespace")
    return {k: full[k] for k in keys if k in full}


ROUTES = [
    ("GET", "/groups", list_groups, SCOPE_READ),
    ("GET", "/groups/:id", get_group, SCOPE_READ),
    ("GET", "/groups/:id/projects", list_group_projects, SCOPE_READ),
]
