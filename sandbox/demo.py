"""The demo project ``demo/app``: a small Flask app with its requirements.txt, committed into the
sandbox's repository at first start so a learner has something to containerise right away.
It has no Dockerfile and no .gitlab-ci.yml: writing those is what dockwright teaches."""

from __future__ import annotations

from pathlib import Path

from dockwright.sandbox import repo as gitrepo

DEMO_PROJECT_PATH = "demo/app"
DEMO_DESCRIPTION = "A small Flask app to containerise with dockwright."

APP_PY = '''\
"""A tiny web app: says hello, and answers a health check."""

import os

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return f"Hello, {os.environ.get('NAME', 'World')}!\\n"


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "80")))
'''

REQUIREMENTS_TXT = "flask==3.0.3\n"

README_MD = """\
# demo/app

A small Flask app. Run it locally with:

    pip install -r requirements.txt
    python app.py

It listens on port 80 (set `PORT` to change it) and answers `/` and `/healthz`.
"""

GITIGNORE = "__pycache__/\n*.pyc\n.venv/\n"

DEMO_FILES: dict[str, str] = {
    "app.py": APP_PY,
    "requirements.txt": REQUIREMENTS_TXT,
    "README.md": README_MD,
    ".gitignore": GITIGNORE,
}


def ensure_demo_repository(repo_path: Path, default_branch: str, author: gitrepo.Author) -> str | None:
    """Create the bare repository with the first commit if it is not there; returns the new SHA or None."""
    if repo_path.exists() and gitrepo.resolve(repo_path, default_branch):
        return None
    if not repo_path.exists():
        gitrepo.init_bare(repo_path, default_branch)
    changes = [("create", name, text.encode("utf-8"), None) for name, text in DEMO_FILES.items()]
    return gitrepo.commit_files(repo_path, default_branch, "Add the demo Flask app", author, changes)


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
    files = dict(DEMO_FILES) | ({".gitlab-ci.yml": ci} if ci is not None else {})
    changes = [("create", name, text.encode("utf-8"), None) for name, text in files.items()]
    return gitrepo.commit_files(repo_path, default_branch, "Add the app", author, changes)
