"""How fast the wizard is where a person feels it.

1. Time to the first interactive screen: DockwrightApp (Connect step, with its services) against a bare
   Textual app composing the same widgets with none of dockwright's logic, in one run, alternating,
   median of N. Goal: ratio <= 1.25.
2. Keystroke to preview repainted: a key typed in the Dockerfile's port field until the preview pane
   shows the new text and the screen has refreshed. Goal: within one frame (~16 ms at 60 fps) after
   the render functions return.
3. Step switch: ``goto`` a step shown before until it is resumed, idle and repainted (Back/Next between
   steps whose screens exist), round the steps with a form and a preview.

Headless (Textual's test driver), so the numbers are the app's own work, not the terminal's.
Run: .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual.binding import BindingType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, LoadingIndicator, OptionList, TextArea

SIZE = (120, 36)


class BareApp(App):
    """The Connect step's widgets and footer bindings, composed the same way, without dockwright."""

    CSS_PATH = Path(__file__).resolve().parents[1] / "assets" / "app.tcss"
    # the same footer: as many bindings as the wizard shows on a step
    BINDINGS: ClassVar[list[BindingType]] = [(key, "bell", name) for key, name in (("f1", "Help"), ("ctrl+b", "Back"), ("ctrl+n", "Next"),
                                                      ("f2", "Preview"), ("ctrl+d", "Diff"), ("ctrl+q", "Quit"),
                                                      ("ctrl+s", "Save answers"))]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("SANDBOX", id="sandbox-banner")
        with Horizontal(id="body"):
            yield OptionList(*[f"step {i}" for i in range(10)], id="steps")
            with Vertical(id="main"):
                yield Label("Connect to GitLab", classes="title")
                yield Label("why", classes="why")
                with VerticalScroll(id="form"):
                    for name in ("url", "token", "project"):
                        yield Horizontal(Label(name, classes="field-label"), Input(), classes="field-row")
                        yield Label("from somewhere", classes="source")
                    yield Horizontal(Button("Test connection"), LoadingIndicator(), classes="button-row")
                    yield Label("")
                with Horizontal(id="nav"):
                    yield Button("Back")
                    yield Button("Test and continue", variant="primary")
        yield Footer()


def flask_repo() -> Path:
    root = Path(tempfile.mkdtemp(prefix="dockwright-bench-"))
    (root / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (root / "requirements.txt").write_text("flask==3.0.3\n")
    return root


def detected(repo: Path):
    from dockwright.wizard.session import Session

    session = Session(workdir=repo)
    return session.detect(), session


def dockwright_app(repo: Path, prepared=None):
    from dockwright.screens.app import DockwrightApp

    plan, services = prepared or detected(repo)
    return DockwrightApp(plan, services)


async def time_to_interactive(make) -> float:
    start = time.perf_counter()
    app = make()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # mounted, first frame composed, input accepted from here
        elapsed = time.perf_counter() - start
    return elapsed


async def keystroke_to_preview(repo: Path, keys: int) -> tuple[list[float], list[float]]:
    """(keystroke -> preview repainted, render call -> repainted) in seconds, one per key."""
    app = dockwright_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        app.goto("dockerfile")
        for _ in range(3):
            await pilot.pause()
        pane = app.screen.query_one("#preview")
        area = app.screen.query_one("#preview-dockerfile", TextArea)
        field = app.screen.query_one("#df-port", Input)
        return await time_keys(app, pilot, field, lambda: pane.renders, lambda: f"EXPOSE {field.value}" in area.text,
                               keys)


async def time_keys(app: App, pilot, field: Input, changes: Callable[[], int], shown: Callable[[], bool],
                    keys: int) -> tuple[list[float], list[float]]:
    """Type in ``field`` (from "80": a 1 typed, then deleted, and again) one key at a time, each until ``changes()``
    has moved (the app has shown the key's effect) and the screen has refreshed after it; ``shown()`` checks
    the effect. (key -> refreshed, changed -> refreshed) in seconds, one per key (bench/keystroke.py times a bare
    Textual app with this too)."""
    totals: list[float] = []
    after_change: list[float] = []
    field.focus()
    field.value = "80"
    await pilot.pause()
    field.action_end()
    loop = asyncio.get_running_loop()
    for i in range(keys):
        before = changes()
        start = time.perf_counter()
        # a key as the driver hands it to the App (without the test driver's own waiting around it): the App sees
        # it (dockwright's building ahead waits for keys to be quiet) and passes it to the focused field
        app.post_message(events.Key("1", "1") if i % 2 == 0 else events.Key("backspace", None))  # 80 <-> 801
        while changes() == before:
            await asyncio.sleep(0.0005)
        changed = time.perf_counter()
        painted = loop.create_future()
        app.call_after_refresh(lambda fut=painted: fut.set_result(time.perf_counter()))
        painted_at = await painted
        if not shown():
            raise SystemExit(f"the screen did not follow the field ({field.value})")
        totals.append(painted_at - start)
        after_change.append(painted_at - changed)
    return totals, after_change


async def step_switches(repo: Path, rounds: int) -> list[float]:
    """Seconds from ``goto`` to the step resumed, idle and repainted, for steps shown again."""
    app = dockwright_app(repo)
    steps = ("executor", "registry", "dockerfile", "pipeline")
    times: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        loop = asyncio.get_running_loop()
        for step_id in steps:  # each screen composed once: what is timed is showing it again
            app.goto(step_id)
            for _ in range(3):
                await pilot.pause()
        for _ in range(rounds):
            for step_id in steps:
                start = time.perf_counter()
                app.goto(step_id)
                while app.screen.id != f"step-{step_id}":
                    await asyncio.sleep(0.0005)
                await pilot.pause()
                painted = loop.create_future()
                app.call_after_refresh(lambda fut=painted: fut.set_result(time.perf_counter()))
                times.append(await painted - start)
    return times


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


async def main(runs: int) -> int:
    repo = flask_repo()
    # warm imports once for both, so neither pays first-import costs in the comparison
    await time_to_interactive(BareApp)
    await time_to_interactive(lambda: dockwright_app(repo))
    bare: list[float] = []
    mine: list[float] = []
    detection: list[float] = []
    for _ in range(runs):
        bare.append(await time_to_interactive(BareApp))
        start = time.perf_counter()
        prepared = detected(repo)
        detection.append(time.perf_counter() - start)
        mine.append(await time_to_interactive(lambda prepared=prepared: dockwright_app(repo, prepared)))
    ratio = statistics.median(mine) / statistics.median(bare)
    print(f"first interactive screen, bare Textual app:  {ms(bare)}")
    print(f"first interactive screen, dockwright wizard: {ms(mine)}")
    print(f"ratio: {ratio:.2f}  (goal <= 1.25)")
    print(f"before the app starts, detection of the repository: {ms(detection)}")
    totals, after = await keystroke_to_preview(repo, keys=max(10, runs * 2))
    print(f"keystroke -> preview repainted:             {ms(totals)}")
    print(f"  keystroke -> preview re-rendered:        {ms([t - a for t, a in zip(totals, after, strict=False)])}")
    print(f"render returned -> repainted:               {ms(after)}  (goal: within one frame, 16.7 ms)")
    print(f"step switch (a step shown again):           {ms(await step_switches(repo, rounds=max(3, runs)))}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    sys.exit(asyncio.run(main(parser.parse_args().runs)))
