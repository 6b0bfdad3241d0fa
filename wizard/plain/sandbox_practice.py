"""``dockwright --plain --sandbox``: the onboarding against the embedded sandbox GitLab, in a practice clone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wizard.plain.onboarding import PlainWizard


def run_with_sandbox(directory: Path | None, answers_path: Path | None, data_dir: Path | None = None) -> int:
    """``--plain --sandbox``: start the embedded sandbox, practise in a clone of its demo project, stop it."""
    from wizard.sandbox import Sandbox

    sandbox = Sandbox(data_dir).start()
    try:
        if directory is None:
            directory = sandbox_practice_folder(sandbox)
        return PlainWizard(directory, answers_path=answers_path, sandbox=sandbox).run()
    finally:
        sandbox.stop()


def sandbox_practice_folder(sandbox: Any) -> Path:
    """A clone of the sandbox's demo project to practise in, kept between runs beside the sandbox's data
    (the same folder the full-screen wizard's sandbox mode uses)."""
    from wizard.git import Repo, clone

    dest = Path(sandbox.data_dir).parent / "practice" / sandbox.project_path.replace("/", "-")
    if not Repo(dest).is_repo():
        dest.parent.mkdir(parents=True, exist_ok=True)
        clone(f"{sandbox.url}/{sandbox.project_path}.git", dest, sandbox.token)
    return dest
