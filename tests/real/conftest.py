"""The real lane: generated Dockerfiles built and run with the container engine this machine has.

Under CI=true nothing here skips: no engine is a failure that says why. Elsewhere the lane skips with one line
that says what to install. Base images are Debian stand-ins (bench/standin_images.py), made once and cached.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
from pathlib import Path

import pytest

from dockwright.wizard.engine import Engine, NoEngine, find_engine
from dockwright.wizard.local_registry import LocalRegistry, registry_binary
from tests.real.lane import APT, missing
from tests.real.network_state import network_state

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# Captured at import, before the per-test HOME of tests/conftest.py: the stand-in cache and rootless storage
# must be the same folder in every test, not one per test.
REAL_HOME = os.path.expanduser("~")
os.environ.setdefault("DOCKWRIGHT_STANDIN_CACHE", str(Path(REAL_HOME) / ".cache" / "dockwright" / "standins"))


def _standins():
    spec = importlib.util.spec_from_file_location("standin_images", ROOT / "bench" / "standin_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def network_baseline():
    """The host's bridges, private addresses, forwarding and firewall tables before the lane ran."""
    return network_state()


@pytest.fixture(scope="session")
def engine(network_baseline) -> Engine:
    try:
        found = find_engine()
    except NoEngine as exc:
        missing(f"{exc.sentence} To run it: {APT} (as root), or start Docker.")
    if found.name != "docker" and os.geteuid() != 0:
        missing(f"{found.name} builds here as root only (chroot isolation, mmdebstrap); run the lane as root.")
    print(f"\nreal lane engine: {found.describe()}")
    return dataclasses.replace(found, env={"HOME": REAL_HOME})


@pytest.fixture(scope="session")
def standins(engine):
    """``ensure(name)`` -> the stand-in (or real) image called ``name`` is in the engine."""
    module = _standins()
    done: dict[str, str] = {}

    def ensure(name: str) -> str:
        if name not in done:
            done[name] = module.ensure(engine, name, out=lambda line: None)
        return done[name]

    ensure.from_images = module.from_images
    return ensure


@pytest.fixture(scope="session")
def registry(engine, tmp_path_factory):
    if not registry_binary():
        missing(f"no registry binary; {APT}")
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as reg:
        yield reg
