"""Step 8: every change before anything is written or sent: file diffs, API calls as lines, secrets hidden."""

from __future__ import annotations

import time

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Collapsible, Input, Label, Static, Switch

from dockwright.screens.messages import PlanChanged
from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.fields import FieldInput, MarkedSwitch, field_row
from dockwright.screens.widgets.label_text import update_label
from dockwright.screens.widgets.preflight import PreflightPanel
from dockwright.wizard.errors import RefusedOverwrite
from dockwright.wizard.plan import Plan
from dockwright.wizard.session import Session
from dockwright.wizard.steps import method_tradeoff

# Review's Next applies: not with a key held or pressed again and again from the steps before
# (DockwrightApp.key_in_a_run), nor before the list has been on screen this long (a key pressed as it appeared
# was meant for the step before)
LOOK_FIRST = 1.0


def planned_changes(plan: Plan, session: Session) -> list[tuple[str, str]]:
    """(summary, preview) of everything Apply will do, from the same change lists the Apply step runs."""
    from dockwright.wizard.apply_changes import (
        ApplyOptions,
        committed_files,
        file_changes,
        kubernetes_runner_line,
        runner_change,
        variable_changes,
    )

    options = ApplyOptions(dry_run=True, overwrite=session.overwrite)
    out: list[tuple[str, str]] = []
    for change in file_changes(plan, session, options):
        out.append((change.summary, change.preview()))
    for vchange in variable_changes(plan, session, options, with_values=False):
        out.append((vchange.summary, vchange.preview()))
    rchange = runner_change(plan, session, options)
    if rchange is not None:
        out.append((rchange.summary, rchange.preview() + "\nthen wait until GitLab reports the runner online"))
    elif plan.helm_runner:
        out.append(kubernetes_runner_line(plan, session))
    project, url = plan.gitlab.project, plan.gitlab.url
    out.append(("GitLab CI lint of .gitlab-ci.yml", f"POST /projects/{project}/ci/lint content=<.gitlab-ci.yml>"))
    out.append((f"commit on {plan.git.branch}: {plan.git.commit_message!r}",
                f"git commit {' '.join(committed_files(plan))} (and dockwright.yml if saved)"))
    out.append((f"push {plan.git.branch} to {url}/{project}.git",
                "git push (the token goes through GIT_ASKPASS, never the command line); GitLab starts the "
                "pipeline, which the watch screen follows"))
    return out


class ReviewScreen(StepScreen):
    STEP_ID = "review"
    NEXT_LABEL = "Apply these changes"
    LOAD_AHEAD = False  # loading works out the changes, asking GitLab: only when the person comes here

    def compose_form(self) -> ComposeResult:
        yield from field_row("Branch", FieldInput(id="rv-branch"), "The branch the commit goes on and is pushed to")
        yield from field_row("Commit message", FieldInput(id="rv-message"))
        yield Label("", id="review-state", classes="hint")
        yield Label("", id="review-method", markup=False)  # what the runner choice costs, seen once more
        yield PreflightPanel(self._find_engine, lambda: (self.plan, self.services.workdir, self.services.overwrite),
                             id="rv-preflight")
        yield Vertical(id="review-changes")
        yield Label("", id="review-problem", classes="problem", markup=False)  # GitLab's and git's words
        row = Horizontal(classes="switch-row", id="rv-overwrite-row")  # shown once a file is refused
        row.display = self.services.overwrite
        with row:
            yield MarkedSwitch(id="rv-overwrite")
            yield Label("Replace the files dockwright cannot merge: yours are renamed NAME.orig (kept beside them, "
                        "not committed) and dockwright writes its own in their place.", id="rv-overwrite-label")

    def _find_engine(self):
        if self.services.engine_finder is not None:
            return self.services.engine_finder()
        from dockwright.wizard.engine import find_engine

        return find_engine()

    def load_plan(self, plan: Plan) -> None:
        self.ready = False  # until the list for these answers and these files is shown
        self.ready_at = 0.0  # time.monotonic() when the list was shown: Next applies LOOK_FIRST after it
        self._fill(plan)
        # after the step's first frame: working the list out (a thread asking GitLab, rendering the files) held the
        # interpreter while that frame was made, and the list's mount and layout came before it (bench/step_switch.py)
        self.call_after_refresh(self.collect)

    def fill_hidden(self) -> None:
        """Built ahead: the fields and sentences too (not the list of changes, which asks GitLab): else the first
        show set them, restyled the fields and laid the step out before its first frame (bench/step_switch.py)."""
        super().fill_hidden()
        self._fill(self.plan)

    def _fill(self, plan: Plan) -> None:
        """The fields and sentences from ``plan``; each set only when it differs (a change restyles, lays out)."""
        with self.prevent(Input.Changed):
            for wid, value in (("rv-branch", plan.git.branch), ("rv-message", plan.git.commit_message)):
                field = self.query_one(f"#{wid}", Input)
                if field.value != value:
                    field.value = value
        update_label(self.query_one("#review-state", Label), self.state_sentence())
        update_label(self.query_one("#review-method", Label), method_tradeoff(plan.executor))
        update_label(self.query_one("#review-problem", Label), "Working out the changes …")

    def state_sentence(self) -> str:
        """What has happened so far: nothing yet, or an apply whose work this list now starts from."""
        if not self.app.applied:  # type: ignore[attr-defined]
            return "Nothing has been written or sent yet. Expand a line to see exactly what it does."
        sha = self.app.applied_sha  # type: ignore[attr-defined]
        pushed = f" (commit {sha[:8]} was pushed)" if sha else ""
        return (f"Applied before{pushed}. The list below compares the answers with the files as they are now: "
                "it is what applying again does, and whatever is already in place is skipped.")

    def on_input_changed(self, event: Input.Changed) -> None:
        value = event.value.strip()
        if event.input.id == "rv-branch":
            if not value or " " in value or value.startswith("-"):
                self.ready = False
                self.query_one("#review-problem", Label).update(
                    "A branch name has no spaces and does not start with -, e.g. main or add-ci.")
                return
            from dockwright.wizard.git import Repo

            exists = Repo(self.services.workdir).branch_sha(value) is not None
            self.post_message(PlanChanged("git", branch=value, create_branch=not exists))
        elif event.input.id == "rv-message":
            if not value:
                self.ready = False
                self.query_one("#review-problem", Label).update("Write a commit message; it is what the history shows.")
                return
            self.post_message(PlanChanged("git", commit_message=value))
        else:
            return
        self.call_after_refresh(self.collect)

    def on_switch_changed(self, event: Switch.Changed) -> None:
        if event.switch.id == "rv-overwrite":
            self.services.overwrite = event.value
            self.ready = False
            self.query_one("#review-problem", Label).update("Working out the changes …")
            self.collect()

    @work(thread=True, exclusive=True, exit_on_error=False, group="review")
    def collect(self) -> None:
        try:
            changes = planned_changes(self.plan, self.services)  # the answers as they are when it runs
        except RefusedOverwrite as refused:
            self.app.call_from_thread(self._refused, refused)
            return
        self.app.call_from_thread(self._show, changes)

    def _refused(self, refused: RefusedOverwrite) -> None:
        """A file dockwright cannot merge: say so, and offer the switch that replaces it (not a CLI flag)."""
        name = refused.path.name if refused.path is not None else "the file"
        self.show_error(f"{refused.sentence} Turn on Replace below to replace it, or move it away and come back "
                        "to Review.")
        self.query_one("#rv-overwrite-label", Label).update(
            f"Replace: dockwright renames your {name} to {name}.orig (kept beside it, not committed) and writes "
            f"its own {name} in its place.")
        self.query_one("#rv-overwrite-row").display = True
        self.query_one("#rv-overwrite-row").scroll_visible()

    def _show(self, changes: list[tuple[str, str]]) -> None:
        if not self.services.overwrite:
            self.query_one("#rv-overwrite-row").display = False
        box = self.query_one("#review-changes", Vertical)
        box.remove_children()
        box.mount_all([Collapsible(Static(preview.rstrip("\n") or "(nothing to show)", classes="change-preview",
                                          markup=False),
                                   title=summary, collapsed=True) for summary, preview in changes])
        self.query_one("#review-problem", Label).update("")
        self.ready = True
        self.ready_at = time.monotonic()

    def show_error(self, sentence: str) -> None:
        self.ready = False
        self.query_one("#review-problem", Label).update(f"✗ {sentence}")

    def action_next(self) -> None:
        if self.app.key_in_a_run() or time.monotonic() - self.ready_at < LOOK_FIRST:  # type: ignore[attr-defined]
            self.notify("Applying writes your files, sets the CI/CD variables and pushes. Look over the list "
                        "first, then press Ctrl+N (or the button) once more.", title="Not applied yet",
                        severity="warning")
            return
        if self.problem() is None:
            self.app.confirm_review(self.plan)  # type: ignore[attr-defined]
        super().action_next()

    def problem(self) -> str | None:
        if self.services.client is None:
            return "Not connected: go back to Connect and test the connection first."
        if not getattr(self, "ready", False):
            return str(self.query_one("#review-problem", Label).content) or "The list of changes is not ready yet."
        return None
