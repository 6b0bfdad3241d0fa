"""What Review says (issue 16's confusions): where each variable's value comes from, and after an apply,
that the list is what applying again would do."""

from __future__ import annotations

from textual.widgets import Collapsible, Input

from dockwright.wizard.plan import replace_in
from tests.ui.helpers import flask_repo, offline_app


async def settle(pilot, times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


async def review_previews(app, pilot) -> dict[str, str]:
    app.goto("review")
    await settle(pilot)
    await app.workers.wait_for_complete()
    await settle(pilot)
    return {str(c.title): str(c.query_one(".change-preview").content) for c in app.screen.query(Collapsible)}


async def test_a_value_typed_on_the_registry_step_is_not_asked_at_apply_time(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCKERHUB_TOKEN", raising=False)
    repo = flask_repo(tmp_path / "app")
    app = offline_app(repo)
    app = offline_app(repo, plan=replace_in(app.plan, "registry", kind="dockerhub", image="alice/app"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.goto("registry")
        await settle(pilot)
        app.screen.query_one("#var-row-DOCKERHUB_TOKEN .var-value", Input).value = "dckr_pat_0123456789abcdef"
        await settle(pilot)
        previews = await review_previews(app, pilot)
    token = next(text for title, text in previews.items() if "DOCKERHUB_TOKEN" in title)
    user = next(text for title, text in previews.items() if "DOCKERHUB_USERNAME" in title)
    assert "value=**** (typed on the registry step, hidden)" in token, token
    assert "asked at apply time" not in token and "dckr_pat" not in token
    assert "value=**** (from $DOCKERHUB_USERNAME)" in user, user


async def test_before_any_apply_review_says_nothing_was_written(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(120, 40)) as pilot:
        await review_previews(app, pilot)
        assert str(app.screen.query_one("#review-state").content).startswith("Nothing has been written or sent yet.")



async def test_review_applies_only_on_a_key_pressed_on_its_own_after_the_list_was_seen(tmp_path):
    """Review's Next applies. A Ctrl+N held down from the steps before arrives there repeating (a terminal repeats
    a held key every ~30-40 ms), and a key pressed as the list appears was meant for the step before: both are
    refused with a sentence. One pressed on its own once the list was on screen goes on to the usual checks
    (here: not connected, the offline app has no GitLab)."""
    import time

    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(120, 40)) as pilot:
        await review_previews(app, pilot)

        async def press_next(*, key_before: float, list_shown: float) -> list[str]:
            """Ctrl+N with the key before it ``key_before`` seconds earlier and the list shown ``list_shown``
            seconds earlier (set on the app and the step: no test waits on the clock); what was said."""
            said = len(app._notifications)
            app._last_key = time.monotonic() - key_before
            app.screen.ready_at = time.monotonic() - list_shown
            await pilot.press("ctrl+n")
            await settle(pilot)
            return [n.message for n in app._notifications][said:]

        refused = "Look over the list first"
        held = await press_next(key_before=-5.0, list_shown=60.0)  # -5: the key before came "just now"
        assert any(refused in m for m in held), held
        early = await press_next(key_before=60.0, list_shown=0.0)
        assert any(refused in m for m in early), early
        assert app.reviewed_plan is None and app.current_step == "review"
        on_its_own = await press_next(key_before=60.0, list_shown=60.0)
        assert not any(refused in m for m in on_its_own) and any("Not connected" in m for m in on_its_own), on_its_own
