"""The wizard's steps without GitLab: navigation keeps answers, every inline check says what to do."""

from __future__ import annotations

import contextlib
import dataclasses

import pytest
from textual.widgets import Checkbox, Input, RadioButton, Switch

from dockwright.wizard.plan import replace_in
from tests.ui.helpers import flask_repo, offline_app, settle

SIZE = (120, 40)


async def type_into(pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.value = text  # the same Input.Changed as typing, without ~90 ms per key
    await settle(pilot)


def problem_text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).content)


@pytest.fixture
def repo(tmp_path):
    return flask_repo(tmp_path / "app")


@pytest.fixture
def wizard(repo):
    """The offline wizard on ``repo``, shown at ``step`` and settled: ``async with wizard("registry") as (app, pilot)``;
    keyword arguments go to ``offline_app`` (``plan=...``). No step: the first one, as the wizard starts."""

    @contextlib.asynccontextmanager
    async def at(step: str | None = None, **app_options):
        app = offline_app(repo, **app_options)
        async with app.run_test(size=SIZE) as pilot:
            if step is not None:
                app.goto(step)
            await settle(pilot)
            yield app, pilot

    return at


async def test_the_commands_listening_port_follows_the_port_field(wizard):
    """gunicorn's --bind named the detected 8000; a new port (even after the field was emptied) moves it too,
    or the image would EXPOSE one port while the app listens on another."""
    async with wizard("dockerfile") as (app, pilot):
        assert "0.0.0.0:8000" in app.plan.dockerfile.command
        for text in ("", "9", "9091"):
            await type_into(pilot, "#df-port", text)
        assert app.plan.dockerfile.port == 9091 and "0.0.0.0:9091" in app.plan.dockerfile.command
        assert "0.0.0.0:9091" in app.screen.query_one("#df-command", Input).value
        await type_into(pilot, "#df-command", "python app.py")  # a command naming no port is left as typed
        await type_into(pilot, "#df-port", "9092")
        assert app.plan.dockerfile.command == ("python", "app.py") and app.plan.dockerfile.port == 9092


async def test_back_and_forth_keeps_every_answer(wizard):
    async with wizard("dockerfile") as (app, pilot):
        await type_into(pilot, "#df-port", "8080")
        await type_into(pilot, "#df-base_image", "python:3.12-slim")
        app.goto("executor")
        await settle(pilot)
        await pilot.click("#executor-shell")
        await settle(pilot)
        assert app.plan.executor == "shell"
        await pilot.press("ctrl+n")  # executor -> runner (shell needs a runner of its own)
        await settle(pilot)
        assert app.current_step == "runner"
        assert app.screen.query_one("#rn-shell-setup").display  # the host set-up instead of a docker image
        await type_into(pilot, "#rn-tags", "build, linux")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "runner"  # the host set-up is not confirmed yet
        app.screen.query_one("#rn-host-ready", Switch).value = True
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.current_step == "executor"
        assert app.screen.query_one("#executor-shell", RadioButton).value
        for _ in range(3):  # runner -> registry -> dockerfile
            await pilot.press("ctrl+n")
            await settle(pilot)
        assert app.current_step == "dockerfile"
        assert app.screen.query_one("#df-port", Input).value == "8080"
        assert app.screen.query_one("#df-base_image", Input).value == "python:3.12-slim"
        assert app.plan.runner.tags == ("build", "linux")
        assert app.plan.dockerfile.port == 8080


async def test_hosted_runners_skip_the_runner_step_both_ways(wizard):
    async with wizard("executor") as (app, pilot):
        await pilot.click("#executor-hosted")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "registry"
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.current_step == "executor"
        steps = [str(o.prompt) for o in app.screen.query_one("#steps").options]
        assert any("Your runner (skipped)" in s for s in steps)


@pytest.mark.parametrize("field,value,expected", [
    ("#df-port", "70000", "Port must be a number from 1 to 65535"),
    ("#df-port", "http", "Port must be a number from 1 to 65535"),
    ("#df-workdir", "app", "absolute path such as /app"),
    ("#df-command", "", "Command is empty"),
    ("#df-command", "python 'app.py", "close the quote"),
    ("#df-env", "DEBUG", "is not NAME=value"),
    ("#df-base_image", " ", "Base image is empty"),
    ("#df-path", "../other/Dockerfile", "Dockerfile is '../other/Dockerfile', which leaves the repository"),
    ("#df-context", "/srv", "Build context is '/srv', an absolute path"),
])
async def test_dockerfile_fields_are_checked_as_you_type(wizard, field, value, expected):
    async with wizard("dockerfile") as (app, pilot):
        before = app.plan
        await type_into(pilot, field, value)
        assert expected in problem_text(app, "#df-problem")
        assert app.screen.query_one(field).has_class("-invalid")
        assert app.plan.dockerfile == before.dockerfile  # a bad value never reaches the plan
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "dockerfile"  # Next waits until it is fixed


@pytest.mark.parametrize("field,value,expected", [
    ("#pl-docker_version", "latest", "Docker version is 'latest', not a version: use a Docker version"),
    ("#pl-docker_version", "19.03", "docker:19.03-cli and docker:19.03-dind do not exist"),  # issue 17 item 5
    ("#pl-stage-release", "build", "Name two different stages"),
    ("#pl-stage-build", "", "Name two different stages"),
])
async def test_pipeline_fields_are_checked_as_you_type(wizard, field, value, expected):
    async with wizard("pipeline") as (app, pilot):
        await type_into(pilot, field, value)
        assert expected in problem_text(app, "#pl-problem")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "pipeline"


async def test_pipeline_local_check_runs_on_the_rendered_file(wizard):
    async with wizard("pipeline") as (app, pilot):
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "passes GitLab's CI schema" in problem_text(app, "#pl-local")
        app.screen.query_one("#pl-lint").scroll_visible(animate=False)  # below the fold with the options above it
        await settle(pilot)
        await pilot.click("#pl-lint")
        await settle(pilot)
        assert "Not connected yet" in problem_text(app, "#pl-server")


async def test_the_dockerfile_path_and_context_reach_the_pipeline(wizard):
    """Issue 17 item 6: a Dockerfile elsewhere is built with -f, from the context given, where it exists."""
    async with wizard("dockerfile") as (app, pilot):
        await type_into(pilot, "#df-path", "docker/Dockerfile")
        assert problem_text(app, "#df-problem") == ""
        assert (app.plan.dockerfile.path, app.plan.dockerfile.context) == ("docker/Dockerfile", ".")
        from dockwright.wizard.render import render_pipeline

        text = render_pipeline(app.plan)
        assert "docker build --pull -f docker/Dockerfile " in text and "        - docker/Dockerfile" in text


async def test_pipeline_check_warns_of_an_end_of_life_docker(wizard):
    """Issue 17 item 12: Docker 27 is end of life; the step says so where the version is set, and lets it be."""
    async with wizard("pipeline") as (app, pilot):
        await type_into(pilot, "#pl-docker_version", "27")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.plan.pipeline.docker_version == "27"
        assert "Docker 27 is end of life" in problem_text(app, "#pl-local")
        assert problem_text(app, "#pl-problem") == ""


async def test_pipeline_check_never_shows_a_stale_tick_next_to_a_bad_field(wizard):
    async with wizard("pipeline") as (app, pilot):
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "passes GitLab's CI schema" in problem_text(app, "#pl-local")
        await type_into(pilot, "#pl-docker_version", "latest!")
        assert "Waiting: fix the field above" in problem_text(app, "#pl-local")
        await type_into(pilot, "#pl-docker_version", app.plan.pipeline.docker_version)  # back as it was
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert "passes GitLab's CI schema" in problem_text(app, "#pl-local")


async def test_the_dependency_proxy_switch_prefixes_the_docker_images(wizard):
    """Issue 17 item 24: the option is offered on the pipeline step, and the file checked with it passes."""
    async with wizard("pipeline") as (app, pilot):
        assert app.screen.query_one("#pl-proxy", Switch).value is False
        await pilot.click("#pl-proxy")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.plan.pipeline.dependency_proxy is True
        assert "passes GitLab's CI schema" in problem_text(app, "#pl-local")


async def test_the_build_cache_switch_keeps_the_cache_in_the_registry(wizard):
    """Issue 17 "go further": the build cache is a switch on the pipeline step, off by default; on, the preview's
    build job uses a buildx builder and the registry cache, and the file still passes the schema."""
    async with wizard("pipeline") as (app, pilot):
        switch = app.screen.query_one("#pl-cache", Switch)
        assert switch.value is False
        switch.scroll_visible()
        await settle(pilot)
        switch.value = True
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.plan.pipeline.build_cache is True
        assert "passes GitLab's CI schema" in problem_text(app, "#pl-local")


async def test_runner_without_tags_must_run_untagged(wizard):
    async with wizard("runner") as (app, pilot):
        await type_into(pilot, "#rn-tags", "")
        assert "would never pick up a job" in problem_text(app, "#rn-problem")
        app.screen.query_one("#rn-run_untagged", Switch).value = True
        await settle(pilot)
        assert problem_text(app, "#rn-problem") == ""
        await type_into(pilot, "#rn-description", "")
        assert "Give the runner a description" in problem_text(app, "#rn-problem")


async def test_registry_needs_its_fields_before_next(wizard):
    async with wizard("registry") as (app, pilot):
        assert "Nothing to set" in problem_text(app, "#registry-why")  # nothing to set, and why
        await pilot.click("#registry-dockerhub")
        await settle(pilot)
        assert app.plan.registry.kind == "dockerhub"
        assert "Docker Hub needs a username and an access token" in problem_text(app, "#registry-why")
        assert "Image is empty" in problem_text(app, "#reg-problem")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "registry"
        await type_into(pilot, "#reg-image", "alice/app")
        assert problem_text(app, "#reg-problem") == ""
        keys = [row.spec.key for row in app.screen.query("VariableRow")]
        assert keys == ["DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN"]


async def test_variable_rules_are_checked_as_you_type(wizard, repo, monkeypatch):
    monkeypatch.delenv("DOCKERHUB_TOKEN", raising=False)
    plan = replace_in(offline_app(repo).plan, "registry", kind="dockerhub", image="alice/app")
    async with wizard("registry", plan=plan) as (app, pilot):
        row = app.screen.query_one("#var-row-DOCKERHUB_TOKEN")
        assert row.spec.key == "DOCKERHUB_TOKEN"
        problem = lambda: str(row.query_one(".var-problem").content)  # noqa: E731
        assert "$DOCKERHUB_TOKEN is not set" in problem()
        value = row.query_one(".var-value", Input)
        value.value = "short"
        await settle(pilot)
        assert "at least 8 characters" in problem() and not problem().endswith("..")
        assert app.services.secrets["DOCKERHUB_TOKEN"].reveal() == "short"  # in memory ...
        assert all(v.from_env is None for v in app.plan.variables if v.key == "DOCKERHUB_TOKEN")
        value.value = "dckr_pat_0123456789abcdef"
        await settle(pilot)
        assert "GitLab will accept this" in problem()
        row.query_one(".var-masked", Checkbox).value = False
        row.query_one(".var-hidden", Checkbox).value = True  # hidden turns masked back on
        await settle(pilot)
        assert row.query_one(".var-masked", Checkbox).value
        spec = next(v for v in app.plan.variables if v.key == "DOCKERHUB_TOKEN")
        assert spec.hidden and spec.masked
        assert "dckr_pat" not in repr(app.plan)  # ... never in the plan
        await type_into(pilot, "#var-new-key", "BAD-KEY")
        assert "GitLab allows only letters, digits and _" in problem_text(app, "#var-new-problem")


async def test_gitlab_registry_refuses_to_shadow_predefined_variables(wizard):
    async with wizard("registry") as (app, pilot):
        await type_into(pilot, "#var-new-key", "CI_REGISTRY_PASSWORD")
        app.screen.query_one("#var-add").press()
        await settle(pilot)
        assert "GitLab predefines" in problem_text(app, "#var-new-problem")
        assert not app.plan.variables  # refused: it would shadow the job's own registry password
        await type_into(pilot, "#var-new-key", "APP_SECRET")
        app.screen.query_one("#var-add").press()
        await settle(pilot)
        assert [v.key for v in app.plan.variables] == ["APP_SECRET"]
        assert [row.spec.key for row in app.screen.query("VariableRow")] == ["APP_SECRET"]


@pytest.mark.parametrize("url,token,project,expected", [
    ("gitlab.example.com", "glpat-x", "alice/app", "starts with https://"),
    ("https://gitlab.example.com", "", "alice/app", "Paste an access token"),
    ("https://gitlab.example.com", "glpat-x", "app", "with its namespace"),
])
async def test_connect_says_what_is_missing(wizard, url, token, project, expected):
    async with wizard() as (app, pilot):
        await type_into(pilot, "#connect-url", url)
        await type_into(pilot, "#connect-token", token)
        await type_into(pilot, "#connect-project", project)
        await pilot.click("#connect-test")
        await settle(pilot)
        assert expected in problem_text(app, "#connect-result")
        assert app.current_step == "connect"


async def test_answers_survive_a_restart_from_dockwright_yml(wizard, repo):
    from dockwright.wizard.answers_file import load_answers

    async with wizard("dockerfile") as (app, pilot):
        await type_into(pilot, "#df-port", "9000")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert type(app.screen).__name__ == "QuitScreen"  # unapplied work: it asks
        await pilot.click("#save")
        await settle(pilot)
    saved = (repo / "dockwright.yml").read_text()
    assert "port: 9000" in saved
    assert "glpat" not in saved
    async with wizard("dockerfile", plan=load_answers(repo / "dockwright.yml")) as (again, pilot):
        assert again.screen.query_one("#df-port", Input).value == "9000"


async def test_quit_without_changes_does_not_ask(wizard, repo):
    async with wizard() as (app, pilot):
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert app.return_value == 0
    assert not (repo / "dockwright.yml").exists()


async def test_help_page_opens_with_f1_and_closes_with_escape(wizard):
    async with wizard("executor") as (app, pilot):
        await pilot.press("f1")
        await settle(pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        from dockwright.screens.widgets.help import help_text
        assert "privileged" in help_text(app.screen.step).lower()
        await pilot.press("escape")
        await settle(pilot)
        assert app.current_step == "executor" and type(app.screen).__name__ == "ExecutorScreen"


def test_a_missing_help_page_is_a_sentence():
    from dockwright.screens.widgets.help import help_text
    from dockwright.wizard.steps import Step

    text = help_text(Step("nowhere", "Nowhere", "Why not.", "does-not-exist"))
    assert "is not installed" in text and "Why not." in text


async def test_every_binding_has_an_id_and_a_tooltip(repo):
    from dockwright.screens.step import StepScreen
    from dockwright.screens.widgets.help import HelpScreen
    from dockwright.screens.widgets.quit import QuitScreen

    app = offline_app(repo)
    for owner in (type(app), StepScreen, HelpScreen, QuitScreen):
        for binding in owner.BINDINGS:
            assert binding.id and binding.tooltip, (owner.__name__, binding.key)


async def test_command_palette_offers_steps_files_answers_and_help(wizard):
    async with wizard() as (app, pilot):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Go to step: Dockerfile", "Copy file: .gitlab-ci.yml", "Save answers", "Open help"):
            assert wanted in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Go to step: Pipeline")
        command.callback()
        await settle(pilot)
        assert app.current_step == "pipeline"


async def test_review_checks_branch_and_commit_message(wizard):
    async with wizard("review") as (app, pilot):
        await app.workers.wait_for_complete()
        await settle(pilot)
        titles = [str(c.title) for c in app.screen.query("Collapsible")]
        assert "create Dockerfile" in titles and any(t.startswith("CI/CD") or "runner" in t for t in titles)
        await type_into(pilot, "#rv-branch", "add ci")
        assert "has no spaces" in problem_text(app, "#review-problem")
        await type_into(pilot, "#rv-branch", "add-ci")
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.plan.git.branch == "add-ci" and app.plan.git.create_branch  # a new branch is created
        assert any("add-ci" in str(c.title) for c in app.screen.query("Collapsible"))
        await type_into(pilot, "#rv-message", " ")
        assert "Write a commit message" in problem_text(app, "#review-problem")


async def test_registration_token_workflow_asks_for_the_token_hidden(wizard):
    async with wizard("runner") as (app, pilot):
        assert not app.screen.query_one("#rn-registration-token").parent.display
        await pilot.click("#workflow-registration-token")
        await settle(pilot)
        assert app.plan.runner.workflow == "registration-token"
        field = app.screen.query_one("#rn-registration-token", Input)
        assert field.parent.display and field.password
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "runner"  # no token yet: it says where to find one
        field.value = "GR1348941secret"
        await settle(pilot)
        assert app.services.registration_token.reveal() == "GR1348941secret"
        assert "GR1348941" not in repr(app.plan)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "registry"


async def test_no_color_is_respected(wizard, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with wizard() as (app, pilot):
        assert app.no_color  # Textual renders monochrome; meaning is carried by ✓/✗ text, not colour alone
        await type_into(pilot, "#connect-token", "")
        await pilot.click("#connect-test")
        await settle(pilot)
        assert problem_text(app, "#connect-result").startswith("✗")


async def test_apply_cannot_be_reached_without_confirming_review(wizard, repo):
    async with wizard() as (app, pilot):
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Go to step: Apply and push")
        command.callback()
        await app.workers.wait_for_complete()
        await settle(pilot)
        assert app.current_step == "review"  # sent to Review instead; nothing was written
        assert not (repo / "Dockerfile").exists()
        await pilot.press("ctrl+n")  # not connected: Review says so and stays
        await settle(pilot)
        assert app.current_step == "review" and app.reviewed_plan is None


async def test_saving_into_a_read_only_folder_is_a_sentence_not_a_crash(wizard, repo):
    async with wizard("dockerfile") as (app, pilot):
        await type_into(pilot, "#df-port", "9000")
        (repo / "dockwright.yml").mkdir()  # a folder where the file should go: the write must fail
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.is_running and app.current_step == "dockerfile"
        assert any("Could not save" in str(n.message) for n in app._notifications)


@pytest.mark.parametrize("kind,values,expected", [
    ("ecr", {"#reg-account": "1234", "#reg-region": "eu-west-1", "#reg-image": "app"}, "AWS account is '1234'"),
    ("ecr", {"#reg-account": "123456789012", "#reg-region": "Frankfurt", "#reg-image": "app"}, "AWS region"),
    ("other", {"#reg-host": "", "#reg-image": "app"}, "Host is empty"),
])
async def test_ecr_and_other_registries_check_their_fields(wizard, kind, values, expected):
    async with wizard("registry") as (app, pilot):
        await pilot.click(f"#registry-{kind}")
        await settle(pilot)
        for selector, value in values.items():
            assert app.screen.query_one(selector).parent.display  # the fields this registry needs are shown
            await type_into(pilot, selector, value)
        assert expected in problem_text(app, "#reg-problem")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.current_step == "registry"


async def test_steps_shown_again_keep_their_own_keys_and_follow_a_resize_or_a_new_theme(wizard):
    """Switching steps skips Textual's full restyle and the footer rebuild when nothing changed; different
    keys, a resize or a theme change while a step was hidden still show up."""
    from dockwright.screens.widgets.steady_footer import SteadyFooter

    def footer_keys(app) -> set[str]:
        footer = app.screen.query_one(SteadyFooter)
        return {key.description for key in footer.query("FooterKey")}

    async with wizard() as (app, pilot):
        for step_id in ("executor", "connect", "executor", "connect"):
            app.goto(step_id)
            await settle(pilot)
        assert "Diff" not in footer_keys(app) and "Help" in footer_keys(app)  # Connect has no preview
        app.goto("executor")
        await settle(pilot)
        assert {"Diff", "Preview", "Back"} <= footer_keys(app)
        app.goto("connect")
        await settle(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        app.goto("executor")
        await settle(pilot)
        assert app.screen.has_class("-narrow")
        assert not app.screen.query_one("#preview").display  # the narrow layout: the preview behind F2
        app.goto("connect")
        await settle(pilot)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await settle(pilot)
        app.goto("executor")
        await settle(pilot)
        assert app.screen.styles.background == app.get_screen("connect").styles.background  # the new theme


async def test_arrow_keys_start_from_the_choice_the_plan_holds(wizard):
    """The arrow-key highlight of a choice list sits on the pressed choice, so ↓ goes to the one after it."""
    async with wizard("executor") as (app, pilot):  # the plan holds docker-dind-tls, the first build method
        app.screen.query_one("#method-choice").focus()
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.plan.executor == "docker-dind"
        app.goto("connect")
        await settle(pilot)
        app.goto("executor")
        await settle(pilot)
        app.screen.query_one("#method-choice").focus()
        await pilot.press("up", "enter")
        await settle(pilot)
        assert app.plan.executor == "docker-dind-tls"


async def test_the_chosen_option_is_marked_by_a_shape_not_by_colour_alone(wizard):
    """Every radio button drew ▐●▌; only its colour told the chosen one (issue 16, Confusions)."""
    async with wizard("executor") as (app, pilot):
        await pilot.click("#executor-shell")
        await settle(pilot)

        def drawn(key: str) -> str:
            return app.screen.query_one(f"#executor-{key}", RadioButton).render().plain

        assert "●" in drawn("shell")
        assert all("●" not in drawn(key) for key in ("hosted", "docker", "kubernetes")), drawn("hosted")


async def test_a_refused_port_says_the_preview_keeps_the_last_accepted_one(wizard):
    """Typing 70000 showed EXPOSE 7000 (its last good prefix) with no word why (issue 16, Texts)."""
    async with wizard("dockerfile") as (app, pilot):
        await type_into(pilot, "#df-port", "7000")
        await type_into(pilot, "#df-port", "70000")
        assert app.plan.dockerfile.port == 7000
        assert "the preview shows the last accepted value" in problem_text(app, "#df-problem")


async def test_your_project_does_not_promise_to_merge_a_hand_written_dockerfile(wizard, repo):
    """Step 2 said both "will not replace it unless you ask (--overwrite…)" and "Dockerfile exists: dockwright
    merges into it"; a Dockerfile dockwright did not write is refused, not merged (issue 16, Confusions)."""
    (repo / "Dockerfile").write_text("FROM python:3.12\nCMD [\"python\", \"app.py\"]\n")
    async with wizard("project") as (app, pilot):
        text = " ".join(problem_text(app, "#project-findings").split())
        assert "Dockerfile exists: dockwright merges" not in text
        assert "was not written by dockwright" in text and "Replace on the Review step" in text
        app.goto("review")
        await settle(pilot, 10)
        for _ in range(100):
            shown = " ".join(str(label.content) for label in app.screen.query("Label"))
            if "Turn on Replace" in shown:
                break
            await pilot.pause(0.05)
        assert "Turn on Replace below" in shown, shown[:2000]  # Review offers the same


async def test_build_method_is_its_own_choice_beside_the_executor(wizard):
    """Issue 14: the executor step asks where jobs run, then how the image is built; the two map to the plan's one
    executor value, only the combinations that exist are offered, and the trade-offs follow the choice."""
    async with wizard("executor") as (app, pilot):
        def shown(selector: str) -> bool:
            return app.screen.query_one(selector).display

        assert app.screen.query_one("#executor-docker", RadioButton).value
        assert app.screen.query_one("#method-dind-tls", RadioButton).value
        await pilot.click("#executor-kubernetes")
        await settle(pilot)
        assert app.plan.executor == "kubernetes-dind-tls"
        assert not shown("#method-socket") and not shown("#method-dind") and shown("#method-buildah")
        await pilot.click("#method-buildah")
        await settle(pilot)
        assert app.plan.executor == "kubernetes-buildah"
        text = str(app.screen.query_one("#executor-tradeoffs").render())
        assert "Kubernetes executor + Buildah" in text and "AppArmor" in text
        await pilot.click("#executor-shell")
        await settle(pilot)
        assert app.plan.executor == "shell" and not shown("#method-choice")
        await pilot.click("#executor-docker")
        await settle(pilot)
        assert app.plan.executor == "docker-buildah"  # the method chosen before is kept where it exists
        await pilot.click("#method-socket")
        await settle(pilot)
        await pilot.click("#executor-kubernetes")
        await settle(pilot)
        assert app.plan.executor == "kubernetes-dind-tls"  # no socket on Kubernetes: its first method, pressed
        assert app.screen.query_one("#method-dind-tls", RadioButton).value


async def test_an_executor_from_the_answers_file_is_shown_in_both_choices(wizard):
    """kubernetes-buildah from the answers file presses Kubernetes and Buildah, and stays until another pick."""
    from dockwright.wizard.plan import Plan

    async with wizard("executor", plan=Plan(executor="kubernetes-buildah")) as (app, pilot):
        assert app.screen.query_one("#executor-kubernetes", RadioButton).value
        assert app.screen.query_one("#method-buildah", RadioButton).value
        assert app.plan.executor == "kubernetes-buildah"
        await pilot.click("#executor-docker")
        await settle(pilot)
        await pilot.click("#method-socket")
        await settle(pilot)
        assert app.plan.executor == "docker-socket"


async def test_a_step_does_not_start_in_a_hidden_field(wizard, repo):
    """A daemonless build hides the Pipeline step's Docker version row; Textual's auto focus still put the cursor
    in it (its first field), so what was typed went nowhere to be seen. Seen in tmux, `--sandbox` with Buildah."""
    from dockwright.screens.step import shown
    from dockwright.wizard.detect import detect_plan

    plan = replace_in(detect_plan(repo), "runner", config_path=str(repo.parent / "runner" / "config.toml"))
    async with wizard("pipeline", plan=dataclasses.replace(plan, executor="docker-buildah")) as (app, _pilot):
        version = app.screen.query_one("#pl-docker_version", Input)
        assert not shown(version)  # the row is hidden for Buildah
        assert app.focused is not version and app.focused is not None and shown(app.focused)
