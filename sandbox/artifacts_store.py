"""The job artifacts the sandbox keeps: what a job's ``artifacts:`` uploaded (runner_sim.JobResult), kept as
GitLab keeps them, as files under ``<data_dir>/artifacts/<job id>/``: ``artifacts.zip`` (``paths``) with its
``metadata.gz``, and ``junit.xml.gz`` (``reports:junit``, every matched file one after the other, as GitLab
concatenates them) beside the single reports the test report API reads. One row per file in
``job_artifacts`` (file_type, filename, file_format, size, expire_at), which the jobs API shows."""

from __future__ import annotations

import datetime as _dt
import gzip
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from dockwright.sandbox.ci_artifacts import DEFAULT_EXPIRE_IN, CiArtifacts, parse_duration
from dockwright.sandbox.store import now_iso

FOLDER = "artifacts"
ARCHIVE = "artifacts.zip"
_STAMP = (1980, 1, 1, 0, 0, 0)  # zip entries carry a fixed time: the same files make the same archive


def job_folder(sandbox: Any, job_id: int) -> Path:
    return Path(sandbox.data_dir) / FOLDER / str(job_id)


def _expire_at(artifacts: CiArtifacts) -> str | None:
    text = artifacts.expire_in or DEFAULT_EXPIRE_IN
    if text == "never":
        return None
    seconds = parse_duration(text) or 0
    at = _dt.datetime.now(_dt.UTC) + _dt.timedelta(seconds=seconds)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def save(sandbox: Any, job: dict[str, Any], artifacts: CiArtifacts, archive: tuple[tuple[str, bytes], ...],
         junit: tuple[tuple[str, bytes], ...]) -> None:
    """Keep what one job run uploaded (nothing when it uploaded nothing)."""
    if not archive and not junit:
        return
    folder = job_folder(sandbox, job["id"])
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    if archive:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
            for name, data in archive:
                zipped.writestr(zipfile.ZipInfo(name, _STAMP), data)
        (folder / ARCHIVE).write_bytes(buffer.getvalue())
        listing = json.dumps({name: {"size": len(data)} for name, data in archive}).encode()
        (folder / "metadata.gz").write_bytes(gzip.compress(listing, mtime=0))
        rows += [("archive", ARCHIVE, "zip", len(buffer.getvalue())),
                 ("metadata", "metadata.gz", "gzip", (folder / "metadata.gz").stat().st_size)]
    if junit:
        reports = folder / "junit"
        reports.mkdir(exist_ok=True)
        for number, (_name, data) in enumerate(junit):
            (reports / f"{number}.xml").write_bytes(data)
        joined = gzip.compress(b"".join(data for _name, data in junit), mtime=0)
        (folder / "junit.xml.gz").write_bytes(joined)
        rows.append(("junit", "junit.xml.gz", "gzip", len(joined)))
    stamp, expire = now_iso(), _expire_at(artifacts)
    for file_type, filename, file_format, size in rows:
        sandbox.store.insert("job_artifacts", {
            "job_id": job["id"], "project_id": job["project_id"], "file_type": file_type, "filename": filename,
            "file_format": file_format, "size": size, "created_at": stamp, "expire_at": expire,
        })


def rows_of(store: Any, job_id: int) -> list[dict[str, Any]]:
    return store.all("SELECT * FROM job_artifacts WHERE job_id = ? ORDER BY id", (job_id,))


def archive_path(sandbox: Any, job_id: int) -> Path | None:
    path = job_folder(sandbox, job_id) / ARCHIVE
    return path if path.is_file() else None


def junit_reports(sandbox: Any, job_id: int) -> list[bytes]:
    folder = job_folder(sandbox, job_id) / "junit"
    if not folder.is_dir():
        return []
    return [p.read_bytes() for p in sorted(folder.glob("*.xml"), key=lambda p: int(p.stem))]


def delete(sandbox: Any, job_id: int) -> None:
    sandbox.store.execute("DELETE FROM job_artifacts WHERE job_id = ?", (job_id,))
    shutil.rmtree(job_folder(sandbox, job_id), ignore_errors=True)
