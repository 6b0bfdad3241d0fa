"""d in the pipeline view: a job's artifacts with sizes, and its files downloaded into the folder after a yes
(never over a file already there). On a live sandbox."""

from __future__ import annotations

import zipfile

from dockwright.screens.watch import ConfirmAction
from dockwright.screens.watch_app import WatchApp
from dockwright.wizard.artifacts import size_text
from dockwright.wizard.gitlab import GitLabClient
from tests.sandbox_helpers import commit_and_push
from tests.ui.test_watch_screen import QUICK, until

SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it
CI = """build:
  script:
    - mkdir -p dist
    - echo "wheel for $CI_COMMIT_SHORT_SHA" > dist/app.whl
  artifacts:
    paths: [dist/]
lint:
  script: [echo no files]
"""


def test_sizes_read_like_a_file_manager():
    assert [size_text(n) for n in (None, 0, 999, 1234, 5_600_000)] == ["?", "0 B", "999 B", "1.2 kB", "5.6 MB"]


async def test_artifacts_listed_and_downloaded_once(sb, workdir, tmp_path):
    sha = commit_and_push(workdir, {".gitlab-ci.yml": CI}, "artifacts", sb.token, "artifacts-view")
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, sha=sha, schedule=QUICK)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        screen.download_dir = tmp_path
        await until(pilot, lambda: screen.result == 0)
        lint = next(j for j in screen.jobs.values() if j.name == "lint")
        screen.select(lint.id)
        await pilot.press("d")
        message = screen.query_one("#watch-message")
        await until(pilot, lambda: "there are no files to download" in str(message.render()))
        build = next(j for j in screen.jobs.values() if j.name == "build")
        screen.select(build.id)
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmAction))
        question = app.screen.question
        assert "files (artifacts:paths)" in question and f"build-{build.id}-artifacts.zip" in question
        await pilot.press("y")
        saved = tmp_path / f"build-{build.id}-artifacts.zip"
        await until(pilot, lambda: "Saved" in str(message.render()))
        assert zipfile.ZipFile(saved).read("dist/app.whl").decode().strip() == f"wheel for {sha[:8]}"
        await pilot.press("d")  # again: the file is there, and stays as it is
        await until(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await pilot.press("y")
        await until(pilot, lambda: "already there" in str(message.render()))
        assert zipfile.ZipFile(saved).namelist() and not list(tmp_path.glob("*.part"))
        await pilot.press("q")
