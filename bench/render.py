"""Median time to render all files of a plan (goal: <= 5 ms on the project's 2-core machine).

Run: .venv/bin/python bench/render.py [ROUNDS]

Two cases: a new project (Dockerfile, .dockerignore, .gitlab-ci.yml, config.toml entry and the register
command) and the same plan merged into real-looking existing files (tests/golden/merge/). Then each stack: the
plan detected on every fixture project of tests/fixtures/stacks/ (detection is not timed), its repository files
rendered, printed as a ratio of the 5 ms budget.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dockwright.wizard.detect import detect_plan  # noqa: E402
from dockwright.wizard.plan import Plan  # noqa: E402
from dockwright.wizard.render import render_files, render_register_command, render_runner_entry  # noqa: E402
from dockwright.wizard.render.runner_config import _merged_entry  # noqa: E402
from dockwright.wizard.yaml_guard import scan  # noqa: E402


def render_all(plan: Plan, existing: dict[str, str | None], config: str | None) -> None:
    render_files(plan, existing)
    render_runner_entry(plan, config, url="https://gitlab.example.com")
    render_register_command(plan, url="https://gitlab.example.com")


def median_ms(plan: Plan, existing: dict[str, str | None], config: str | None, rounds: int,
              cached: bool = True) -> float:
    render_all(plan, existing, config)  # warm-up: imports
    times = []
    for _ in range(rounds):
        if not cached:  # as the first render of this plan and these files: no cache helps
            scan.cache_clear()
            _merged_entry.cache_clear()
        start = time.perf_counter()
        render_all(plan, existing, config)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _time(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    merge = ROOT / "tests" / "golden" / "merge"
    existing = {".gitlab-ci.yml": (merge / "existing.gitlab-ci.yml").read_text(), ".dockerignore": "node_modules\n"}
    config = (merge / "existing.config.toml").read_text()
    plan = Plan()
    fresh = median_ms(plan, {}, None, rounds, cached=False)
    print(f"render all files, new project: median {fresh:.2f} ms over {rounds} rounds")
    first = median_ms(plan, existing, config, rounds, cached=False)
    again = median_ms(plan, existing, config, rounds)
    print(f"render all files, merge existing (first render): median {first:.2f} ms over {rounds} rounds")
    print(f"render all files, merge existing (re-render, as the preview does): median {again:.2f} ms")
    only = statistics.median(_time(lambda: render_files(plan, existing), rounds)) * 1000
    print(f"  of which the repository files alone (render_files, re-render): median {only:.2f} ms")
    stacks(rounds)


BUDGET_MS = 5.0


def stacks(rounds: int) -> None:
    """Each stack's files (Dockerfile, .dockerignore, .gitlab-ci.yml), rendered from its fixture project's plan."""
    worst = 0.0
    for folder in sorted((ROOT / "tests" / "fixtures" / "stacks").iterdir()):
        if not folder.is_dir():
            continue
        plan = detect_plan(folder)
        render_files(plan, {})  # warm-up: the stack's module is imported once
        ms = statistics.median(_time(lambda plan=plan: render_files(plan, {}), rounds)) * 1000
        worst = max(worst, ms)
        print(f"stack {folder.name} ({plan.dockerfile.language}): median {ms:.2f} ms, "
              f"{ms / BUDGET_MS:.2f}x the {BUDGET_MS:.0f} ms budget")
    print(f"every stack: worst {worst:.2f} ms = {worst / BUDGET_MS:.2f}x the budget"
          f" ({'within' if worst <= BUDGET_MS else 'OVER'})")


if __name__ == "__main__":
    main()
