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
        log = logs["dockwright-build"]
        assert "Error: mounting new container: mounting build container" in log
        assert ("using mount program /usr/bin/fuse-overlayfs: fuse: device not found, try 'modprobe fuse' first\n"
                "fuse-overlayfs: cannot mount: No such file or directory\n: exit status 1") in log
        assert "ERROR: Job failed: exit code 1" in log  # buildah exits with the mount program's status


def test_buildah_without_seccomp_unconfined_fails_at_the_first_run_step(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, tags, _ = _run(sb, tmp_path, "docker-buildah",
                                       edit_config=lambda text: text.replace('"seccomp:unconfined", ', ""))
        assert pipeline.status == "failed" and tags == set()
        log = logs["dockwright-build"]
        assert "Error during unshare(...): Operation not permitted\n" in log
        assert 'Error: building at STEP "RUN useradd ' in log and '": exit status 1' in log


def test_buildah_and_skopeo_refusals_read_as_the_tools_print_them(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, _, commit = _run(sb, tmp_path, "docker-buildah", edit_ci=lambda text: text.replace(
            'echo "$CI_REGISTRY_PASSWORD" | buildah login', 'true || buildah login').replace(
            'buildah push "$DOCKWRIGHT_IMAGE:$CI_COMMIT_SHA"', 'buildah push "$DOCKWRIGHT_IMAGE:nope" || '
                                                             'buildah push "$DOCKWRIGHT_IMAGE:$CI_COMMIT_SHA"'))
        assert pipeline.status == "failed"
        image = f"{sb.registry_host}/{sb.project_path}"
        log = logs["dockwright-build"]
        assert f'Error: pushing image "{image}:nope" to "docker://{image}:nope": {image}:nope: image not known' in log
        assert f'Error: pushing image "{image}:{commit.id}" to "docker://{image}:{commit.id}": trying to reuse blob ' in log
        assert f"exists in {image}: requested access to the resource is denied" in log
        assert "ERROR: Job failed: exit code 125" in log


def test_dind_on_an_unprivileged_kubernetes_runner_fails_where_the_daemonless_methods_pass(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, tags, _ = _run(sb, tmp_path, "kubernetes-dind-tls",
                                       edit_config=lambda text: text.replace("privileged = true", "privileged = false"))
        assert pipeline.status == "failed" and tags == set()
        # the unprivileged dind service never starts, so it never writes the client certificates the job waits for
        assert "unable to resolve docker endpoint: open /certs/client/ca.pem: no such file or directory" in \
            logs["dockwright-build"]


@pytest.mark.parametrize(("wrong", "message"), [
    # a misspelt variable: the file holds no password, GitLab's anonymous token cannot push
    ('"$CI_REGISTRY_PASSWRD"', "failed to push {ref}: server message: insufficient_scope: authorization failed"),
    # a password GitLab refuses: BuildKit's token request fails (GET 401, then POST 404 on /jwt/auth)
    ('"$CI_JOB_ID"', "failed to push {ref}: failed to authorize: failed to fetch oauth token: unexpected status from "
                     "POST request to {url}/jwt/auth: 404 Not Found"),
])
def test_rootless_buildkit_pushes_with_the_docker_config_its_script_wrote(tmp_path, wrong, message):
    line = '"$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64'
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, tags, commit = _run(sb, tmp_path, "docker-buildkit-rootless",
                                            edit_ci=lambda text: text.replace(line, line.replace('"$CI_REGISTRY_PASSWORD"', wrong)))
        assert line in render_files(Plan(executor="docker-buildkit-rootless"), {})[".gitlab-ci.yml"]  # the edit hit
        assert pipeline.status == "failed" and tags == set()
        ref = f"{sb.registry_host}/{sb.project_path}:{commit.id}"
        assert f"error: failed to solve: {message.format(ref=ref, url=sb.url)}" in logs["dockwright-build"]
        assert "[sandbox] not executed: echo" not in logs["dockwright-build"] and "CI_REGISTRY_USER/" not in logs["dockwright-build"]


def test_the_generated_buildkit_job_authenticates_from_its_docker_config(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, tags, commit = _run(sb, tmp_path, "docker-buildkit-rootless")
        assert pipeline.status == "success" and commit.id in tags
        log = logs["dockwright-build"]
        assert "config.json" in log and "[sandbox] not executed: echo" not in log and "CI_REGISTRY_USER/" not in log


def test_skopeo_without_login_fails_with_its_fatal_log_line(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        pipeline, logs, tags, commit = _run(sb, tmp_path, "docker-buildah", edit_ci=lambda text: text.replace(
            'echo "$CI_REGISTRY_PASSWORD" | skopeo login', 'true || skopeo login'))
        assert pipeline.status == "failed" and "latest" not in tags and commit.id in tags
        image = f"{sb.registry_host}/{sb.project_path}"
        log = logs["dockwright-release"]
        assert (f'level=fatal msg="initializing source docker://{image}:{commit.id}: reading manifest {commit.id} '
                f'in {image}: requested access to the resource is denied"') in log
        assert "ERROR: Job failed: exit code 1" in log
