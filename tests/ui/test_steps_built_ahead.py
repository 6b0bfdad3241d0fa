"""Steps are built once and kept: while a step is on screen the app builds the next ones, hidden (composed,
mounted, filled from the plan, laid out), so Next shows a step that exists; Back and Next show the same screen
objects again. Structural checks: no assertion on a time (the waits below only wait for a condition)."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import TextArea

from dockwright.screens import app as app_module
from dockwright.wizard.plan import replace_in
from tests.ui.helpers import flask_repo, offline_app, settle

SIZE = (120, 40)


@pytest.fixture
def repo(tmp_path):
    return flask_repo(tmp_path / "app")


def app_for(repo):
    plan = replace_in(offline_app(repo).plan, "runner", config_path=str(repo.parent / "runner" / "config.toml"))
    return offline_app(repo, plan=plan)


async def until(condition) -> None:
    """Wait until ``condition()`` holds, or 30 s have passed (the caller asserts what it waited for): a condition,
    not a deadline that could fail on a slow machine's timing."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)


async def built_ahead(app, step_id: str) -> None:
    """Wait until ``step_id`` is built ahead: mounted and laid out (lay_out_hidden ran)."""

    def laid_out() -> bool:
        return app.is_screen_installed(step_id) and app.get_screen(step_id).is_mounted \
            and app.get_screen(step_id)._laid_out

    await until(laid_out)
    if not laid_out():
        raise AssertionError(f"{step_id} was not built ahead")


async def toast_ahead(app, pilot, timeout: float):
    """Project shown, the steps after it built ahead, then a toast up (Connect's "Connected") with the goto that
    comes with it (Connect's Next): the Executor step, where the toast is put out of sight."""
    app.goto("project")
    await settle(pilot)
    await built_ahead(app, "runner")
    executor = app.get_screen("executor")
    app.notify("Connected", title="Connected", timeout=timeout)
    app.goto("project")  # building ahead goes on after it
    await settle(pilot)
    return executor


def count_calls(screen, method: str) -> list:
    """The calls of ``screen``'s ``method`` from now on (Screen._refresh_layout: what showing a step runs when it
    must lay it out again before its first frame; Screen._compositor_refresh: a frame)."""
    calls: list = []
    original = getattr(screen, method)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    setattr(screen, method, counted)
    return calls


async def test_the_next_step_is_built_filled_and_laid_out_before_it_is_shown_and_then_shown_as_it_is(repo):
    app = app_for(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("project")
        await settle(pilot)
        await built_ahead(app, "executor")
        await built_ahead(app, "dockerfile")  # and on, one step after another
        hidden = app.get_screen("dockerfile")
        assert hidden not in app.screen_stack
        area = hidden.query_one("#preview-dockerfile", TextArea)
        assert "EXPOSE" in area.text  # the preview was rendered while hidden
        assert hidden.query_one("#df-port").value == str(app.plan.dockerfile.port)  # the fields were filled
        assert "-roomy" in hidden.classes  # and laid out for this size (the size classes are set)
        app.goto("dockerfile")
        await settle(pilot)
        assert app.screen is hidden  # the screen built ahead is the one shown, not a new one
        assert area.text == hidden.query_one("#preview-dockerfile", TextArea).text


async def test_back_and_next_show_the_same_step_screens_again(repo):
    app = app_for(repo)
    async with app.run_test(size=SIZE) as pilot:
        walk = ["project", "executor", "runner", "registry"]
        shown = {}
        for step_id in walk:
            app.goto(step_id)
            await settle(pilot)
            shown[step_id] = app.screen
        for step_id in reversed(walk):
            app.goto(step_id)
            await settle(pilot)
            assert app.screen is shown[step_id], f"{step_id} was built again"


async def test_a_step_built_ahead_looks_as_one_built_when_shown(repo, monkeypatch):
    async def screen_of(ahead: bool) -> str:
        if not ahead:
            monkeypatch.setattr(app_module, "BUILD_AHEAD_AFTER", 3600.0)
        app = app_for(repo)
        async with app.run_test(size=SIZE) as pilot:
            app.goto("project")
            await settle(pilot)
            if ahead:
                await built_ahead(app, "executor")
            app.goto("executor")
            await settle(pilot, 6)
            assert app.get_screen("executor").is_mounted
            return app.export_screenshot()  # what the terminal shows, cell by cell and with its colours

    assert await screen_of(ahead=True) == await screen_of(ahead=False)


async def test_review_is_built_ahead_but_works_out_its_changes_only_when_shown(repo):
    app = app_for(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("pipeline")
        await settle(pilot)
        await built_ahead(app, "review")
        review = app.get_screen("review")
        assert not review.query("Collapsible")  # nothing worked out (nor asked of GitLab) while hidden
        # its fields are filled though: setting them on the first show restyled them and laid the step out again
        assert review.query_one("#rv-branch").value == app.plan.git.branch
        assert review.query_one("#rv-message").value == app.plan.git.commit_message
        assert not app.is_screen_installed("apply")  # Apply starts its work when shown: never built ahead


async def test_a_step_built_ahead_is_laid_out_even_when_a_goto_came_between_its_mount_and_its_layout(repo, monkeypatch):
    # the goto stops the timer that would have laid it out; the next build ahead found it installed and went on
    # to the step after it, so showing it laid it out while the person waited (~300-800 ms, bench/step_switch.py)
    monkeypatch.setattr(app_module, "LAY_OUT_AFTER", 3600.0)  # mounted and filled, its layout not come yet
    app = app_for(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("project")
        await settle(pilot)
        await until(lambda: app.is_screen_installed("executor") and app.get_screen("executor").is_mounted)
        executor = app.get_screen("executor")
        assert not executor._laid_out  # not laid out yet
        monkeypatch.setattr(app_module, "LAY_OUT_AFTER", 0.01)
        app.goto("project")  # a goto (here to the same step) before the layout
        await settle(pilot)
        await built_ahead(app, "executor")
        assert executor.is_mounted and "-roomy" in executor.classes


async def test_steps_built_ahead_are_kept_out_of_full_garbage_collections_until_the_app_ends(repo):
    # a full collection walked every built step's widgets (~360 ms with all eight), also while a key waited
    import gc

    gc.unfreeze()
    app = app_for(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("project")
        await settle(pilot)
        await built_ahead(app, "executor")
        await until(gc.get_freeze_count)  # its render piece comes after the layout; then the step is frozen
        executor = app.get_screen("executor")
        assert gc.get_freeze_count() > 0
        assert not gc.is_tracked(executor) or executor not in gc.get_objects(generation=2)
    assert gc.get_freeze_count() == 0  # given back when the app ended: a test process runs many apps


async def test_a_step_built_ahead_is_not_laid_out_again_when_shown_for_the_first_time(repo):
    # showing a screen sets its toast rack's display (no notifications: none); the first time that was a style
    # where there was none, and the whole step was laid out again while the person waited (bench/step_switch.py)
    app = app_for(repo)
    async with app.run_test(size=SIZE, notifications=True, tooltips=True) as pilot:  # as in a terminal
        app.goto("project")
        await settle(pilot)
        await built_ahead(app, "runner")  # the step after executor: executor's layout and render passes are done
        executor = app.get_screen("executor")
        layouts = count_calls(executor, "_refresh_layout")
        app.goto("executor")
        await settle(pilot, 6)
        assert app.screen is executor
        assert layouts == []


async def test_a_step_built_ahead_or_left_shows_the_help_key_for_its_own_cursor(repo):
    # the help key reads "f1 ?" unless the step's cursor is in a text field; a step's footer built ahead (or left
    # for another) was worked out for the cursor of the step on screen: the wrong keys, rebuilt when it was shown
    from dockwright.screens.step import in_text_field

    def help_key(screen) -> str:
        return next(key.key_display for key in screen.query("FooterKey") if key.action == "help")

    def own(screen) -> str:
        return "f1" if in_text_field(screen.focused) else "f1 ?"

    app = app_for(repo)
    async with app.run_test(size=SIZE, notifications=True, tooltips=True) as pilot:
        app.goto("dockerfile")  # the cursor in a list there, in a text field on Pipeline
        await settle(pilot)
        await built_ahead(app, "review")  # Pipeline's footer is built by now
        dockerfile, pipeline = app.get_screen("dockerfile"), app.get_screen("pipeline")
        assert own(dockerfile) != own(pipeline)
        assert help_key(pipeline) == own(pipeline)
        app.goto("pipeline")
        await settle(pilot, 6)
        assert help_key(dockerfile) == own(dockerfile)  # left, it keeps its own keys
        assert help_key(pipeline) == own(pipeline)


async def test_a_step_left_that_asked_for_a_layout_meanwhile_is_laid_out_in_idle_time_too(repo):
    # a toast that expires is taken off every step it was shown on, and each of them asks for a layout then: Back
    # laid the step out while the person waited (bench/step_switch.py, Ctrl+B to the steps after Connect)
    app = app_for(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("project")
        await settle(pilot)
        app.goto("executor")
        await settle(pilot)
        project = app.get_screen("project")
        project.query_one("#step-title").refresh(layout=True)  # as the toast rack does when its toast goes
        await settle(pilot)
        assert project._layout_required
        app.goto("runner")  # a step later: building ahead looks behind too
        await settle(pilot)
        await until(lambda: not project._layout_required)
        assert not project._layout_required


async def test_a_toast_up_is_put_on_the_steps_built_ahead_and_showing_one_lays_nothing_out(repo):
    # a toast up when a step is shown (Connect's "Connected", 5 s) was mounted on it then, and the whole step laid
    # out again before its first frame (bench/step_switch.py: the two steps after Project)
    app = app_for(repo)
    async with app.run_test(size=SIZE, notifications=True, tooltips=True) as pilot:
        executor = await toast_ahead(app, pilot, timeout=600)
        await until(lambda: executor.query("Toast") and not executor._layout_required)
        assert executor.query("Toast")  # put on it out of sight
        await asyncio.sleep(0.3)  # its layout and render pieces
        layouts = count_calls(executor, "_refresh_layout")
        app.goto("executor")
        await settle(pilot, 6)
        assert app.screen is executor
        assert layouts == []
        assert [str(toast._notification.message) for toast in executor.query("Toast")] == ["Connected"]  # shown


async def test_a_toast_that_times_out_leaves_the_steps_it_was_put_on_laid_out_again(repo):
    # each copy takes itself off when it times out, and its step asks for a layout: showing it ran that layout
    app = app_for(repo)
    async with app.run_test(size=SIZE, notifications=True, tooltips=True) as pilot:
        executor = await toast_ahead(app, pilot, timeout=1.0)
        await until(lambda: executor.query("Toast"))
        assert executor.query("Toast")
        await until(lambda: not executor.query("Toast") and not executor._layout_required)  # no key: it times out
        assert not executor.query("Toast")
        assert not executor._layout_required


async def test_review_works_out_its_changes_after_its_first_frame(repo, monkeypatch):
    # the list's thread held the interpreter while that frame was made, and its mount and layout came before it
    from dockwright.screens.review import ReviewScreen

    painted: list[bool] = []
    collect = ReviewScreen.collect
    frames: list[list] = []  # Review's frames, once it is built

    def collect_after_a_frame(self):
        painted.append(bool(frames[0]))
        return collect(self)

    monkeypatch.setattr(ReviewScreen, "collect", collect_after_a_frame)
    app = app_for(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("pipeline")
        await settle(pilot)
        await built_ahead(app, "review")
        frames.append(count_calls(app.get_screen("review"), "_compositor_refresh"))
        app.goto("review")
        await settle(pilot, 6)
        assert painted == [True]
