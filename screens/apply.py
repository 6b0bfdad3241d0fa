"""Step 9: apply every reviewed change with progress per change, push, then the watch screen."""

from __future__ import annotations

import io
import os
import re

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Label, LoadingIndicator

from dockwright.screens.messages import Applied
from dockwright.screens.step import StepScreen
from dockwright.wizard.apply import ALREADY, DONE, Applier, ApplyOptions
from dockwright.wizard.errors import DockwrightError
from dockwright.wizard.plan import Plan


def make_applier(app, *, dry: bool = False) -> Applier:
    """The Applier for the App's plan and services (values typed on screen answer its prompt)."""
    services = app.services
    plan = app.plan

    def typed_value(message: str) -> str:
        m = re.search(r"variable (\S+)", message)
        value = services.secrets.get(m.group(1)) if m else None
        return value.reveal() if value else ""

    env = dict(os.environ)
    if services.registration_token:
        env["RUNNER_REGISTRATION_TOKEN"] = services.registration_token.reveal()  # in this process's memory only
    options = ApplyOptions(dry_run=dry, yes=True, env=env, prompt=typed_value,
                           confirm=lambda question: services.register_with_local_runner,
                           after_runner_config=services.after_runner_config, runner_online_timeout=120.0)
    return Applier(plan, services.workdir, client=services.client, token=services.token,
                   url=plan.gitlab.url, project=plan.gitlab.project, options=options, out=io.StringIO())


class ApplyScreen(StepScreen):
    STEP_ID = "apply"
    SHOW_PREVIEW = False
    NEXT_LABEL = "Watch the pipeline"

    def compose_form(self) -> ComposeResult:
        yield Vertical(id="apply-progress")
        yield LoadingIndicator(id="apply-busy")
        yield Label("", id="apply-result")

    def on_mount(self) -> None:
        self.sha: str | None = None
        self.running = False
        self.failed = False

    def load_plan(self, plan: Plan) -> None:
        if not self.running and self.sha is None:
            self.query_one("#apply-progress", Vertical).remove_children()
            self.query_one("#apply-result", Label).update("")
            self.query_one("#apply-result", Label).set_class(False, "-error")
            self._next_button(self.NEXT_LABEL)
            self.failed = False
            self.running = True
            self.query_one("#apply-busy").display = True
            self.run_all(plan)

    def line(self, text: str, state: str = "") -> Label:
        label = Label(text, classes=f"apply-line {state}")
        self.query_one("#apply-progress", Vertical).mount(label)
        return label

    def _step(self, summary: str, fn, shown=None):
        """Run one change in the worker, showing it as running, then done / already in place / failed."""
        label = self.app.call_from_thread(self.line, f"… {summary}", "-running")
        try:
            result = fn()
        except DockwrightError:
            self.app.call_from_thread(label.update, f"✗ {summary}")
            self.app.call_from_thread(label.set_classes, "apply-line -failed")
            raise
        text = shown(result) if shown else result
        mark = "✓" if result in (DONE, ALREADY, "valid", "online") or shown else "•"
        self.app.call_from_thread(label.update, f"{mark} {summary}: {text}")
        self.app.call_from_thread(label.set_classes, "apply-line -done")
        return result

    @work(thread=True, exclusive=True, exit_on_error=False, group="apply")
    def run_all(self, plan: Plan) -> None:
        from dockwright.wizard import runner_setup

        applier = make_applier(self.app)
        self._step("check access to the project", lambda: (applier.access(), "done")[1])
        for change in applier.file_changes():
            self._step(change.summary, change.apply)
        for vchange in applier.variable_changes(with_values=True):
            self._step(vchange.summary, vchange.apply)
        rchange = applier.runner_change()
        if rchange is not None:
            self._step(rchange.summary, rchange.apply)
            for note in rchange.notes:
                self.app.call_from_thread(self.line, f"  {note}", "hint")
            if applier.options.after_runner_config is not None:
                applier.options.after_runner_config(rchange.config_path)
            self._step(f"wait for runner #{rchange.runner_id} to come online",
                       lambda: runner_setup.wait_online(self.services.client, rchange.runner_id,
                                                        timeout=applier.options.runner_online_timeout))
        self._step("GitLab CI lint of .gitlab-ci.yml", lambda: (applier.lint(), "valid")[1])
        sha = self._step(f"commit and push {plan.git.branch}", lambda: applier.commit_and_push() or "nothing to push",
                         shown=lambda r: f"pushed commit {r[:8]}" if r != "nothing to push" else r)
        self.app.call_from_thread(self._finished, sha if sha != "nothing to push" else None)

    def _finished(self, sha: str | None) -> None:
        self.running = False
        self.sha = sha
        self.query_one("#apply-busy").display = False
        self.post_message(Applied())
        self.query_one("#apply-result", Label).update(
            f"All changes applied; commit {sha[:8]} is pushed and GitLab runs its pipeline. Next: "
            "Watch the pipeline follows it job by job; Ctrl+Q quits (the pipeline goes on in GitLab)." if sha
            else "All changes applied; there was nothing new to push, so no new pipeline starts. Ctrl+Q quits; "
                 "`dockwright watch` follows the branch's latest pipeline.")
        if sha:
            self.action_next()

    def show_error(self, sentence: str) -> None:
        self.running = False
        self.failed = True
        self.query_one("#apply-busy").display = False
        self.query_one("#apply-result", Label).update(
            f"✗ {sentence}\nWhat was done stays done. Fix the cause, then press Apply again: every change is "
            "safe to repeat, and the ones already in place are skipped. Back goes to Review.")
        self.query_one("#apply-result", Label).set_class(True, "-error")
        self._next_button("Apply again")

    def _next_button(self, label: str) -> None:
        self.query_one("#next", Button).label = label

    def action_back(self) -> None:
        self.sha = None  # going back and returning applies again (every change is idempotent)
        super().action_back()

    def action_next(self) -> None:
        if self.failed and not self.running:
            self.load_plan(self.plan)
            return
        if self.sha is None:
            self.notify("Nothing was pushed yet, so there is no pipeline to watch.", severity="warning")
            return
        from dockwright.screens.watch import WatchScreen

        self.app.push_screen(WatchScreen(self.services.client, self.plan.gitlab.project, sha=self.sha,
                                         ref=self.plan.git.branch, registry_kind=self.plan.registry.kind))
