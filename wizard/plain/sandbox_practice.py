"""``dockwright --plain --sandbox``: the onboarding against the embedded sandbox GitLab, in a practice clone."""

from __future__ import annotations

import sys
from pathlib import Path

from dockwright.wizard.plain.onboarding import PlainWizard


def run_with_sandbox(directory: Path | None, answers_path: Path | None, data_dir: Path | None = None) -> int:
    """``--plain --sandbox``: start the embedded sandbox, practise in a clone of its demo project, stop it."""
    from dockwright.sandbox import Sandbox
    from dockwright.sandbox.practice import practice_folder

    sandbox = Sandbox(data_dir).start()
    try:
        if directory is None:
            directory = practice_folder(sandbox)
        return PlainWizard(directory, answers_path=answers_path, sandbox=sandbox).run()
    finally:
        sandbox.stop()
        from dockwright.wizard.sandbox_link import sandbox_farewell

        print(sandbox_farewell(sandbox.url, sandbox.token, sandbox.project_path), file=sys.stderr)
