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


# ------------------------------------------------------------------ per registry kind (issue 17 item 2)

@pytest.mark.parametrize("kind,image,host,key,needle", [
    ("dockerhub", "app", "", "registry.image", "library/app"),            # pushes to the official images: denied
    ("dockerhub", "alice/team/app", "", "registry.image", "exactly namespace/name"),
    ("dockerhub", "docker.io/app", "", "registry.image", "library/app"),
    ("ecr", "Tool", "", "registry.image", "capital letters"),            # Docker: repository name must be lowercase
    ("ecr", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app", "", "registry.image", "only the repository"),
    ("ecr", "a", "", "registry.image", "2 to 256"),
    ("other", "team/app", "https://registry.example.com", "registry.host", "without https://"),
    ("other", "team/app", "registry.example.com/team", "registry.host", "belongs in registry.image"),
    ("other", "app", "myregistry", "registry.host", "Docker Hub namespace"),   # myregistry/app is docker.io/myregistry/app
    ("other", "registry.example.com/team/app", "registry.example.com", "registry.image", "only the repository"),
    ("other", "Team/app", "registry.example.com", "registry.image", "capital letters"),
])
def test_each_registry_kind_refuses_what_its_registry_refuses(kind, image, host, key, needle) -> None:
    from dockwright.wizard.names import registry_image_problems

    found = registry_image_problems(kind, image, host)
    assert found, (kind, image, host)
    assert found[0][0] == key and needle in found[0][1] + found[0][2], found


@pytest.mark.parametrize("kind,image,host", [
    ("dockerhub", "alice/app", ""), ("dockerhub", "docker.io/alice/app", ""), ("ecr", "team/flask-app", ""),
    ("other", "team/flask-app", "registry.example.com"), ("other", "app", "localhost:5000"),
    ("other", "app", "myregistry:5000"), ("gitlab", "", ""),
])
def test_each_registry_kind_accepts_a_reference_it_pushes_to(kind, image, host) -> None:
    from dockwright.wizard.names import registry_image_problems

    assert registry_image_problems(kind, image, host) == []


def test_the_answers_file_uses_the_registry_rule() -> None:
    from dockwright.wizard.answers_file import parse_answers
    from dockwright.wizard.errors import AnswersError

    with pytest.raises(AnswersError) as info:
        parse_answers("registry:\n  kind: dockerhub\n  image: app\n", path="dockwright.yml")
    assert info.value.key == "registry.image" and info.value.line == 3
    assert "alice/app" in info.value.allowed
