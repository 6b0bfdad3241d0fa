"""Git's smart HTTP protocol for ``/<group>/<project>.git/...``, served by real ``git http-backend`` (CGI).

Like GitLab, the first request without credentials gets a 401 Basic challenge; git then sends a user
name (anything, like GitLab's ``oauth2``) and a personal access token as the password. Fetching needs
``read_repository``, ``write_repository``, ``read_api`` or ``api``; pushing needs ``write_repository`` or
``api``; otherwise 403 with GitLab's sentence.
After a push, the refs that moved are handed to the sandbox, which creates pipelines.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import time
import urllib.parse
from typing import TYPE_CHECKING

from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_common import Response
from dockwright.sandbox.store import parse_iso

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox import Sandbox

GIT_PATH = re.compile(r"^/(?P<project>[A-Za-z0-9_.\-/]+?)(?:\.git)?/(?P<rest>info/refs|git-upload-pack|git-receive-pack|HEAD)$")
READ_SCOPES = {"api", "read_api", "read_repository", "write_repository"}  # scopes that give download_code
WRITE_SCOPES = {"api", "write_repository"}
CHALLENGE = [("WWW-Authenticate", 'Basic realm="GitLab"')]


def is_git_path(raw_path: str) -> bool:
    return GIT_PATH.match(urllib.parse.unquote(raw_path)) is not None


def _text(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, message.encode("utf-8"), "text/plain", headers or [])


def _credentials(headers: dict[str, str]) -> tuple[str, str] | None:
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def serve(sandbox: Sandbox, method: str, raw_path: str, query_string: str, headers: dict[str, str],
          body: bytes) -> Response:
    match = GIT_PATH.match(urllib.parse.unquote(raw_path))
    assert match is not None
    assert sandbox.store is not None, "the sandbox serves requests only while it runs"
    project = sandbox.store.project(match["project"])
    rest = match["rest"]
    query = urllib.parse.parse_qs(query_string)
    service = query.get("service", [""])[-1] if rest == "info/refs" else rest
    writing = service == "git-receive-pack"

    creds = _credentials(headers)
    if creds is None:
        return _text(401, "HTTP Basic: Access denied\n", CHALLENGE)
    token = sandbox.store.token_by_secret(creds[1]) or sandbox.job_token_as_pat(creds[1])
    expires = parse_iso(token["expires_at"]) if token else None
    if token is None or token["revoked"] or (expires is not None and expires.timestamp() <= time.time()):
        return _text(401, "HTTP Basic: Access denied. If a password was provided for Git authentication, the password "
                          "was incorrect or you're required to use a token instead of a password.\n", CHALLENGE)
    if project is None:
        return _text(404, "The project you were looking for could not be found or you don't have permission to "
                          "view it.\n")
    # GitLab's GitAccess#check_authentication_abilities!: the token's scopes decide before the role does.
    if writing and not WRITE_SCOPES & set(token["scopes"]):
        return _text(403, "You are not allowed to upload code.\n")
    if not writing and not READ_SCOPES & set(token["scopes"]):
        return _text(403, "You are not allowed to download code.\n")

    repo_path = sandbox.repo_path(project)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({
        "GIT_PROJECT_ROOT": str(repo_path.parent), "GIT_HTTP_EXPORT_ALL": "1", "GIT_CONFIG_NOSYSTEM": "1",
        "PATH_INFO": f"/{repo_path.name}/{rest}", "REQUEST_METHOD": "GET" if method == "HEAD" else method,
        "QUERY_STRING": query_string, "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)), "REMOTE_USER": creds[0] or "oauth2", "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
    })
    if headers.get("content-encoding"):
        env["HTTP_CONTENT_ENCODING"] = headers["content-encoding"]
    if headers.get("git-protocol"):
        env["GIT_PROTOCOL"] = headers["git-protocol"]
        env["HTTP_GIT_PROTOCOL"] = headers["git-protocol"]
    before = gitrepo.refs(repo_path) if writing and method == "POST" else None
    proc = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=env)
    head, sep, payload = proc.stdout.partition(b"\r\n\r\n")
    if not sep:
        head, sep, payload = proc.stdout.partition(b"\n\n")
    status = 200
    content_type = "application/octet-stream"
    extra: list[tuple[str, str]] = []
    for line in head.decode("latin-1").splitlines():
        name, _, value = line.partition(":")
        value = value.strip()
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name.lower() == "content-type":
            content_type = value
        elif name:
            extra.append((name, value))
    if before is not None and proc.returncode == 0:
        after = gitrepo.refs(repo_path)
        moved = [(ref, before.get(ref, gitrepo.ZERO_SHA), sha) for ref, sha in after.items() if before.get(ref) != sha]
        if moved:
            sandbox.on_push(project, moved, user_id=token["user_id"])
    return Response(status, payload, content_type, extra)
