"""Issue 14 item 4's last part: with the machine's engine, a generated Buildah pipeline builds for real (and a BuildKit
one, the engine standing in for BuildKit, which this machine does not have).

The build job's `buildah build` is the engine's (buildah here, `--isolation chroot --network host`), its `buildah push`
lands in the real registry the sandbox started, the release job's `skopeo copy` copies there, and the runner's
semantics still decide first (login, STORAGE_DRIVER=vfs, seccomp), as for the simulated run.
"""

from __future__ import annotations

import pytest

from dockwright.sandbox import Sandbox
from tests.integration.test_sandbox_rootless import _run


@pytest.mark.parametrize("executor", ["docker-buildah", "kubernetes-buildah", "docker-buildkit-rootless"])
def test_the_generated_buildah_pipeline_builds_and_pushes_for_real(engine, standins, registry, tmp_path, executor):
    # `registry` only makes sure the registry binary is here (it fails/skips with the lane's sentence)
    standins("python:3.13-slim")
    with Sandbox(tmp_path / "data", job_seconds=0.05, engine=engine.name) as sb:
        assert sb.real is not None and sb.registry_host == sb.real.registry.address
        pipeline, logs, tags, commit = _run(sb, tmp_path, executor)
        assert pipeline.status == "success", "\n\n".join(f"== {n}\n{t[-3000:]}" for n, t in logs.items())
        build = logs["dockwright-build"]
        assert f"built for real by {engine.name}" in build
        assert "STEP 1/" in build or "Step 1/" in build, "the builder's own output is in the job log"
        assert sb.real.registry.tags(sb.project_path) == sorted([commit.id, "main", "latest"])
        digest, size = sb.real.registry.manifest(sb.project_path, commit.id)
        assert sb.real.registry.manifest(sb.project_path, "latest")[0] == digest and size > 0
        assert {commit.id, "main", "latest"} == tags  # the sandbox's GitLab API reads the real registry
        assert sb.internal_errors == []


def test_a_buildah_job_that_cannot_log_in_pushes_nothing_for_real(engine, standins, registry, tmp_path):
    standins("python:3.13-slim")
    with Sandbox(tmp_path / "data", job_seconds=0.05, engine=engine.name) as sb:
        pipeline, logs, tags, _ = _run(sb, tmp_path, "docker-buildah",
                                       edit_ci=lambda text: text.replace('echo "$CI_REGISTRY_PASSWORD" | buildah login',
                                                                         'echo "wrong" | buildah login'))
        assert pipeline.status == "failed" and tags == set()
        assert 'Error: logging into "' in logs["dockwright-build"]
        assert sb.real is not None and sb.real.registry.tags(sb.project_path) == []
