"""`dockwright.wizard` is the UI-free core: importing any of it must not load textual, rich or screens.

Everything installs under `dockwright.`; the repository's folders `wizard/`, `screens/`, `sandbox/` and `assets/`
are never top-level modules of their own, so no code or test may import them by their old names.
"""

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import dockwright.wizard

ROOT = Path(__file__).resolve().parents[2]
OLD_NAMES = {"wizard", "screens", "assets", "sandbox"}


def test_wizard_loads_no_ui():
    modules = [m.name for m in pkgutil.walk_packages(dockwright.wizard.__path__, "dockwright.wizard.")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')\n"
        "             or m.startswith(('dockwright.screens', 'dockwright.sandbox')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"dockwright.wizard imported UI or sandbox modules: {out.stdout}"
    assert "dockwright.wizard.plan" in modules


def test_no_code_imports_the_old_top_level_names():
    """From the repository root `import wizard` would still work (the current directory is on sys.path), and
    would load a second copy of the core beside `dockwright.wizard`; the installed package has no such name."""
    offenders = []
    for folder in ("dockwright", "wizard", "screens", "sandbox", "assets", "tests", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                offenders += [f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in names
                              if n.split(".")[0] in OLD_NAMES]
    assert offenders == []


def test_the_sandbox_imports_without_posix_only_modules():
    """`import fcntl` at the sandbox's top made `import dockwright.sandbox` fail on Windows; a module only one
    platform has is imported where it is used."""
    code = ("import sys\n"
            "for name in ('fcntl', 'termios', 'pty', 'pwd', 'grp', 'resource'):\n"
            "    sys.modules[name] = None  # what an import of a missing module finds\n"
            "import importlib, pkgutil, dockwright.sandbox\n"
            "for m in pkgutil.walk_packages(dockwright.sandbox.__path__, 'dockwright.sandbox.'):\n"
            "    importlib.import_module(m.name)\n"
            "import dockwright.wizard.commands.sandbox\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_sandbox_is_reached_through_one_seam():
    """Only wizard/practice.py imports the sandbox (lazily, inside its functions); every other module of the
    core and of the screens goes through it."""
    seam = ROOT / "wizard" / "practice.py"
    offenders, lazy = [], True
    for folder in ("wizard", "screens"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                if any(n == "dockwright.sandbox" or n.startswith("dockwright.sandbox.") for n in names):
                    if path != seam:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                    elif node in tree.body:
                        lazy = False
    assert offenders == [], f"import dockwright.sandbox only through dockwright.wizard.practice: {offenders}"
    assert lazy, "practice.py imports the sandbox inside its functions, so the core loads without it"
