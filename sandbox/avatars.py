"""Project avatars: a multipart upload checked as GitLab checks it (``Avatarable``: an image type, at
most 200 KB), kept under ``<data dir>/uploads/project/avatar/<id>/`` and served at GitLab's path."""

from __future__ import annotations

import mimetypes
import re
from pathlib import Path
from typing import Any

from dockwright.sandbox.api_common import ApiError, Response, Upload

SAFE_IMAGE_EXT = ("png", "jpg", "jpeg", "gif", "bmp", "tiff", "ico", "webp")
MAX_AVATAR_BYTES = 200 * 1024


def _folder(sandbox, project_id: int) -> Path:
    return sandbox.data_dir / "uploads" / "project" / "avatar" / str(int(project_id))


def store_avatar(sandbox, project: dict[str, Any], upload: Upload) -> str:
    """Validate and keep the file; returns the stored file name. Raises GitLab's 400 otherwise."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(upload.filename.replace("\\", "/")).name) or "avatar"
    if name.rpartition(".")[2].lower() not in SAFE_IMAGE_EXT or "." not in name:
        raise ApiError(400, {"message": {"avatar": [
            "file format is not supported. Please try one of the following supported formats: "
            + ", ".join(SAFE_IMAGE_EXT)]}})
    if len(upload.data) > MAX_AVATAR_BYTES:
        raise ApiError(400, {"message": {"avatar": ["is too big (should be at most 200 KB)"]}})
    folder = _folder(sandbox, project["id"])
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / name).write_bytes(upload.data)
    return name


def serve_avatar(sandbox, path: str) -> Response | None:
    """``GET /uploads/-/system/project/avatar/<id>/<name>``, or None when there is no such file."""
    parts = path.strip("/").split("/")
    if len(parts) != 7 or not parts[5].isdigit():
        return None
    file = _folder(sandbox, int(parts[5])) / parts[6]
    if parts[6].startswith(".") or not file.is_file():
        return None
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return Response(200, file.read_bytes(), kind)


def remove_avatars(sandbox, project_id: int) -> None:
    folder = _folder(sandbox, project_id)
    if folder.exists():
        for old in folder.iterdir():
            old.unlink()
        folder.rmdir()
