"""A re-run of apply after the pipeline failed or never came (issue 19 item 17): a failed or canceled pipeline
is retried when asked (`--retry-pipeline`, or a yes in a terminal) and said otherwise; a pushed commit that
has no pipeline gets one through POST /projects/:id/pipeline, in `apply` and in the wizard's watch after Apply
alike (wizard/apply_watch.py). Real sandbox over HTTP, real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from dockwright.wizard.git import clone
from dockwright.wizard.gitlab import GitLabClient
from tests.integration.test_apply import RunnerHost, run_cli
from tests.integration.test_apply_paths import _token, sandbox, write_answers  # noqa: F401  (fixtures)


def test_a_canceled_pipeline_is_said_then_retried_with_retry_pipeline(sandbox, tmp_path):
    folder = Path(clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token).path)
    answers = write_answers(sandbox, folder, "Retry Runner", "retry")
    config = tmp_path / "runner-retry" / "config.toml"
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    with RunnerHost(sandbox, config):
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-push"])
        assert code == 0, out[-3000:] + err
        runner = next(e for e in client.list_project_runners(sandbox.project_path) if e["description"] == "Retry Runner")
        client.update_runner(int(runner["id"]), paused=True)  # the runner host goes away: jobs wait...
        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--no-watch"])
        assert code == 0, out[-3000:] + err
        sha = client.get_branch(sandbox.project_path, "retry")["commit"]["id"]
        pipeline = client.find_pipelines(sandbox.project_path, sha=sha)[0]
        client.cancel_pipeline(sandbox.project_path, int(pipeline["id"]))  # ...and the pipeline is given up
        client.update_runner(int(runner["id"]), paused=False)  # the host is back

        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes"])  # no terminal, no flag: said
        assert code == 1, out[-3000:] + err
        assert (f"Pipeline #{pipeline['id']} of {sha[:8]} canceled before; `dockwright apply --retry-pipeline` "
                "retries it") in out, out

        code, out, err = run_cli(["apply", "--answers", str(answers), "--yes", "--retry-pipeline"])
        assert code == 0, out[-3000:] + err
        assert f"retried pipeline #{pipeline['id']}" in out
    pipelines = client.find_pipelines(sandbox.project_path, sha=sha)
    assert [(p["id"], p["status"]) for p in pipelines] == [(pipeline["id"], "success")]  # the same one, retried


def test_the_wizards_watch_after_apply_creates_the_missing_pipeline(sandbox, tmp_path, monkeypatch):
    """What screens/apply.py opens after a push whose pipeline never came: the watch creates it (same code as
    `dockwright apply`), instead of waiting 600 s and giving up."""
    from textual.app import App

    from dockwright.screens.watch import WatchScreen
    from dockwright.wizard import apply_watch
    from tests.sandbox_helpers import commit_and_push

    monkeypatch.setattr(apply_watch, "PIPELINE_APPEAR_WAIT", 0.5)
    monkeypatch.setattr(sandbox.scheduler, "on_ref_moved", lambda *a, **kw: None)  # the push's pipeline never comes
    workdir = Path(clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token).path)
    sha = commit_and_push(workdir, {".gitlab-ci.yml": "job:\n  script: [echo hi]\n"}, "ci", sandbox.token, "tui-lost")
    monkeypatch.undo()
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    assert client.find_pipelines(sandbox.project_path, sha=sha) == []

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(WatchScreen(client, sandbox.project_path, sha=sha, ref="tui-lost",
                                         follow_options=apply_watch.after_apply_follow("ci")), self.exit)

    app = Host()
    async def drive():
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.screen
            for _ in range(600):
                if screen.result is not None:
                    break
                await pilot.pause(0.05)
            message = str(screen.query_one("#watch-message").render())
            return screen.result, message

    import asyncio

    result, message = asyncio.run(drive())
    pipelines = client.find_pipelines(sandbox.project_path, sha=sha)
    assert len(pipelines) == 1 and pipelines[0]["source"] == "api"
    assert result == 0, message


@pytest.mark.parametrize("message, said", [
    ("ci [skip ci]", "its commit message asks GitLab to skip CI"),
])
def test_no_pipeline_is_created_for_a_commit_that_asks_to_skip_ci(sandbox, tmp_path, message, said):
    from dockwright.wizard.watch import create_missing_pipeline
    from tests.sandbox_helpers import commit_and_push

    workdir = Path(clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token).path)
    sha = commit_and_push(workdir, {"note.txt": "x\n"}, message, sandbox.token, "skip-ci")
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    created, sentence = create_missing_pipeline(client, sandbox.project_path, sha, "skip-ci", message, 15)
    assert created is None and said in sentence
