"""Review's pre-flight build: the generated image built and started for a moment on this machine, before
anything is written, committed or pushed (the same wizard/preflight_build.py as `dockwright apply --preflight`).

The button is there only when a container engine was found (looked for once, off the UI thread); otherwise one
sentence says why there is none and what to install. The builder's own lines stream into the log below it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Label, Log

from dockwright.wizard.errors import DockwrightError
from dockwright.wizard.plan import Plan

if TYPE_CHECKING:  # pragma: no cover
    from dockwright.wizard.engine import Engine

Build = Callable[[], tuple[Plan, Path, bool]]  # the answers, the project folder, Review's "replace" switch


class PreflightPanel(Vertical):
    """``PreflightPanel(find, what)``: ``find()`` gives the engine or raises NoEngine; ``what()`` what to build."""

    def __init__(self, find: Callable[[], Engine], what: Build, **kwargs) -> None:
        super().__init__(**kwargs)
        self._find = find
        self._what = what
        self.engine: Engine | None = None
        self.outcome: str = ""  # "" until a build ended; then "passed" or "failed"

    def compose(self) -> ComposeResult:
        yield Label("Looking for a container engine on this machine …", id="pf-state", classes="hint",
                    markup=False)
        yield Button("Build it here first", id="pf-run")
        yield Label("", id="pf-result", markup=False)
        yield Log(id="pf-log", max_lines=5000)

    def on_mount(self) -> None:
        self.query_one("#pf-run").display = False
        self.query_one("#pf-log").display = False
        self.detect()

    @work(thread=True, exclusive=True, exit_on_error=False, group="preflight-detect")
    def detect(self) -> None:
        from dockwright.wizard.engine import NoEngine

        try:
            engine = self._find()
        except NoEngine as exc:
            self.app.call_from_thread(self._no_engine, f"{exc.sentence} {exc.next_step}")
            return
        self.app.call_from_thread(self._found, engine)

    def _no_engine(self, why: str) -> None:
        self.query_one("#pf-state", Label).update(
            f"No pre-flight build here: the image cannot be built on this machine before it is pushed. {why}")

    def _found(self, engine: Engine) -> None:
        self.engine = engine
        self.query_one("#pf-state", Label).update(
            f"Pre-flight build with {engine.name}: builds the image from these answers and your files on this "
            "machine and starts it for a moment. Nothing is written to your project, committed or pushed.")
        self.query_one("#pf-run").display = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "pf-run" or self.engine is None:
            return
        event.stop()
        event.button.disabled = True
        log = self.query_one("#pf-log", Log)
        log.clear()
        log.display = True
        self.outcome = ""
        self.query_one("#pf-result", Label).update("Building … (the builder's own output is below)")
        plan, folder, overwrite = self._what()
        self.build(plan, folder, overwrite, self.engine)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preflight")
    def build(self, plan: Plan, folder: Path, overwrite: bool, engine: Engine) -> None:
        from dockwright.wizard.preflight_build import preflight_build

        log = self.query_one("#pf-log", Log)

        def show(line: str) -> None:  # each line of the builder's, as it comes
            self.app.call_from_thread(log.write_line, line)

        try:
            result = preflight_build(plan, folder, show, overwrite=overwrite, engine=engine)
        except DockwrightError as exc:
            self.app.call_from_thread(self._done, False, f"✗ Failed: {exc.sentence} {exc.next_step}".rstrip())
            return
        what = (f"✓ Passed: built by {result.engine} in {result.build_seconds:.1f} s"
                f"{f', {result.size}' if result.size else ''}; {result.ran}.")
        self.app.call_from_thread(self._done, True, what)

    def _done(self, ok: bool, sentence: str) -> None:
        self.outcome = "passed" if ok else "failed"
        self.query_one("#pf-result", Label).update(sentence)
        self.query_one("#pf-run", Button).disabled = False
