"""Review's pre-flight build button: there only when a container engine was found, else a sentence says why not.
(The build itself, clicked for real with the machine's engine: tests/real/test_review_preflight.py.)"""

from __future__ import annotations

import shutil

from textual.widgets import Button, Input, Label

from dockwright.wizard.engine import Engine
from tests.ui.helpers import flask_repo, offline_app, settle
from tests.ui.test_snapshots import SNAP_DIR


def _buildah() -> Engine:
    """An engine as find_engine returns one (what the panel shows; nothing is built in these tests)."""
    return Engine("buildah", "/usr/bin/buildah")


async def _review(pilot):
    pilot.app.goto("review")
    await settle(pilot)
    await pilot.app.workers.wait_for_complete()
    await settle(pilot)
    return pilot.app.screen


async def test_without_an_engine_a_sentence_says_why_and_there_is_no_button(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _review(pilot)
        assert not screen.query_one("#pf-run", Button).display
        said = str(screen.query_one("#pf-state", Label).content)
        assert said.startswith("No pre-flight build here: the image cannot be built on this machine before it is "
                               "pushed. No usable container engine (docker: not installed; podman: not installed; "
                               "buildah: not installed).")
        assert "apt-get install buildah" in said


async def test_with_an_engine_the_button_says_what_it_does(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"), engine_finder=_buildah)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _review(pilot)
        button = screen.query_one("#pf-run", Button)
        assert button.display and str(button.label) == "Build it here first"
        said = str(screen.query_one("#pf-state", Label).content)
        assert said.startswith("Pre-flight build with buildah:") and "Nothing is written to your project" in said
        assert not screen.query_one("#pf-log").display, "the log appears once a build starts"


def test_the_preflight_panel_with_an_engine(snap_compare):
    shutil.rmtree(SNAP_DIR, ignore_errors=True)
    repo = flask_repo(SNAP_DIR / "app")

    async def run_before(pilot) -> None:
        screen = await _review(pilot)
        for field in screen.query(Input):
            field.cursor_blink = False
        screen.set_focus(None)
        screen.query_one("#pf-run").scroll_visible(animate=False)
        await settle(pilot)

    try:
        assert snap_compare(offline_app(repo, engine_finder=_buildah), terminal_size=(100, 32), run_before=run_before)
    finally:
        shutil.rmtree(SNAP_DIR, ignore_errors=True)
