"""`dockwright --plain` on a Go project: the Dockerfile step asks Go's own fields (main package, runtime image)
and the review shows the multi-stage Dockerfile. Same drive as test_plain.py: real sandbox, real git."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.integration.test_plain import CLEAR, DOWN, ENTER, drive, flat, keys_to_review, project, sandbox  # noqa: F401

GO_FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "stacks" / "go-cmd"


def test_plain_asks_the_go_fields_and_reviews_a_multi_stage_dockerfile(sandbox, project):
    for name in ("app.py", "requirements.txt"):
        (project / name).unlink()
    shutil.copytree(GO_FIXTURE, project, dirs_exist_ok=True)
    keys = keys_to_review(sandbox.token)
    at = keys.index("y", keys.index("n") + 1)  # the Dockerfile step's last answer (non-root)
    dockerfile = [ENTER] * 5 + [CLEAR + "./cmd/worker" + ENTER, ENTER] + [ENTER] * 3  # 5 common, target, runtime...
    keys = keys[:at - 9] + dockerfile + keys[at:]
    code, transcript, _ = drive(project, keys + [ENTER, ENTER, DOWN + DOWN + ENTER])
    text = flat(transcript)
    assert code == 0, transcript[-2000:]
    # the questions' own text goes to the terminal; their why lines reach the transcript
    assert "why: what the build stage builds (Go main package" in text and "why: the final stage runs the app" in text
    assert "dependencies are installed before the code" not in text  # no requirements file for Go
    assert "Go: a build stage with the Go toolchain compiles one static binary" in text  # the stack's teaching
    assert "+FROM golang:1.23 AS build" in transcript and "+FROM gcr.io/distroless/static-debian12:nonroot" in transcript
    assert "./cmd/worker" in transcript
    assert "Stopped: nothing was written and nothing was sent to GitLab." in text
