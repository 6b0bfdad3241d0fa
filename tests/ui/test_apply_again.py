"""Applying a second time in the same wizard run (issue 16, item 3): the results come from the current
plan and the files as they are now, every time; and what Apply did stays visible beside the watch."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input

from tests.ui.helpers import sandbox_app, until_review_applies
from tests.ui.test_wizard_gitlab import SIZE, sb, wait_until  # noqa: F401 (sb: a fresh sandbox per test)


def apply_lines(app) -> list[str]:
    return [str(label.content) for label in app.get_screen("apply").query(".apply-line")]


async def first_apply(app, pilot):
    from dockwright.screens.watch import WatchScreen

    await pilot.pause()
    await pilot.press("ctrl+n")  # Connect: test and continue
    assert await wait_until(pilot, lambda: app.current_step == "project")
    app.goto("review")
    assert await wait_until(pilot, lambda: getattr(app.screen, "ready", False))
    await until_review_applies(pilot)
    await pilot.press("ctrl+n")  # Apply these changes
    assert await wait_until(pilot, lambda: isinstance(app.screen, WatchScreen), rounds=1200), apply_lines(app)
    return app.get_screen("apply").sha


@pytest.mark.parametrize("way_back", ["step-list", "back-keys"])
async def test_apply_again_after_a_change_applies_the_current_plan(sb, tmp_path, way_back):
    from dockwright.screens.watch import WatchScreen

    work = tmp_path / "work"
    app = sandbox_app(sb, work)
    async with app.run_test(size=SIZE) as pilot:
        first_sha = await first_apply(app, pilot)
        assert "docker:29" in (work / ".gitlab-ci.yml").read_text()
        await pilot.press("q")  # leave the watch: back on the Apply step
        assert await wait_until(pilot, lambda: app.current_step == "apply" and app.screen.id == "step-apply")
        if way_back == "step-list":
            app.goto("pipeline")  # what a click on the step list does
        else:
            await pilot.press("ctrl+b")  # Review
            assert await wait_until(pilot, lambda: app.current_step == "review")
            await pilot.press("ctrl+b")
        assert await wait_until(pilot, lambda: app.screen.id == "step-pipeline" and app.screen.query("#pl-docker_version"))
        app.screen.query_one("#pl-docker_version", Input).value = "26"
        await pilot.pause()
        assert app.plan.pipeline.docker_version == "26"
        await pilot.press("ctrl+n")
        assert await wait_until(pilot, lambda: app.screen.id == "step-review" and getattr(app.screen, "ready", False))
        titles = [str(c.title) for c in app.screen.query("Collapsible")]
        assert "update .gitlab-ci.yml" in titles, titles
        app.screen.query_one("#next", Button).focus()
        await until_review_applies(pilot)
        await pilot.press("enter")  # Enter on "Apply these changes"
        assert await wait_until(pilot, lambda: isinstance(app.screen, WatchScreen), rounds=1200), apply_lines(app)
        text = (work / ".gitlab-ci.yml").read_text()
        assert "docker:26" in text and "docker:29" not in text
        lines = apply_lines(app)
        assert "✓ update .gitlab-ci.yml: done" in lines, lines
        second_sha = app.get_screen("apply").sha
        assert second_sha and second_sha != first_sha


async def test_after_an_apply_its_results_stay_beside_the_watch_and_review_says_it_was_applied(sb, tmp_path):
    app = sandbox_app(sb, tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        sha = await first_apply(app, pilot)
        applied = str(app.screen.query_one("#watch-applied").content)
        assert app.screen.query_one("#watch-applied").display
        assert "✓ create Dockerfile: done" in applied and sha[:8] in applied
        await pilot.press("q")
        assert await wait_until(pilot, lambda: app.screen.id == "step-apply")
        app.goto("review")
        assert await wait_until(pilot, lambda: app.screen.id == "step-review" and app.screen.query("#review-state"))
        state = lambda: str(app.screen.query_one("#review-state").content)  # noqa: E731
        assert await wait_until(pilot, lambda: sha[:8] in state()), state()
        assert "Nothing has been written" not in state()
        await app.workers.wait_for_complete()
        await pilot.pause()
        titles = [str(c.title) for c in app.screen.query("Collapsible")]
        assert "Dockerfile is already up to date" in titles  # the list is against the files as they are now
