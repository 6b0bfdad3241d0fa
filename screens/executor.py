"""Step 3: how jobs get a Docker daemon. Five choices, two lines of trade-offs each, one recommended."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, RadioButton, RadioSet

from dockwright.screens.messages import PlanChanged
from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.fields import ChoiceButton, press_radio
from dockwright.wizard.plan import WIZARD_EXECUTORS, Plan
from dockwright.wizard.steps import EXECUTOR_CHOICES, RECOMMENDED_EXECUTOR

RECOMMENDED = RECOMMENDED_EXECUTOR
CHOICES = EXECUTOR_CHOICES  # (label, two lines of trade-offs); shared with --plain


class ExecutorScreen(StepScreen):
    STEP_ID = "executor"

    def compose_form(self) -> ComposeResult:
        with RadioSet(id="executor-choice"):
            for key in WIZARD_EXECUTORS:
                label, _ = CHOICES[key]
                if key == RECOMMENDED:
                    label = "★ " + label
                yield ChoiceButton(label, id=f"executor-{key}")
        yield Label("", id="executor-tradeoffs", classes="tradeoffs")
        yield Label("★ marks the choice recommended for a first pipeline. F1: the full teaching page, with what "
                    "each choice grants and the traps.", classes="hint")

    def load_plan(self, plan: Plan) -> None:
        if plan.executor in WIZARD_EXECUTORS:  # else chosen in the answers file (issue 14): shown, kept as it is
            press_radio(self.query_one(f"#executor-{plan.executor}", RadioButton))
        self._show(plan.executor)

    def _show(self, key: str) -> None:
        label, lines = CHOICES[key]
        star = " (recommended)" if key == RECOMMENDED else ""
        if key not in WIZARD_EXECUTORS:
            star = " (from your answers file; F1 explains it)"
        self.query_one("#executor-tradeoffs", Label).update(f"{label}{star}\n{lines}")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        key = (event.pressed.id or "").removeprefix("executor-")
        if key in CHOICES:
            self._show(key)
            self.post_message(PlanChanged(None, executor=key))
