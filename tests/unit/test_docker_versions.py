"""wizard/docker_versions.py: only versions with docker:V-cli and docker:V-dind images; the supported line by
default; a note when an answers file pins an end-of-life Docker (issue 17 items 5 and 12)."""

from __future__ import annotations

import pytest

from dockwright.wizard.answers_file import parse_answers
from dockwright.wizard.docker_versions import (
    DEFAULT_CLI_IMAGE,
    DEFAULT_VERSION,
    SUPPORTED_MAJORS,
    docker_version_problem,
    end_of_life_note,
)
from dockwright.wizard.errors import AnswersError
from dockwright.wizard.plan import Plan, check_plan


@pytest.mark.parametrize("version", ["29", "29.7", "29.7.2", "28.5.2", "27", "20.10", "20.10.17", "20", "23.0.6", "30"])
def test_versions_with_cli_and_dind_tags_are_accepted(version: str) -> None:
    assert docker_version_problem(version) is None


@pytest.mark.parametrize("version, why", [
    ("19.03", "start at 20.10.17"),   # docker:19.03-cli never existed
    ("20.10.16", "start at 20.10.17"),
    ("22.06", "no such release"),     # only release candidates
    ("28.0.3", "no such release"),    # skipped by docker-library
    ("21", "no such release"),
])
def test_versions_without_the_images_are_refused_with_why(version: str, why: str) -> None:
    problem, allowed = docker_version_problem(version)
    assert f"docker:{version}-cli" in problem and why in problem
    assert DEFAULT_VERSION in allowed


def test_the_default_is_the_supported_major_everywhere() -> None:
    assert DEFAULT_VERSION in SUPPORTED_MAJORS and DEFAULT_VERSION == "29"
    plan = Plan()
    assert plan.pipeline.docker_version == DEFAULT_VERSION
    assert plan.runner.docker_image == DEFAULT_CLI_IMAGE == "docker:29-cli"
    assert end_of_life_note(plan.pipeline.docker_version) is None


def test_the_answers_file_refuses_a_version_without_images() -> None:
    with pytest.raises(AnswersError) as info:
        parse_answers('pipeline:\n  docker_version: "19.03"\n', path="dockwright.yml")
    assert info.value.key == "pipeline.docker_version" and info.value.line == 2
    assert "docker:19.03-cli" in str(info.value)
    assert any(k == "pipeline.docker_version" for k, _, _ in check_plan(
        Plan(pipeline=Plan().pipeline.__class__(docker_version="28.0.3"))))


def test_pinning_an_end_of_life_docker_in_the_answers_file_is_noted() -> None:
    notes: list[str] = []
    plan = parse_answers('pipeline: {docker_version: "27"}\n', notes=notes)
    assert plan.pipeline.docker_version == "27"  # still the user's choice
    assert len(notes) == 1 and "end of life" in notes[0] and 'docker_version: "29"' in notes[0]
    notes.clear()
    parse_answers('pipeline: {docker_version: "29.7"}\n', notes=notes)
    parse_answers("executor: shell\n", defaults=Plan(), notes=notes)
    assert notes == []
