"""The Dockerfile step shows the fields the project's stack uses, and switching the stack brings its defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Input, Label, Select

from dockwright.wizard.render import render_dockerfile
from tests.ui.helpers import flask_repo, offline_app, settle
from tests.ui.test_wizard_steps import type_into

SIZE = (120, 40)


async def test_switching_to_go_shows_its_fields_and_a_multi_stage_preview(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#row-requirements").display  # Python: its requirements file
        assert not screen.query_one("#row-tool").display and not screen.query_one("#row-runtime_image").display
        assert not screen.query_one("#df-teaching").display
        screen.query_one("#df-language", Select).value = "go"
        await settle(pilot)
        d = app.plan.dockerfile
        assert (d.language, d.base_image, d.tool, d.target, d.requirements) == ("go", "golang:1.25", "go", ".", None)
        assert d.runtime_image == "gcr.io/distroless/static-debian12:nonroot" and d.command == ("/app/server",)
        assert not screen.query_one("#row-requirements").display
        assert screen.query_one("#row-target").display and screen.query_one("#row-runtime_image").display
        assert str(screen.query_one("#row-target-label", Label).content) == "Main package"
        teaching = screen.query_one("#df-teaching", Label)
        assert teaching.display and "distroless" in str(teaching.content)  # what the stack's Dockerfile does
        assert screen.query_one("#df-base_image", Input).value == "golang:1.25"  # the fields show the new values
        await type_into(pilot, "#df-target", "./cmd/api")
        text = render_dockerfile(app.plan)
        assert text.count("FROM ") == 2 and "./cmd/api" in text
        await type_into(pilot, "#df-tool", "npm")  # hidden for Go, and refused if typed anyway
        assert app.plan.dockerfile.tool == "go"
        screen.query_one("#df-language", Select).value = "python"
        await settle(pilot)
        d = app.plan.dockerfile
        assert (d.language, d.base_image, d.tool, d.runtime_image, d.target) == (
            "python", "python:3.13-slim", None, None, None)


async def test_a_monorepo_lets_you_choose_the_project_folder(tmp_path):
    repo = tmp_path / "mono"
    shutil.copytree(Path(__file__).resolve().parent.parent / "fixtures" / "stacks" / "monorepo", repo)
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        screen = app.screen
        folder = screen.query_one("#df-folder", Select)
        assert screen.query_one("#row-folder").display and folder.value == "services/api"
        assert app.plan.dockerfile.language == "go"
        folder.value = "web"
        await settle(pilot)
        d = app.plan.dockerfile
        assert (d.language, d.context, d.path, d.tool, d.target) == ("static", "web", "web/Dockerfile", "npm", "dist")
        assert screen.query_one("#df-context", Input).value == "web"
        assert "nginx" in render_dockerfile(app.plan)


async def test_a_single_project_shows_no_folder_choice(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        assert not app.screen.query_one("#row-folder").display
