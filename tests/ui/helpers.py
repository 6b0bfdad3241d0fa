"""Shared set-up for the wizard's Pilot tests: an App on a real folder, optionally a live sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dockwright.screens.app import DockwrightApp
from dockwright.wizard.credentials import Secret
from dockwright.wizard.plan import Plan, replace_in
from dockwright.wizard.session import Session

FLASK_APP = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef hello():\n    return 'hi'\n"


def flask_repo(path: Path) -> Path:
    """A small Flask project folder (not a git repository)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "app.py").write_text(FLASK_APP)
    (path / "requirements.txt").write_text("flask==3.0.3\n")
    return path


@dataclass
class PictureOfASandbox:
    """Stands where a running sandbox would, for pictures of the steps in sandbox mode: nothing is ever
    sent to it (an offline App never connects or applies)."""

    url: str = "http://127.0.0.1:8929"
    token: str = ""
    project_path: str = "demo/app"
    data_dir: Path = Path("/nonexistent")

    def register_runners_from_config(self, path, *, host_has_docker: bool = False) -> list[int]:
        raise AssertionError("an offline App registers no runner")

    def stop(self) -> None:
        pass


def no_engine():
    """The engine finder of the UI tests: looks for docker, podman and buildah and finds none, whatever this machine
    has (a real engine makes Review's pre-flight build real: tests/real/test_review_preflight.py)."""
    from dockwright.wizard.engine import find_engine

    return find_engine(which=lambda _name: None)


def offline_app(workdir: Path, plan: Plan | None = None, *, sandbox: bool = False, token: str = "",
                **session) -> DockwrightApp:
    """The App with no GitLab behind it: for steps that need none, and for snapshots."""
    from dockwright.wizard.detect import detect, detect_plan

    plan = plan or detect_plan(workdir)
    plan = replace_in(plan, "gitlab", url="https://gitlab.example.com", project="alice/app")
    session.setdefault("engine_finder", no_engine)
    return DockwrightApp(plan, Session(workdir=workdir, detection=detect(workdir), token=Secret(token) if token else None,
                                       sandbox=PictureOfASandbox() if sandbox else None, **session))


def sandbox_app(sb, workdir: Path, **services) -> DockwrightApp:
    """The App against a running sandbox, on a clone of its demo project in ``workdir``."""
    from dockwright.wizard.detect import detect, detect_plan
    from dockwright.wizard.git import clone
    from dockwright.wizard.gitlab import GitLabClient

    clone(f"{sb.url}/{sb.project_path}.git", workdir, sb.token)
    plan = detect_plan(workdir)
    plan = replace_in(plan, "gitlab", url=sb.url, project=sb.project_path)
    plan = replace_in(plan, "runner", config_path=str(workdir.parent / "runner" / "config.toml"))
    services.setdefault("engine_finder", no_engine)
    chosen = Session(workdir=workdir, connector=GitLabClient.connect, token=Secret(sb.token),
                     token_source="the sandbox", url_source="the sandbox", sandbox=sb, detection=detect(workdir),
                     **services)
    return DockwrightApp(plan, chosen)


async def until_review_applies(pilot) -> None:
    """Review's Next applies only once its list was on screen a moment (screens/review.py, LOOK_FIRST) and with
    a key not held down: wait that long after the list is ready."""
    from dockwright.screens.review import LOOK_FIRST

    await pilot.pause(LOOK_FIRST + 0.1)


async def settle(pilot, times: int = 3) -> None:
    """Let the app handle what the last key or change set off (a few rounds of its message queue)."""
    for _ in range(times):
        await pilot.pause()
