"""The sandbox's HTTP server: stdlib ``ThreadingHTTPServer`` on loopback, routing ``/api/v4/...`` to the
REST handlers (with authentication, scopes, faults and rate-limit headers) and ``/<group>/<project>.git/...``
to git's smart HTTP."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from dockwright.sandbox import (
    api_archive,
    api_artifacts,
    api_commits,
    api_files,
    api_groups,
    api_merge_requests,
    api_pipelines,
    api_project_lifecycle,
    api_projects,
    api_repository,
    api_runners,
    api_templates,
    api_users,
    githttp,
)
from dockwright.sandbox.api_common import SCOPE_ANY, ApiError, Request, Response, json_response
from dockwright.sandbox.avatars import serve_avatar
from dockwright.sandbox.project_fields import AVATAR_ROUTE
from dockwright.sandbox.store import now_iso, parse_iso

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox import Sandbox

Handler = Callable[[Request], Response]
REGISTER_PATH = "/-/sandbox/register-runners"  # sandbox-only: what a starting gitlab-runner does

UNAUTHORIZED = {"message": "401 Unauthorized"}
EXPIRED = {"error": "invalid_token",
           "error_description": "Token is expired. You can either do re-authorization or token refresh."}
REVOKED = {"error": "invalid_token",
           "error_description": "Token was revoked. You have to re-authorize from the user."}


class Router:
    """``(method, "/projects/:id/variables/:key")`` patterns; a ``:name`` segment captures one
    percent-encoded path segment (so ``demo%2Fapp`` is one project id); a last ``*name`` segment captures the
    rest of the path, one or more segments (Grape's ``*artifact_path``)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, list[str], Handler, tuple[str, ...] | None]] = []
        for module in (api_users, api_projects, api_runners, api_pipelines, api_artifacts, api_merge_requests,
                       api_repository,
                       api_commits,
                       api_files, api_project_lifecycle, api_templates, api_groups,
                       api_archive):  # last: its route takes any /repository/<segment>
            for method, pattern, handler, scopes in module.ROUTES:
                self.routes.append((method, pattern.strip("/").split("/"), handler, scopes))

    def match(self, method: str, path: str) -> tuple[Handler, tuple[str, ...] | None, dict[str, str]] | None:
        segments = path.strip("/").split("/")
        method = "GET" if method == "HEAD" else method
        for r_method, r_segments, handler, scopes in self.routes:
            rest = r_segments[-1].startswith("*")
            if r_method != method or (len(r_segments) != len(segments) and not rest) or \
                    (rest and len(segments) < len(r_segments)):
                continue
            captures: dict[str, str] = {}
            if rest:
                tail = segments[len(r_segments) - 1:]
                if not all(tail):
                    continue
                captures[r_segments[-1][1:]] = "/".join(urllib.parse.unquote(t) for t in tail)
            for want, got in zip(r_segments[:-1] if rest else r_segments, segments, strict=False):
                if want.startswith(":"):
                    if not got:
                        break
                    captures[want[1:]] = urllib.parse.unquote(got)
                elif want != got:
                    break
            else:
                return handler, scopes, captures
        return None


def authenticate(sandbox: Sandbox, headers: dict[str, str], scopes: tuple[str, ...]) -> tuple[dict, dict]:
    """(user, token) for the request's PRIVATE-TOKEN or Bearer token, or ApiError with GitLab's body."""
    secret = headers.get("private-token", "").strip()
    if not secret:
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            secret = auth[7:].strip()
    if not secret:
        raise ApiError(401, UNAUTHORIZED)
    assert sandbox.store is not None, "the sandbox serves requests only while it runs"
    token = sandbox.store.token_by_secret(secret)
    if token is None:
        raise ApiError(401, UNAUTHORIZED)
    if token["revoked"]:
        raise ApiError(401, REVOKED)
    expires = parse_iso(token["expires_at"])
    if expires is not None and expires.timestamp() <= time.time():
        raise ApiError(401, EXPIRED)
    if scopes != SCOPE_ANY and not set(scopes) & set(token["scopes"]):
        raise ApiError(403, {"error": "insufficient_scope",
                             "error_description": "The request requires higher privileges than provided by the "
                                                  "access token.",
                             "scope": " ".join(scopes)})
    user = sandbox.store.user(token["user_id"])
    if user is None:
        raise ApiError(401, UNAUTHORIZED)
    last_used = parse_iso(token["last_used_at"])
    if last_used is None or time.time() - last_used.timestamp() > 60:  # GitLab, too, updates it now and then
        sandbox.store.touch_token(token["id"])
    return user, token


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.router = Router()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, SandboxRequestHandler)

    def process_request(self, request, client_address) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self) -> None:
        """Keep-alive connections would otherwise outlive the server (and its state)."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class SandboxRequestHandler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    _headers_buffer: list[bytes]  # BaseHTTPRequestHandler's own (send_header fills it), absent from its stubs
    protocol_version = "HTTP/1.1"
    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - no logging to stderr
        pass

    def setup(self) -> None:
        super().setup()
        # answers are small: without this, Nagle + delayed ACK add ~40 ms to every keep-alive request
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # every method goes through one place
    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        sandbox = self.server.sandbox
        raw_path, _, query_string = self.path.partition("?")
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        if raw_path.startswith("/api/v4/") or raw_path == "/api/v4":
            response = self._api(raw_path[len("/api/v4"):] or "/", query_string, headers, body)
            if response is None:
                return  # a dropped connection
        elif raw_path == REGISTER_PATH and self.command == "POST":
            req = Request(method="POST", path=raw_path, query=urllib.parse.parse_qs(query_string), headers=headers,
                          body=body, sandbox=sandbox)
            try:
                response = api_runners.register_over_http(req)
            except ApiError as exc:
                response = exc.response()
        elif raw_path.startswith(AVATAR_ROUTE + "/") and self.command in ("GET", "HEAD"):
            response = serve_avatar(sandbox, raw_path) or json_response(404, {"error": "404 Not Found"})
        elif githttp.is_git_path(raw_path):
            response = githttp.serve(sandbox, self.command, raw_path, query_string, headers, body)
        else:
            response = json_response(404, {"error": "404 Not Found"})
        self._send(response)

    def _api(self, path: str, query_string: str, headers: dict[str, str], body: bytes) -> Response | None:
        sandbox = self.server.sandbox
        verdict = sandbox.faults.decide(self.command)
        if sandbox.faults.latency:
            time.sleep(sandbox.faults.latency)
        rate_headers = [
            ("RateLimit-Name", "throttle_authenticated_api"), ("RateLimit-Limit", str(verdict.limit)),
            ("RateLimit-Observed", str(verdict.observed)),
            ("RateLimit-Remaining", str(max(0, verdict.limit - verdict.observed))),
            ("RateLimit-Reset", str(verdict.reset_at)),
        ]
        if verdict.kind == "drop":
            sandbox.record(self.command, path, 0, 0)
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return None
        if verdict.kind == "throttle":
            reset = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(verdict.reset_at))
            return Response(429, b"Retry later\n", "text/plain",
                            rate_headers + [("Retry-After", str(verdict.retry_after)), ("RateLimit-ResetTime", reset)])
        if verdict.kind == "error":
            # No RateLimit-* headers here: a failing backend or the proxy in front of it answers, not
            # Rack::Attack (and python-gitlab would wait for RateLimit-Reset instead of backing off).
            if verdict.status == 502:
                return Response(502, b"<html><body><h1>502 Bad Gateway</h1>GitLab is not responding.</body></html>",
                                "text/html")
            return Response(500, b'{"message":"500 Internal Server Error"}', "application/json")
        query = urllib.parse.parse_qs(query_string, keep_blank_values=True)
        req = Request(method=self.command, path=path, query=query, headers=headers, body=body, sandbox=sandbox)
        found = self.server.router.match(self.command, path)
        try:
            if found is None:
                raise ApiError(404, {"error": "404 Not Found"})
            handler, scopes, captures = found
            req.params = captures
            if scopes is not None:
                req.user, req.token = authenticate(sandbox, headers, scopes)
            response = handler(req)
        except ApiError as exc:
            response = exc.response()
        except Exception as exc:  # a bug in the sandbox: answer like GitLab would, keep serving
            sandbox.internal_errors.append(repr(exc))
            response = json_response(500, {"message": "500 Internal Server Error"})
        response.headers = list(response.headers) + rate_headers
        if verdict.kind == "lose":  # the work is done; the answer never reaches the client
            sandbox.record(self.command, path, 0, 0)
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return None
        return response

    def _send(self, response: Response) -> None:
        sandbox = self.server.sandbox
        path = self.path.partition("?")[0]
        # recorded before the answer goes out: a client that has read it finds it in the log (after the write,
        # a test reading the log right after its call could miss the last answer)
        sandbox.record(self.command, path, response.status, len(response.body))
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in response.headers:
                self.send_header(name, value)
            self._headers_buffer.append(b"\r\n")
            if self.command != "HEAD":
                self._headers_buffer.append(response.body)  # one write: headers and body together
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def timestamp() -> str:
    return now_iso()
