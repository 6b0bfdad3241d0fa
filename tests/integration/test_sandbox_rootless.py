"""Issue 14 item 4: the sandbox plays the daemonless build methods and the Kubernetes executor. The pipeline is
rendered from a Plan, the runner registered from the generated config.toml entry or Helm values; the pipeline
goes green with its tags in the registry, and a runner without the settings fails with the tool's real error."""

from __future__ import annotations

import gitlab
import pytest

from dockwright.sandbox import Sandbox
from dockwright.wizard.plan import GitLabSpec, Plan
from dockwright.wizard.render import render_files, render_runner_entry
from dockwright.wizard.render.kubernetes import render_helm_values
from tests.sandbox_helpers import commit_files, wait_pipeline, wait_until

METHODS = ("docker-buildkit-rootless", "docker-buildah", "kubernetes-dind-tls", "kubernetes-buildkit-rootless",
           "kubernetes-buildah")


def _run(sb: Sandbox, tmp_path, executor: str, *, edit_config=lambda text: text, edit_ci=lambda text: text):
    plan = Plan(executor=executor, gitlab=GitLabSpec(url=sb.url, project=sb.project_path))
    gl = gitlab.Gitlab(sb.url, private_token=sb.token)
    project = gl.projects.get(sb.project_path)
    sb.set_instance_runners(sb.project_path, False)
    runner = gl.http_post("/user/runners", post_data={
        "runner_type": "project_type", "project_id": project.id, "description": plan.runner.description,
        "tag_list": list(plan.runner.tags), "run_untagged": plan.runner.run_untagged})
    if executor.startswith("kubernetes-"):
        values = tmp_path / "values.yaml"
        values.write_text(edit_config(render_helm_values(plan, url=sb.url)))
        assert sb.register_runner_from_helm_values(values, token=runner["token"]) == [runner["id"]]
    else:
        config = tmp_path / "config.toml"
        config.write_text(edit_config(render_runner_entry(plan, None, url=sb.url, token=runner["token"])))
        assert sb.register_runners_from_config(config) == [runner["id"]]
    files = render_files(plan, {})
    commit = commit_files(project, {**files, ".gitlab-ci.yml": edit_ci(files[".gitlab-ci.yml"])}, f"dockwright for {executor}")
    pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
    pipeline = wait_pipeline(project, pipeline_id, timeout=30)
    logs = {job.name: project.jobs.get(job.id, lazy=True).trace().decode() for job in pipeline.jobs.list(get_all=True)}
    tags = {t.name for r in project.repositories.list(get_all=True) for t in r.tags.list(get_all=True)}
    return pipeline, logs, tags, commit


@pytest.mark.parametrize("executor", METHODS)
def test_generated_pipeline_passes_on_the_generated_runner(executor, tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, tags, commit = _run(sb, tmp_path, executor)
        assert pipeline.status == "success", "\n\n".join(f"== {n}\n{t[-2000:]}" for n, t in logs.items())
        assert {commit.id, "main", "latest"} <= tags
        assert sb.internal_errors == []


def test_rootless_buildkit_without_seccomp_unconfined_fails_with_rootlesskits_error(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, tags, _ = _run(sb, tmp_path, "docker-buildkit-rootless",
                                       edit_config=lambda text: text.replace('"seccomp:unconfined", ', ""))
        assert pipeline.status == "failed"
        log = logs["dockwright-build"]
        assert "could not connect to unix:///run/user/1000/buildkit/buildkitd.sock after 10 trials" in log
        assert "[rootlesskit:parent] error: failed to start the child: fork/exec /proc/self/exe: operation not permitted" in log
        assert tags == set()


def test_rootless_buildkit_on_kubernetes_without_the_apparmor_annotation_fails(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, _, _ = _run(sb, tmp_path, "kubernetes-buildkit-rootless",
                                    edit_config=lambda text: text.replace('= "unconfined"', '= "runtime/default"'))
        assert pipeline.status == "failed"
        assert "[rootlesskit:child ] error: failed to share mount point: /: permission denied" in logs["dockwright-build"]


def test_buildah_without_the_vfs_driver_fails_with_the_storage_error(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, _, _ = _run(sb, tmp_path, "docker-buildah",
                                    edit_ci=lambda text: text.replace("STORAGE_DRIVER: vfs", "STORAGE_DRIVER: overlay"))
        assert pipeline.status == "failed"
        assert "'overlay' is not supported over overlayfs, a mount_program is required" in logs["dockwright-build"]


def test_dind_on_an_unprivileged_kubernetes_runner_fails_where_the_daemonless_methods_pass(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, tags, _ = _run(sb, tmp_path, "kubernetes-dind-tls",
                                       edit_config=lambda text: text.replace("privileged = true", "privileged = false"))
        assert pipeline.status == "failed" and tags == set()
        # the unprivileged dind service never starts, so it never writes the client certificates the job waits for
        assert "unable to resolve docker endpoint: open /certs/client/ca.pem: no such file or directory" in \
            logs["dockwright-build"]
