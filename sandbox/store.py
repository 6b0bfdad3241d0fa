"""The sandbox's state in SQLite (stdlib ``sqlite3``): users, tokens, projects, variables, runners,
pipelines, jobs and the registry's tags.

Secrets never reach this file: personal access tokens and runner tokens are stored as SHA-256 digests
only, so a token printed at start works for that run and for later runs of the same data directory,
but cannot be read back from disk. One connection, guarded by one lock: the HTTP threads and the
scheduler threads share it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY, username TEXT UNIQUE NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, name TEXT NOT NULL, digest TEXT UNIQUE NOT NULL,
    scopes TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT, revoked INTEGER NOT NULL DEFAULT 0,
    last_used_at TEXT, description TEXT);
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY, path_with_namespace TEXT UNIQUE NOT NULL, name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '', default_branch TEXT NOT NULL DEFAULT 'main',
    shared_runners_enabled INTEGER NOT NULL DEFAULT 1, creator_id INTEGER NOT NULL,
    created_at TEXT NOT NULL, last_activity_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS variables (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, key TEXT NOT NULL, value TEXT,
    variable_type TEXT NOT NULL DEFAULT 'env_var', protected INTEGER NOT NULL DEFAULT 0,
    masked INTEGER NOT NULL DEFAULT 0, hidden INTEGER NOT NULL DEFAULT 0, raw INTEGER NOT NULL DEFAULT 0,
    environment_scope TEXT NOT NULL DEFAULT '*', description TEXT,
    UNIQUE (project_id, key, environment_scope));
CREATE TABLE IF NOT EXISTS runners (
    id INTEGER PRIMARY KEY, runner_type TEXT NOT NULL, project_id INTEGER, description TEXT NOT NULL DEFAULT '',
    token_digest TEXT UNIQUE, tag_list TEXT NOT NULL DEFAULT '[]', run_untagged INTEGER NOT NULL DEFAULT 1,
    locked INTEGER NOT NULL DEFAULT 0, paused INTEGER NOT NULL DEFAULT 0,
    access_level TEXT NOT NULL DEFAULT 'not_protected', maximum_timeout INTEGER, maintenance_note TEXT,
    created_at TEXT NOT NULL, contacted_at TEXT, executor TEXT, privileged INTEGER NOT NULL DEFAULT 0,
    volumes TEXT NOT NULL DEFAULT '[]', host_has_docker INTEGER NOT NULL DEFAULT 0,
    config_path TEXT, default_image TEXT);
CREATE TABLE IF NOT EXISTS pipelines (
    id INTEGER PRIMARY KEY, iid INTEGER NOT NULL, project_id INTEGER NOT NULL, sha TEXT NOT NULL,
    before_sha TEXT NOT NULL, ref TEXT NOT NULL, tag INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL, source TEXT NOT NULL, user_id INTEGER NOT NULL, yaml_errors TEXT,
    variables TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    started_at TEXT, finished_at TEXT, stages TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, pipeline_id INTEGER NOT NULL, name TEXT NOT NULL,
    stage TEXT NOT NULL, stage_idx INTEGER NOT NULL, status TEXT NOT NULL, when_ TEXT NOT NULL,
    allow_failure INTEGER NOT NULL DEFAULT 0, tag_list TEXT NOT NULL DEFAULT '[]', needs TEXT,
    runner_id INTEGER, failure_reason TEXT, trace TEXT NOT NULL DEFAULT '', retried INTEGER NOT NULL DEFAULT 0,
    user_id INTEGER NOT NULL, created_at TEXT NOT NULL, queued_at TEXT, started_at TEXT, finished_at TEXT,
    erased_at TEXT);
CREATE TABLE IF NOT EXISTS merge_requests (
    id INTEGER PRIMARY KEY, iid INTEGER NOT NULL, project_id INTEGER NOT NULL, title TEXT NOT NULL,
    description TEXT, state TEXT NOT NULL DEFAULT 'opened', source_branch TEXT NOT NULL,
    target_branch TEXT NOT NULL, author_id INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    merged_at TEXT, closed_at TEXT, squash INTEGER NOT NULL DEFAULT 0,
    force_remove_source_branch INTEGER NOT NULL DEFAULT 0, labels TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS job_artifacts (
    id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL, project_id INTEGER NOT NULL, file_type TEXT NOT NULL,
    filename TEXT NOT NULL, file_format TEXT, size INTEGER NOT NULL, created_at TEXT NOT NULL, expire_at TEXT);
CREATE TABLE IF NOT EXISTS registry_tags (
    id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, repository TEXT NOT NULL, tag TEXT NOT NULL,
    digest TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (repository, tag));
"""

MAX_PER_PAGE = 100


def now_iso() -> str:
    """GitLab's timestamp form: UTC with milliseconds and a ``Z``."""
    t = _dt.datetime.now(_dt.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def parse_iso(text: str | None) -> _dt.datetime | None:
    if not text:
        return None
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(15).replace("-", "x").replace("_", "y")[:20]


class Store:
    """All reads and writes of the sandbox's state. Rows come back as plain dicts."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        self.lock = threading.RLock()
        self.db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._add_missing_columns({
            # [runners.docker] services_privileged (NULL: unset, privileged applies) and allowed_privileged_services
            "runners": {"default_image": "TEXT", "services_privileged": "INTEGER",
                        "allowed_privileged_services": "TEXT NOT NULL DEFAULT '[]'",
                        # [runners.docker] security_opt, or the Kubernetes pod's AppArmor annotation
                        "security_opt": "TEXT NOT NULL DEFAULT '[]'"},
            # child pipelines: the file a pipeline was made from, and the bridge (trigger job) that made it
            "pipelines": {"config_path": "TEXT NOT NULL DEFAULT '.gitlab-ci.yml'", "parent_job_id": "INTEGER",
                          # a merge_request_event pipeline's merge request (merge_requests.id)
                          "merge_request_id": "INTEGER", "name": "TEXT"},  # name: workflow:name
            "jobs": {"bridge": "INTEGER NOT NULL DEFAULT 0", "downstream_pipeline_id": "INTEGER"},
            # projects created through POST /projects, an avatar sent as a multipart upload, and the project's
            # container registry: enabled, private or disabled (projects API)
            "projects": {"visibility": "TEXT NOT NULL DEFAULT 'private'", "avatar": "TEXT",
                         "container_registry_access_level": "TEXT NOT NULL DEFAULT 'enabled'"},
        })
        for suffix in ("-wal", "-shm"):  # variable values pass through these too: owner only, like the file
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.chmod(side, 0o600)

    def _add_missing_columns(self, wanted: dict[str, dict[str, str]]) -> None:
        """State written by an earlier version of the sandbox gains the columns added since."""
        for table, columns in wanted.items():
            have = {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- generic helpers -------------------------------------------------------------------------
    def all(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(r) for r in self.db.execute(sql, tuple(params)).fetchall()]

    def one(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any] | None:
        with self.lock:
            row = self.db.execute(sql, tuple(params)).fetchone()
            return dict(row) if row is not None else None

    def existing(self, sql: str, params: Iterable[Any] = ()) -> dict[str, Any]:
        """One row that is there: just written, or named by another row's key (a missing one is a sandbox bug)."""
        row = self.one(sql, params)
        if row is None:
            raise LookupError(f"the sandbox lost a row it had just written or referenced: {sql}")
        return row

    def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        with self.lock:
            row = self.db.execute(sql, tuple(params)).fetchone()
            return row[0] if row is not None else None

    def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Run a write; returns lastrowid."""
        with self.lock:
            cur = self.db.execute(sql, tuple(params))
            return cur.lastrowid or 0

    def insert(self, table: str, row: dict[str, Any]) -> int:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        return self.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", row.values())

    def update(self, table: str, row_id: int, changes: dict[str, Any]) -> None:
        if not changes:
            return
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*changes.values(), row_id])

    # -- meta ------------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else value

    def set_meta(self, key: str, value: str) -> None:
        self.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                     (key, value, value))

    # -- users and tokens ------------------------------------------------------------------------
    def ensure_user(self, username: str, name: str, email: str) -> dict[str, Any]:
        row = self.one("SELECT * FROM users WHERE username = ?", (username,))
        if row is None:
            self.insert("users", {"username": username, "name": name, "email": email, "created_at": now_iso()})
            row = self.one("SELECT * FROM users WHERE username = ?", (username,))
        assert row is not None
        return row

    def user(self, user_id: int) -> dict[str, Any] | None:
        return self.one("SELECT * FROM users WHERE id = ?", (user_id,))

    def create_token(self, user_id: int, name: str, scopes: Iterable[str], *, expires_at: str | None = None,
                     revoked: bool = False, description: str | None = None) -> tuple[str, int]:
        """A new personal access token; returns (the token, its id). Only its digest is stored."""
        token = new_token("glpat-")
        token_id = self.insert("tokens", {
            "user_id": user_id, "name": name, "digest": token_digest(token), "scopes": json.dumps(list(scopes)),
            "created_at": now_iso(), "expires_at": expires_at, "revoked": int(revoked), "description": description,
        })
        return token, token_id

    def token_by_secret(self, token: str) -> dict[str, Any] | None:
        row = self.one("SELECT * FROM tokens WHERE digest = ?", (token_digest(token),))
        if row is not None:
            row["scopes"] = json.loads(row["scopes"])
        return row

    def touch_token(self, token_id: int) -> None:
        self.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (now_iso(), token_id))

    # -- projects --------------------------------------------------------------------------------
    def project(self, ident: str | int) -> dict[str, Any] | None:
        """A project by numeric id or by its full path (already URL-decoded)."""
        text = str(ident)
        if text.isdigit():
            return self.one("SELECT * FROM projects WHERE id = ?", (int(text),))
        return self.one("SELECT * FROM projects WHERE path_with_namespace = ?", (text,))

    def ensure_project(self, path: str, name: str, description: str, creator_id: int) -> dict[str, Any]:
        row = self.project(path)
        if row is None:
            stamp = now_iso()
            self.insert("projects", {"path_with_namespace": path, "name": name, "description": description,
                                     "creator_id": creator_id, "created_at": stamp, "last_activity_at": stamp})
            row = self.project(path)
        assert row is not None
        return row
