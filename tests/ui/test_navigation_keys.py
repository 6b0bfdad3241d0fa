"""Keys that move between steps or open help: Enter on Next moves exactly one step, `?` opens help only
where it cannot be typed."""

from __future__ import annotations

import pytest

from helpers import flask_repo, offline_app, settle
from dockwright.wizard.plan import replace_in

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
