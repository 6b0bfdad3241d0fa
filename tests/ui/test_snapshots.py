"""How each step looks (snap_compare, 100x32) and the narrow layout (80x24); README screenshots from the same runs.

Everything on screen is fixed: a Flask project at a fixed path, an example GitLab URL, no token,
no clock, no spinner. ``pytest tests/ui/test_snapshots.py --snapshot-update`` accepts a new look.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, Label

from tests.ui.helpers import flask_repo, offline_app

SNAP_DIR = Path("/tmp/dockwright-snapshot")  # fixed, because the Project step shows the folder
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
STEPS = ("connect", "project", "executor", "runner", "registry", "dockerfile", "pipeline", "review")


@pytest.fixture
def snap_repo():
    shutil.rmtree(SNAP_DIR, ignore_errors=True)
    repo = flask_repo(SNAP_DIR / "app")
    yield repo
    shutil.rmtree(SNAP_DIR, ignore_errors=True)


def goto(step: str):
    async def run_before(pilot) -> None:
        pilot.app.goto(step)
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
        if step == "pipeline":  # its local check runs in a thread (schema loaded the first time): what it said is shown
            for _ in range(600):
                if str(pilot.app.screen.query_one("#pl-local", Label).content):
                    break
                await pilot.pause(0.05)
            assert str(pilot.app.screen.query_one("#pl-local", Label).content), "the local check never said anything"
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor would make each run's picture differ
        pilot.app.screen.set_focus(None)  # no focus ring that depends on timing
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("step", STEPS)
def test_each_step_at_100x32(snap_compare, snap_repo, step):
    app = offline_app(snap_repo, sandbox=step == "connect")
    assert snap_compare(app, terminal_size=(100, 32), run_before=goto(step))


def test_narrow_layout_at_80x24(snap_compare, snap_repo):
    assert snap_compare(offline_app(snap_repo), terminal_size=(80, 24), run_before=goto("dockerfile"))


def test_narrow_layout_shows_the_preview_behind_f2(snap_compare, snap_repo):
    async def run_before(pilot) -> None:
        await goto("dockerfile")(pilot)
        await pilot.press("f2")
        await pilot.pause()

    assert snap_compare(offline_app(snap_repo), terminal_size=(80, 24), run_before=run_before)


def test_wide_layout_at_200x60(snap_compare, snap_repo):
    assert snap_compare(offline_app(snap_repo), terminal_size=(200, 60), run_before=goto("pipeline"))


@pytest.mark.parametrize("step", ("connect", "executor", "registry", "dockerfile", "pipeline", "review"))
async def test_readme_screenshots_are_current(snap_repo, step):
    """docs/screenshots/<step>.svg: rewritten when the look changed, so the README never shows an old one."""
    app = offline_app(snap_repo, sandbox=step == "connect", token="glpat-SECRET-never-shown")
    async with app.run_test(size=(144, 40)) as pilot:  # wide: the step list, the form, the whole preview
        await goto(step)(pilot)
        title = app.screen.step.title
        svg = app.export_screenshot(title=f"dockwright: {title}")
    assert title.split()[0] in svg.replace("&#160;", " ")
    assert "glpat-SECRET" not in svg
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{step}.svg"
    if not target.exists() or target.read_text(encoding="utf-8") != svg:
        target.write_text(svg, encoding="utf-8")
