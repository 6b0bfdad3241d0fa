"""The practice folder: a clone of the sandbox's demo project that ``dockwright --sandbox`` works in.

Both the full-screen wizard and ``--plain --sandbox`` call :func:`practice_folder`, so they share one clone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def practice_path(sandbox: Any) -> Path:
    """Where the practice clone of the sandbox's demo project is (beside the sandbox's data)."""
    return Path(sandbox.data_dir).parent / "practice" / sandbox.project_path.replace("/", "-")


def practice_folder(sandbox: Any) -> Path:
    """A clone of the sandbox's demo project, kept between runs beside the sandbox's data (cloned if missing)."""
    from dockwright.wizard.git import Repo, clone

    dest = practice_path(sandbox)
    if not Repo(dest).is_repo():
        dest.parent.mkdir(parents=True, exist_ok=True)
        clone(f"{sandbox.url}/{sandbox.project_path}.git", dest, sandbox.token)
    return dest
