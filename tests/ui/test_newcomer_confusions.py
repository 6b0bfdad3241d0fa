"""What a newcomer found confusing in the issue 16 re-run (the Confusions left after its ten bugs): each one as
it was met, with what a person reads on screen asserted, not how it is built."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Tab

from tests.ui.helpers import flask_repo, offline_app, settle
from tests.ui.test_wizard_gitlab import wait_until

SIZE = (120, 40)


@pytest.fixture
def repo(tmp_path):
    return flask_repo(tmp_path / "app")


async def test_a_checkbox_shows_on_and_off_by_a_mark_not_by_colour_alone(repo):
    """Variable flags drew ▐X▌ on and off; only the colour told them apart."""
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        field = app.screen.query_one("#var-new-key", Input)
        field.value = "APP_SECRET"
        await settle(pilot)
        app.screen.query_one("#var-add").press()
        await settle(pilot)
        row = app.screen.query_one("#var-row-APP_SECRET")
        masked, protected = row.query_one(".var-masked", Checkbox), row.query_one(".var-protected", Checkbox)
        assert masked.value and not protected.value
        on, off = masked.render().plain, protected.render().plain
        assert "✓" in on and "✓" not in off, (on, off)
        masked.value = False
        await settle(pilot)
        assert "✓" not in masked.render().plain


async def test_an_emptied_field_shows_a_hint_not_something_that_looks_like_a_value(repo):
    """Emptying Base image showed python:3.13-slim in the field, which looked like the value it still had."""
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        for step in ("connect", "runner", "registry", "dockerfile", "pipeline"):
            app.goto(step)
            await settle(pilot)
            for field in app.screen.query(Input):
                if field.placeholder and not field.password:
                    assert field.placeholder.startswith("e.g. "), (step, field.id, field.placeholder)
        app.goto("dockerfile")
        await settle(pilot)
        field = app.screen.query_one("#df-base_image", Input)
        value_style = field.rich_style
        field.value = ""
        await settle(pilot)
        assert str(field.render_line(0).text).strip().startswith("e.g. python:")  # what the empty field shows
        placeholder_style = field.get_component_rich_style("input--placeholder")
        assert placeholder_style.italic and placeholder_style.color != value_style.color


def fully_inside(inner, outer) -> bool:
    return inner.x >= outer.x and inner.right <= outer.right and inner.y >= outer.y and inner.bottom <= outer.bottom


@pytest.mark.parametrize("width", [120, 140, 144, 200])
async def test_every_preview_tab_label_is_whole(repo, width):
    """At 120 columns the tab bar showed "conf" for config.toml."""
    app = offline_app(repo)
    async with app.run_test(size=(width, 40)) as pilot:
        app.goto("runner")
        await settle(pilot)
        pane = app.screen.query_one("#preview").region
        tabs = list(app.screen.query_one("#preview").query(Tab))
        assert tabs
        for tab in tabs:
            assert fully_inside(tab.region, pane), (str(tab.label), tab.region, pane)


async def test_a_toast_leaves_back_and_next_visible(repo):
    """The "Connected" toast sat over the Back / Next buttons."""
    app = offline_app(repo)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.goto("project")
        await settle(pilot)
        app.notify("Signed in as root (Owner) on GitLab 17.11.0; project demo/app found. The details stay on "
                   "this step (Back).", title="Connected")
        await settle(pilot, 5)
        toasts = list(app.screen.query("Toast"))
        assert toasts
        for button in ("#back", "#next"):
            region = app.screen.query_one(button).region
            assert all(not toast.region.overlaps(region) for toast in toasts), (button, region)


HAND_WRITTEN = "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n"


async def test_review_offers_to_replace_a_file_it_cannot_merge_and_says_what_happens_to_it(repo):
    """Review refused a hand-written Dockerfile and said `--overwrite`, a flag the wizard has no place for."""
    (repo / "Dockerfile").write_text(HAND_WRITTEN)
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("project")
        await settle(pilot)
        findings = " ".join(str(app.screen.query_one("#project-findings").content).split())
        assert "--overwrite" not in findings and "Review" in findings and "Dockerfile.orig" in findings
        app.goto("review")
        problem = lambda: " ".join(str(app.screen.query_one("#review-problem").content).split())  # noqa: E731
        assert await wait_until(pilot, lambda: app.screen.query("#review-problem") and problem().startswith("✗"))
        assert "--overwrite" not in problem() and "Replace" in problem()
        row = app.screen.query_one("#rv-overwrite-row")
        assert row.display
        said = " ".join(str(row.query_one("Label").content).split())
        assert "Dockerfile.orig" in said and "not committed" in said
        app.screen.query_one("#rv-overwrite").value = True
        assert await wait_until(pilot, lambda: getattr(app.screen, "ready", False))
        titles = [str(c.title) for c in app.screen.query("Collapsible")]
        assert "replace Dockerfile (the old one is kept as Dockerfile.orig)" in titles, titles
        assert app.services.overwrite
        assert (repo / "Dockerfile").read_text() == HAND_WRITTEN  # nothing is written before Apply


def visible_in_form(app, selector: str) -> bool:
    """The widget is drawn whole inside the step's scrolling form (not below its visible part)."""
    return fully_inside(app.screen.query_one(selector).region, app.screen.query_one("#form").region)


async def test_at_80x24_the_new_variable_error_and_the_add_button_are_in_view(repo):
    """80×24: the refusal of a new variable's name and the Add button were below the visible area."""
    app = offline_app(repo)
    async with app.run_test(size=(80, 24)) as pilot:
        app.goto("registry")
        await settle(pilot)
        app.screen.query_one("#var-new-key", Input).focus()
        await pilot.press(*"CI_FOO", "enter")
        await settle(pilot, 5)
        assert "a name GitLab predefines" in str(app.screen.query_one("#var-new-problem").content)
        assert visible_in_form(app, "#var-new-problem")
        assert visible_in_form(app, "#var-add") and visible_in_form(app, "#var-new-key")


async def test_at_80x24_next_brings_the_variable_it_complains_about_into_view(repo, monkeypatch):
    """ctrl+n reported a problem with a variable one could not see."""
    monkeypatch.delenv("APP_SECRET", raising=False)
    app = offline_app(repo)
    async with app.run_test(size=(80, 24)) as pilot:
        app.goto("registry")
        await settle(pilot)
        app.screen.query_one("#var-new-key", Input).focus()
        await pilot.press(*"APP_SECRET", "enter")  # no value typed yet: Next refuses
        await settle(pilot, 5)
        app.screen.query_one("#registry-kind").focus()  # the form scrolls back up to the top
        app.screen.query_one("#form").scroll_home(animate=False)
        await settle(pilot)
        assert not visible_in_form(app, "#var-row-APP_SECRET .var-problem")
        await pilot.press("ctrl+n")
        await settle(pilot, 5)
        assert app.current_step == "registry"
        assert visible_in_form(app, "#var-row-APP_SECRET .var-problem")
        assert app.focused is app.screen.query_one("#var-row-APP_SECRET .var-value")


async def test_a_switch_shows_on_and_off_by_a_mark_not_by_colour_alone(repo):
    """Switches drew a coloured knob, the same blank cells on and off once colour is gone."""
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        switch = app.screen.query_one("#df-non_root")
        assert switch.value and "✓" in switch.render().plain
        switch.value = False
        await pilot.pause(0.5)  # the knob slides
        assert "✓" not in switch.render().plain


async def test_a_step_drawn_before_its_width_class_shows_no_step_list(repo):
    """At 120 columns each new step flashed the wide layout (with the step list) for its first frames."""
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("registry")
        await settle(pilot)
        assert app.screen.has_class("-roomy") and not app.screen.query_one("#steps").display
        app.screen.remove_class("-roomy")  # as on its first frame
        await settle(pilot)
        assert not app.screen.query_one("#steps").display


async def test_at_80x24_next_on_the_shell_runner_brings_the_done_switch_into_view(repo):
    """80×24, shell executor: Next said 'switch on "Done"', a switch below the visible part of the step."""
    app = offline_app(repo)
    async with app.run_test(size=(80, 24)) as pilot:
        app.goto("executor")
        await settle(pilot)
        await pilot.click("#executor-shell")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot, 5)
        assert app.current_step == "runner" and not visible_in_form(app, "#rn-host-ready")
        await pilot.press("ctrl+n")
        await settle(pilot, 5)
        assert app.current_step == "runner"
        assert visible_in_form(app, "#rn-host-ready") and app.focused is app.screen.query_one("#rn-host-ready")
        await pilot.press("space")  # the switch has the cursor: one key turns it on
        await settle(pilot)
        assert app.services.host_has_docker
