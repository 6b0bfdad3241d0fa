"""Messages screens send up to the App. Attributes down, messages up: the App owns the Plan."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class PlanChanged(Message):
    """Replace fields of one Plan section, e.g. ``PlanChanged("runner", tags=("docker",))``.

    ``section=None`` replaces top-level fields (``PlanChanged(None, executor="shell")``).
    """

    def __init__(self, section: str | None, **changes: Any) -> None:
        super().__init__()
        self.section = section
        self.changes = changes


class GoToStep(Message):
    """Show the step with this id (``"next"`` and ``"back"`` move relative to the current one)."""

    def __init__(self, step_id: str) -> None:
        super().__init__()
        self.step_id = step_id


class Applied(Message):
    """Every change was applied (``sha``: the commit pushed, None when there was nothing new to push); the
    answers on screen are no longer unapplied work."""

    def __init__(self, sha: str | None) -> None:
        super().__init__()
        self.sha = sha
