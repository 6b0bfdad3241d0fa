"""podman, configured as these machines need it, builds, runs and pushes a generated image.

.ci/run installs podman and runc and disables podman's Docker-compatible API service (it gave containers a
bridge network here once); every run below passes the host network explicitly.
"""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from dockwright.wizard.engine import find_engine, free_port
from tests.real.lane import missing
from tests.real.projects import VARIANTS

# The settings: runc and cgroupfs (crun fails on cgroups v1 hybrid), limits the runtime may set, and
# the host's network namespace (nothing here ever gets a network of its own).
CONF = """\
[containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
"""


@pytest.fixture
def podman(tmp_path, monkeypatch, engine):
    if not shutil.which("podman"):
        missing("podman is not installed: apt-get install --no-install-recommends podman runc (as root).")
    conf = tmp_path / "containers.conf"
    conf.write_text(CONF)
    monkeypatch.setenv("CONTAINERS_CONF", str(conf))
    found = find_engine("podman")  # the probe starts a container: it passes only with this configuration
    return dataclasses.replace(found, env={**engine.env, "CONTAINERS_CONF": str(conf)})


def test_configured_podman_builds_runs_and_pushes(podman, standins, registry, tmp_path):
    variant = next(v for v in VARIANTS if v.name.startswith("flask-gunicorn-requirements"))
    project = tmp_path / "project"
    project.mkdir()
    plan = variant.write(project)
    standins(plan.dockerfile.base_image)
    tag = "localhost/dockwright-real/podman-flask:test"
    built = podman.build(project, tag)
    try:
        assert built.ok, built.output[-3000:]
        moment = podman.run_briefly(tag, port=plan.dockerfile.port, move_to=free_port(), http_path="/")
        assert moment.ok and moment.body == "Hello, World!", moment
        repo = f"{registry.address}/podman/flask"
        assert podman.push(tag, f"{repo}:v1").ok
        assert podman.list_tags(repo) == ["v1"]
    finally:
        podman.remove(tag)
