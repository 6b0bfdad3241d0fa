"""`dockwright apply` for a Kubernetes executor (issue 14), on the sandbox over real HTTP with real git.

On a GitLab of the person's own, Helm starts the runner on their cluster: apply writes the chart's values (no
token), commits them with the pipeline, creates no runner and says what to run. The committed values then start
a runner that runs the pushed pipeline green, as `helm upgrade --install` would. In the sandbox, there is no
cluster: apply plays that part itself, so practice with a Kubernetes executor also ends in a green pipeline.
"""

from __future__ import annotations

import io
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import gitlab
import pytest

from dockwright.sandbox import Sandbox
from dockwright.wizard.answers_file import save_answers
from dockwright.wizard.apply import run_apply
from dockwright.wizard.apply_changes import ApplyOptions
from dockwright.wizard.cli import main
from dockwright.wizard.credentials import Secret
from dockwright.wizard.git import clone
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.plan import GitLabSpec, GitSpec, KubernetesSpec, Plan, RunnerSpec
from dockwright.wizard.session import Session
from tests.sandbox_helpers import wait_pipeline

VALUES = "deploy/gitlab-runner-values.yaml"


@pytest.fixture
def sandbox(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        sb.set_instance_runners(sb.project_path, False)  # only the runner Helm starts may take the jobs
        yield sb


def kubernetes_plan(sb) -> Plan:
    return Plan(executor="kubernetes-buildah", gitlab=GitLabSpec(url=sb.url, project=sb.project_path),
                runner=RunnerSpec(description="K8s Apply Runner", tags=("k8s",),
                                  kubernetes=KubernetesSpec(namespace="ci-jobs", helm_values_path=VALUES)),
                git=GitSpec(branch="main"))


def tracked(project: Path) -> set[str]:
    return set(subprocess.run(["git", "ls-files"], cwd=project, capture_output=True, text=True,
                              check=True).stdout.split())


def project_runners(sb) -> list[dict]:
    gl = gitlab.Gitlab(sb.url, private_token=sb.token)
    return [r.attributes for r in gl.projects.get(sb.project_path).runners.list(get_all=True, type="project_type")]


def test_on_your_own_gitlab_apply_commits_the_helm_values_and_leaves_the_runner_to_helm(sandbox, tmp_path,
                                                                                         monkeypatch):
    project = tmp_path / "app"
    clone(f"{sandbox.url}/{sandbox.project_path}.git", project, sandbox.token)
    answers = project / "dockwright.yml"
    save_answers(kubernetes_plan(sandbox), answers)
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["apply", "--answers", str(answers), "--yes", "--no-watch"])
    said = out.getvalue() + err.getvalue()
    assert code == 0, said[-3000:]

    values = project / VALUES
    assert {VALUES, ".gitlab-ci.yml", "Dockerfile"} <= tracked(project)  # committed with the pipeline
    assert subprocess.run(["git", "status", "--porcelain", "--", VALUES], cwd=project, capture_output=True,
                          text=True).stdout == ""
    assert sandbox.token not in values.read_text() and "glrt-" not in values.read_text()
    assert project_runners(sandbox) == []  # Helm starts it on the person's cluster, not dockwright
    assert not (project.parent / "runner").exists() and not list(project.rglob("config.toml"))
    assert "helm upgrade --install gitlab-runner gitlab/gitlab-runner --namespace ci-jobs -f " + VALUES in said
    assert f"{VALUES} holds the Helm chart's values (no token; committed with the pipeline)" in said

    # The person's part, as helm_note tells it: a project runner in GitLab, then the chart from the committed values.
    gl = gitlab.Gitlab(sandbox.url, private_token=sandbox.token)
    gl_project = gl.projects.get(sandbox.project_path)
    runner = gl.http_post("/user/runners", post_data={"runner_type": "project_type", "project_id": gl_project.id,
                                                      "description": "K8s Apply Runner", "tag_list": ["k8s"]})
    shown = subprocess.run(["git", "show", f"HEAD:{VALUES}"], cwd=project, capture_output=True, text=True,
                           check=True).stdout
    pushed = tmp_path / "values-from-the-commit.yaml"
    pushed.write_text(shown)
    assert sandbox.register_runner_from_helm_values(pushed, token=runner["token"]) == [runner["id"]]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True).stdout.strip()
    pipeline = gl_project.pipelines.list(get_all=True, sha=head)[0]
    assert wait_pipeline(gl_project, pipeline.id, timeout=60).status == "success"


def test_in_the_sandbox_apply_plays_the_cluster_and_the_pipeline_goes_green(sandbox, tmp_path):
    project = tmp_path / "app"
    clone(f"{sandbox.url}/{sandbox.project_path}.git", project, sandbox.token)
    session = Session(workdir=project, token=Secret(sandbox.token), sandbox=sandbox)
    session.client = GitLabClient.connect(sandbox.url, Secret(sandbox.token))
    out = io.StringIO()
    report = run_apply(kubernetes_plan(sandbox), session, ApplyOptions(), out)
    said = out.getvalue()
    assert report.exit_code == 0, said[-3000:]
    runners = project_runners(sandbox)
    assert [r["description"] for r in runners] == ["K8s Apply Runner"], runners
    assert f"runner #{runners[0]['id']} started from gitlab-runner-values.yaml" in said
    assert "passed" in said and VALUES in tracked(project)
    assert sandbox.token not in said and "glrt-" not in said  # the runner's token never shown
    assert not list(project.rglob("config.toml"))

    again = io.StringIO()  # a second apply reuses the runner (a new token for the chart), makes no other
    assert run_apply(kubernetes_plan(sandbox), session, ApplyOptions(), again).exit_code == 0, again.getvalue()[-3000:]
    assert [r["id"] for r in project_runners(sandbox)] == [runners[0]["id"]]
