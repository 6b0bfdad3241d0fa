"""ruff, configured in pyproject's [tool.ruff], finds nothing in the code, the tests and the benchmarks.

CI runs pytest, so this keeps the lint at zero: a new finding fails here with ruff's own report.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECKED = ["dockwright", "wizard", "screens", "sandbox", "assets", "tests", "bench"]


def ruff() -> str:
    program = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert program, "ruff is missing: pip install -e '.[test]' installs it"
    return program


def test_ruff_finds_nothing():
    result = subprocess.run([ruff(), "check", "--no-cache", *CHECKED], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout


def test_ruff_reads_the_project_configuration(tmp_path):
    # a finding ruff's defaults ignore but pyproject selects (B006, a mutable default): the configuration is used
    sample = tmp_path / "sample.py"
    sample.write_text("def f(x=[]):\n    return x\n", encoding="utf-8")
    result = subprocess.run([ruff(), "check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(sample)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "B006" in result.stdout
