"""Review's "Build it here first", pressed for real: the machine's engine builds and starts the image, the
builder's lines stream into the panel's log, and the panel says it passed; nothing is written to the project."""

from __future__ import annotations

import dataclasses
import subprocess

from textual.widgets import Label, Log

from tests.real.test_preflight import _project, _untouched
from tests.ui.helpers import offline_app, settle


async def test_build_it_here_first_builds_runs_and_says_it_passed(engine, standins, tmp_path):
    standins("python:3.13-slim")
    project = _project(tmp_path)
    app = offline_app(project, engine_finder=lambda: engine)
    async with app.run_test(size=(120, 40)) as pilot:
        app.goto("review")
        await settle(pilot)
        await app.workers.wait_for_complete()
        panel = app.screen.query_one("#rv-preflight")
        assert panel.engine == engine
        app.screen.query_one("#pf-run").scroll_visible(animate=False)  # as a person scrolls down to it
        await settle(pilot)
        await pilot.click("#pf-run")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        result = str(panel.query_one("#pf-result", Label).content)
        lines = panel.query_one("#pf-log", Log).lines
        assert panel.outcome == "passed", result + "\n" + "\n".join(lines[-30:])
        assert result.startswith(f"✓ Passed: built by {engine.name} in ") and "answered" in result
        assert any(line.startswith(("STEP 1/", "Step 1/")) for line in lines), "the builder's own lines are shown"
    assert _untouched(project), "the pre-flight build wrote into the project"
    image = f"localhost/dockwright-preflight/{project.name}:latest"
    assert engine.exists(image)
    engine.remove(image)


async def test_a_failing_build_says_failed_with_the_builders_words(engine, standins, tmp_path):
    standins("python:3.13-slim")
    project = _project(tmp_path)
    app = offline_app(project, engine_finder=lambda: dataclasses.replace(engine))  # answers: pip install -r ...
    (project / "requirements.txt").unlink()  # ... a file the project no longer has
    subprocess.run(["git", "commit", "-qam", "no requirements"], cwd=project, check=True)
    async with app.run_test(size=(120, 40)) as pilot:
        app.goto("review")
        await settle(pilot)
        await app.workers.wait_for_complete()
        app.screen.query_one("#pf-run").scroll_visible(animate=False)  # as a person scrolls down to it
        await settle(pilot)
        await pilot.click("#pf-run")
        await settle(pilot)
        await app.workers.wait_for_complete()
        await settle(pilot)
        panel = app.screen.query_one("#rv-preflight")
        result = str(panel.query_one("#pf-result", Label).content)
        assert panel.outcome == "failed"
        assert result.startswith("✗ Failed: The image does not build") and "requirements.txt" in result
        assert "nothing was committed" in result
    assert _untouched(project)
