"""REST handlers: runners (create, legacy registration, verify, read, list, delete, reset token), and
registration from a gitlab-runner ``config.toml``.

A runner created through the API is ``never_contacted`` until the sandbox reads a config.toml that
holds its token (what a real gitlab-runner process does when it starts polling); from then on it is
``online`` and takes the executor, ``privileged`` and ``volumes`` from that file. The instance runner
plays GitLab.com's hosted Linux runners: docker executor, privileged, runs untagged jobs.
"""

from __future__ import annotations

import datetime as _dt
import json
import secrets
import tomllib
import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwright.sandbox.api_common import (
    SCOPE_CREATE_RUNNER,
    SCOPE_READ,
    SCOPE_WRITE,
    ApiError,
    Request,
    forbidden,
    json_response,
    list_arg,
    no_content,
    not_found,
    paginate,
    to_bool,
)
from dockwright.sandbox.store import new_token, now_iso, parse_iso, token_digest
from dockwright.wizard.errors import BadInput

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox import Sandbox

RUNNER_TYPES = ("instance_type", "group_type", "project_type")
ACCESS_LEVELS = ("not_protected", "ref_protected")
INSTANCE_RUNNER_DESCRIPTION = "Hosted Linux runner (plays GitLab.com's saas-linux-small-amd64)"
INSTANCE_RUNNER_TAGS = ("saas-linux-small-amd64",)
ONLINE_SECONDS = 2 * 3600
STALE_SECONDS = 7 * 24 * 3600


def ensure_instance_runner(store) -> int:
    row = store.one("SELECT id FROM runners WHERE runner_type = 'instance_type' ORDER BY id LIMIT 1")
    if row is not None:
        store.update("runners", row["id"], {"contacted_at": now_iso()})
        return row["id"]
    return store.insert("runners", {
        "runner_type": "instance_type", "description": INSTANCE_RUNNER_DESCRIPTION,
        "tag_list": json.dumps(list(INSTANCE_RUNNER_TAGS)), "run_untagged": 1, "created_at": now_iso(),
        "contacted_at": now_iso(), "executor": "docker", "privileged": 1,
        "volumes": json.dumps(["/certs/client", "/cache"]), "host_has_docker": 0,
    })


def runner_status(row: dict[str, Any]) -> str:
    if row["runner_type"] == "instance_type":
        return "online"
    now = _dt.datetime.now(_dt.UTC).timestamp()
    contacted = parse_iso(row["contacted_at"])
    if contacted is None:
        created = parse_iso(row["created_at"])
        if created is not None and now - created.timestamp() > STALE_SECONDS:
            return "stale"
        return "never_contacted"
    age = now - contacted.timestamp()
    if age <= ONLINE_SECONDS:
        return "online"
    return "stale" if age > STALE_SECONDS else "offline"


def is_online(row: dict[str, Any]) -> bool:
    return runner_status(row) == "online" and not row["paused"]


def runner_brief(row: dict[str, Any]) -> dict[str, Any]:
    status = runner_status(row)
    return {
        "active": not row["paused"], "paused": bool(row["paused"]), "description": row["description"],
        "id": row["id"], "ip_address": "", "is_shared": row["runner_type"] == "instance_type",
        "runner_type": row["runner_type"], "name": None,
        "online": None if status == "never_contacted" else status == "online", "status": status,
    }


def runner_json(req: Request, row: dict[str, Any]) -> dict[str, Any]:
    projects = []
    if row["project_id"]:
        project = req.store.project(row["project_id"])
        if project is not None:
            path = project["path_with_namespace"]
            namespace = path.rpartition("/")[0]
            projects.append({"id": project["id"], "name": project["name"],
                             "name_with_namespace": f"{namespace} / {project['name']}",
                             "path": path.rpartition("/")[2], "path_with_namespace": path})
    return {
        **runner_brief(row), "architecture": None, "contacted_at": row["contacted_at"],
        "maintenance_note": row["maintenance_note"], "platform": None, "projects": projects, "revision": None,
        "tag_list": json.loads(row["tag_list"]), "version": None, "access_level": row["access_level"],
        "maximum_timeout": row["maximum_timeout"], "run_untagged": bool(row["run_untagged"]),
        "locked": bool(row["locked"]), "created_at": row["created_at"],
    }


def _find_runner(req: Request) -> dict[str, Any]:
    ident = req.params["runner_id"]
    row = req.store.one("SELECT * FROM runners WHERE id = ?", (int(ident),)) if ident.isdigit() else None
    if row is None:
        raise not_found("Runner")
    return row


def _runner_fields(req: Request) -> dict[str, Any]:
    access = req.arg("access_level", "not_protected")
    if access not in ACCESS_LEVELS:
        raise ApiError(400, {"error": "access_level does not have a valid value"})
    paused = req.flag("paused")
    if paused is None and req.arg("active") is not None:
        paused = not to_bool(req.arg("active"), "active")
    return {
        "description": str(req.arg("description") or ""), "tag_list": json.dumps(list_arg(req.arg("tag_list"))),
        "run_untagged": int(bool(req.flag("run_untagged", True))), "locked": int(bool(req.flag("locked", False))),
        "paused": int(bool(paused)), "access_level": access, "maximum_timeout": req.int_arg("maximum_timeout"),
        "maintenance_note": req.arg("maintenance_note", req.arg("maintainer_note")), "created_at": now_iso(),
    }


def create_user_runner(req: Request):
    """POST /user/runners: the current way; the glrt- token is shown once."""
    runner_type = req.required("runner_type")
    if runner_type not in RUNNER_TYPES:
        raise ApiError(400, {"error": "runner_type does not have a valid value"})
    project_id = None
    if runner_type == "project_type":
        pid = req.arg("project_id")
        if pid in (None, ""):
            raise ApiError(400, {"error": "project_id is missing"})  # Grape's `given runner_type: project_type`
        project = req.store.project(str(pid))
        if project is None:
            raise not_found("Project")
        project_id = project["id"]
    elif runner_type == "group_type":
        raise ApiError(400, {"message": "400 Bad request - the sandbox has no groups; create a project_type runner"})
    token = new_token("glrt-")
    runner_id = req.store.insert("runners", {**_runner_fields(req), "runner_type": runner_type,
                                             "project_id": project_id, "token_digest": token_digest(token)})
    return json_response(201, {"id": runner_id, "token": token, "token_expires_at": None})


def register_legacy_runner(req: Request):
    """POST /runners with a registration token: 410 unless registration tokens are enabled (GitLab >= 17)."""
    reg = str(req.required("token"))
    if not req.sandbox.registration_tokens_enabled():
        raise ApiError(410, {"message": "410 Gone - runner registration disallowed"})
    project_id = req.sandbox.project_for_registration_token(reg)
    if project_id is None:
        raise forbidden()
    token = secrets.token_hex(15)
    runner_id = req.store.insert("runners", {**_runner_fields(req), "runner_type": "project_type",
                                             "project_id": project_id, "token_digest": token_digest(token)})
    return json_response(201, {"id": runner_id, "token": token, "token_expires_at": None})


def _runner_by_token(req: Request) -> dict[str, Any]:
    token = str(req.required("token"))
    row = req.store.one("SELECT * FROM runners WHERE token_digest = ?", (token_digest(token),))
    if row is None:
        raise forbidden()
    return row


def verify_runner(req: Request):
    row = _runner_by_token(req)
    token = str(req.arg("token"))
    if token.startswith("glrt-") and not req.arg("system_id"):
        raise ApiError(400, {"error": "system_id is missing"})
    return json_response(200, {"id": row["id"], "token": token, "token_expires_at": None})


def delete_runner_by_token(req: Request):
    row = _runner_by_token(req)
    req.store.execute("DELETE FROM runners WHERE id = ?", (row["id"],))
    return no_content()


def get_runner(req: Request):
    return json_response(200, runner_json(req, _find_runner(req)))


def delete_runner(req: Request):
    row = _find_runner(req)
    if row["runner_type"] == "instance_type":
        raise forbidden("403 Forbidden - the sandbox's instance runner stays; turn instance runners off in the "
                        "project instead")
    req.store.execute("DELETE FROM runners WHERE id = ?", (row["id"],))
    req.scheduler.wake()
    return no_content()


def update_runner(req: Request):
    """PUT /runners/:id: only the fields given change; the id and the token stay (GitLab's runners.md)."""
    row = _find_runner(req)
    changes: dict[str, Any] = {}
    if req.arg("description") is not None:
        changes["description"] = str(req.arg("description"))
    if req.arg("tag_list") is not None:
        changes["tag_list"] = json.dumps(list_arg(req.arg("tag_list")))
    if req.arg("maintenance_note") is not None:
        changes["maintenance_note"] = str(req.arg("maintenance_note"))
    for name in ("run_untagged", "locked", "paused"):
        if req.flag(name) is not None:
            changes[name] = int(bool(req.flag(name)))
    if req.arg("access_level") is not None:
        if req.arg("access_level") not in ACCESS_LEVELS:
            raise ApiError(400, {"error": "access_level does not have a valid value"})
        changes["access_level"] = req.arg("access_level")
    req.store.update("runners", row["id"], changes)
    req.scheduler.wake()
    return json_response(200, runner_json(req, req.store.existing("SELECT * FROM runners WHERE id = ?", (row["id"],))))


def reset_runner_token(req: Request):
    row = _find_runner(req)
    if row["runner_type"] == "instance_type":
        raise forbidden()
    token = new_token("glrt-")
    req.store.update("runners", row["id"], {"token_digest": token_digest(token), "contacted_at": None})
    return json_response(201, {"token": token, "token_expires_at": None})


def list_project_runners(req: Request):
    from dockwright.sandbox.api_projects import find_project

    project = find_project(req)
    # GitLab lists the project's runners and "any allowed instance runners": none once they are turned off
    rows = req.store.all("SELECT * FROM runners WHERE project_id = ? OR (runner_type = 'instance_type' AND ?) "
                         "ORDER BY id", (project["id"], int(bool(project["shared_runners_enabled"]))))
    wanted_type = req.query.get("type", [""])[-1]
    if wanted_type:
        if wanted_type not in RUNNER_TYPES:
            raise ApiError(400, {"error": "type does not have a valid value"})
        rows = [r for r in rows if r["runner_type"] == wanted_type]
    wanted_status = req.query.get("status", [""])[-1]
    if wanted_status:
        rows = [r for r in rows if runner_status(r) == wanted_status or
                (wanted_status in ("active", "paused") and bool(r["paused"]) == (wanted_status == "paused"))]
    if req.query.get("paused"):
        paused = to_bool(req.query["paused"][-1], "paused")
        rows = [r for r in rows if bool(r["paused"]) == paused]
    tags = list_arg(req.query.get("tag_list", [""])[-1]) if req.query.get("tag_list") else []
    if tags:
        rows = [r for r in rows if set(tags) <= set(json.loads(r["tag_list"]))]
    return paginate(req, rows, runner_brief)


def list_all_runners(req: Request):
    rows = req.store.all("SELECT * FROM runners WHERE runner_type != 'instance_type' ORDER BY id")
    return paginate(req, rows, runner_brief)


# -- config.toml --------------------------------------------------------------------------------

def same_server(url: str, server_url: str) -> bool:
    def norm(u: str) -> tuple[str, int | None]:
        parts = urllib.parse.urlsplit(u.strip().rstrip("/"))
        host = (parts.hostname or "").replace("localhost", "127.0.0.1")
        return host, parts.port

    return norm(url) == norm(server_url)


def register_from_config_text(store, server_url: str, text: str, source: str | None, *,
                              host_has_docker: bool = False) -> list[int]:
    """Runners in a config.toml text whose url is this sandbox and whose token is known go online, with the
    file's executor, privileged and volumes; returns their ids. ``host_has_docker`` says whether a shell
    executor's machine has Docker installed (config.toml cannot tell); docker commands in a shell-executor
    job work only then."""
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{source or 'The runner configuration'} is not valid TOML: {exc}.", "Fix the file, or let dockwright write it again.") from exc
    registered = []
    for entry in config.get("runners") or []:
        if not isinstance(entry, dict) or not entry.get("token"):
            continue
        if entry.get("url") and server_url and not same_server(str(entry["url"]), server_url):
            continue
        row = store.one("SELECT * FROM runners WHERE token_digest = ?", (token_digest(str(entry["token"])),))
        if row is None:
            continue
        executor = str(entry.get("executor") or "shell")
        docker = entry.get("kubernetes" if executor == "kubernetes" else "docker") or {}
        store.update("runners", row["id"], {
            "contacted_at": now_iso(), "executor": executor,
            "privileged": int(bool(docker.get("privileged", False))),
            "security_opt": json.dumps(_security_opt(executor, docker)),
            "volumes": json.dumps(_volumes(executor, docker)),
            "host_has_docker": int(host_has_docker), "config_path": source,
            "default_image": str(docker["image"]) if docker.get("image") else None,
            "services_privileged": (None if docker.get("services_privileged") is None
                                    else int(bool(docker["services_privileged"]))),
            "allowed_privileged_services": json.dumps([str(v) for v in docker.get("allowed_privileged_services") or []]),
        })
        registered.append(row["id"])
    return registered


# The AppArmor annotation GitLab documents for rootless BuildKit/Buildah on Kubernetes (the build container).
_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/build"


def _volumes(executor: str, table: dict) -> list[str]:
    """[runners.docker] volumes, or the mount paths of [runners.kubernetes.volumes] (empty_dir, host_path ...)."""
    volumes = table.get("volumes") or []
    if executor != "kubernetes":
        return [str(v) for v in volumes]
    return [str(v.get("mount_path")) for kind in (volumes.values() if isinstance(volumes, dict) else ())
            for v in kind if isinstance(v, dict) and v.get("mount_path")]


def _security_opt(executor: str, table: dict) -> list[str]:
    """[runners.docker] security_opt as written; for [runners.kubernetes], the pod annotation that leaves the
    build container's AppArmor unconfined, as ``apparmor:unconfined``."""
    if executor != "kubernetes":
        return [str(v) for v in table.get("security_opt") or []]
    annotations = table.get("pod_annotations") or {}
    return ["apparmor:unconfined"] if str(annotations.get(_APPARMOR_ANNOTATION, "")) == "unconfined" else []


def register_from_helm_values(store, server_url: str, text: str, token: str) -> list[int]:
    """What the GitLab Runner Helm chart does with a values.yaml: one runner from ``runners.config`` (TOML),
    with ``gitlabUrl`` as its url and the token the chart reads from ``runners.secret`` (given here)."""
    from ruamel.yaml import YAML, YAMLError

    try:
        values = YAML(typ="safe").load(text) or {}
        config = tomllib.loads(str((values.get("runners") or {}).get("config") or ""))
    except (YAMLError, tomllib.TOMLDecodeError, AttributeError) as exc:
        raise BadInput(f"The Helm values are not valid: {exc}.", "Let dockwright write the values file again.") from exc
    entries = [e for e in config.get("runners") or [] if isinstance(e, dict)]
    for entry in entries:
        entry.setdefault("url", str(values.get("gitlabUrl") or server_url))
        entry["token"] = token
    import tomlkit

    return register_from_config_text(store, server_url, tomlkit.dumps({"runners": entries}), None)


def refresh_contacts(store) -> None:
    """A registered runner keeps contacting GitLab while its config.toml still holds its token (as a running
    gitlab-runner would); one whose file is gone or changed goes offline two hours after its last contact."""
    for row in store.all("SELECT id, token_digest, config_path FROM runners WHERE config_path IS NOT NULL"):
        try:
            config = tomllib.loads(Path(row["config_path"]).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        digests = {token_digest(str(e.get("token"))) for e in config.get("runners") or [] if isinstance(e, dict)}
        if row["token_digest"] in digests:
            store.update("runners", row["id"], {"contacted_at": now_iso()})


def read_config(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BadInput(f"There is no runner configuration at {path}.",
                       "Give the path of the config.toml that `gitlab-runner register` (or dockwright) wrote.") from exc


def register_from_config(sandbox: Sandbox, path: Path, *, host_has_docker: bool = False) -> list[int]:
    return register_from_config_text(sandbox.store, sandbox.url, read_config(path), str(path.resolve()),
                                     host_has_docker=host_has_docker)


def register_over_http(req: Request):
    """Sandbox-only ``POST /-/sandbox/register-runners`` (body: a config.toml): what a gitlab-runner process
    does when it starts, for `dockwright sandbox register-runner --url`. The runner tokens in the file are
    the credentials."""
    try:
        ids = register_from_config_text(req.store, req.sandbox.url, req.body.decode("utf-8"), None,
                                        host_has_docker=to_bool(req.query.get("host_has_docker", ["false"])[-1]))
    except BadInput as exc:
        raise ApiError(400, {"message": str(exc)}) from exc
    req.scheduler.wake()
    return json_response(200, {"registered": ids})


ROUTES = [
    ("POST", "/user/runners", create_user_runner, SCOPE_CREATE_RUNNER),
    ("POST", "/runners", register_legacy_runner, None),
    ("POST", "/runners/verify", verify_runner, None),
    ("DELETE", "/runners", delete_runner_by_token, None),
    ("GET", "/runners", list_all_runners, SCOPE_READ),
    ("GET", "/runners/:runner_id", get_runner, SCOPE_READ),
    ("PUT", "/runners/:runner_id", update_runner, SCOPE_WRITE),
    ("DELETE", "/runners/:runner_id", delete_runner, SCOPE_WRITE),
    ("POST", "/runners/:runner_id/reset_authentication_token", reset_runner_token, SCOPE_WRITE),
    ("GET", "/projects/:id/runners", list_project_runners, SCOPE_READ),
]
