"""mypy, configured in pyproject's [tool.mypy], finds no error in the installed package.

mypy cannot follow setuptools' editable import hook, and the repository maps its folders into `dockwright.` through
package-dir, so the folders are laid out as they are installed (`dockwright/wizard -> wizard/`, ..., as symlinks)
in a temporary folder and `mypy -p dockwright` runs there, with its cache in that folder too.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAPPED = {"wizard": "wizard", "screens": "screens", "sandbox": "sandbox", "assets": "assets"}


def installed_layout(where: Path) -> Path:
    package = where / "dockwright"
    package.mkdir(parents=True)
    for module in (ROOT / "dockwright").glob("*.py"):
        (package / module.name).symlink_to(module)
    for name, folder in MAPPED.items():
        (package / name).symlink_to(ROOT / folder, target_is_directory=True)
    return where


def test_mypy_finds_no_error(tmp_path):
    layout = installed_layout(tmp_path / "layout")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "--cache-dir", str(tmp_path / "mypy-cache"), "-p", "dockwright"],
        cwd=layout, capture_output=True, text=True, timeout=600)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    # every module was read (a layout mypy could not see into would be "no issues" too); mypy also counts a
    # folder without Python files (assets/help) as a source
    modules = sum(name.endswith(".py") for _, _, names in os.walk(layout, followlinks=True) for name in names)
    checked = re.search(r"Success: no issues found in (\d+) source files", result.stdout)
    assert checked and int(checked.group(1)) >= modules > 100, report
