"""The real lane (tests/real/) never hides a missing engine under CI, and skips with one line elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _lane_without_engines(tmp_path, ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DOCKWRIGHT_ENGINE")}
    env["PATH"] = str(tmp_path)  # no docker, podman or buildah on it
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "tests/real/test_build_failures.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_under_ci_a_missing_engine_fails_the_lane_with_the_reason(tmp_path):
    done = _lane_without_engines(tmp_path, "true")
    assert done.returncode != 0, done.stdout
    assert "real lane: No usable container engine (docker: not installed; podman: not installed; " \
           "buildah: not installed)" in done.stdout
    assert "skipped" not in done.stdout.splitlines()[-1]


def test_elsewhere_the_lane_skips_with_what_to_install(tmp_path):
    done = _lane_without_engines(tmp_path, None)
    assert done.returncode == 0, done.stdout
    skips = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skips) == 1 and "apt-get install buildah skopeo docker-registry mmdebstrap" in skips[0]
