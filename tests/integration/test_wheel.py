"""A built wheel holds only `dockwright/...`, carries the teaching pages and the TCSS, and works installed into a
fresh venv, run from another folder: `dockwright --help` and `dockwright sandbox --json`."""

import json
import os
import signal
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_installs_one_namespace_that_works_from_anywhere(tmp_path):
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("dockwright-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"dockwright", wheel.name.split("-py")[0] + ".dist-info"}
    for required in ("dockwright/assets/help/executor.md", "dockwright/assets/app.tcss", "dockwright/wizard/plan.py",
                     "dockwright/screens/app.py", "dockwright/sandbox/server.py", "dockwright/__main__.py",
                     "dockwright/sandbox/demos/python/.gitignore", "dockwright/sandbox/demos/node/package.json",
                     "dockwright/sandbox/demos/static/css/site.css"):
        assert required in names, f"{required} missing from the wheel"

    # A fresh venv with the wheel alone; its dependencies are borrowed from this venv's site-packages through a
    # .pth line (which adds the folder but runs none of its .pth files, so the editable checkout stays out).
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.run([venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    (site / "borrowed-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    python = str(venv / "bin" / "python")

    where = subprocess.run([python, "-c", "import dockwright.assets as a, dockwright.wizard.steps as s\n"
                            "from dockwright.assets import asset_text\n"
                            "assert all(asset_text(step.help_asset).strip() for step in s.STEPS)\n"
                            "assert asset_text('app.tcss').strip()\n"
                            "print(a.__file__)"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip().startswith(str(site)), where.stdout

    helped = subprocess.run([str(venv / "bin" / "dockwright"), "--help"], cwd=elsewhere, env=env, capture_output=True,
                            text=True)
    assert helped.returncode == 0, helped.stderr
    assert "usage: dockwright" in helped.stdout and "sandbox" in helped.stdout
    by_module = subprocess.run([python, "-m", "dockwright", "--version"], cwd=elsewhere, env=env, capture_output=True,
                               text=True)
    assert by_module.returncode == 0 and by_module.stdout.strip(), by_module.stderr

    sandbox = subprocess.Popen([str(venv / "bin" / "dockwright"), "sandbox", "--json", "--data-dir", str(tmp_path / "sb")],
                               cwd=elsewhere, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        facts = json.loads(sandbox.stdout.readline())
        assert facts["url"].startswith("http://127.0.0.1:") and facts["project"] == "demo/app"
    finally:
        sandbox.send_signal(signal.SIGINT)
        _out, err = sandbox.communicate(timeout=30)
    assert sandbox.returncode == 0, err
