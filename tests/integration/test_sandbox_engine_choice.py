"""Which builds the sandbox runs: simulated unless asked, the machine's engine with --engine auto when it has one,
and a clear sentence when the chosen engine is missing. (Real builds themselves: tests/real/test_sandbox_real.py.)"""

from __future__ import annotations

import shutil

import pytest

from dockwright.sandbox import Sandbox
from dockwright.wizard.errors import BadInput


@pytest.fixture
def no_engine_on_path(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))  # git only: no docker, podman, buildah or registry
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("DOCKWRIGHT_ENGINE", raising=False)


def test_the_python_api_simulates_unless_asked(tmp_path):
    with Sandbox(tmp_path / "d", job_seconds=0.05) as sb:
        assert (sb.engine, sb.real) == ("sim", None)
        assert sb.registry_host == sb.url.removeprefix("http://")


def test_auto_without_an_engine_simulates_and_says_why(tmp_path, no_engine_on_path):
    with Sandbox(tmp_path / "d", job_seconds=0.05, engine="auto") as sb:
        assert (sb.engine, sb.real) == ("sim", None)
        assert sb.engine_note.startswith("simulated builds: No usable container engine (docker: not installed;")
        assert not (tmp_path / "d" / "registry").exists()


def test_a_named_engine_that_is_missing_is_refused_with_what_to_do(tmp_path, no_engine_on_path):
    with pytest.raises(BadInput) as err:
        Sandbox(tmp_path / "d", engine="buildah").start()
    assert "buildah: not installed" in err.value.sentence
    assert "apt-get install buildah" in err.value.next_step
    with Sandbox(tmp_path / "d", job_seconds=0.05) as sb:  # the failed start left the folder unlocked
        assert sb.engine == "sim"
