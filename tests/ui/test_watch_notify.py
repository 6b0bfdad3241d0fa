"""The nudge when a pipeline ends (wizard/notify.py): the bytes written to the terminal, from the pipeline
view, the pipelines list and --plain, on a live sandbox; --no-notify writes none."""

from __future__ import annotations

import io
import itertools

from dockwright.screens.watch_app import WatchApp
from dockwright.screens.watch_list import PipelinesScreen
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.notify import Notifier, ended_text, sequences
from dockwright.wizard.watch import follow
from dockwright.wizard.watch_list import ListFilter
from dockwright.wizard.watch_plain import print_plain
from dockwright.wizard.watch_schedule import ListSchedule
from tests.sandbox_helpers import commit_and_push
from tests.ui.test_watch_screen import QUICK, until

SANDBOX_JOB_SECONDS = 0.3  # the shared `sb` fixture (tests/conftest.py) reads it
_n = itertools.count(1)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def push(sb, workdir, ci: str, branch: str) -> str:
    return commit_and_push(workdir, {".gitlab-ci.yml": f"# {next(_n)}\n{ci}"}, "ci", sb.token, branch)


def test_the_sequences_are_bell_osc9_and_osc777():
    title, body = ended_text(42, "failed", "main", "demo/app")
    assert (title, body) == ("dockwright: pipeline failed", "demo/app #42 (main) failed")
    assert sequences(title, body) == ("\a\x1b]9;dockwright: pipeline failed: demo/app #42 (main) failed\a"
                                      "\x1b]777;notify;dockwright: pipeline failed;demo/app #42 (main) failed\a")
    # a branch name cannot end the sequence early or smuggle another one in
    assert sequences("a;b", "x\x1b]52;c;evil\a y") == "\a\x1b]9;a,b: x ]52;c;evil  y\a\x1b]777;notify;a,b;x ]52;c;evil  y\a"


def test_each_end_is_told_once_and_no_notify_writes_nothing():
    out = io.StringIO()
    told = Notifier(out)
    told.pipeline_ended(7, "success", "main")
    told.pipeline_ended(7, "success", "main")  # the list and the open pipeline view both saw it
    assert out.getvalue().count("\a") == 3 and told.sent == ["#7 (main) passed"]
    quiet_out = io.StringIO()
    Notifier(quiet_out, enabled=False).pipeline_ended(7, "failed")
    assert quiet_out.getvalue() == ""


async def test_the_pipeline_view_nudges_when_its_pipeline_ends(sb, workdir):
    sha = push(sb, workdir, "build:\n  script:\n    - exit 1\n", "nudge-view")
    terminal = io.StringIO()
    app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, sha=sha, schedule=QUICK,
                   notifier=Notifier(terminal))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.result is not None)
        pipeline = app.screen.pipeline_id
        await pilot.press("q")
    body = f"{sb.project_path} #{pipeline} (nudge-view) failed"
    assert terminal.getvalue() == sequences("dockwright: pipeline failed", body)


async def test_the_list_nudges_when_a_running_pipeline_ends(sb, workdir):
    sb.job_seconds = 1.5
    try:
        push(sb, workdir, "build:\n  script: [echo ok]\n", "nudge-list")
        terminal = io.StringIO()
        app = WatchApp(GitLabClient.connect(sb.url, sb.token), sb.project_path, notifier=Notifier(terminal),
                       list_options={"schedule": ListSchedule(fast=0.1, slow=0.3), "filters": ListFilter(ref="nudge-list")})
        async with app.run_test(size=(100, 30)) as pilot:
            screen = app.screen
            assert isinstance(screen, PipelinesScreen)
            await until(pilot, lambda: bool(screen.ended))
            ended = screen.ended[0]
            message = str(screen.query_one("#list-message").render())
            await pilot.press("q")
    finally:
        sb.job_seconds = SANDBOX_JOB_SECONDS
    assert f"Pipeline #{ended.id} (nudge-list) passed." in message
    assert terminal.getvalue() == sequences("dockwright: pipeline passed", f"{sb.project_path} #{ended.id} (nudge-list) passed")


async def test_plain_says_it_in_a_line_and_rings_the_terminal(sb, workdir):
    sha = push(sb, workdir, "build:\n  script: [echo ok]\n", "nudge-plain")
    out = Terminal()
    client = GitLabClient.connect(sb.url, sb.token)
    code = await print_plain(follow(client, sb.project_path, sha=sha, schedule=QUICK), out,
                             notifier=Notifier(out), project=sb.project_path)
    assert code == 0
    text = out.getvalue()
    line = next(line for line in text.splitlines() if "notified:" in line)
    assert line.endswith(f"notified: {sb.project_path} #" + line.rsplit("#", 1)[1])
    assert "(nudge-plain) passed" in line
    assert text.count("\x1b]9;dockwright: pipeline passed: ") == 1 and text.count("\x1b]777;notify;") == 1
