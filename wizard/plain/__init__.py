"""`dockwright --plain`: the wizard's questions as line prompts (questionary), for screen readers,
serial consoles, CI debug shells and copy-pasteable transcripts.

Every question shows its default and a one-line why; ``?`` (or the Help choice) prints the step's
teaching page. The pieces: :mod:`.prompts` (the line prompts), :mod:`.field_why` (each question's why),
:mod:`.answer_checks` (checks of single answers), :mod:`.step_questions` (each step's questions),
:mod:`.onboarding` (the run: steps, review, apply, Ctrl-C), :mod:`.sandbox_practice` (``--sandbox``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dockwright.wizard.plain.onboarding import EXIT_INTERRUPTED, PlainWizard
from dockwright.wizard.plain.sandbox_practice import run_with_sandbox

__all__ = ["EXIT_INTERRUPTED", "PlainWizard", "run_plain", "run_with_sandbox"]


def run_plain(args: Any) -> int:
    """Entry point for ``dockwright --plain`` (``args`` has ``.dir``, ``.answers``, ``.sandbox``)."""
    directory = Path(getattr(args, "dir", None) or ".").resolve()
    answers = getattr(args, "answers", None)
    answers_path = Path(answers).resolve() if answers else None
    if getattr(args, "sandbox", False):
        return run_with_sandbox(directory if getattr(args, "dir", None) else None, answers_path,
                                demo=getattr(args, "demo", None))
    return PlainWizard(directory, answers_path=answers_path).run()
