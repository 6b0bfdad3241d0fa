"""Keystroke in a field -> the preview repainted, the code as it is now against an earlier commit, in one run.

Each side runs bench/startup.py's keystroke_to_preview (the Dockerfile step's port field, one key typed or deleted
at a time, until the preview shows the new EXPOSE line and the screen has refreshed) in its own process,
alternating; ``--before COMMIT`` lays that commit's code out from ``git archive`` and imports it instead of this
worktree (as bench/step_switch.py). Prints medians and the ratio; the machine is shared, so the ratio means more
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


def one_side(root: str, keys: int) -> list[float]:
    code = CHILD.format(root=root, bench=str(Path(__file__).resolve().parent), keys=keys)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode:
        raise SystemExit(f"the {'earlier' if root else 'current'} code failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--before", metavar="COMMIT", help="also measure the code at this commit, in the same loop")
    args = parser.parse_args()
    old = old_tree(args.before) if args.before else None
    sides = {"now": ""} | ({f"before ({args.before})": str(old)} if old else {})
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
    for name, values in times.items():
        print(f"  {name:24} median {statistics.median(values) * 1000:6.1f} ms   (goal <= 33 ms)")
    if old is not None:
        now, before = (statistics.median(v) for v in times.values())
        print(f"  now / before: {now / before:.2f}x")


if __name__ == "__main__":
    main()
