"""The names GitLab and Docker refuse (wizard/names.py): one rule each, used by the answers file, the fields,
--plain and the sandbox's docker."""

from __future__ import annotations

import pytest

from dockwright.wizard.names import image_name_problem, parse_reference, predefined_variable_problem


@pytest.mark.parametrize("text", [":Latest Tag", "Bad Name!", "Alice/app", "user/app:v1", "user//app", "app@sha256:1",
                                  "user/app\n", "-app", "user/App"])
def test_repository_names_docker_refuses(text: str) -> None:
    found = image_name_problem(text, tag_allowed=False)
    assert found is not None
    problem, allowed = found
    assert repr(text) in problem and "user/app" in allowed


@pytest.mark.parametrize("text", ["user/app", "docker.io/alice/app", "team/sub/my-app", "a.b_c/d__e"])
def test_repository_names_docker_accepts(text: str) -> None:
    assert image_name_problem(text, tag_allowed=False) is None


@pytest.mark.parametrize("text,ok", [("python:3.13-slim", True), ("python:Latest", True), ("registry.example.com:5000/a/b:1", True),
                                     ("python@sha256:" + "a" * 64, True), ("Python:3", False), ("python:3 slim", False),
                                     ("python:", False)])
def test_images_to_run_may_carry_a_tag(text: str, ok: bool) -> None:
    assert (image_name_problem(text, tag_allowed=True) is None) == ok


def test_what_is_wrong_is_said() -> None:
    assert "has a space" in image_name_problem(":Latest Tag", tag_allowed=False)[0]
    assert "the character '!'" in image_name_problem("bad!", tag_allowed=False)[0]
    assert "capital letters" in image_name_problem("Alice/app", tag_allowed=False)[0]
    assert "has a tag" in image_name_problem("alice/app:1", tag_allowed=False)[0]


def test_the_sandboxs_docker_reads_references_with_the_same_grammar() -> None:
    from dockwright.sandbox import docker_images

    assert docker_images.parse_reference is parse_reference
    assert parse_reference("python:3.13-slim").name == "docker.io/library/python"


@pytest.mark.parametrize("key,refused", [("CI_REGISTRY_USER", True), ("CI_DEBUG_TRACE", True), ("GITLAB_FEATURES", True),
                                         ("MY_CI_VAR", False), ("DOCKERHUB_TOKEN", False), ("CI", False)])
def test_predefined_prefixes(key: str, refused: bool) -> None:
    assert (predefined_variable_problem(key) is not None) == refused
