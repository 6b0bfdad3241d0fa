"""A job's artifacts in the pipeline view: what GitLab keeps (archive, JUnit report, log) with sizes, and the
archive downloaded into a folder without overwriting anything there. UI-free."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dockwright.wizard.errors import BadInput

KINDS = {"archive": "files (artifacts:paths)", "junit": "JUnit report", "trace": "job log", "metadata": "file list"}


def size_text(size: int | None) -> str:
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"


def artifact_lines(job: dict[str, Any]) -> list[str]:
    """One line per artifact GitLab keeps for the job: ``app.zip: files (artifacts:paths), 1.2 kB``."""
    return [f"{a.get('filename')}: {KINDS.get(str(a.get('file_type')), a.get('file_type'))}, {size_text(a.get('size'))}"
            for a in job.get("artifacts") or []]


def has_archive(job: dict[str, Any]) -> bool:
    return any(a.get("file_type") == "archive" for a in job.get("artifacts") or [])


def archive_name(job: dict[str, Any]) -> str:
    """``<job>-<id>-artifacts.zip``: one name per job, so two downloads never meet."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(job.get("name") or "job"))
    return f"{safe}-{job['id']}-artifacts.zip"


def download_archive(client: Any, project: str, job: dict[str, Any], folder: Path) -> Path:
    """Write the job's archive to ``folder`` (blocking); a file of that name already there is left as it is."""
    target = folder / archive_name(job)
    if target.exists():
        raise BadInput(f"{target} is already there; it was left as it is.",
                       "Move or delete it first, then download again.")
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as out:
            client.download_job_artifacts(project, int(job["id"]), out)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
