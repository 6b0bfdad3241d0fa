"""REST handler: ``GET /projects/:id/repository/archive[.format]`` (``sha``, ``path``), made by
``git archive`` with GitLab's file name and top folder (``<project>-<ref>-<sha>``). Its route captures any
last segment, so the Router tries it after every other ``/repository/<name>`` route."""

from __future__ import annotations

import bz2
import re

from dockwright.sandbox import repo as gitrepo
from dockwright.sandbox.api_common import SCOPE_READ, ApiError, Request, Response, not_found
from dockwright.sandbox.api_projects import find_project

ARCHIVE_RE = re.compile(r"\Aarchive(?:\.(?P<format>[a-z0-9.]+))?\Z")
BZ2_FORMATS = ("tar.bz2", "tbz", "tbz2", "tb2", "bz2")


def _extension(fmt: str) -> str:
    """GitLab's (Gitlab::Git::Repository#archive_metadata): an unknown format is tar.gz."""
    if fmt in BZ2_FORMATS:
        return "tar.bz2"
    return fmt if fmt in ("tar", "zip") else "tar.gz"


def get_archive(req: Request):
    found = ARCHIVE_RE.match(req.params["archive"])
    if found is None:
        raise ApiError(404, {"error": "404 Not Found"})
    extension = _extension(found.group("format") or req.query.get("format", [""])[-1])
    project = find_project(req)
    repo_path = req.sandbox.repo_path(project)
    ref = req.query.get("sha", [""])[-1] or project["default_branch"]
    sha = gitrepo.resolve(repo_path, ref)
    if sha is None:
        raise not_found("File")
    path = req.query.get("path", [""])[-1].strip("/")
    short = project["path_with_namespace"].rpartition("/")[2]
    prefix = "-".join([short, ref.replace("/", "-"), sha] + ([path.replace("/", "-")] if path else []))
    args = ["archive", f"--format={'zip' if extension == 'zip' else 'tar'}", f"--prefix={prefix}/", sha]
    if path:
        args.append(path)
    try:
        data = gitrepo.git(repo_path, *args)
    except gitrepo.GitFailed as exc:
        raise not_found("File") from exc
    if extension == "tar.gz":
        data = gitrepo.git(repo_path, "archive", "--format=tar.gz", f"--prefix={prefix}/", sha, *args[4:])
    elif extension == "tar.bz2":
        data = bz2.compress(data)
    headers = [("Content-Disposition", f'attachment; filename="{prefix}.{extension}"'),
               ("Content-Transfer-Encoding", "binary")]
    return Response(200, data, "application/octet-stream", headers)


ROUTES = [
    ("GET", "/projects/:id/repository/:archive", get_archive, SCOPE_READ),
]
