"""The preview pane: the same text the writer writes, re-rendered on every change, diff against disk."""

from __future__ import annotations

from textual.widgets import Input, TabbedContent, TextArea

from dockwright.screens.widgets.preview import changed_lines, read_existing, render_previews
from dockwright.wizard.changes import plan_file_changes
from tests.ui.helpers import flask_repo, offline_app

SIZE = (140, 40)


async def settle(pilot, times: int = 3) -> None:
    for _ in range(times):
        await pilot.pause()


def area(app, file_id: str) -> TextArea:
    return app.screen.query_one(f"#preview-{file_id}", TextArea)


async def test_preview_shows_exactly_what_apply_writes(tmp_path):
    repo = flask_repo(tmp_path / "app")
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        written = {c.path.name: c.new_text for c in plan_file_changes(app.plan, repo)}
        assert area(app, "dockerfile").text == written["Dockerfile"]
        assert area(app, "gitlab-ci").text == written[".gitlab-ci.yml"]
        assert area(app, "dockerignore").text == written[".dockerignore"]
        assert area(app, "dockerfile").language == "dockerfile"  # tree-sitter-dockerfile highlighting
        assert area(app, "gitlab-ci").language == "yaml" and area(app, "config-toml").language == "toml"
        assert app.screen.query_one(TabbedContent).active == "tab-dockerfile"  # the file this step changes


async def test_typing_repaints_the_preview_and_marks_the_changed_lines(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        pane = app.screen.query_one("#preview")
        field = app.screen.query_one("#df-port", Input)
        field.focus()
        field.value = ""
        await pilot.press("9", "0", "9", "0")
        await settle(pilot)
        text = area(app, "dockerfile").text
        assert "EXPOSE 9090" in text
        selected = area(app, "dockerfile").selected_text
        assert "9090" in selected  # the part this keystroke changed is highlighted
        assert pane.renders >= 2
        assert field.value == "9090" and field.has_focus  # typing never lost focus or characters


async def test_diff_toggle_compares_with_the_file_on_disk(tmp_path):
    repo = flask_repo(tmp_path / "app")
    (repo / ".dockerignore").write_text(".git\n")
    app = offline_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("executor")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        ignore = area(app, "dockerignore").text
        assert ignore.startswith("--- .dockerignore (on disk)") and "+" in ignore
        assert "does not exist yet" in area(app, "dockerfile").text
        app.screen.query_one("#preview").action_toggle_diff()
        await settle(pilot)
        assert area(app, "dockerfile").text.startswith("# Dockerfile")


async def test_runner_tabs_hold_no_real_token_and_explain_hosted(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"), token="glpat-REAL-SECRET")
    async with app.run_test(size=SIZE) as pilot:
        app.goto("runner")
        await settle(pilot)
        entry = area(app, "config-toml").text
        assert "[[runners]]" in entry and "glpat-REAL-SECRET" not in entry
        assert "read -rs CI_SERVER_TOKEN" in str(app.screen.query_one("#rn-register").content)  # on the step, not a tab
        app.post_message(__import__("dockwright.screens.messages", fromlist=["PlanChanged"]).PlanChanged(None, executor="hosted"))
        await settle(pilot)
        assert "Hosted runners" in area(app, "config-toml").text


async def test_privileged_services_only_switch_reaches_config_and_register(tmp_path):
    """Issue 17.17: the runner step offers GitLab's restricted privileged mode for Docker-in-Docker."""
    from textual.widgets import Switch

    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=SIZE) as pilot:
        app.goto("runner")
        await settle(pilot)
        assert app.screen.query_one("#rn-psonly-row").display  # the default executor is DinD with TLS
        assert "services_privileged" not in area(app, "config-toml").text
        app.screen.query_one("#rn-privileged_services_only", Switch).value = True
        await settle(pilot)
        assert app.plan.runner.privileged_services_only is True
        entry = area(app, "config-toml").text
        assert "privileged = false" in entry and "services_privileged = true" in entry
        assert "--docker-services_privileged=true" in str(app.screen.query_one("#rn-register").content)


def test_changed_lines_finds_the_first_changed_block():
    assert changed_lines("a\nb\nc\n", "a\nB\nc\n") == (1, 1)
    assert changed_lines("a\n", "a\nb\nc\n") == (1, 2)
    assert changed_lines("same", "same") is None


def test_render_previews_uses_the_files_on_disk(tmp_path):
    repo = flask_repo(tmp_path / "app")
    (repo / ".gitlab-ci.yml").write_text("# mine\nlint:\n  script: [echo hi]\n")
    from dockwright.wizard.detect import detect_plan

    texts = render_previews(detect_plan(repo), read_existing(repo), "https://gitlab.example.com")
    assert "# mine" in texts["gitlab-ci"] and "lint:" in texts["gitlab-ci"]  # merged, not replaced


async def test_each_step_selects_the_lines_it_is_about(tmp_path):
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=SIZE) as pilot:
        for step, tab, expected in (("executor", "gitlab-ci", "services:"), ("runner", "config-toml", "[[runners]]"),
                                    ("pipeline", "gitlab-ci", "stages:")):
            app.goto(step)
            await settle(pilot, 4)
            assert app.screen.query_one(TabbedContent).active == f"tab-{tab}"
            assert area(app, tab).selected_text.lstrip().startswith(expected), step


async def test_f3_shows_the_diff_while_typing_in_a_field(tmp_path):
    """Ctrl+D deletes a character inside a field; F3 toggles the diff from anywhere, also from a field."""
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        await settle(pilot)
        assert app.focused is not None and app.focused.__class__.__name__ in ("Input", "Select", "SelectCurrent")
        await pilot.press("f3")
        await settle(pilot)
        assert "does not exist yet" in area(app, "dockerfile").text


async def test_the_changed_lines_are_marked_without_scrolling_the_preview_sideways(tmp_path):
    """Choosing BuildKit rewrote the job with a line wider than the pane: the marked block used to end with the
    cursor at that line's end, and the pane scrolled right, showing the ends of lines with their starts cut."""
    app = offline_app(flask_repo(tmp_path / "app"))
    async with app.run_test(size=(120, 40)) as pilot:
        app.goto("executor")
        await settle(pilot)
        await pilot.click("#method-buildkit-rootless")
        await settle(pilot)
        ci = area(app, "gitlab-ci")
        assert "buildctl-daemonless.sh" in ci.text and max(map(len, ci.text.splitlines())) > ci.size.width
        assert not ci.selection.is_empty  # the changed block is marked
        assert ci.scroll_offset.x == 0 and ci.selection.end[1] == 0  # ... from its start, seen from column 0
