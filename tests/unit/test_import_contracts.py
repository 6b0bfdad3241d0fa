"""The import rules of pyproject's [tool.importlinter] contracts, checked by `lint-imports` (import-linter).

import-linter finds a package's modules on disk under the package's folder; the repository maps `wizard/`,
`screens/` and `sandbox/` into `dockwright.` through setuptools' package-dir, so the folders are laid out here
as they are installed (`dockwright/wizard/...`, as in the wheel) and `lint-imports` runs on that copy.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPED = {"dockwright": "dockwright", "dockwright/wizard": "wizard", "dockwright/screens": "screens",
          "dockwright/sandbox": "sandbox"}


def installed_layout(where: Path) -> Path:
    for target, folder in MAPPED.items():
        for source in (ROOT / folder).rglob("*.py"):
            rel = source.relative_to(ROOT / folder)
            if folder == "dockwright" and len(rel.parts) > 1:
                continue
            copy = where / target / rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
    return where


def lint_imports(layout: Path) -> subprocess.CompletedProcess[str]:
    program = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert program, "lint-imports is missing: pip install -e '.[test]' installs import-linter"
    return subprocess.run([program, "--no-cache", str(ROOT / "pyproject.toml")], cwd=layout, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(layout)}, timeout=120)


def test_the_import_contracts_are_kept(tmp_path):
    result = lint_imports(installed_layout(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 5 kept, 0 broken." in result.stdout
    assert "Analyzed" in result.stdout and "Analyzed 0 files" not in result.stdout


def test_a_forbidden_import_breaks_its_contract(tmp_path):
    layout = installed_layout(tmp_path)
    with open(layout / "dockwright" / "sandbox" / "faults.py", "a", encoding="utf-8") as module:
        module.write("\nimport rich\nfrom dockwright.wizard import plan\n")
    result = lint_imports(layout)
    assert result.returncode != 0
    assert "dockwright.sandbox is not allowed to import rich" in result.stdout
    assert "dockwright.sandbox is not allowed to import dockwright.wizard" in result.stdout
    assert "dockwright.sandbox.faults -> dockwright.wizard.plan" in result.stdout


def test_python_gitlab_outside_gitlabclient_breaks_its_contract(tmp_path):
    layout = installed_layout(tmp_path)
    with open(layout / "dockwright" / "wizard" / "watch.py", "a", encoding="utf-8") as module:
        module.write("\nimport gitlab\n")
    result = lint_imports(layout)
    assert result.returncode != 0
    assert "dockwright.wizard.watch -> gitlab" in result.stdout
