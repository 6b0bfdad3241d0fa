"""The demo project ``demo/app``, committed into the sandbox's repository at first start so a learner has
something to containerise right away: a small Flask app by default, or another stack's small project with
``dockwright sandbox --demo STACK``. None has a Dockerfile or a .gitlab-ci.yml: writing those is what
dockwright teaches.

The projects are the folders under ``demos/`` (package data, so they are in the wheel): one folder per stack,
the only copy of the demo's files."""

from __future__ import annotations

import shutil
from pathlib import Path

from dockwright.sandbox import repo as gitrepo
from dockwright.wizard.errors import BadInput

DEMO_PROJECT_PATH = "demo/app"
DEMOS_DIR = Path(__file__).resolve().parent / "demos"
DEFAULT_DEMO = "python"
# stack -> what its demo is (in the project's description and the first commit's message)
DEMO_STACKS: dict[str, str] = {
    "python": "Flask app",
    "node": "Node.js app",
    "go": "Go app",
    "static": "static site",
    "rust": "Rust app",
    "ruby": "Ruby app",
    "php": "PHP app",
    "java": "Java app",
    "dotnet": ".NET app",
}


def demo_description(stack: str = DEFAULT_DEMO) -> str:
    return f"A small {DEMO_STACKS[stack]} to containerise with dockwright."


DEMO_DESCRIPTION = demo_description()


def check_demo(stack: str) -> str:
    """``stack`` when there is a demo project for it, else a BadInput listing the choices (exit 2)."""
    if stack not in DEMO_STACKS:
        raise BadInput(f"There is no demo project for {stack!r}.",
                       f"Choose one of: {', '.join(DEMO_STACKS)}.")
    return stack


def demo_files(stack: str = DEFAULT_DEMO) -> dict[str, bytes]:
    """The demo project's files (path relative to the project -> content), from ``demos/<stack>/``."""
    root = DEMOS_DIR / check_demo(stack)
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file() and "__pycache__" not in path.parts}


def ensure_demo_repository(repo_path: Path, default_branch: str, author: gitrepo.Author,
                           stack: str | None = None) -> str | None:
    """Create the bare repository with the demo's first commit if it is not there; returns the new SHA or None.

    With ``stack`` the repository starts over (a new history) as that stack's demo, whatever it held."""
    if stack is None:
        if repo_path.exists() and gitrepo.resolve(repo_path, default_branch):
            return None
        stack = DEFAULT_DEMO
    check_demo(stack)
    if repo_path.exists():
        shutil.rmtree(repo_path)
    gitrepo.init_bare(repo_path, default_branch)
    changes = [("create", name, data, None) for name, data in demo_files(stack).items()]
    return gitrepo.commit_files(repo_path, default_branch, f"Add the demo {DEMO_STACKS[stack]}", author, changes)


# The CI file of the projects Sandbox.create_group_projects makes: a quick test job on every push.
GROUP_PROJECT_CI = """test:
  script:
    - echo "checking $CI_PROJECT_PATH"
"""


def ensure_group_project_repository(repo_path: Path, default_branch: str, author: gitrepo.Author,
                                    ci: str | None) -> str | None:
    """A group project's repository: the demo app's files and ``ci`` as .gitlab-ci.yml (none when ``ci`` is
    None); returns the new commit's SHA, or None when the repository was there already."""
    if repo_path.exists() and gitrepo.resolve(repo_path, default_branch):
        return None
    if not repo_path.exists():
        gitrepo.init_bare(repo_path, default_branch)
    files = demo_files() | ({".gitlab-ci.yml": ci.encode("utf-8")} if ci is not None else {})
    changes = [("create", name, data, None) for name, data in files.items()]
    return gitrepo.commit_files(repo_path, default_branch, "Add the app", author, changes)
