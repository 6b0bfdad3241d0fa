"""Step 9: apply the reviewed changes, one line per step as it happens, then the watch screen.

The run is :func:`dockwright.wizard.apply.apply_events` in a thread worker; each event comes back as an
:class:`ApplyScreen.Progress` message and this screen only renders it. A run starts each time Review is
confirmed (never when coming back from the watch), so its changes come from the current answers and the
files as they are on disk then.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Button, Label, LoadingIndicator

from dockwright.screens.errors import explain
from dockwright.screens.messages import Applied
from dockwright.screens.step import StepScreen
from dockwright.wizard.apply import (
    ApplyEvent,
    Finished,
    Note,
    StepDone,
    StepFailed,
    StepStarted,
    apply_events,
)
from dockwright.wizard.apply_changes import ApplyOptions
from dockwright.wizard.changes import Outcome
from dockwright.wizard.plan import Plan
from dockwright.wizard.session import Session


class ApplyScreen(StepScreen):
    STEP_ID = "apply"
    SHOW_PREVIEW = False
    NEXT_LABEL = "Watch the pipeline"

    class Progress(Message):
        """One event of the apply run, posted by the worker thread."""

        def __init__(self, event: ApplyEvent) -> None:
            super().__init__()
            self.event = event

    def compose_form(self) -> ComposeResult:
        yield Vertical(id="apply-progress")
        yield LoadingIndicator(id="apply-busy")
        yield Label("", id="apply-result", markup=False)  # GitLab's and git's words, as they are

    def on_mount(self) -> None:
        self.sha: str | None = None
        self.running = False
        self.failed = False
        self.started_for = -1  # the Review confirmation the last run was started for
        self.current: Label | None = None  # the line of the step that is running
        self.done_lines: list[str] = []  # what each step came to, for the watch screen

    def load_plan(self, plan: Plan) -> None:
        confirmed = self.app.review_confirmations  # type: ignore[attr-defined]
        if not self.running and confirmed != self.started_for:
            self.start(plan)

    def start(self, plan: Plan) -> None:
        self.started_for = self.app.review_confirmations  # type: ignore[attr-defined]
        self.query_one("#apply-progress", Vertical).remove_children()
        result = self.query_one("#apply-result", Label)
        result.update("")
        result.set_class(False, "-error")
        self._next_button(self.NEXT_LABEL)
        self.sha, self.failed, self.running, self.current, self.done_lines = None, False, True, None, []
        self.query_one("#apply-busy").display = True
        self.run_apply(plan, self.services)

    @work(thread=True, exclusive=True, exit_on_error=False, group="apply")
    def run_apply(self, plan: Plan, session: Session) -> None:
        options = ApplyOptions(confirm=lambda question: session.register_with_local_runner, overwrite=session.overwrite)
        for event in apply_events(plan, session, options):
            self.post_message(self.Progress(event))

    # -- rendering the events ---------------------------------------------------------------------
    def on_apply_screen_progress(self, message: Progress) -> None:
        event = message.event
        if isinstance(event, StepStarted):
            self.current = self.line(f"… {event.summary}", "-running")
        elif isinstance(event, Note):
            self.line(f"  {'! ' if event.warning else ''}{event.text}", "hint")
        elif isinstance(event, StepDone):
            mark = "•" if event.outcome == Outcome.SKIPPED else "✓"
            said = "" if event.said in event.summary else f": {event.said}"  # not "runner #3 is online: online"
            self.done_lines.append(f"{mark} {event.summary}{said}")
            self.end_line(self.done_lines[-1], "-done")
        elif isinstance(event, StepFailed):
            self.done_lines.append(f"✗ {event.summary}")
            self.end_line(self.done_lines[-1], "-failed")
        elif isinstance(event, Finished):
            if event.error is not None:
                self.show_error(explain(event.error))
            else:
                self.finished(event.sha)

    def line(self, text: str, state: str = "") -> Label:
        label = Label(text, classes=f"apply-line {state}", markup=False)
        self.query_one("#apply-progress", Vertical).mount(label)
        return label

    def end_line(self, text: str, state: str) -> None:
        if self.current is not None:
            self.current.update(text)
            self.current.set_classes(f"apply-line {state}")
            self.current = None

    def finished(self, sha: str | None) -> None:
        self.running = False
        self.sha = sha
        self.query_one("#apply-busy").display = False
        self.post_message(Applied(sha))
        self.query_one("#apply-result", Label).update(
            f"All changes applied; commit {sha[:8]} is pushed and GitLab runs its pipeline. Next: "
            "Watch the pipeline follows it job by job; Ctrl+Q quits (the pipeline goes on in GitLab)." if sha
            else "All changes applied; there was nothing new to push, so no new pipeline starts. Ctrl+Q quits; "
                 "`dockwright watch` follows the branch's latest pipeline.")
        if sha:
            self.action_next()

    def show_error(self, sentence: str) -> None:
        """A failed step (or a failure in the worker itself): said in place, with the way on."""
        if self.current is not None:  # the worker itself failed while a step ran
            self.end_line(f"✗ {str(self.current.content).removeprefix('… ')}", "-failed")
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

    def action_next(self) -> None:
        if self.running:
            self.notify("Still applying; the watch opens when the push is done.", severity="warning")
            return
        if self.failed:
            self.start(self.plan)
            return
        if self.sha is None:
            self.notify("Nothing was pushed yet, so there is no pipeline to watch.", severity="warning")
            return
        from dockwright.screens.watch import WatchScreen
        from dockwright.wizard.apply_watch import after_apply_follow

        self.app.push_screen(WatchScreen(self.services.client, self.plan.gitlab.project, sha=self.sha,
                                         ref=self.plan.git.branch, registry_kind=self.plan.registry.kind,
                                         applied=[f"Applied, commit {self.sha[:8]}:", *self.done_lines],
                                         follow_options=after_apply_follow(self.plan.git.commit_message)))
