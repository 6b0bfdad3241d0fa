"""The one reading of a Dockerfile (wizard/dockerfile_syntax.py), on the syntax BuildKit reads."""

from __future__ import annotations

import pytest

from dockwright.wizard.dockerfile_syntax import Heredoc, Problem, parse


def summary(text: str) -> list[tuple[str, int, str]]:
    return [(i.keyword, i.line, i.text) for i in parse(text).instructions]


def test_a_plain_dockerfile() -> None:
    df = parse('FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nCMD ["python", "app.py"]\n')
    assert summary('FROM python:3.12-slim\nWORKDIR /app\n') == [("FROM", 1, "python:3.12-slim"), ("WORKDIR", 2, "/app")]
    assert [i.keyword for i in df.instructions] == ["FROM", "WORKDIR", "COPY", "CMD"]
    assert df.of("CMD")[0].exec_form == ["python", "app.py"]
    assert df.problems == () and df.escape == "\\"


def test_heredoc_bodies_are_not_instructions() -> None:
    text = ("FROM python:3.12\n"
            "RUN <<EOF\n"
            "pip install -r requirements.txt\n"
            "echo done\n"
            "EOF\n"
            "COPY <<-\"CONF\" /etc/app.conf\n"
            "\tkey = $value\n"
            "\tCONF\n"
            "CMD python app.py\n")
    df = parse(text)
    assert df.problems == ()
    assert [(i.keyword, i.line) for i in df.instructions] == [("FROM", 1), ("RUN", 2), ("COPY", 6), ("CMD", 9)]
    run, copy = df.instructions[1], df.instructions[2]
    assert run.text == "<<EOF"
    assert run.heredocs == (Heredoc("EOF", "pip install -r requirements.txt\necho done\n"),)
    assert copy.heredocs == (Heredoc("CONF", "key = $value\n", strip_tabs=True, expands=False),)
    assert copy.arguments == '<<-"CONF" /etc/app.conf'


def test_two_heredocs_on_one_line() -> None:
    (_, run) = parse("FROM a:1\nRUN <<A <<B\none\nA\ntwo\nB\n").instructions
    assert [(h.name, h.body) for h in run.heredocs] == [("A", "one\n"), ("B", "two\n")]


def test_continued_from_names_the_image() -> None:
    (_arg, from_) = parse("ARG BASE=python:3.12\nFROM \\\n    ${BASE} AS build\n").instructions
    assert (from_.line, from_.arguments) == (2, "${BASE} AS build")


def test_comment_and_blank_lines_inside_a_continuation_are_dropped() -> None:
    text = ("FROM a:1\n"
            "RUN apt-get update \\\n"
            "    # the tools the build needs\n"
            "\n"
            "    && apt-get install -y curl\n"
            "LABEL a=b \\\n"
            "  # the grammar reads comments inside a continuation only in RUN\n"
            "  c=d\n"
            "CMD x\n")
    df = parse(text)
    assert df.problems == ()
    assert summary(text) == [("FROM", 1, "a:1"), ("RUN", 2, "apt-get update     && apt-get install -y curl"),
                             ("LABEL", 6, "a=b   c=d"), ("CMD", 9, "x")]


def test_escape_directive_backtick() -> None:
    text = ("# escape=`\n"
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
            "RUN dir c:\\ `\n"
            "    && echo done\n"
            "COPY app.exe c:\\app\\\n"
            'CMD ["c:\\\\app\\\\app.exe"]\n')
    df = parse(text)
    assert df.escape == "`" and df.directives == {"escape": "`"} and df.problems == ()
    assert [(i.keyword, i.line, i.text) for i in df.instructions][1:3] == [
        ("RUN", 3, "dir c:\\     && echo done"), ("COPY", 5, "app.exe c:\\app\\")]
    assert df.of("CMD")[0].exec_form == ["c:\\app\\app.exe"]


def test_escape_directive_only_at_the_top() -> None:
    # after a comment that is no directive, '# escape=`' is a comment: the backtick continues nothing
    df = parse("# a comment\n# escape=`\nFROM a:1 `\n  AS b\n")
    assert df.escape == "\\" and df.directives == {}
    assert df.problems == (Problem(4, "unknown instruction: AS"),)


def test_directive_problems() -> None:
    assert parse("# escape=x\nFROM a:1\n").problems == (Problem(1, "invalid escape token 'x' does not match ^[\\\\`]$"),)
    assert parse("# syntax=docker/dockerfile:1\n# escape=\\\nFROM a\n").directives == {
        "syntax": "docker/dockerfile:1", "escape": "\\"}


@pytest.mark.parametrize("text, problem", [
    ("FROM a:1\nRUNN echo\nCMD x\n", Problem(2, "unknown instruction: RUNN")),
    ("FROM a:1\n  pip install flask\nCMD x\n", Problem(2, "unknown instruction: pip")),
    ("FROMx\nCMD x\n", Problem(1, "unknown instruction: FROMx")),
])
def test_unknown_instruction_keeps_the_rest(text: str, problem: Problem) -> None:
    df = parse(text)
    assert df.problems == (problem,)
    assert df.instructions[-1].keyword == "CMD"  # the line after it is still read


@pytest.mark.parametrize("text, keyword, flags, arguments", [
    ("COPY --link --from=build /a /b\n", "COPY", (("link", ""), ("from", "build")), "/a /b"),
    ("ENV key value with spaces\n", "ENV", (), "key value with spaces"),
    ("CMD [ 'single', 'quotes' ]\n", "CMD", (), "[ 'single', 'quotes' ]"),
    ("FROM\n", "FROM", (), ""),
])
def test_known_instructions_the_grammar_lacks(text: str, keyword: str, flags: tuple, arguments: str) -> None:
    df = parse("FROM a:1\n" + text + "USER app\n")
    assert df.problems == ()
    ins = df.instructions[1]
    assert (ins.keyword, ins.line, ins.flags, ins.arguments) == (keyword, 2, flags, arguments)
    assert df.instructions[2].keyword == "USER"


def test_flags() -> None:
    (from_, run) = parse("FROM --platform=$BUILDPLATFORM python:3.12 AS b\n"
                         "RUN --mount=type=bind,source=r.txt,target=/r --network=none pip install -r /r\n").instructions
    assert from_.flag("platform") == "$BUILDPLATFORM" and from_.arguments == "python:3.12 AS b"
    assert run.flags == (("mount", "type=bind,source=r.txt,target=/r"), ("network", "none"))
    assert run.arguments == "pip install -r /r" and run.flag("chown") is None
    assert run.text.startswith("--mount=type=bind")


def test_line_endings_bom_and_no_final_newline() -> None:
    assert summary("\ufeffFROM a:1\r\nRUN echo a \\\r\n  && b\r\nCMD [\"x\"]") == [
        ("FROM", 1, "a:1"), ("RUN", 2, "echo a   && b"), ("CMD", 4, '["x"]')]


def test_empty_and_comment_only() -> None:
    assert parse("").instructions == () and parse("# nothing\n\n").instructions == ()


def test_exec_form_is_a_json_array_of_strings() -> None:
    forms = [i.exec_form for i in parse('CMD ["a", "b"]\nCMD a b\nCMD [1]\nCMD ["a"\n').instructions]
    assert forms == [["a", "b"], None, None, None]
