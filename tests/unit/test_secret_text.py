"""Tokens are recognised and hidden: in error sentences, in echoes of answers, in a bug's traceback."""

from __future__ import annotations

import pytest

from dockwright.wizard.cli import main
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import EXIT_INTERNAL, BadInput
from dockwright.wizard.secret_text import looks_like_token, scrub, shown


@pytest.mark.parametrize("value", [
    "glpat-abcdefghij0123456789", "glrt-t1_AbCdEfGhIjKlMnOp", "gldt-0123456789abcdef", "GR1348941abcdefghij",
    "ghp_abcdefghijklmnopqrstuvwxyz012345", "AKIAABCDEFGHIJKLMNOP", "aB3dE5gH7jK9mN1pQ3sT5vX7",
    "0123456789abcdef0123456789abcdef",
])
def test_token_shapes_are_recognised(value):
    assert looks_like_token(value)
    assert shown(value) == "(a value that looks like a token, not shown)"


@pytest.mark.parametrize("value", [
    "python:3.13-slim", "MY_API_TOKEN", "AWS_SECRET_ACCESS_KEY", "registry.example.com/team/app",
    "Add Dockerfile and CI/CD pipeline configuration", "docker:27-cli", "eu-west-1", "123456789012", "/app",
])
def test_ordinary_values_are_shown(value):
    assert not looks_like_token(value)
    assert shown(value) == f"'{value}'"


def test_shown_escapes_control_characters_and_hides_tokens_inside_containers():
    assert shown("a\nb") == "'a\\nb'"
    assert "not shown" in shown({"x": ["glpat-abcdefghij0123456789"]})


def test_a_remembered_secret_is_scrubbed_also_when_split_by_a_line_break():
    Secret("s3cr3t-value-one\ns3cr3t-value-two")
    text = "header value b's3cr3t-value-one\\ns3cr3t-value-two' and glpat-zzzzzzzzzzzzzzzz0000"
    assert scrub(text) == "header value b'****\\n****' and ****"


def test_an_error_sentence_never_carries_a_token():
    Secret("remembered-secret-42")
    err = BadInput("GitLab said: remembered-secret-42 and glpat-abcdefghij0123456789 are wrong.", "Try remembered-secret-42.")
    assert "remembered-secret-42" not in str(err) and "glpat-abcdefghij" not in str(err)
    assert "****" in err.sentence and "****" in err.next_step


def test_a_bug_s_traceback_is_printed_without_the_token(monkeypatch, capsys):
    token = Secret("glpat-bugreport0123456789")
    import dockwright.wizard.commands.generate as generate

    def crash(args):  # a bug deep down: http.client puts the header value into its message
        raise ValueError(f"Invalid header value {token.reveal().encode()!r}")

    monkeypatch.setattr(generate, "run", crash)
    assert main(["generate", "--answers", "x.yml"]) == EXIT_INTERNAL  # not 1, which says "the pipeline failed"
    err = capsys.readouterr().err
    assert "Traceback" in err and "ValueError: Invalid header value b'****'" in err
    assert token.reveal() not in err and "this is a bug in dockwright" in err


def test_apply_help_lists_every_exit_code_it_can_return(capsys):
    """apply --help omitted 3 (a file it cannot merge) and 70 (a bug) (issue 16, Texts)."""
    import pytest

    with pytest.raises(SystemExit):
        main(["apply", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for code in ("0 pipeline succeeded", "1 pipeline failed", "2 bad input", "3 an existing file", "4 GitLab refused",
                 "5 network", "70 a bug"):
        assert code in out, code
