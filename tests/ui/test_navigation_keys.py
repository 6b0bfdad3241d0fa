"""Keys that move between steps or open help: Enter on Next moves exactly one step, `?` opens help only
where it cannot be typed."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from dockwright.wizard.plan import replace_in
from tests.ui.helpers import flask_repo, offline_app, settle

SIZE = (120, 40)



@pytest.fixture
def repo(tmp_path):
    return flask_repo(tmp_path / "app")


WALK = ["project", "executor", "runner", "registry", "dockerfile", "pipeline", "review"]


async def test_enter_on_next_and_on_back_moves_exactly_one_step(repo):
    plan = replace_in(offline_app(repo).plan, "runner", config_path=str(repo.parent / "runner" / "config.toml"))
    app = offline_app(repo, plan=plan)
    async with app.run_test(size=SIZE) as pilot:
        app.goto(WALK[0])
        await settle(pilot)
        for button, steps in (("#next", WALK[1:]), ("#back", WALK[-2::-1])):
            for expected in steps:  # the runner and registry steps have buttons of their own: they skipped one
                app.screen.query_one(button).focus()
                await pilot.press("enter")
                await settle(pilot)
                assert app.current_step == expected, f"{button} did not land on {expected}"


def footer_keys(app) -> list[str]:
    return [key.key_display for key in app.screen.query("FooterKey")]


async def test_question_mark_types_in_a_text_field_and_opens_help_elsewhere_and_the_footer_says_which(repo):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        url = app.screen.query_one("#connect-url", Input)
        assert app.focused is url  # step 1 starts in the URL field
        before = url.value
        await pilot.press("question_mark")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConnectScreen" and url.value == before + "?"  # a character here
        assert "f1" in footer_keys(app) and "f1 ?" not in footer_keys(app)
        await pilot.press("f1")  # F1 opens help from a text field too
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        app.goto("executor")
        await settle(pilot)
        assert type(app.focused).__name__ == "RadioSet"
        assert "f1 ?" in footer_keys(app)
        await pilot.press("question_mark")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen" and app.screen.step.id == "executor"
