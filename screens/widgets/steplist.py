"""The list of steps beside the form: where you are, what is done, what is skipped; click to jump."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from dockwright.screens.messages import GoToStep
from dockwright.wizard.plan import Plan
from dockwright.wizard.steps import STEPS


class StepList(OptionList):
    """One line per step; steps that do not apply to the plan are shown as skipped."""

    def __init__(self, current: str) -> None:
        super().__init__(id="steps")
        self.current = current

    def on_mount(self) -> None:
        self.watch(self.app, "plan", self.refresh_steps, init=True)

    def refresh_steps(self, plan: Plan, hidden: bool = False) -> None:
        """``hidden``: also while the step is not shown (a step built ahead: its list is then ready when shown)."""
        shape = tuple(s.applies(plan) for s in STEPS)
        if shape == getattr(self, "_shape", None) or not (hidden or self.screen.is_current):
            return  # typing in a field changes nothing here; only a step appearing or vanishing does
        self._shape = shape
        ids = [s.id for s in STEPS]
        here = ids.index(self.current)
        options = []
        for i, s in enumerate(STEPS):
            if not s.applies(plan):
                label = f"  {s.title} (skipped)"
            elif i == here:
                label = f"▶ {s.title}"
            elif i < here:
                label = f"✓ {s.title}"
            else:
                label = f"  {s.title}"
            options.append(Option(label, id=s.id, disabled=not s.applies(plan) or s.id == "watch"))
        self.clear_options()
        self.add_options(options)
        self.highlighted = here

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id and event.option.id != self.current:
            self.post_message(GoToStep(event.option.id))
