"""`dockwright watch --list --plain` lines and `--json` objects: golden output of fixed rows.

    DOCKWRIGHT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_watch_list_output.py -q   # after a deliberate change
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from dockwright.wizard.watch_list import ListFilter, PipelineRow, write_rows

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "watch_list"
UPDATE = os.environ.get("DOCKWRIGHT_UPDATE_GOLDEN") == "1"
NOW = datetime(2026, 11, 28, 17, 40, 0, tzinfo=UTC)
ROWS = (
    PipelineRow(43, "running", "feature/login", "push", "2026-11-28T17:35:00.000Z", "alice",
                "2026-11-28T17:35:10.000Z", "", None, "http://gitlab.example.com/demo/app/-/pipelines/43",
                sha="0123456789abcdef", project="demo/app"),
    PipelineRow(42, "failed", "fix-login", "merge_request_event", "2026-11-28T17:20:00.000Z", "bob",
                "2026-11-28T17:20:05.000Z", "2026-11-28T17:21:07.000Z", 62.0,
                "http://gitlab.example.com/demo/app/-/pipelines/42",
                "image-build: The job cannot reach the Docker daemon: DOCKER_HOST and TLS do not match",
                "fedcba9876543210", "demo/app"),
    PipelineRow(41, "success", "main", "schedule", "2026-11-28T03:00:00.000Z", "deploy-bot",
                "2026-11-28T03:00:02.000Z", "2026-11-28T04:02:02.000Z", 3720.0, sha="aaaa", project="demo/app"),
    PipelineRow(40, "canceled", "v1.2.0", "api", "2026-11-27T09:00:00Z", sha="bbbb", project="demo/app"),
)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; create it with DOCKWRIGHT_UPDATE_GOLDEN=1"
    assert text == path.read_text()


def test_plain_lines_one_per_pipeline():
    out = io.StringIO()
    write_rows(ROWS, out, now=NOW)
    check("plain.txt", out.getvalue())
    lines = out.getvalue().splitlines()
    assert len(lines) == 4 and "\x1b" not in out.getvalue()
    assert lines[0].startswith("● #43 running feature/login push alice 2026-11-28 17:35 4m 50s")
    assert lines[1].endswith(": image-build: The job cannot reach the Docker daemon: DOCKER_HOST and TLS do not match")


def test_json_one_object_per_line():
    out = io.StringIO()
    write_rows(ROWS, out, as_json=True, now=NOW)
    check("list.jsonl", out.getvalue())
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [o["id"] for o in objects] == [43, 42, 41, 40]
    assert objects[1]["source"] == "merge_request_event" and objects[1]["duration"] == 62.0
    assert set(objects[0]) >= {"id", "status", "ref", "source", "user", "created_at", "duration", "reason", "web_url"}


def test_nothing_listed_says_so_in_plain_and_stays_empty_in_json():
    plain, as_json = io.StringIO(), io.StringIO()
    empty = f"No pipelines ({ListFilter(failed=True).describe()})."
    write_rows((), plain, empty=empty)
    write_rows((), as_json, as_json=True, empty=empty)
    assert plain.getvalue() == "No pipelines (failed).\n" and as_json.getvalue() == ""


SEVERAL = (  # --project a/one --project b/two, or --group fleet: newest first across the projects
    replace(ROWS[0], id=51, project="fleet/app-02"),
    replace(ROWS[1], id=50, project="fleet/team/app-01"),
    replace(ROWS[2], id=12, project="fleet/app-02"),
)


def test_plain_lines_of_several_projects_name_the_project():
    out = io.StringIO()
    write_rows(SEVERAL, out, now=NOW, show_project=True)
    check("plain_projects.txt", out.getvalue())
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("● fleet/app-02 #51 running feature/login push alice ")
    assert lines[1].startswith("✘ fleet/team/app-01 #50 failed fix-login mr bob ")


def test_json_of_several_projects_carries_the_project():
    out = io.StringIO()
    write_rows(SEVERAL, out, as_json=True, now=NOW, show_project=True)
    check("projects.jsonl", out.getvalue())
    objects = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(o["project"], o["id"]) for o in objects] == [("fleet/app-02", 51), ("fleet/team/app-01", 50),
                                                          ("fleet/app-02", 12)]
