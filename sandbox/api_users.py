"""REST handlers: the current user, the token itself, version and metadata."""

from __future__ import annotations

from typing import Any

from dockwright.sandbox.api_common import SCOPE_ANY, SCOPE_READ, SCOPE_USER_READ, Request, json_response, not_found

VERSION = "17.11.0"
REVISION = "5a1b2c3d4e5"


def user_json(sandbox, user: dict[str, Any], *, full: bool = True) -> dict[str, Any]:
    base = {
        "id": user["id"], "username": user["username"], "name": user["name"], "state": "active",
        "locked": False, "avatar_url": None, "web_url": f"{sandbox.url}/{user['username']}",
    }
    if not full:
        return base
    return {
        **base, "email": user["email"], "created_at": user["created_at"], "bio": "", "location": None,
        "public_email": None, "skype": "", "linkedin": "", "twitter": "", "discord": "", "website_url": "",
        "organization": "", "job_title": "", "pronouns": None, "bot": False, "work_information": None,
        "followers": 0, "following": 0, "local_time": None, "last_sign_in_at": user["created_at"],
        "confirmed_at": user["created_at"], "theme_id": 1, "last_activity_on": user["created_at"][:10],
        "color_scheme_id": 1, "projects_limit": 100000, "current_sign_in_at": user["created_at"],
        "identities": [], "can_create_group": True, "can_create_project": True, "two_factor_enabled": False,
        "external": False, "private_profile": False, "commit_email": user["email"],
        "is_admin": user["username"] == "root",
    }


def token_json(token: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": token["id"], "name": token["name"], "revoked": bool(token["revoked"]),
        "created_at": token["created_at"], "description": token.get("description"),
        "scopes": list(token["scopes"]), "user_id": token["user_id"], "last_used_at": token["last_used_at"],
        "active": not token["revoked"] and not token.get("_expired", False), "expires_at": token["expires_at"],
    }


def get_user(req: Request):
    return json_response(200, user_json(req.sandbox, req.me))


def get_token_self(req: Request):
    assert req.token is not None, "this route requires a token"
    return json_response(200, token_json(req.token))


def get_token(req: Request):
    ident = req.params["token_id"]
    if ident == "self":
        return get_token_self(req)
    row = req.store.one("SELECT * FROM tokens WHERE id = ? AND user_id = ?", (int(ident) if ident.isdigit() else -1,
                                                                             req.me["id"]))
    if row is None:
        raise not_found()
    import json
    row["scopes"] = json.loads(row["scopes"])
    return json_response(200, token_json(row))


def get_version(req: Request):
    return json_response(200, {"version": VERSION, "revision": REVISION})


def get_metadata(req: Request):
    return json_response(200, {
        "version": VERSION, "revision": REVISION,
        "kas": {"enabled": False, "externalUrl": None, "externalK8sProxyUrl": None, "version": None},
        "enterprise": False,
    })


ROUTES = [
    ("GET", "/user", get_user, SCOPE_USER_READ),
    ("GET", "/personal_access_tokens/self", get_token_self, SCOPE_ANY),
    ("GET", "/personal_access_tokens/:token_id", get_token, SCOPE_READ),
    ("GET", "/version", get_version, SCOPE_USER_READ),
    ("GET", "/metadata", get_metadata, SCOPE_USER_READ),
]
