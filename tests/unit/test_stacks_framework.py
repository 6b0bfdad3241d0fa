"""The stack registry: dispatch by language, tool validation, monorepo detection picking a folder."""

from __future__ import annotations

import pytest

from dockwright.wizard.answers_file import parse_answers
from dockwright.wizard.detect import detect
from dockwright.wizard.errors import AnswersError
from dockwright.wizard.plan import LANGUAGES, Plan, check_plan, replace_in
from dockwright.wizard.stacks import ORDER, available, stack


def test_every_stack_language_is_a_plan_language() -> None:
    assert set(ORDER) <= set(LANGUAGES)
    for language in available():
        module = stack(language)
        assert module is not None and language == module.LANGUAGE
        assert callable(module.detect) and callable(module.dockerfile_body) and isinstance(module.IGNORES, tuple)


def test_python_and_generic_have_no_stack_module() -> None:
    assert stack("python") is None and stack("generic") is None


def test_a_tool_of_another_language_is_refused_with_the_allowed_ones() -> None:
    plan = replace_in(Plan(), "dockerfile", language="node", tool="maven")
    assert ("dockerfile.tool", "'maven', which does not build node", "npm | yarn | pnpm (or null)") in [
        (k, p.removeprefix("is "), a) for k, p, a in check_plan(plan)]
    with pytest.raises(AnswersError, match=r"dockerfile\.tool"):
        parse_answers("dockerfile: {language: python, tool: npm}\n")
    with pytest.raises(AnswersError, match=r"npm \| yarn"):
        parse_answers("dockerfile: {language: node, tool: bun}\n")


def test_an_empty_runtime_image_is_refused() -> None:
    plan = replace_in(Plan(), "dockerfile", language="go", runtime_image=" ")
    assert any(k == "dockerfile.runtime_image" for k, _p, _a in check_plan(plan))


def test_a_monorepo_lists_its_projects_and_builds_one_from_its_folder(tmp_path) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True)
    (tmp_path / "services" / "api" / "requirements.txt").write_text("flask\ngunicorn\n")
    (tmp_path / "services" / "api" / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "requirements.txt").write_text("mkdocs\n")  # docs/ is never a project
    found = detect(tmp_path)
    assert found.stacks == (("services/api", "python"),)
    assert (found.language, found.dockerfile_context, found.dockerfile_path) == (
        "python", "services/api", "services/api/Dockerfile")
