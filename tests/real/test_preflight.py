"""`dockwright apply --preflight`: the image is built and run here before anything is committed; never pushed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from dockwright.wizard.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "flask-app"


def _project(tmp_path) -> Path:
    project = tmp_path / "flask-app"
    shutil.copytree(EXAMPLE, project)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(["git", "commit", "-qm", "start"], cwd=project, check=True)
    return project


def _untouched(project: Path) -> bool:
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True, check=True)
    return status.stdout == ""


def test_preflight_builds_and_runs_the_image_before_the_dry_run(engine, standins, tmp_path, capsys):
    standins("python:3.13-slim")
    project = _project(tmp_path)
    code = main(["apply", "--answers", str(project / "dockwright.yml"), "--preflight", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "STEP 1/" in out or "Step 1/" in out, "the builder's own output is shown"
    summary = next(line for line in out.splitlines() if line.startswith("pre-flight build: localhost/"))
    assert f"built by {engine.name}" in summary and "answered" in summary
    assert out.index("pre-flight build: localhost/") < out.index("Dry run")
    assert _untouched(project), "the pre-flight build wrote into the project"
    image = summary.split()[2]  # kept by design (the user may run it); a test cleans up after itself
    assert engine.exists(image)
    engine.remove(image)


def test_a_preflight_that_cannot_build_stops_before_anything_is_written(engine, standins, tmp_path, capsys):
    standins("python:3.13-slim")
    project = _project(tmp_path)
    (project / "requirements.txt").unlink()
    subprocess.run(["git", "commit", "-qam", "no requirements"], cwd=project, check=True)
    code = main(["apply", "--answers", str(project / "dockwright.yml"), "--preflight", "--no-push", "--yes",
                 "--token-env", "NO_SUCH_TOKEN_VARIABLE"])
    captured = capsys.readouterr()
    assert code == 2, captured.out + captured.err
    assert "The image does not build" in captured.err and "requirements.txt" in captured.err
    assert "nothing was committed" in captured.err
    assert _untouched(project) and not (project / "Dockerfile").exists()


def test_without_an_engine_preflight_says_so_and_goes_on(tmp_path, monkeypatch, capsys):
    project = _project(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    monkeypatch.setenv("PATH", str(bin_dir))  # git only: no docker, podman or buildah
    monkeypatch.delenv("DOCKWRIGHT_ENGINE", raising=False)
    code = main(["apply", "--answers", str(project / "dockwright.yml"), "--preflight", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "pre-flight build: No usable container engine (docker: not installed; podman: not installed; " \
           "buildah: not installed). Going on without it" in out
    assert "Dry run" in out
