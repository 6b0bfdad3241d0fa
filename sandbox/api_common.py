"""What every REST handler shares: the request and response values, GitLab's error bodies,
parameter parsing and offset pagination with GitLab's headers."""

from __future__ import annotations

import email.policy
import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.sandbox import Sandbox
    from dockwright.sandbox.scheduler import Scheduler
    from dockwright.sandbox.store import Store

SCOPE_READ = ("api", "read_api")
SCOPE_WRITE = ("api",)
SCOPE_USER_READ = ("api", "read_api", "read_user")
SCOPE_CREATE_RUNNER = ("api", "create_runner")
SCOPE_ANY = ("*",)


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(status: int, obj: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response(status, json.dumps(obj).encode("utf-8"), "application/json", list(headers or []))


def no_content() -> Response:
    return Response(204, b"", "application/json")


class ApiError(Exception):
    """Raised by a handler; becomes the error answer GitLab gives."""

    def __init__(self, status: int, body: Any, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or []

    def response(self) -> Response:
        return json_response(self.status, self.body, self.headers)


def not_found(what: str = "") -> ApiError:
    return ApiError(404, {"message": f"404 {what} Not Found" if what else "404 Not Found"})


def bad_request_missing(name: str) -> ApiError:
    return ApiError(400, {"error": f"{name} is missing"})


def forbidden(message: str = "403 Forbidden") -> ApiError:
    return ApiError(403, {"message": message})


@dataclass
class Request:
    method: str
    path: str  # the part after /api/v4, still percent-encoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    sandbox: Sandbox
    params: dict[str, Any] = field(default_factory=dict)  # path captures (decoded)
    user: dict[str, Any] | None = None
    token: dict[str, Any] | None = None
    _body_params: dict[str, Any] | None = None

    @property
    def store(self) -> Store:
        assert self.sandbox.store is not None, "the sandbox serves requests only while it runs"
        return self.sandbox.store

    @property
    def scheduler(self) -> Scheduler:
        assert self.sandbox.scheduler is not None, "the sandbox serves requests only while it runs"
        return self.sandbox.scheduler

    @property
    def me(self) -> dict[str, Any]:
        """The user whose token signed a request (every route with scopes is authenticated before it runs)."""
        assert self.user is not None, "this route requires a token"
        return self.user

    def body_params(self) -> dict[str, Any]:
        """Body parameters, from JSON or from a form, with the query string under them."""
        if self._body_params is None:
            merged: dict[str, Any] = {k: v[-1] for k, v in self.query.items()}
            ctype = self.headers.get("content-type", "")
            if self.body:
                if "json" in ctype:
                    try:
                        data = json.loads(self.body.decode("utf-8"))
                    except ValueError as exc:
                        raise ApiError(400, {"error": "The provided content-type 'application/json' is not supported or the body is not valid JSON"}) from exc
                    if isinstance(data, dict):
                        merged.update(data)
                elif ctype.lower().startswith("multipart/form-data"):
                    merged.update(nest_pairs(parse_multipart(ctype, self.body)))
                else:
                    merged.update(parse_form(self.body.decode("utf-8", "replace")))
            self._body_params = merged
        return self._body_params

    def arg(self, name: str, default: Any = None) -> Any:
        """A text parameter; a file sent where GitLab expects text is Grape's ``<name> is invalid``."""
        value = self.body_params().get(name, default)
        if isinstance(value, Upload):
            raise ApiError(400, {"error": f"{name} is invalid"})
        return value

    def upload(self, name: str) -> Upload | None:
        """A file parameter (multipart); text where GitLab expects a file is ``<name> is invalid``."""
        value = self.body_params().get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, Upload):
            raise ApiError(400, {"error": f"{name} is invalid"})
        return value

    def required(self, name: str) -> Any:
        value = self.arg(name)
        if value is None or value == "":
            raise bad_request_missing(name)
        return value

    def flag(self, name: str, default: bool | None = None) -> bool | None:
        value = self.arg(name)
        if value is None:
            return default
        return to_bool(value, name)

    def int_arg(self, name: str, default: int | None = None) -> int | None:
        value = self.arg(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, {"error": f"{name} is invalid"}) from exc


def to_bool(value: Any, name: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "t"):
        return True
    if text in ("false", "0", "no", "f", ""):
        return False
    raise ApiError(400, {"error": f"{name} is invalid"})


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart body."""

    filename: str
    content_type: str
    data: bytes


def parse_multipart(content_type: str, body: bytes) -> list[tuple[str, Any]]:
    """The fields of a ``multipart/form-data`` body, in order: text parts as ``str``, file parts as
    :class:`Upload`. Parsed by the standard library's MIME parser; a body it cannot read is a 400."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart() or message.defects:
        raise ApiError(400, {"error": "The multipart body could not be read"})
    pairs: list[tuple[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)  # bytes for a leaf part (a form field or a file)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            pairs.append((str(name), Upload(filename, part.get_content_type(), data)))
        else:
            charset = part.get_content_charset() or "utf-8"
            pairs.append((str(name), data.decode(charset, "replace")))
    return pairs


def parse_form(text: str) -> dict[str, Any]:
    """Form bodies, including Rails-style ``actions[][file_path]=`` and ``tag_list[]=`` arrays."""
    return nest_pairs(urllib.parse.parse_qsl(text, keep_blank_values=True))


def nest_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Form fields as Rails nests them: ``a[]`` lists, ``a[][k]`` lists of hashes, ``a[k]`` hashes."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if "[" not in key:
            result[key] = value
            continue
        base, _, rest = key.partition("[")
        parts = [p.rstrip("]") for p in ("[" + rest).split("[")[1:]]
        if parts == [""]:
            result.setdefault(base, []).append(value)
        elif len(parts) == 2 and parts[0] == "":
            items = result.setdefault(base, [])
            if not items or parts[1] in items[-1]:
                items.append({})
            items[-1][parts[1]] = value
        elif len(parts) == 1:
            result.setdefault(base, {})[parts[0]] = value
    return result


def list_arg(value: Any) -> list[str]:
    """A list parameter given as a JSON list, repeated form fields or a comma-separated string."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def paginate(req: Request, items: list[Any], render: Callable[[Any], Any] = lambda x: x, *,
             totals: bool = True) -> Response:
    """Offset pagination as GitLab does it: ``page``/``per_page`` (max 100) and the x-* and link headers.
    ``totals=False``: no x-total, x-total-pages or rel="last", as GitLab's commits list answers."""
    def int_param(name: str, default: int) -> int:
        raw = req.query.get(name, [str(default)])[-1]
        try:
            return int(raw)
        except ValueError as exc:
            raise ApiError(400, {"error": f"{name} is invalid"}) from exc

    page = max(1, int_param("page", 1))
    per_page = int_param("per_page", 20)
    per_page = 20 if per_page < 1 else min(per_page, 100)
    total = len(items)
    total_pages = max(1, -(-total // per_page))
    chunk = items[(page - 1) * per_page: page * per_page]
    base = f"{req.sandbox.url}/api/v4{req.path}"
    keep = {k: v[-1] for k, v in req.query.items() if k not in ("page", "per_page")}

    def link(p: int) -> str:
        q = urllib.parse.urlencode({**keep, "page": p, "per_page": per_page})
        return f"{base}?{q}"

    links = []
    if page > 1:
        links.append(f'<{link(page - 1)}>; rel="prev"')
    if page < total_pages:
        links.append(f'<{link(page + 1)}>; rel="next"')
    links.append(f'<{link(1)}>; rel="first"')
    if totals:
        links.append(f'<{link(total_pages)}>; rel="last"')
    headers = [("x-page", str(page)), ("x-per-page", str(per_page))]
    if totals:
        headers += [("x-total", str(total)), ("x-total-pages", str(total_pages))]
    headers += [
        ("x-next-page", str(page + 1) if page < total_pages else ""),
        ("x-prev-page", str(page - 1) if page > 1 else ""),
        ("link", ", ".join(links)),
    ]
    return json_response(200, [render(i) for i in chunk], headers)
