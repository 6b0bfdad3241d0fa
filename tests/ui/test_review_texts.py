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
