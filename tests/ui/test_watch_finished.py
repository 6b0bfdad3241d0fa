"""The watch screen on a pipeline that has already finished, and its keys (issue 16 items 4, 9, 10).

Driven by a real follower against the sandbox, as `dockwright watch --pipeline N` runs it.
"""

from __future__ import annotations

from textual.widgets import Static

from dockwright.screens.watch import WatchScreen
from dockwright.screens.watch_app import WatchApp
from dockwright.screens.widgets.job_log import JobLog
from dockwright.screens.widgets.pipeline_graph import PipelineGraph
from dockwright.wizard.gitlab import GitLabClient
from tests.sandbox_helpers import wait_until
from tests.ui.test_watch_screen import QUICK, push, until

SANDBOX_JOB_SECONDS = 0.1  # the shared `sb` fixture (tests/conftest.py) reads it

TWO_JOBS = ("stages: [build, test]\n"
            "build:\n  stage: build\n  script: [echo built the thing]\n"
            "test:\n  stage: test\n  script: [echo tested the thing]\n")


def finished_pipeline(sb, workdir, ci: str = TWO_JOBS) -> int:
    sha = push(sb, workdir, ci)
    client = GitLabClient.connect(sb.url, sb.token)
    found = wait_until(lambda: [p for p in client.find_pipelines(sb.project_path, sha=sha)
                                if p["status"] in ("success", "failed")], timeout=30)
    return int(found[0]["id"])


def trace_requests(sb, job_id: int) -> int:
    return sum(1 for method, path, _status, _size in list(sb.request_log) if path.endswith(f"/jobs/{job_id}/trace"))


async def test_a_finished_jobs_log_is_fetched_once_and_shown(sb, workdir):
    pipeline_id = finished_pipeline(sb, workdir)
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, pipeline_id=pipeline_id, schedule=QUICK)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await until(pilot, lambda: screen.result is not None and len(screen.jobs) == 2)
        build = next(j for j in screen.jobs.values() if j.name == "build")
        test = next(j for j in screen.jobs.values() if j.name == "test")
        graph = screen.query_one(PipelineGraph)
        log = screen.query_one(JobLog)
        await pilot.press("tab")  # the first job cell, as a newcomer does it
        await until(pilot, lambda: screen.selected == build.id)
        await until(pilot, lambda: any("built the thing" in line for line in log.plain))
        graph.cells[test.id].focus()
        await until(pilot, lambda: any("tested the thing" in line for line in log.plain))
        assert not any("built the thing" in line for line in log.plain)
        graph.cells[build.id].focus()
        await until(pilot, lambda: any("built the thing" in line for line in log.plain))
        await pilot.pause(0.3)
        assert log.plain.count("built the thing") == 1  # shown once, not appended twice
        assert trace_requests(sb, build.id) == 1 and trace_requests(sb, test.id) == 1  # fetched once each
        await pilot.press("q")


DIND = "  image: docker:27\n  services: [docker:27-dind]\n"
LOGIN = "    - echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n"
PUSH_THREE_TAGS = (  # the shape dockwright generates: build and push sha + branch, then latest in a later job
    "stages: [build, release]\n"
    "build:\n  stage: build\n" + DIND + "  script:\n" + LOGIN +
    "    - docker build -t \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\" -t \"$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG\" .\n"
    "    - docker push \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\"\n    - docker push \"$CI_REGISTRY_IMAGE:$CI_COMMIT_REF_SLUG\"\n"
    "release:\n  stage: release\n" + DIND + "  script:\n" + LOGIN +
    "    - docker pull \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\"\n"
    "    - docker tag \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\" \"$CI_REGISTRY_IMAGE:latest\"\n"
    "    - docker push \"$CI_REGISTRY_IMAGE:latest\"\n")


def said(screen) -> str:
    """Every line the watch shows above the stages: its message and, after a pass, the pull lines."""
    return "\n".join(str(w.render()) for w in screen.query("#watch-message, #watch-pull") if w.display)


def no_browser(monkeypatch) -> None:
    """This machine as a server or container has it: webbrowser finds nothing to start."""
    import webbrowser

    monkeypatch.setattr(webbrowser, "_tryorder", [])


async def test_pull_lines_name_exactly_the_pushed_tags_and_keys_answer_on_a_passed_pipeline(sb, workdir, monkeypatch):
    no_browser(monkeypatch)
    pipeline_id = finished_pipeline(sb, workdir, PUSH_THREE_TAGS)
    client = GitLabClient.connect(sb.url, sb.token)
    sha = client.get_pipeline(sb.project_path, pipeline_id)["sha"]
    ref = client.get_pipeline(sb.project_path, pipeline_id)["ref"]
    app = WatchApp(client, sb.project_path, pipeline_id=pipeline_id, schedule=QUICK)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await until(pilot, lambda: screen.result is not None and "docker pull" in said(screen))
        where = f"{sb.registry_host}/{sb.project_path}"
        slug = ref.lower().replace("/", "-").replace("_", "-")
        assert [line for line in said(screen).splitlines() if line.startswith("docker pull")] == [
            f"docker pull {where}:{sha}", f"docker pull {where}:{slug}", f"docker pull {where}:latest"]
        pull = screen.query_one("#watch-pull", Static)

        await pilot.press("R")  # nothing failed: nothing to ask
        await pilot.pause(0.2)
        assert app.screen is screen
        message = screen.query_one("#watch-message", Static)
        assert "Nothing to retry" in str(message.render())

        await pilot.press("tab", "o")
        await until(pilot, lambda: "No web browser found" in str(message.render()))
        assert "/-/jobs/" in str(message.render()) and "Opened" not in str(message.render())
        assert str(pull.render()).count("docker pull") == 3 and pull.display  # still there

        await pilot.press("f1")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen")
        assert "Watch the pipeline" in str(app.screen.query_one("#help-body").border_title)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)

        from textual.widgets._footer import FooterKey
        keys = list(screen.query(FooterKey))
        shown = {k.key for k in keys}
        assert {"q", "f1", "f", "r", "R", "c", "C", "p", "o", "O", "slash"} <= shown
        assert all(k.region.right <= 80 and k.region.width > 0 for k in keys), [(k.key, k.region) for k in keys]
        await pilot.press("q")


def test_a_console_browser_does_not_count(monkeypatch):
    import webbrowser

    from dockwright.screens.watch import has_browser

    monkeypatch.setattr(webbrowser, "_tryorder", [])
    monkeypatch.setattr(webbrowser, "_browsers", {})
    assert not has_browser()
    webbrowser.register("lynx", None, webbrowser.GenericBrowser("lynx"), preferred=True)
    assert not has_browser()  # it would take over the watch's own terminal


async def test_inside_the_wizard_the_watch_footer_still_fits_80_columns(tmp_path):
    """The wizard's own ctrl+q and ctrl+s keep working on the watch screen but are not listed there."""
    from textual.widgets._footer import FooterKey

    from tests.ui.helpers import flask_repo, offline_app

    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(WatchScreen(None, "alice/app", pipeline_id=7, autostart=False))
        await pilot.pause()
        for _ in range(50):  # under load the footer's keys may be mounted but not yet laid out
            keys = list(app.screen.query(FooterKey))
            if keys and all(k.region.width > 0 for k in keys):
                break
            await pilot.pause(0.05)
        assert {k.key for k in keys} >= {"q", "f1", "slash"} and not {"ctrl+q", "ctrl+s"} & {k.key for k in keys}
        assert all(k.region.right <= 80 and k.region.width > 0 for k in keys), [(k.key, k.region) for k in keys]
        await pilot.press("ctrl+s")  # still the wizard's save
        await pilot.pause()
        assert (tmp_path / "app" / "dockwright.yml").exists()


async def test_a_job_selected_while_the_pull_hint_reads_the_logs_is_not_fetched_twice(sb, workdir, monkeypatch):
    """The race behind a flaky count: after a pass the pull hint reads every passed job's log; a job selected
    before that read came back was fetched a second time. Selecting right at the end makes it certain."""
    pipeline_id = finished_pipeline(sb, workdir, TWO_JOBS + "# selected at once\n")
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, pipeline_id=pipeline_id, schedule=QUICK)
    original = WatchScreen.finished

    def finished_then_select(screen, event):
        original(screen, event)
        build = next(j for j in screen.jobs.values() if j.name == "build")
        screen.chosen_by_user = True
        screen.select(build.id)  # before the hint's read of the logs has come back

    monkeypatch.setattr(WatchScreen, "finished", finished_then_select)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        await until(pilot, lambda: screen.result is not None and len(screen.jobs) == 2)
        log = screen.query_one(JobLog)
        await until(pilot, lambda: any("built the thing" in line for line in log.plain))
        await until(pilot, lambda: screen.query_one("#watch-pull").display)
        await pilot.pause(0.3)
        build = next(j for j in screen.jobs.values() if j.name == "build")
        test = next(j for j in screen.jobs.values() if j.name == "test")
        assert log.plain.count("built the thing") == 1
        assert trace_requests(sb, build.id) == 1 and trace_requests(sb, test.id) == 1
        await pilot.press("q")
