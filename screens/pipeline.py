"""Step 7: the pipeline's settings, the local schema check and GitLab's own CI lint."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input, Label, Switch

from dockwright.screens.messages import PlanChanged
from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.fields import FieldInput, MarkedSwitch, field_row
from dockwright.screens.widgets.label_text import update_label
from dockwright.wizard.docker_versions import DEFAULT_VERSION, docker_version_problem, end_of_life_note
from dockwright.wizard.plan import Plan


class PipelineScreen(StepScreen):
    STEP_ID = "pipeline"

    class CheckSaid(Message):
        """What a check run in a thread found, for the label ``target`` (the worker touches no widget)."""

        def __init__(self, target: str, text: str) -> None:
            super().__init__()
            self.target = target
            self.text = text

    def compose_form(self) -> ComposeResult:
        yield from field_row("Docker version", FieldInput(id="pl-docker_version", placeholder=f"e.g. {DEFAULT_VERSION}"),
                             "The docker CLI image and the docker:dind service use this same version")
        yield from field_row("Build stage", FieldInput(id="pl-stage-build", placeholder="e.g. build"))
        yield from field_row("Release stage", FieldInput(id="pl-stage-release", placeholder="e.g. release"))
        with Horizontal(classes="switch-row"):
            yield MarkedSwitch(id="pl-latest")
            yield Label("Also tag :latest on the default branch")
        with Horizontal(classes="switch-row"):
            yield MarkedSwitch(id="pl-proxy")
            yield Label("Pull docker: images through the group's Dependency Proxy")
        with Horizontal(classes="switch-row", id="pl-scan-row"):
            yield MarkedSwitch(id="pl-scan")
            yield Label("Scan the pushed image with GitLab's Container Scanning")
        with Horizontal(classes="switch-row"):
            yield MarkedSwitch(id="pl-cache")
            yield Label("Keep the build cache in the registry (tag :buildcache)")
        yield Label("", id="pl-problem", classes="problem")
        yield Label("Local check", classes="section")
        yield Label("", id="pl-local")
        yield Label("GitLab's own check", classes="section")
        yield Label("", id="pl-lint-why", classes="hint")
        with Horizontal(classes="button-row"):
            yield Button("Ask GitLab to lint it", id="pl-lint")
        yield Label("", id="pl-server")

    def on_mount(self) -> None:
        self.watch(self.app, "plan", self._plan_changed, init=False)

    def load_plan(self, plan: Plan) -> None:
        self.call_after_refresh(self._check_locally, plan)
        p = plan.pipeline
        stages = list(p.stages) + ["", ""]
        with self.prevent(Input.Changed, Switch.Changed):
            for wid, value in (("pl-docker_version", p.docker_version), ("pl-stage-build", stages[0]),
                               ("pl-stage-release", stages[1])):
                field = self.query_one(f"#{wid}", Input)
                if field.value != value:
                    field.value = value
            self.query_one("#pl-latest", Switch).value = p.latest_on_default_branch
            self.query_one("#pl-proxy", Switch).value = p.dependency_proxy
            self.query_one("#pl-scan", Switch).value = p.container_scanning
            self.query_one("#pl-cache", Switch).value = p.build_cache
        self.query_one("#pl-scan-row").display = plan.registry.kind == "gitlab" and plan.executor != "shell"
        self.query_one("#pl-docker_version").query_ancestor(".field-row").display = plan.uses_docker_images
        update_label(self.query_one("#pl-problem", Label), "")
        update_label(self.query_one("#pl-lint-why", Label), self.lint_why(plan))
        # GitLab's lint runs only when asked: it sends the file to the server (Apply runs it again anyway)

    @staticmethod
    def lint_why(plan: Plan) -> str:
        """What the lint button sends where, and why one would."""
        return (f"Optional: the button sends the preview's .gitlab-ci.yml to {plan.gitlab.url} (POST "
                f"/projects/{plan.gitlab.project}/ci/lint) to check what only GitLab knows, such as includes. "
                "Nothing is written; Apply runs the same lint before the commit.")

    def on_input_changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        problem = None
        if wid == "pl-docker_version":
            refused = docker_version_problem(event.value)  # the answers file's rule: both images must exist
            if refused:
                problem = f"Docker version {refused[0]}: use {refused[1]}."
            else:
                self.post_message(PlanChanged("pipeline", docker_version=event.value))
        elif wid.startswith("pl-stage-"):
            build = self.query_one("#pl-stage-build", Input).value.strip()
            release = self.query_one("#pl-stage-release", Input).value.strip()
            if not build or not release or build == release:
                problem = "Name two different stages, e.g. build and release."
            else:
                self.post_message(PlanChanged("pipeline", stages=(build, release)))
        else:
            return
        had_problem = bool(str(self.query_one("#pl-problem", Label).content))
        update_label(self.query_one("#pl-problem", Label), problem or "")
        event.input.set_class(bool(problem), "-invalid")
        if problem:  # the checks below would still speak of the last valid settings
            self.query_one("#pl-local", Label).update("Waiting: fix the field above, then the file is checked again.")
            self._lint_is_stale()
        elif had_problem:
            self._check_locally(self.plan)

    def _lint_is_stale(self) -> None:
        server = self.query_one("#pl-server", Label)
        if str(server.content).startswith(("✓", "✗")):
            server.update("The settings changed since GitLab's lint: press Ask GitLab to lint it again.")

    def on_switch_changed(self, event: Switch.Changed) -> None:
        if event.switch.id == "pl-latest":
            self.post_message(PlanChanged("pipeline", latest_on_default_branch=event.value))
        elif event.switch.id == "pl-proxy":
            self.post_message(PlanChanged("pipeline", dependency_proxy=event.value))
        elif event.switch.id == "pl-scan":
            self.post_message(PlanChanged("pipeline", container_scanning=event.value))
        elif event.switch.id == "pl-cache":
            self.post_message(PlanChanged("pipeline", build_cache=event.value))

    def problem(self) -> str | None:
        return str(self.query_one("#pl-problem", Label).content) or None

    def _check_locally(self, plan: Plan) -> None:
        if self.is_current:
            self.local_check(plan)

    def _plan_changed(self, plan: Plan) -> None:
        if self.is_current:
            self.local_check(plan)
            self._lint_is_stale()

    @work(thread=True, exclusive=True, exit_on_error=False, group="local-check")
    def local_check(self, plan: Plan) -> None:
        from dockwright.screens.widgets.preview import read_existing, render_previews
        from dockwright.wizard.checks import check_pipeline

        text = render_previews(plan, read_existing(self.services.workdir, plan), plan.gitlab.url)["gitlab-ci"]
        findings = check_pipeline(text)
        lines = [f"{f.level}: {f.message}" + (f" (line {f.line})" if f.line else "") for f in findings]
        old = end_of_life_note(plan.pipeline.docker_version)  # the answers file's note, where the version is set
        if old:
            lines.append(f"warning: {old}")
        summary = "\n".join(lines) or "✓ .gitlab-ci.yml passes GitLab's CI schema and dockwright's checks."
        self.post_message(self.CheckSaid("pl-local", summary))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "pl-lint":
            event.stop()
            if self.services.client is None:
                self.query_one("#pl-server", Label).update(
                    "Not connected yet: test the connection on the Connect step first (Back to it).")
                return
            self.query_one("#pl-server", Label).update("Asking GitLab …")
            self.server_lint(self.plan)

    @work(thread=True, exclusive=True, exit_on_error=False, group="server-lint")
    def server_lint(self, plan: Plan) -> None:
        from dockwright.screens.widgets.preview import read_existing, render_previews

        text = render_previews(plan, read_existing(self.services.workdir, plan), plan.gitlab.url)["gitlab-ci"]
        result = self.services.client.lint(plan.gitlab.project, text)
        valid = getattr(result, "valid", None)
        errors = list(getattr(result, "errors", []) or [])
        warnings = list(getattr(result, "warnings", []) or [])
        if valid:
            msg = "✓ GitLab's CI lint: valid." + ("".join(f"\nwarning: {w}" for w in warnings))
        else:
            msg = "✗ GitLab's CI lint found problems:\n" + "\n".join(f"- {e}" for e in errors)
        self.post_message(self.CheckSaid("pl-server", msg))

    def on_pipeline_screen_check_said(self, message: CheckSaid) -> None:
        self.query_one(f"#{message.target}", Label).update(message.text)

    def show_error(self, sentence: str) -> None:
        self.query_one("#pl-server", Label).update(sentence)
