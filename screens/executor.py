"""Step 3: where jobs run (executor), then how they build the image (build method), trade-offs on each.

The Plan keeps one ``executor`` value ("docker-buildah"); the two choices map to it (wizard.steps).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Label, RadioButton, RadioSet

from dockwright.screens.messages import PlanChanged
from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.fields import ChoiceButton, press_radio
from dockwright.screens.widgets.label_text import update_label
from dockwright.wizard.plan import Plan
from dockwright.wizard.steps import (
    EXECUTOR_CHOICES,
    METHOD_CHOICES,
    RECOMMENDED_EXECUTOR,
    WHERE_CHOICES,
    WHERE_METHODS,
    join_executor,
    split_executor,
)

RECOMMENDED = RECOMMENDED_EXECUTOR
RECOMMENDED_WHERE, RECOMMENDED_METHOD = split_executor(RECOMMENDED_EXECUTOR)


class ExecutorScreen(StepScreen):
    STEP_ID = "executor"

    def compose_form(self) -> ComposeResult:
        yield Label("Where jobs run (the executor)", classes="choice-heading")
        with RadioSet(id="executor-choice"):
            for key, (label, _) in WHERE_CHOICES.items():
                yield ChoiceButton(("★ " if key == RECOMMENDED_WHERE else "") + label, id=f"executor-{key}")
        yield Label("How the image is built (build method)", id="method-label", classes="choice-heading")
        with RadioSet(id="method-choice"):
            for key, (label, cost) in METHOD_CHOICES.items():
                yield ChoiceButton(f"{'★ ' if key == RECOMMENDED_METHOD else ''}{label}: {cost}", id=f"method-{key}")
        yield Label("", id="executor-tradeoffs", classes="tradeoffs")
        yield Label("★ marks the choice recommended for a first pipeline. F1: the full teaching page, with what "
                    "each choice grants, what the runner needs, and the traps.", classes="hint")

    def load_plan(self, plan: Plan) -> None:
        where, method = split_executor(plan.executor)
        press_radio(self.query_one(f"#executor-{where}", RadioButton))
        if method:
            press_radio(self.query_one(f"#method-{method}", RadioButton))
        self._show(plan.executor)

    def _show(self, executor: str) -> None:
        where = split_executor(executor)[0]
        methods = WHERE_METHODS[where]
        self.query_one("#method-label").display = bool(methods)
        self.query_one("#method-choice").display = bool(methods)
        for key in METHOD_CHOICES:
            self.query_one(f"#method-{key}").display = key in methods
        label, lines = EXECUTOR_CHOICES[executor]
        star = " (recommended)" if executor == RECOMMENDED else ""
        update_label(self.query_one("#executor-tradeoffs", Label), f"{label}{star}\n{lines}")

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        pressed = event.pressed.id or ""
        where, method = split_executor(self.plan.executor)
        held = self.query_one("#method-choice", RadioSet).pressed_button  # kept while shell or hosted is chosen
        method = method or (held.id or "").removeprefix("method-") if held is not None else method
        if event.radio_set.id == "executor-choice":
            where = pressed.removeprefix("executor-")
        else:
            method = pressed.removeprefix("method-")
        if where not in WHERE_METHODS:
            return
        executor = join_executor(where, method)
        new_method = split_executor(executor)[1]
        if new_method and new_method != method:  # e.g. socket on Kubernetes: the place's first method, shown
            press_radio(self.query_one(f"#method-{new_method}", RadioButton))
        self._show(executor)
        if executor != self.plan.executor:
            self.post_message(PlanChanged(None, executor=executor))
