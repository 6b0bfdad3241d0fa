"""docs/answers.md documents every key of the answers file (a merge once left it empty, unnoticed)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from dockwright.wizard.plan import Plan

DOC = Path(__file__).resolve().parents[2] / "docs" / "answers.md"


def _keys() -> list[str]:
    out = []
    for f in dataclasses.fields(Plan):
        kind = f.default if dataclasses.is_dataclass(f.default) else None
        if kind is not None:
            out += [f"{f.name}.{sub.name}" for sub in dataclasses.fields(kind)]
        else:
            out.append(f.name)
    return out


def test_every_answers_key_has_a_row_in_docs_answers_md() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [key for key in _keys() if f"| `{key}` |" not in text]
    assert not missing, f"docs/answers.md has no row for {missing}"
