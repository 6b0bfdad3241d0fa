"""The wizard against a live sandbox GitLab: errors as sentences, and the whole way to a green pipeline."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from dockwright.sandbox import Sandbox
from tests.ui.helpers import sandbox_app, until_review_applies

SIZE = (120, 40)


@pytest.fixture
def sb(tmp_path):
    with Sandbox(tmp_path / "sandbox", job_seconds=0.3) as sandbox:
        yield sandbox


async def wait_until(pilot, predicate, rounds: int = 600) -> bool:
    """Let the app run until ``predicate()`` holds (workers do real HTTP); no wall-clock assertion."""
    for _ in range(rounds):
        if predicate():
            return True
        await pilot.pause(0.05)
    return predicate()


def result_text(app) -> str:
    return str(app.screen.query_one("#connect-result").content)


async def test_connection_report_names_user_scopes_version_project_and_role(sb, tmp_path):
    app = sandbox_app(sb, tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#sandbox-banner")  # the sandbox is always visibly marked
        await pilot.click("#connect-test")
        assert await wait_until(pilot, lambda: result_text(app).startswith(("✓", "✗")))
        text = result_text(app)
        assert "Signed in as root" in text
        assert "api" in text and sb.project_path in text and "your role:" in text
        assert app.current_step == "connect"  # Test alone does not move on
        assert sb.token not in text


async def test_enter_on_next_after_a_passed_test_moves_to_the_next_step_only(sb, tmp_path):
    app = sandbox_app(sb, tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#connect-test")
        assert await wait_until(pilot, lambda: result_text(app).startswith(("✓", "✗")))
        app.screen.query_one("#next").focus()
        await pilot.press("enter")  # Next went twice (Connect's own button handler called the base's too)
        assert await wait_until(pilot, lambda: app.current_step != "connect")
        for _ in range(5):
            await pilot.pause()
        assert app.current_step == "project"


@pytest.mark.parametrize("case", ["bad-token", "missing-project", "read-only-token"])
async def test_gitlab_refusals_are_sentences_with_the_fix(sb, tmp_path, case):
    app = sandbox_app(sb, tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        if case == "bad-token":
            app.screen.query_one("#connect-token", Input).value = "glpat-not-a-real-token-000"
        elif case == "missing-project":
            app.screen.query_one("#connect-project", Input).value = "nobody/nothing"
        else:
            app.screen.query_one("#connect-token", Input).value = sb.create_token(scopes=("read_api",))
        await pilot.pause()
        await pilot.press("ctrl+n")  # Test and continue
        assert await wait_until(pilot, lambda: "✗" in result_text(app))
        text = result_text(app)
        assert "Traceback" not in text
        assert app.current_step == "connect"  # a failed test never moves on
        if case == "bad-token":
            assert "token" in text.lower() and ("401" in text or "not valid" in text.lower() or "revoked" in text.lower())
        elif case == "missing-project":
            assert "nobody/nothing" in text
        else:
            assert "lacks the `api` scope" in text


async def test_network_failure_is_a_sentence(tmp_path):
    with Sandbox(tmp_path / "sandbox", job_seconds=0.3) as sb:
        app = sandbox_app(sb, tmp_path / "work")
        url = sb.url
    # the sandbox is stopped now: nothing listens at its address any more
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.plan.gitlab.url == url
        await pilot.click("#connect-test")
        assert await wait_until(pilot, lambda: "✗" in result_text(app))
        text = result_text(app)
        assert "Traceback" not in text and "127.0.0.1" in text


@pytest.mark.parametrize("executor", ["docker-dind-tls", "docker-dind", "docker-socket", "shell", "hosted"])
async def test_whole_wizard_to_a_green_pipeline(sb, tmp_path, executor):
    from dockwright.screens.watch import WatchScreen

    if executor == "hosted":
        sb.set_instance_runners(sb.project_path, True)  # GitLab's own runners, as on gitlab.com
    app = sandbox_app(sb, tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+n")  # Connect: test and continue
        assert await wait_until(pilot, lambda: app.current_step == "project"), result_text(app)
        await pilot.press("ctrl+n")
        assert await wait_until(pilot, lambda: app.current_step == "executor")
        where, _, method = executor.partition("-")  # the executor, then the build method (issue 14)
        await pilot.click(f"#executor-{where}")
        if method:
            await pilot.click(f"#method-{method}")
        steps = ("runner", "registry", "dockerfile", "pipeline", "review")
        for expected in steps if executor != "hosted" else steps[1:]:
            if app.current_step == "runner" and executor == "shell":
                app.screen.query_one("#rn-host-ready").value = True  # the host set-up the step shows
                await pilot.pause()
            await pilot.press("ctrl+n")
            assert await wait_until(pilot, lambda expected=expected: app.current_step == expected)
        assert app.plan.executor == executor
        assert not (tmp_path / "work" / "Dockerfile").exists()  # nothing written before Review is confirmed
        assert await wait_until(pilot, lambda: getattr(app.screen, "ready", False))
        titles = [str(c.title) for c in app.screen.query("Collapsible")]
        assert any("create Dockerfile" in t for t in titles) and any(t.startswith("push") for t in titles)
        await until_review_applies(pilot)
        await pilot.press("ctrl+n")  # Apply these changes
        assert await wait_until(pilot, lambda: isinstance(app.screen, WatchScreen), rounds=1200), [
            str(label.content) for label in app.screen.query(".apply-line, #apply-result")]
        assert (tmp_path / "work" / "Dockerfile").exists()
        done = await wait_until(pilot, lambda: _pipeline_status(sb, app) in ("success", "failed", "canceled"),
                                rounds=1200)
        assert done and _pipeline_status(sb, app) == "success", _job_logs(app)
        if executor != "hosted":
            config = (tmp_path / "runner" / "config.toml").read_text()
            assert sb.token not in config and "[[runners]]" in config


def _job_logs(app) -> str:
    client, project = app.services.client, app.plan.gitlab.project
    pipeline = client.find_pipelines(project, sha=app.get_screen("apply").sha)[0]
    return "\n".join(client.get_job_trace(project, job["id"]).decode(errors="replace")[-1500:]
                     for job in client.list_pipeline_jobs(project, pipeline["id"]))


def _pipeline_status(sb, app) -> str | None:
    client = app.services.client
    sha = app.get_screen("apply").sha
    pipelines = client.find_pipelines(app.plan.gitlab.project, sha=sha)
    return pipelines[0]["status"] if pipelines else None


async def test_a_failing_apply_step_is_a_sentence_and_a_rerun_finishes(sb, tmp_path, monkeypatch):
    """git cannot commit without an identity: the failure is shown in place, what was done stays done."""
    from dockwright.screens.watch import WatchScreen

    app = sandbox_app(sb, tmp_path / "work")
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("EMAIL", "")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+n")
        assert await wait_until(pilot, lambda: app.current_step == "project"), result_text(app)
        app.goto("review")
        assert await wait_until(pilot, lambda: getattr(app.screen, "ready", False))
        await until_review_applies(pilot)
        await pilot.press("ctrl+n")
        apply = app.get_screen("apply")
        assert await wait_until(pilot, lambda: "✗" in str(apply.query_one("#apply-result").content), rounds=1200)
        lines = [str(label.content) for label in apply.query(".apply-line")]
        assert lines[-1].startswith("✗ commit and push")
        assert any(line.startswith("✓ create Dockerfile") for line in lines)
        result = str(apply.query_one("#apply-result").content)
        assert "git config" in result and "Traceback" not in result
        monkeypatch.setenv("GIT_AUTHOR_NAME", "New Comer")
        monkeypatch.setenv("GIT_AUTHOR_EMAIL", "new@example.com")
        monkeypatch.setenv("GIT_COMMITTER_NAME", "New Comer")
        monkeypatch.setenv("GIT_COMMITTER_EMAIL", "new@example.com")
        assert str(apply.query_one("#next").label) == "Apply again"  # in place: every change is safe to repeat
        await pilot.press("ctrl+n")
        assert await wait_until(pilot, lambda: isinstance(app.screen, WatchScreen), rounds=1200)
        lines = [str(label.content) for label in apply.query(".apply-line")]
        assert any("create Dockerfile" in line or "Dockerfile is already up to date" in line for line in lines)


async def test_the_pipeline_step_sends_nothing_to_gitlab_until_asked_and_says_what_it_sends(sb, tmp_path):
    """The Pipeline step sent .gitlab-ci.yml to GitLab's lint on entry, without asking or saying so (issue 16)."""
    app = sandbox_app(sb, tmp_path / "work")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+n")  # Connect: test and continue
        assert await wait_until(pilot, lambda: app.current_step == "project"), result_text(app)

        def lints() -> int:
            return sum(1 for _method, path, _status, _size in sb.request_log if path.split("?")[0].endswith("/ci/lint"))

        app.goto("pipeline")
        assert await wait_until(pilot, lambda: app.current_step == "pipeline" and app.screen.query("#pl-local"))
        await wait_until(pilot, lambda: "✓" in str(app.screen.query_one("#pl-local").content))
        for _ in range(10):
            await pilot.pause(0.02)
        assert lints() == 0
        why = " ".join(str(app.screen.query_one("#pl-lint-why").content).split())
        assert f"to {sb.url}" in why and "/ci/lint" in why and "Nothing is written" in why
        app.screen.query_one("#pl-lint").scroll_visible(animate=False)  # below the fold with the options above it
        await pilot.pause()
        await pilot.click("#pl-lint")
        assert await wait_until(pilot, lambda: str(app.screen.query_one("#pl-server").content).startswith("✓"))
        assert lints() == 1


async def test_replace_on_review_replaces_a_hand_written_dockerfile_at_apply_and_keeps_it_as_orig(sb, tmp_path):
    """The wizard offered no overwrite though Review's refusal named `--overwrite` (issue 16): its switch does it."""
    from dockwright.screens.watch import WatchScreen
    from dockwright.wizard.render import is_generated

    app = sandbox_app(sb, tmp_path / "work")
    mine = "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n"
    (tmp_path / "work" / "Dockerfile").write_text(mine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+n")  # Connect: test and continue
        assert await wait_until(pilot, lambda: app.current_step == "project"), result_text(app)
        app.goto("review")
        assert await wait_until(pilot, lambda: app.screen.query("#rv-overwrite-row")
                                and app.screen.query_one("#rv-overwrite-row").display)
        app.screen.query_one("#rv-overwrite").value = True
        assert await wait_until(pilot, lambda: getattr(app.screen, "ready", False))
        await until_review_applies(pilot)
        await pilot.press("ctrl+n")  # Apply these changes
        assert await wait_until(pilot, lambda: isinstance(app.screen, WatchScreen), rounds=1200), [
            str(label.content) for label in app.screen.query(".apply-line, #apply-result")]
    assert (tmp_path / "work" / "Dockerfile.orig").read_text() == mine
    assert is_generated((tmp_path / "work" / "Dockerfile").read_text())
