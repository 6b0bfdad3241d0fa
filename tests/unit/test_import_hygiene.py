"""`wizard` is the UI-free core: importing any of it must not load textual, rich or screens."""

import pkgutil
import subprocess
import sys

import wizard


def test_wizard_loads_no_ui():
    modules = [m.name for m in pkgutil.walk_packages(wizard.__path__, "wizard.")]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'screens'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"wizard imported UI modules: {out.stdout}"
    assert "wizard.plan" in modules
