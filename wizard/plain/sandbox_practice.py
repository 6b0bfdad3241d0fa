"""``dockwright --plain --sandbox``: the onboarding against the embedded sandbox GitLab, in a practice clone."""

from __future__ import annotations

import sys
from pathlib import Path

from dockwright.wizard.plain.onboarding import PlainWizard
from dockwright.wizard.session import open_session


def run_with_sandbox(directory: Path | None, answers_path: Path | None, data_dir: Path | None = None,
                     demo: str | None = None) -> int:
    """``--plain --sandbox``: start the embedded sandbox, practise in a clone of its demo project, stop it."""
    opened = open_session(directory or Path.cwd(), answers=answers_path, sandbox=True,
                          folder_given=directory is not None, sandbox_data_dir=data_dir, demo=demo)
    try:
        return PlainWizard(opened.workdir, answers_path=answers_path, sandbox=opened.sandbox).run()
    finally:
        sandbox = opened.sandbox
        opened.close()
        if sandbox is not None:
            from dockwright.wizard.sandbox_link import sandbox_farewell

            print(sandbox_farewell(sandbox.url, sandbox.token, sandbox.project_path), file=sys.stderr)
