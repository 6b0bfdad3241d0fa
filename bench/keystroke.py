"""Keystroke in a field -> the preview repainted, against what Textual itself costs for the same, in one run.

Each side runs in its own process, alternating. Ours: bench/startup.py's keystroke_to_preview (the Dockerfile
step's port field, one key typed or deleted at a time, until the preview shows the new EXPOSE line and the screen
has refreshed). The bare side (:func:`bare_keystroke`): a Textual app with an Input and a read-only TextArea as
large as our preview (56x31 at 120x36, line numbers, Dockerfile highlighting when tree-sitter is installed,
holding the same Dockerfile), where each Input.Changed replaces the EXPOSE line; driven and timed the same way.
``--before COMMIT`` also measures that commit's code, laid out from ``git archive`` and imported instead of this
worktree (as bench/step_switch.py). Prints medians and the ratios; the machine is shared, so the ratio means more
than the ms. Goal: <= 33 ms (two frames).
Run: .venv/bin/python bench/keystroke.py [--runs N] [--keys K] [--before COMMIT]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from first_paint import old_tree

CHILD = """
import asyncio, json, shutil, sys
root = {root!r}
if root:
    sys.meta_path[:] = [f for f in sys.meta_path if "EditableFinder" not in repr(f)]
    sys.path.insert(0, root)
sys.path.insert(0, {bench!r})
from startup import flask_repo, keystroke_to_preview
if root:  # startup.py put this worktree first on the path: the earlier code goes before it
    sys.path.insert(0, root)
repo = flask_repo()
try:
    totals, _ = asyncio.run(keystroke_to_preview(repo, keys={keys}))
finally:
    shutil.rmtree(repo, ignore_errors=True)
print(json.dumps(totals))
"""

BARE_CHILD = """
import asyncio, json, sys
sys.path.insert(0, {bench!r})
from keystroke import bare_keystroke
print(json.dumps(asyncio.run(bare_keystroke(keys={keys}))))
"""

BARE = "bare Textual"


def bare_app(text: str):
    """An Input and a read-only TextArea the size of our preview; each Input.Changed puts the value into the
    TextArea's EXPOSE line (one line replaced, as the preview's show_text does)."""
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal
    from textual.widgets import Input, TextArea

    class BareKeystroke(App):
        CSS = "Input { width: 40; } TextArea { width: 56; height: 31; }"

        def __init__(self) -> None:
            super().__init__()
            self.changes = 0

        def compose(self) -> ComposeResult:
            with Horizontal():
                yield Input(type="integer")
                area = TextArea(text, read_only=True, show_line_numbers=True, soft_wrap=False)
                try:  # textual[syntax]: the same grammar and highlights as our preview
                    import warnings
                    from importlib.resources import files

                    import tree_sitter_dockerfile
                    from tree_sitter import Language

                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DeprecationWarning)
                        language = Language(tree_sitter_dockerfile.language())
                    query = (files("tree_sitter_dockerfile") / "queries" / "highlights.scm").read_text()
                    area.register_language("dockerfile", language, query)
                    area.language = "dockerfile"
                except ImportError:
                    pass
                yield area

        def on_input_changed(self, event: Input.Changed) -> None:
            area = self.query_one(TextArea)
            row = next(i for i, line in enumerate(area.text.split("\n")) if line.startswith("EXPOSE"))
            area.replace(f"EXPOSE {event.value}", (row, 0), (row, len(area.document.get_line(row))))
            self.changes += 1

    return BareKeystroke()


async def bare_keystroke(keys: int) -> list[float]:
    """Seconds from a key in the bare app's Input to its TextArea's new line on screen, one per key: the same
    driving and the same "screen has refreshed" criterion as startup.keystroke_to_preview."""
    from startup import SIZE, detected, flask_repo, time_keys
    from textual.widgets import Input, TextArea

    from dockwright.wizard.render.dockerfile import render_dockerfile

    repo = flask_repo()
    try:
        text = render_dockerfile(detected(repo)[0])
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    app = bare_app(text)
    async with app.run_test(size=SIZE) as pilot:
        area, field = app.query_one(TextArea), app.query_one(Input)
        totals, _ = await time_keys(app, pilot, field, lambda: app.changes,
                                    lambda: f"EXPOSE {field.value}\n" in area.text, keys)
    return totals


def one_side(root: str | None, keys: int) -> list[float]:
    """One process's keys: ours (``root`` "" for this worktree, else an earlier commit's tree) or the bare app's
    (``root`` None)."""
    bench = str(Path(__file__).resolve().parent)
    code = (BARE_CHILD.format(bench=bench, keys=keys) if root is None
            else CHILD.format(root=root, bench=bench, keys=keys))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode:
        side = "bare app" if root is None else "earlier code" if root else "current code"
        raise SystemExit(f"the {side} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--before", metavar="COMMIT", help="also measure the code at this commit, in the same loop")
    args = parser.parse_args()
    old = old_tree(args.before) if args.before else None
    sides: dict[str, str | None] = {BARE: None, "now": ""} | ({f"before ({args.before})": str(old)} if old else {})
    times: dict[str, list[float]] = {name: [] for name in sides}
    try:
        for root in sides.values():  # warm-up (bytecode, page cache), not counted
            one_side(root, 4)
        for _ in range(args.runs):
            for name, root in sides.items():
                times[name] += one_side(root, args.keys)
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    print(f"keystroke -> preview repainted, {args.runs} runs x {args.keys} keys each, alternating (headless, 120x36)")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"  {name:24} median {medians[name] * 1000:6.1f} ms   p90 {p90(values) * 1000:6.1f} ms")
    for name in sides:
        if name != BARE:
            print(f"  {name} / bare: {medians[name] / medians[BARE]:.2f}x")
    if old is not None:
        print(f"  now / before: {medians['now'] / medians[f'before ({args.before})']:.2f}x")
    print("  goal: <= 33 ms (two frames)")


def p90(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * 0.9))]


if __name__ == "__main__":
    main()
