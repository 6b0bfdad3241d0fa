"""A built wheel carries everything: the teaching pages, the TCSS and every package, found from the wheel alone."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_assets_and_finds_them_when_installed(tmp_path):
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("dockwright-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for required in ("assets/help/executor.md", "assets/app.tcss", "wizard/plan.py", "screens/app.py", "wizard/cli.py"):
        assert required in names, f"{required} missing from the wheel"
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Import from the unpacked wheel only (it comes first on sys.path, before the editable checkout).
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import assets, wizard.steps\n"
        "from assets import asset_text\n"
        "assert assets.__file__.startswith(sys.argv[1]), assets.__file__\n"
        "for step in wizard.steps.STEPS:\n"
        "    assert asset_text(step.help_asset).strip()\n"
        "assert 'Screen' in asset_text('app.tcss') or asset_text('app.tcss').strip()\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
