"""What dockwright generates passes in the sandbox, for every executor it offers: the rendered
Dockerfile and .gitlab-ci.yml pushed to demo/app, the rendered config.toml entry registering the runner
created through the API, the pipeline green and its tags in the registry."""

from __future__ import annotations

import dataclasses

import gitlab
import pytest

from dockwright.sandbox import Sandbox
from dockwright.wizard.plan import WIZARD_EXECUTORS, GitLabSpec, Plan, RegistrySpec
from dockwright.wizard.render import registry_variables, render_files, render_runner_entry
from tests.sandbox_helpers import commit_files, wait_pipeline, wait_until


@pytest.mark.parametrize("executor", WIZARD_EXECUTORS)
def test_generated_pipeline_passes_and_fills_the_registry(executor, tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        plan = Plan(executor=executor, gitlab=GitLabSpec(url=sb.url, project=sb.project_path))
        gl = gitlab.Gitlab(sb.url, private_token=sb.token)
        project = gl.projects.get(sb.project_path)
        if plan.uses_own_runner:
            sb.set_instance_runners(sb.project_path, False)
            runner = gl.http_post("/user/runners", post_data={
                "runner_type": "project_type", "project_id": project.id, "description": plan.runner.description,
                "tag_list": list(plan.runner.tags), "run_untagged": plan.runner.run_untagged})
            config = tmp_path / "config.toml"
            config.write_text(render_runner_entry(plan, None, url=sb.url, token=runner["token"]))
            assert sb.register_runners_from_config(config, host_has_docker=executor == "shell") == [runner["id"]]
        commit = commit_files(project, render_files(plan, {}), f"dockwright for {executor}")
        pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
        pipeline = wait_pipeline(project, pipeline_id, timeout=30)
        logs = {job.name: project.jobs.get(job.id, lazy=True).trace().decode()
                for job in pipeline.jobs.list(get_all=True)}
        assert pipeline.status == "success", "\n\n".join(f"== {n}\n{t[-1500:]}" for n, t in logs.items())
        tags = {t.name for r in project.repositories.list(get_all=True) for t in r.tags.list(get_all=True)}
        assert {commit.id, "main", "latest"} <= tags
        assert sb.internal_errors == []


def test_the_seed_runner_workflow_is_refused_by_default(tmp_path):
    """The tutorial registers with a registration token: GitLab >= 17 answers 410, and so does the sandbox."""
    with Sandbox(tmp_path / "data") as sb:
        plan = dataclasses.replace(Plan(), gitlab=GitLabSpec(url=sb.url, project=sb.project_path))
        gl = gitlab.Gitlab(sb.url, private_token=sb.token)
        token = gl.projects.get(sb.project_path).runners_token
        with pytest.raises(gitlab.GitlabHttpError) as err:
            gl.http_post("/runners", post_data={"token": token, "description": plan.runner.description})
        assert err.value.response_code == 410


def test_protected_credentials_push_from_the_default_branch_only_and_other_branches_say_why(tmp_path):
    """Issue 17 item 16 through the sandbox's GitLab: an external registry's credentials are protected variables,
    so the default (protected) branch pushes, and a feature branch builds, says why, and passes without pushing.
    The sandbox's own registry plays the external one (kind "other")."""
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        plan = Plan(executor="hosted", gitlab=GitLabSpec(url=sb.url, project=sb.project_path),
                    registry=RegistrySpec(kind="other", host=sb.registry_host, image=sb.project_path))
        gl = gitlab.Gitlab(sb.url, private_token=sb.token)
        project = gl.projects.get(sb.project_path)
        values = {"REGISTRY_USER": "root", "REGISTRY_PASSWORD": sb.token}
        for spec in registry_variables(plan):
            project.variables.create({"key": spec.key, "value": values[spec.key], "protected": spec.protected,
                                      "masked": spec.masked})
        assert all(v.protected for v in project.variables.list(get_all=True))

        def run(branch: str):
            commit = commit_files(project, render_files(plan, {}), f"dockwright on {branch}", branch=branch)
            pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
            pipeline = wait_pipeline(project, pipeline_id, timeout=30)
            logs = {job.name: project.jobs.get(job.id, lazy=True).trace().decode()
                    for job in pipeline.jobs.list(get_all=True)}
            assert pipeline.status == "success", "\n\n".join(f"== {n}\n{t[-1500:]}" for n, t in logs.items())
            tags = {t.name for r in project.repositories.list(get_all=True) for t in r.tags.list(get_all=True)}
            return commit, logs, tags

        commit, logs, tags = run("main")
        assert {commit.id, "main", "latest"} <= tags
        assert not any(line.startswith("Not pushing") for line in logs["dockwright-build"].splitlines())
        project.branches.create({"branch": "feature", "ref": "main"})
        commit, logs, tags = run("feature")
        assert set(logs) == {"dockwright-build"} and commit.id not in tags and "feature" not in tags
        said = [line for line in logs["dockwright-build"].splitlines() if line.startswith("Not pushing (dockwright)")]
        assert len(said) == 1 and "REGISTRY_PASSWORD is not set in this pipeline" in said[0]
        assert sb.internal_errors == []


def test_container_scanning_runs_green_in_the_sandbox_with_its_report(tmp_path):
    """Issue 17 "go further": the Container Scanning opt-in includes GitLab's template; the sandbox's GitLab
    resolves the include, runs the template's container_scanning job after the push, and keeps its report."""
    from dockwright.wizard.plan import replace_in

    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        plan = replace_in(Plan(executor="hosted", gitlab=GitLabSpec(url=sb.url, project=sb.project_path)),
                          "pipeline", container_scanning=True)
        gl = gitlab.Gitlab(sb.url, private_token=sb.token)
        project = gl.projects.get(sb.project_path)
        lint = project.ci_lint.create({"content": render_files(plan, {})[".gitlab-ci.yml"]})
        assert lint.valid is True, lint.errors
        commit = commit_files(project, render_files(plan, {}), "dockwright with container scanning")
        pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
        pipeline = wait_pipeline(project, pipeline_id, timeout=30)
        found = {job.name: job for job in pipeline.jobs.list(get_all=True)}
        logs = {name: project.jobs.get(job.id, lazy=True).trace().decode() for name, job in found.items()}
        assert pipeline.status == "success", "\n\n".join(f"== {n}\n{t[-1500:]}" for n, t in logs.items())
        scan = found["container_scanning"]
        assert scan.status == "success" and scan.stage == "release"
        assert f"{sb.registry_host}/{sb.project_path}:{commit.id}" in logs["container_scanning"]
        report = project.jobs.get(scan.id).artifact("gl-container-scanning-report.json")
        assert b'"vulnerabilities": []' in report
        # an include the sandbox does not hold: GitLab's own error, on a failed pipeline with no jobs
        bad = commit_files(project, {".gitlab-ci.yml": "include:\n  - template: Jobs/Nope.gitlab-ci.yml\n"
                                     "b:\n  script: [x]\n"}, "an unknown template")
        failed = project.pipelines.get(wait_until(lambda: project.pipelines.list(get_all=True, sha=bad.id))[0].id)
        assert failed.status == "failed" and failed.yaml_errors == \
            "Included file `Jobs/Nope.gitlab-ci.yml` is empty or does not exist!"
        assert sb.internal_errors == []


def test_ecr_through_oidc_runs_green_in_the_sandbox_and_a_wrong_audience_fails_with_aws_words(tmp_path):
    """Issue 17 "go further": the OIDC login GitLab documents for AWS, played end to end over HTTP: the sandbox's
    GitLab issues the job's ID token (id_tokens:, aud $CI_SERVER_URL), its AWS exchanges it for the role's
    credentials, and only the role ARN is a CI/CD variable (protected, not masked): no AWS key anywhere."""
    import base64
    import json

    from dockwright.wizard.plan import EcrSpec
    from dockwright.wizard.render.registry import AWS_ROLE_ARN_VAR

    token_head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": "sandbox"}).encode()).decode()[:16]
    role = "arn:aws:iam::123456789012:role/gitlab-ecr-push"
    with Sandbox(tmp_path / "data", job_seconds=0.05) as sb:
        plan = Plan(executor="hosted", gitlab=GitLabSpec(url=sb.url, project=sb.project_path),
                    registry=RegistrySpec(kind="ecr", image="flask-app", region="eu-west-1", account="123456789012",
                                          ecr=EcrSpec(auth="oidc", role_arn=role)))
        gl = gitlab.Gitlab(sb.url, private_token=sb.token)
        project = gl.projects.get(sb.project_path)
        for spec in registry_variables(plan):
            project.variables.create({"key": spec.key, "value": role, "protected": spec.protected,
                                      "masked": spec.masked})
        assert [v.key for v in project.variables.list(get_all=True)] == [AWS_ROLE_ARN_VAR]

        def run(files, message):
            commit = commit_files(project, files, message)
            pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
            pipeline = wait_pipeline(project, pipeline_id, timeout=30)
            logs = {job.name: project.jobs.get(job.id, lazy=True).trace().decode()
                    for job in pipeline.jobs.list(get_all=True)}
            return pipeline, logs

        files = render_files(plan, {})
        pipeline, logs = run(files, "dockwright with ECR through OIDC")
        assert pipeline.status == "success", "\n\n".join(f"== {n}\n{t[-1500:]}" for n, t in logs.items())
        for name in ("dockwright-build", "dockwright-release"):
            assert f"role {role} assumed for project_path:{sb.project_path}:ref_type:branch:ref:main" in logs[name]
            assert token_head not in logs[name] and "ASIA" not in logs[name]  # no token, no credentials printed
        files[".gitlab-ci.yml"] = files[".gitlab-ci.yml"].replace("aud: $CI_SERVER_URL", "aud: sts.amazonaws.com")
        pipeline, logs = run(files, "the audience AWS does not know")
        assert pipeline.status == "failed"
        assert ("An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: "
                "Incorrect token audience") in logs["dockwright-build"]
        assert sb.internal_errors == []
