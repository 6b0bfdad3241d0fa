"""The registry step: switching registries with variables of your own, adding and removing variables."""

from __future__ import annotations

import dataclasses

import pytest
from textual.widgets import Checkbox, Input, RadioButton

from dockwright.wizard.answers_file import load_answers, save_answers
from dockwright.wizard.plan import VariableSpec, replace_in
from tests.ui.helpers import flask_repo, offline_app, settle

SIZE = (120, 40)



def keys_shown(app) -> list[str]:
    return [row.spec.key for row in app.screen.query("VariableRow")]


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).content)


@pytest.fixture
def repo(tmp_path):
    return flask_repo(tmp_path / "app")


async def add_by_keys(pilot, key: str, *, submit: str = "enter") -> None:
    """Type ``key`` into the new-variable field, then Enter there (or Tab to "Add variable" and Enter)."""
    pilot.app.screen.query_one("#var-new-key", Input).focus()
    await pilot.press(*key, *(("tab", "enter") if submit == "button" else ("enter",)))
    await settle(pilot)


async def pick_registry(pilot, *keys: str) -> None:
    pilot.app.screen.query_one("#registry-kind").focus()
    await pilot.press(*keys, "enter")
    await settle(pilot)


async def test_switching_registry_with_a_variable_of_your_own_keeps_the_app_running(repo):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        assert "No variables" in text_of(app, "#variables Label")  # said from the start
        await add_by_keys(pilot, "MY_VAR", submit="button")
        assert keys_shown(app) == ["MY_VAR"]
        await pick_registry(pilot, "down")  # Docker Hub: this crashed with DuplicateIds 'var-0'
        assert app.is_running and app.plan.registry.kind == "dockerhub"
        assert keys_shown(app) == ["DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN", "MY_VAR"]
        token_row = app.screen.query_one("#var-row-DOCKERHUB_TOKEN")
        token_row.query_one(".var-value", Input).value = "dckr_pat_0123456789"
        await settle(pilot)
        assert "DOCKERHUB_TOKEN" in [v.key for v in app.plan.variables]
        await pick_registry(pilot, "up")  # back to GitLab's registry: crashed the same way
        assert app.is_running and app.plan.registry.kind == "gitlab"
        assert keys_shown(app) == ["MY_VAR"]
        assert [v.key for v in app.plan.variables] == ["MY_VAR"]  # Docker Hub's login went with Docker Hub


async def test_a_variable_from_a_saved_answers_file_survives_switching_registry(repo):
    plan = replace_in(offline_app(repo).plan, "registry", kind="dockerhub", image="alice/app")
    save_answers(dataclasses.replace(plan, variables=(VariableSpec(key="MY_VAR", from_env="MY_VAR"),)),
                 repo / "dockwright.yml")
    app = offline_app(repo, plan=load_answers(repo / "dockwright.yml"))
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        assert keys_shown(app) == ["DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN", "MY_VAR"]
        aws = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
        # ECR starts with OIDC, its recommended login: no AWS key to store (the role ARN is no secret)
        for keys, shown in ((("up",), ["MY_VAR"]), (("down", "down"), ["MY_VAR"])):
            await pick_registry(pilot, *keys)
            assert app.is_running and keys_shown(app) == shown
        assert app.plan.registry.ecr.auth == "oidc"
        app.screen.query_one("#ecr-auth-keys", RadioButton).value = True  # access keys instead
        await settle(pilot)
        assert app.plan.registry.ecr.auth == "keys" and keys_shown(app) == [*aws, "MY_VAR"]
        assert app.screen.query_one("#var-row-MY_VAR .var-env", Input).value == "MY_VAR"


async def test_enter_adds_a_variable_masked_and_remove_takes_it_out(repo, monkeypatch):
    monkeypatch.delenv("APP_SECRET", raising=False)
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        await add_by_keys(pilot, "APP_SECRET")  # Enter in the name field adds it
        assert keys_shown(app) == ["APP_SECRET"]
        assert app.screen.query_one("#var-new-key", Input).value == ""
        row = app.screen.query_one("#var-row-APP_SECRET")
        assert row.query_one(".var-masked", Checkbox).value  # a variable of your own is a secret: masked
        assert app.plan.variables == (VariableSpec(key="APP_SECRET", masked=True),)
        row.query_one(".var-value", Input).value = "short"
        await settle(pilot)
        assert text_of(app, "#var-row-APP_SECRET .var-problem").startswith("✗ A masked value needs at least 8")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "registry"
        warning = [n.message for n in app._notifications][-1]
        assert warning.startswith("APP_SECRET: A masked value") and "APP_SECRET: APP_SECRET" not in warning
        await pilot.click("#var-row-APP_SECRET .var-remove")
        await settle(pilot)
        assert keys_shown(app) == [] and app.plan.variables == ()
        assert "APP_SECRET" not in app.services.secrets  # the typed value is forgotten too
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "dockerfile"


def removable(app) -> dict[str, bool]:
    return {row.spec.key: bool(row.query(".var-remove")) for row in app.screen.query("VariableRow")}


async def test_the_registry_s_own_variables_cannot_be_removed(repo):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        await add_by_keys(pilot, "DOCKERHUB_TOKEN")
        await add_by_keys(pilot, "APP_SECRET")
        assert removable(app) == {"DOCKERHUB_TOKEN": True, "APP_SECRET": True}  # yours, with GitLab's registry
        await pick_registry(pilot, "down")  # Docker Hub: its login needs DOCKERHUB_TOKEN
        assert removable(app) == {"DOCKERHUB_USERNAME": False, "DOCKERHUB_TOKEN": False, "APP_SECRET": True}


@pytest.mark.parametrize("key,expected", [
    ("CI_REGISTRY_PASSWORD", "GitLab predefines"),
    ("BAD-KEY", "GitLab allows only letters, digits and _"),
])
async def test_a_refused_name_is_said_as_you_type_and_enter_does_not_add_it(repo, key, expected):
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        app.screen.query_one("#var-new-key", Input).focus()
        await pilot.press(*key)
        await settle(pilot)
        assert expected in text_of(app, "#var-new-problem")  # before any Add
        assert app.screen.query_one("#var-new-key").has_class("-invalid")
        await pilot.press("enter")
        await settle(pilot)
        assert expected in text_of(app, "#var-new-problem") and app.plan.variables == ()
