"""Issue 17 item 6: the Dockerfile's path and the build context (dockerfile.path / dockerfile.context).

A project whose Dockerfile is docker/Dockerfile used to get a new root Dockerfile while the pipeline built
that one and ignored the user's: the path is detected, used in the pipeline's ``-f``, its build context
and ``rules: exists``, and the files are written where the plan says."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from dockwright.wizard.answers_file import parse_answers
from dockwright.wizard.changes import plan_file_changes
from dockwright.wizard.checks import check_pipeline
from dockwright.wizard.detect import detect, detect_plan
from dockwright.wizard.errors import AnswersError, RefusedOverwrite
from dockwright.wizard.plan import Plan, check_plan, replace_in
from dockwright.wizard.render import render_pipeline
from dockwright.wizard.render.pipeline import BUILD_JOB, RELEASE_JOB


def jobs(plan: Plan) -> dict:
    text = render_pipeline(plan)
    assert check_pipeline(text) == []
    return YAML(typ="safe").load(text)


def test_the_default_builds_the_root_dockerfile_in_the_root_context() -> None:
    data = jobs(Plan())
    assert data[BUILD_JOB]["script"][0].endswith(" .") and " -f " not in data[BUILD_JOB]["script"][0]
    assert data[BUILD_JOB]["rules"] == [{"exists": ["Dockerfile"]}]


def test_a_dockerfile_elsewhere_is_built_with_f_and_its_context() -> None:
    plan = replace_in(Plan(), "dockerfile", path="docker/Dockerfile", context=".")
    data = jobs(plan)
    build = data[BUILD_JOB]["script"][0]
    assert build.startswith("docker build --pull -f docker/Dockerfile ") and build.endswith(" .")
    assert data[BUILD_JOB]["rules"] == [{"exists": ["docker/Dockerfile"]}]
    assert data[RELEASE_JOB]["rules"][0]["exists"] == ["docker/Dockerfile"]

    plan = replace_in(Plan(), "dockerfile", path="services/api/Dockerfile", context="services/api")
    build = jobs(plan)[BUILD_JOB]["script"][0]
    assert " -f " not in build and build.endswith(" services/api")  # Docker's default: CONTEXT/Dockerfile


@pytest.mark.parametrize("key,value,needle", [
    ("path", "/etc/Dockerfile", "relative"), ("path", "../Dockerfile", ".."), ("path", "docker/", "file"),
    ("path", "my docker/Dockerfile", "letters"), ("context", "../", ".."), ("context", "/", "relative"),
    ("path", "", "empty"), ("context", "", "empty"),
])
def test_paths_outside_the_project_or_unsafe_in_a_shell_are_refused(key: str, value: str, needle: str) -> None:
    problems = [p for p in check_plan(replace_in(Plan(), "dockerfile", **{key: value})) if p[0] == f"dockerfile.{key}"]
    assert problems and needle in problems[0][1] + problems[0][2], problems


def test_the_answers_file_takes_path_and_context() -> None:
    plan = parse_answers("dockerfile: {path: docker/Dockerfile, context: .}\n")
    assert (plan.dockerfile.path, plan.dockerfile.context) == ("docker/Dockerfile", ".")
    with pytest.raises(AnswersError) as info:
        parse_answers("dockerfile:\n  path: ../x/Dockerfile\n", path="dockwright.yml")
    assert info.value.key == "dockerfile.path" and info.value.line == 2


def test_an_existing_dockerfile_in_a_subfolder_is_detected_with_a_note(tmp_path) -> None:
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "requirements.txt").write_text("flask\n")
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text("FROM python:3.13-slim\nCOPY requirements.txt .\nCOPY . .\n")
    found = detect(tmp_path)
    assert (found.dockerfile_path, found.dockerfile_context) == ("docker/Dockerfile", ".")
    assert any("docker/Dockerfile" in n and "-f docker/Dockerfile" in n for n in found.notes), found.notes
    plan = detect_plan(tmp_path)
    assert (plan.dockerfile.path, plan.dockerfile.context) == ("docker/Dockerfile", ".")
    # the user's file is never silently replaced nor ignored: the refusal names it
    with pytest.raises(RefusedOverwrite) as info:
        plan_file_changes(plan, tmp_path)
    assert "docker/Dockerfile" in str(info.value)
    assert not (tmp_path / "Dockerfile").exists()


def test_a_dockerfile_that_copies_from_its_own_folder_gets_that_folder_as_context(tmp_path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "main.py").write_text("x = 1\n")
    (tmp_path / "api" / "Dockerfile").write_text("FROM python:3.13-slim\nCOPY main.py .\n")
    found = detect(tmp_path)
    assert (found.dockerfile_path, found.dockerfile_context) == ("api/Dockerfile", "api")


def test_several_dockerfiles_are_all_named(tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.13-slim\n")
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "Dockerfile").write_text("FROM nginx:1\n")
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "node_modules" / "x" / "Dockerfile").write_text("FROM node:22\n")
    found = detect(tmp_path)
    assert found.dockerfile_path == "Dockerfile"
    assert any("deploy/Dockerfile" in n for n in found.notes)
    assert not any("node_modules" in n for n in found.notes)


def test_files_are_written_where_the_plan_says(tmp_path) -> None:
    plan = replace_in(Plan(), "dockerfile", path="docker/Dockerfile", context="src")
    (tmp_path / "src").mkdir()
    changes = plan_file_changes(plan, tmp_path)
    assert [str(c.path.relative_to(tmp_path)) for c in changes] == ["docker/Dockerfile", "src/.dockerignore",
                                                                    ".gitlab-ci.yml"]
    for change in changes:
        change.apply()
    assert (tmp_path / "docker" / "Dockerfile").is_file() and (tmp_path / "src" / ".dockerignore").is_file()


def test_a_dockerfile_the_pipeline_cannot_name_is_said_not_taken(tmp_path) -> None:
    (tmp_path / "my app").mkdir()
    (tmp_path / "my app" / "Dockerfile").write_text("FROM python:3.13-slim\n")
    found = detect(tmp_path)
    assert found.dockerfile_path == "Dockerfile"
    assert any("my app/Dockerfile cannot be built" in n for n in found.notes), found.notes
    assert check_plan(detect_plan(tmp_path)) == [] or all(k != "dockerfile.path" for k, _, _ in check_plan(detect_plan(tmp_path)))
