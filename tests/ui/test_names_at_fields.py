"""Issue 16 items 5 and 6 at the wizard's fields: image names Docker refuses and GitLab's predefined variable
names are refused where they are typed, with the answers file's own rule (wizard/names.py)."""

from __future__ import annotations

import pytest

from tests.ui.helpers import offline_app, settle
from tests.ui.test_wizard_steps import SIZE, repo, type_into  # noqa: F401 - repo is a fixture
from tests.ui.test_wizard_steps import problem_text as shown


@pytest.mark.parametrize("kind,values,bad", [
    ("dockerhub", {}, ":Latest Tag"),
    ("dockerhub", {}, "Bad Name!"),
    ("other", {"#reg-host": "registry.example.com"}, "Team/App"),
    ("dockerhub", {}, "app"),  # issue 17 item 2: library/app, Docker's official images, and the push is denied
])
async def test_an_image_name_docker_refuses_is_refused_at_the_field(repo, kind, values, bad):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        await pilot.click(f"#registry-{kind}")
        await settle(pilot)
        for selector, value in values.items():
            await type_into(pilot, selector, value)
        await type_into(pilot, "#reg-image", bad)
        assert shown(app, "#reg-problem").startswith(f"Image is {bad!r}, which has")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "registry"  # Next waits until it is fixed
        await type_into(pilot, "#reg-image", "team/app")
        assert shown(app, "#reg-problem") == ""


async def test_a_base_image_docker_refuses_is_refused_at_the_field(repo):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        before = app.plan.dockerfile.base_image
        await type_into(pilot, "#df-base_image", "Python:3 slim")
        assert "Base image is 'Python:3 slim', which has a space" in shown(app, "#df-problem")
        assert app.plan.dockerfile.base_image == before


async def test_predefined_names_are_refused_with_docker_hub_too(repo):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        await pilot.click("#registry-dockerhub")
        await settle(pilot)
        await type_into(pilot, "#reg-image", "alice/app")
        for key in ("CI_REGISTRY_USER", "GITLAB_TOKEN"):
            await type_into(pilot, "#var-new-key", key)
            app.screen.query_one("#var-add").press()
            await settle(pilot)
            assert f"is {key}, a name GitLab predefines" in shown(app, "#var-new-problem")
            assert key not in {v.key for v in app.plan.variables}
