"""The watch screen: log rendering, stage columns, keys, confirm, follow-running, and a snapshot.

Widget behaviour is checked with Pilot inside a tiny App; the whole screen is driven by a real
follower against the sandbox (see tests/integration for the follower itself).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Input, Label, Static

from dockwright.screens.widgets.job_log import FROZEN, JobLog, clean_line, tail_lines
from dockwright.screens.widgets.pipeline_graph import PipelineGraph, format_duration
from dockwright.wizard.watch import Job

# ------------------------------------------------------------------------------------------ log lines

def test_section_markers_become_marked_headers():
    shown, header = clean_line("section_start:1700000000:build_script[collapsed=true]\r\x1b[0K\x1b[32;1m$ docker build .\x1b[0;m")
    assert header and shown == "\x1b[32;1m$ docker build .\x1b[0;m"
    shown, header = clean_line("section_end:1700000001:build_script\r\x1b[0K")
    assert (shown, header) == ("", False)


def test_carriage_return_keeps_the_final_redraw():
    assert clean_line("10%\r50%\r100% done")[0] == "100% done"


def test_tail_lines_counts_what_it_skips():
    text = "".join(f"line {i}\n" for i in range(100))
    lines, skipped = tail_lines(text, 11)
    assert skipped == 90 and lines[0] == "line 90" and lines[-1] == ""
    assert tail_lines("a\nb", 5) == (["a", "b"], 0)


def test_durations_read_like_gitlab():
    assert [format_duration(s) for s in (None, 0.4, 59, 61, 3725)] == ["", "0s", "59s", "1m 01s", "1h 02m"]


async def drawn(pilot, log) -> None:
    while log.busy:
        await pilot.pause(0.01)
    await pilot.pause()


class LogApp(App):
    def compose(self) -> ComposeResult:
        yield JobLog(max_lines=200, id="log")


async def test_ansi_colours_rendered_and_masked_kept():
    app = LogApp()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(JobLog)
        log.show_job(1, "build")
        log.append("\x1b[31;1mERROR\x1b[0;m token is [MASKED]\nsecond ")
        log.append("half\n")
        await drawn(pilot, log)
        assert list(log.plain) == ["ERROR token is [MASKED]", "second half"]
        first = log.styled_line(0)  # colours are parsed when a line is drawn
        assert "[MASKED]" in first.text
        assert any(seg.text == "ERROR" and seg.style.color.number == 1 and seg.style.bold for seg in first)


class TwoLogsApp(App):
    def compose(self) -> ComposeResult:
        yield JobLog(id="one")
        yield JobLog(id="two")


async def test_the_collectors_old_objects_are_frozen_while_a_pane_is_up_and_given_back_after():
    import gc
    assert gc.get_freeze_count() == 0
    young, middle, full = before = gc.get_threshold()
    app = TwoLogsApp()
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() > 0  # frozen once, after the first paint
        assert gc.get_threshold() == (young, middle, full * 10)  # and full passes ten times rarer
        await app.query_one("#one", JobLog).remove()  # one pane gone: the other is still up
        await pilot.pause()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (young, middle, full * 10)
    assert gc.get_freeze_count() == 0  # the last pane unmounted: everything is collectable again
    assert gc.get_threshold() == before


async def test_a_log_pane_closing_does_not_give_back_what_the_wizard_froze():
    # the wizard keeps its steps built ahead out of full collections until it ends (DockwrightApp._built_ahead);
    # the log pane of the watch after Apply called gc.unfreeze when it closed, which gave those steps back too
    import gc

    from dockwright.screens import frozen

    assert gc.get_freeze_count() == 0
    wizard = object()  # the wizard app's hold
    frozen.hold(wizard)
    try:
        app = LogApp()
        async with app.run_test(size=(100, 20)) as pilot:
            await pilot.pause()
            assert frozen.holding(FROZEN)
            await app.query_one(JobLog).remove()
            await pilot.pause()
            assert not frozen.holding(FROZEN)
        assert gc.get_freeze_count() > 0  # still held by the wizard
    finally:
        frozen.release(wizard)
    assert gc.get_freeze_count() == 0  # the last holder let go: everything is collectable again


async def test_plain_lines_take_the_short_way_and_tabs_and_control_characters_do_not():
    app = LogApp()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(JobLog)
        log.show_job(1, "j")
        log.append("plain ✔ line\na\tb\nbell\x07here\n")
        await drawn(pilot, log)
        plain = log.styled_line(0)
        assert plain.text == "plain ✔ line" and plain.cell_length == 12
        assert log.styled_line(1).text == "a       b"  # tab expanded as before
        assert log.styled_line(2).text == Text.from_ansi("bell\x07here").plain


async def test_big_log_keeps_only_its_tail_and_the_screen_answers():
    app = LogApp()
    async with app.run_test(size=(100, 20)) as pilot:
        log = app.query_one(JobLog)
        log.show_job(1, "big")
        chunk = "".join(f"line {i} " + "x" * 90 + "\n" for i in range(60_000))  # ~6 MB
        log.append(chunk)
        log.append("the very end\n")
        await drawn(pilot, log)
        assert len(log.plain) <= 201 and len(log.rows) <= 200
        assert log.plain[-1] == "the very end"
        assert "earlier lines not shown" in log.plain[0] or log.skipped > 59_000
        await pilot.press("end")  # still responding


async def test_auto_scroll_pauses_when_scrolled_up_and_search_jumps():
    app = LogApp()
    async with app.run_test(size=(100, 12)) as pilot:
        log = app.query_one(JobLog)
        log.show_job(1, "j")
        log.append("".join(f"step {i}\n" for i in range(100)))
        await drawn(pilot, log)
        assert log.following and log.scroll_y == log.max_scroll_y
        log.focus()
        await pilot.press("home")  # the user scrolls up to read
        log.append("more\n")
        await drawn(pilot, log)
        assert not log.following and log.scroll_y == 0
        assert log.search("STEP 42") == 42
        assert log.search("step 42") == 42  # wraps round to the only match
        assert log.search("nothing like it") is None
        log.resume_following()
        await pilot.pause()
        assert log.following and log.scroll_y == log.max_scroll_y


class GraphApp(App):
    def compose(self) -> ComposeResult:
        yield PipelineGraph(id="graph")


async def test_stage_columns_cells_and_retried_jobs():
    app = GraphApp()
    async with app.run_test(size=(100, 20)) as pilot:
        graph = app.query_one(PipelineGraph)
        graph.update_job(Job(1, "build", "build", "success", 9, duration=12.0))
        graph.update_job(Job(2, "test", "test", "failed", 9, allow_failure=True))
        graph.update_job(Job(3, "deploy", "deploy", "manual", 9))
        await pilot.pause()
        assert [k[1] for k in graph.columns] == ["build", "test", "deploy"]
        assert graph.cells[1].has_class("-success") and "12s" in str(graph.cells[1].render())
        assert graph.cells[2].has_class("-allowed") and str(graph.cells[2].render()).startswith("! test")
        assert "manual" in str(graph.cells[3].render())
        graph.update_job(Job(4, "test", "test", "running", 9))  # the retry of job 2
        await pilot.pause()
        assert 2 not in graph.cells and graph.cells[4].has_class("-running")
        assert len(graph.query("JobCell")) == 3


async def test_stages_read_left_to_right_although_gitlab_lists_the_newest_job_first():
    app = GraphApp()
    async with app.run_test(size=(100, 20)) as pilot:
        graph = app.query_one(PipelineGraph)
        for job in (Job(12, "release", "release", "created", 9), Job(11, "build", "build", "running", 9)):
            graph.update_job(job)
        await pilot.pause()
        titles = [str(label.render()) for label in graph.query(".stage-title")]
        assert titles == ["build", "release"]


# ------------------------------------------------------------------------------------------ the whole screen

import asyncio  # noqa: E402
import itertools  # noqa: E402

from dockwright.sandbox import Sandbox  # noqa: E402
from dockwright.screens.watch import ConfirmAction, WatchScreen  # noqa: E402
from dockwright.screens.watch_app import WatchApp  # noqa: E402
from dockwright.wizard.gitlab import GitLabClient  # noqa: E402
from dockwright.wizard.watch import Finished, JobChanged, LogText, PipelineStatus, Schedule  # noqa: E402
from tests.sandbox_helpers import clone, commit_and_push  # noqa: E402

QUICK = Schedule(fast=0.1, slow=0.4, trace_fast=0.1, trace_slow=0.4, appear_fast=0.1, appear_slow=0.3,
                 error_first=0.1, error_max=0.5, stuck_after=1.0)
_branches = itertools.count(1)
DIND = "  image: docker:27\n  services: [docker:27-dind]\n"
BUILD_AND_PUSH = (
    "stages: [build, deploy]\n"
    "image-build:\n  stage: build\n" + DIND + "  script:\n"
    "    - echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n"
    "    - docker build -t \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA\" .\n"
    "    - docker push \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA\"\n"
    "deploy:\n  stage: deploy\n  when: manual\n  script: [echo deployed]\n")
DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "app.py"]\n'


SANDBOX_JOB_SECONDS = 0.3  # the shared `sb` fixture (tests/conftest.py) reads it



def push(sb, workdir, ci: str) -> str:
    return commit_and_push(workdir, {".gitlab-ci.yml": ci, "Dockerfile": DOCKERFILE}, "ci", sb.token,
                           f"ui-{next(_branches)}")


async def until(pilot, predicate, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "the screen did not get there in time"
        await pilot.pause(0.05)


def watch_app(sb, sha: str) -> WatchApp:
    return WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, sha=sha, schedule=QUICK)


async def test_a_pipeline_passes_manual_job_played_and_registry_checked(sb, workdir):
    sha = push(sb, workdir, BUILD_AND_PUSH)
    app = watch_app(sb, sha)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await until(pilot, lambda: any(j.name == "deploy" and j.status == "manual" for j in screen.jobs.values()))
        graph = screen.query_one(PipelineGraph)
        deploy = next(j for j in screen.jobs.values() if j.name == "deploy")
        assert "manual" in str(graph.cells[deploy.id].render())
        graph.cells[deploy.id].focus()
        await until(pilot, lambda: screen.selected == deploy.id)
        await pilot.press("p")
        await until(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await pilot.press("y")
        # deploy is allow_failure (when: manual's default), so the pipeline may have passed already;
        # playing it makes the pipeline run again and the watch follows it to the end
        await until(pilot, lambda: screen.jobs[deploy.id].status == "success" and screen.result is not None)
        assert screen.status == "success" and screen.result == 0
        assert graph.cells[deploy.id].has_class("-success")
        message = screen.query_one("#watch-pull", Static)  # the pull lines have their own place
        await until(pilot, lambda: "docker pull" in str(message.render()))
        assert f"{sb.registry_host}/{sb.project_path}:{sha[:8]}" in str(message.render())
        pulls = [line for line in str(message.render()).splitlines() if "docker pull" in line]
        assert pulls and all(line.startswith("docker pull ") and line.count("docker pull") == 1 for line in pulls)
        await pilot.press("q")
    assert app.return_value == 0


async def test_a_push_to_another_registry_is_not_looked_for_in_gitlabs(sb, workdir):
    sha = push(sb, workdir, "build:\n  script: [echo pushed elsewhere]\n")
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, sha=sha, schedule=QUICK,
                   registry_kind="dockerhub")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WatchScreen)
        await until(pilot, lambda: screen.result is not None)
        assert screen.status == "success" and screen.result == 0
        message = screen.query_one("#watch-pull", Static)
        await until(pilot, lambda: "Docker Hub" in str(message.render()))
        text = str(message.render())
        assert "cannot list that registry's tags" in text and "no image tagged" not in text
        assert "docker pull" not in text and not message.has_class("-error")
        await pilot.press("q")
    assert app.return_value == 0


async def test_a_failed_job_is_selected_explained_and_retried(sb, workdir):
    ci = "build:\n" + DIND + "  variables:\n    DOCKER_HOST: tcp://docker:2375\n  script:\n    - docker info\n"
    sha = push(sb, workdir, ci)
    app = watch_app(sb, sha)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        await until(pilot, lambda: screen.result is not None and screen.query_one("#diagnosis").display)
        failed = next(j for j in screen.jobs.values() if j.status == "failed")
        assert screen.selected == failed.id
        why = str(screen.query_one("#diagnosis", Static).render())
        assert "DOCKER_HOST and TLS do not match" in why
        log = screen.query_one(JobLog)
        await until(pilot, lambda: any("docker info" in line for line in log.plain))
        assert screen.result == 1
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await pilot.press("n")  # changed my mind: nothing happens
        # the question must be gone before r asks again, or r and y would go to the old one
        await until(pilot, lambda: app.screen is screen)
        assert client_jobs(sb, failed.pipeline_id) == [failed.id]
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await pilot.press("y")
        await until(pilot, lambda: len(client_jobs(sb, failed.pipeline_id, retried=True)) == 2)
        # the watch follows the retry (same cell, new job) until it fails again
        await until(pilot, lambda: screen.result is not None and failed.id not in screen.query_one(PipelineGraph).cells)
        assert len(screen.query("JobCell")) == 1
        # the log pane shows the new run, once; the old run is forgotten (it stayed selected before)
        retry = next(iter(screen.query_one(PipelineGraph).cells))
        assert screen.selected == retry and list(screen.jobs) == [retry]
        await until(pilot, lambda: not log.busy and any("docker info" in line for line in log.plain))
        assert sum("Running with gitlab-runner" in line for line in log.plain) == 1
        await pilot.press("q")
    assert app.return_value == 1


async def test_a_stuck_job_is_explained_with_the_project_runners(sb, workdir):
    sha = push(sb, workdir, "build:\n  tags: [gpu]\n  script: [echo hi]\n")
    app = watch_app(sb, sha)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        panel = screen.query_one("#diagnosis", Static)
        await until(pilot, lambda: panel.display and "stuck" in str(panel.render()))
        why = str(panel.render())
        assert "no runner with its tags" in why and "[gpu]" in why
        assert "[saas-linux-small-amd64] online" in why  # the runner GitLab lists for the project
        GitLabClient.connect(sb.url, sb.token).cancel_pipeline(sb.project_path, screen.pipeline_id)
        await until(pilot, lambda: screen.result is not None)
        await pilot.press("q")
    assert app.return_value == 1


def client_jobs(sb, pipeline_id: int, retried: bool = False) -> list[int]:
    client = GitLabClient.connect(sb.url, sb.token)
    ids = {j["id"] for j in client.list_pipeline_jobs(sb.project_path, pipeline_id)}
    if retried:
        import requests
        r = requests.get(f"{sb.url}/api/v4/projects/1/pipelines/{pipeline_id}/jobs?include_retried=true",
                         headers={"PRIVATE-TOKEN": sb.token}, timeout=5)
        ids |= {j["id"] for j in r.json()}
    return sorted(ids)


async def test_follow_running_search_and_cancel_the_pipeline(tmp_path):
    ci = "long:\n  script:\n" + "".join(f"    - echo step {i}\n" for i in range(80))
    with Sandbox(tmp_path / "sandbox", job_seconds=20) as slow:  # jobs that run long enough to follow
        sha = push(slow, clone(slow, tmp_path / "app"), ci)
        await follow_search_cancel(watch_app(slow, sha), slow)


async def follow_search_cancel(app, sandbox):
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        await pilot.press("f")
        await until(pilot, lambda: screen.selected is not None and screen.jobs[screen.selected].status == "running")
        # the job keeps its pace (a log line about every 0.5 s) but now ends only when canceled, however
        # long the keys below take on a loaded machine
        sandbox.job_seconds = 600
        title = screen.query_one("#watch-title", Label)
        await until(pilot, lambda: "following the running job" in str(title.render()))
        log = screen.query_one(JobLog)
        await until(pilot, lambda: any("step 3" in line for line in log.plain))
        box = screen.query_one("#search", Input)
        await pilot.press("slash")
        await until(pilot, lambda: app.focused is box)
        await pilot.press(*"step 2")
        await until(pilot, lambda: box.value == "step 2")
        await pilot.press("enter")
        await until(pilot, lambda: log.match_at is not None)
        assert "step 2" in log.plain[log.match_at]
        assert not log.following
        await pilot.press("escape")
        await until(pilot, lambda: app.focused is log)
        await pilot.press("end")
        await until(pilot, lambda: log.following)
        await pilot.press("C")
        await until(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await pilot.press("y")
        await until(pilot, lambda: screen.result is not None)
        assert screen.status == "canceled" and screen.result == 1


# ------------------------------------------------------------------------------------------ snapshot

RECORDED_LOG = (
    "\x1b[0KRunning with gitlab-runner 17.11.0 (0f67ff19)\x1b[0;m\n"
    "section_start:1764270000:prepare_executor\r\x1b[0K\x1b[0K\x1b[36;1mPreparing the \"docker\" executor\x1b[0;m\n"
    "Using Docker executor with image docker:27 ...\n"
    "Starting service docker:27-dind ...\n"
    "section_end:1764270001:prepare_executor\r\x1b[0K\n"
    "section_start:1764270002:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\" stage of the job script\x1b[0;m\n"
    "\x1b[32;1m$ echo \"$CI_REGISTRY_PASSWORD\" | docker login -u gitlab-ci-token --password-stdin\x1b[0;m\n"
    "token: [MASKED]\n"
    "\x1b[32;1m$ docker info\x1b[0;m\n"
    "Cannot connect to the Docker daemon at tcp://docker:2375. Is the docker daemon running?\n"
    "section_end:1764270003:step_script\r\x1b[0K\n"
    "\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m\n"
)


def recorded_events():
    """A finished pipeline as the follower reports it: one passed, one failed, one allowed to fail, one manual."""
    from dockwright.wizard.watch import Job
    jobs = [Job(11, "lint", "build", "success", 7, duration=4.0, runner="sandbox-runner"),
            Job(12, "image-build", "build", "failed", 7, duration=13.0, runner="sandbox-runner",
                tags=("docker",), failure_reason="script_failure"),
            Job(13, "hadolint", "build", "failed", 7, allow_failure=True, duration=2.0),
            Job(14, "deploy", "deploy", "manual", 7)]
    yield PipelineStatus(7, "running", "", "0123456789abcdef", "main")
    for job in jobs:
        yield JobChanged(job, True, None, 0.0)
    yield LogText(12, RECORDED_LOG)
    yield PipelineStatus(7, "failed", "")
    yield Finished("failed", 7)


class RecordedWatch(App):
    def on_mount(self) -> None:
        self.push_screen(WatchScreen(None, "demo/app", pipeline_id=7, autostart=False))


async def replay(pilot) -> None:
    for event in recorded_events():
        pilot.app.screen.apply(event)
    await pilot.pause()


def test_snapshot_of_a_failed_pipeline(snap_compare):
    assert snap_compare(RecordedWatch(), terminal_size=(130, 36), run_before=replay)


async def test_waiting_for_a_late_pipeline_then_following_it(sb, workdir):
    branch = f"late-ui-{next(_branches)}"
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, ref=branch, schedule=QUICK)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = app.screen
        message = screen.query_one("#watch-message", Static)
        await until(pilot, lambda: "No pipeline for branch" in str(message.render()))
        assert "Waiting for the pipeline" in str(screen.query_one("#watch-title", Label).render())
        await asyncio.to_thread(commit_and_push, workdir, {".gitlab-ci.yml": "late:\n  script: [echo late]\n"},
                                "late", sb.token, branch)
        await until(pilot, lambda: screen.result is not None)
        assert screen.result == 0 and "No pipeline" not in str(message.render())


async def test_a_restarted_follower_sends_the_selected_log_from_its_start_and_the_pane_starts_over():
    # after an action taken while the follower ran, it is started again; it sends the selected job's log from its
    # start, which the pane appended to what it had: the whole log twice
    app = RecordedWatch()
    async with app.run_test(size=(130, 36)) as pilot:
        screen = app.screen
        screen.follow_pipeline = lambda: None  # no GitLab here: the events come from the test
        screen.apply(JobChanged(Job(31, "build", "build", "running", 7), True, None, 0.0))
        screen.select(31)
        screen.apply(LogText(31, "one\ntwo\n"))
        log = screen.query_one(JobLog)
        await drawn(pilot, log)
        screen.restart_follower()
        screen.apply(LogText(31, "one\ntwo\nthree\n"))
        await drawn(pilot, log)
        assert log.plain == ["one", "two", "three"]


async def test_a_retried_job_gives_its_place_to_its_new_run():
    # the screen kept the retried job beside its new run: R offered to retry a job that had passed since, and the
    # selected job's log and title stayed on the old run while its cell showed the new one
    app = RecordedWatch()
    async with app.run_test(size=(130, 36)) as pilot:
        screen = app.screen
        screen.apply(JobChanged(Job(21, "test", "test", "failed", 7), True, None, 0.0))
        screen.select(21)
        screen.apply(JobChanged(Job(22, "test", "test", "success", 7), True, None, 0.0))
        await pilot.pause()
        assert list(screen.jobs) == [22] and screen.selected == 22
        assert "test · passed" in str(screen.query_one(JobLog).border_title)
        screen.action_retry_pipeline()
        assert "Nothing to retry" in str(screen.query_one("#watch-message", Static).render())
