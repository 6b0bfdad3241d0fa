"""The sandbox with the machine's engine: the generated pipeline of demo/app builds, pushes and retags for real.

One small project (the sandbox's demo) goes through once: the build job's `docker build` is the engine's, its
pushes land in the real registry the sandbox started, the release job's `imagetools create` copies there, and the
sandbox's GitLab registry API reads what that registry holds.
"""

from __future__ import annotations

import json
import subprocess

import gitlab
import pytest

from dockwright.sandbox import Sandbox
from dockwright.wizard.plan import GitLabSpec, Plan
from dockwright.wizard.render import render_files
from tests.sandbox_helpers import commit_files, wait_pipeline, wait_until


@pytest.fixture(scope="module")
def real_sandbox(engine, standins, registry, tmp_path_factory):
    # `registry` only makes sure the registry binary is here (it fails/skips with the lane's sentence)
    standins("python:3.13-slim")
    with Sandbox(tmp_path_factory.mktemp("real-sandbox"), job_seconds=0.05, engine=engine.name) as sb:
        yield sb
        assert sb.internal_errors == []


def test_the_demo_pipeline_builds_pushes_and_retags_for_real(real_sandbox, engine):
    sb = real_sandbox
    assert sb.engine == engine.name and sb.real is not None
    assert sb.registry_host == sb.real.registry.address and sb.registry_host.startswith("127.0.0.1:")
    plan = Plan(executor="hosted", gitlab=GitLabSpec(url=sb.url, project=sb.project_path))
    gl = gitlab.Gitlab(sb.url, private_token=sb.token)
    project = gl.projects.get(sb.project_path)
    commit = commit_files(project, render_files(plan, {}), "dockwright, built for real")
    pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
    pipeline = wait_pipeline(project, pipeline_id, timeout=600)
    logs = {job.name: project.jobs.get(job.id, lazy=True).trace().decode()
            for job in pipeline.jobs.list(get_all=True)}
    assert pipeline.status == "success", "\n\n".join(f"== {n}\n{t[-3000:]}" for n, t in logs.items())
    build = logs["dockwright-build"]
    assert f"run for real with {engine.name}" in build and f"built for real by {engine.name}" in build
    assert "STEP 1/" in build or "Step 1/" in build, "the builder's own output is in the job log"
    assert "docker commands are simulated" not in build

    # the real registry holds {sha, ref slug, latest}, and the sandbox's GitLab API reads it from there
    assert sb.real.registry.tags(sb.project_path) == sorted([commit.id, "main", "latest"])
    repos = project.repositories.list(get_all=True)
    assert [r.path for r in repos] == [sb.project_path]
    assert repos[0].location == f"{sb.registry_host}/{sb.project_path}"
    assert {t.name for t in repos[0].tags.list(get_all=True)} == {commit.id, "main", "latest"}
    latest = repos[0].tags.get("latest")
    digest, size = sb.real.registry.manifest(sb.project_path, commit.id)
    assert latest.digest == digest and latest.total_size == size > 0, "latest is the image this pipeline built"
    if sb.real.engine.skopeo:  # what a person would run to see it
        seen = subprocess.run([sb.real.engine.skopeo, "inspect", "--tls-verify=false",
                               f"docker://{sb.registry_host}/{sb.project_path}:latest"],
                              capture_output=True, text=True, check=True)
        assert json.loads(seen.stdout)["Labels"]["org.opencontainers.image.revision"] == commit.id
    assert [c for c in engine.containers() if "dockwright-sandbox" in c] == []


def test_a_dockerfile_that_copies_a_missing_file_fails_the_job_with_the_builders_words(real_sandbox):
    sb = real_sandbox
    plan = Plan(executor="hosted", gitlab=GitLabSpec(url=sb.url, project=sb.project_path))
    gl = gitlab.Gitlab(sb.url, private_token=sb.token)
    project = gl.projects.get(sb.project_path)
    files = dict(render_files(plan, {}))
    files["Dockerfile"] = files["Dockerfile"].replace("COPY requirements.txt", "COPY requirements-missing.txt", 1)
    assert "requirements-missing.txt" in files["Dockerfile"]
    actions = [{"action": "update" if path in ("Dockerfile", ".dockerignore", ".gitlab-ci.yml") else "create",
                "file_path": path, "content": text} for path, text in files.items()]
    commit = project.commits.create({"branch": "broken", "start_branch": "main", "actions": actions,
                                     "commit_message": "a Dockerfile that names a missing file"})
    pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
    pipeline = wait_pipeline(project, pipeline_id, timeout=600)
    assert pipeline.status == "failed"
    job = next(j for j in pipeline.jobs.list(get_all=True) if j.name == "dockwright-build")
    log = project.jobs.get(job.id, lazy=True).trace().decode()
    assert "requirements-missing.txt" in log and ("no such file or directory" in log or "not found" in log), log[-3000:]
    assert "ERROR: failed to solve:" in log
    assert "broken" not in sb.real.registry.tags(sb.project_path)
