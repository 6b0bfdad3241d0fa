"""One reading of a Dockerfile, for every part of dockwright that needs one (the checks, the sandbox's
``docker build``): :func:`parse` turns the text into :class:`Instruction` s as BuildKit sees them.

tree-sitter-dockerfile does the reading: line continuations (also on ``FROM \\``), comment lines inside a
continuation, heredocs (``RUN <<EOF``), flags, JSON arrays. What this module adds around it:

- the parser directives at the top (``# syntax=``, ``# escape=``, ``# check=``); with ``# escape=```
  the backtick continues lines and a backslash is an ordinary character (Windows paths), which the
  grammar does not know: the two characters are swapped for the grammar, and every text is cut from
  the file as written (the swap keeps every offset);
- a line the grammar cannot read: an unknown instruction is a :class:`Problem` with BuildKit's words
  (``unknown instruction: pip``); a known one the grammar lacks (``COPY --link``, ``ENV key value``) is
  read as one logical line, so nothing after it is lost.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

KEYWORDS = frozenset({
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
    "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
})
DIRECTIVES = ("syntax", "escape", "check")

_DIRECTIVE_RE = re.compile(r"\s*#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*")
_HEREDOC_RE = re.compile(r"<<(-?)\s*([\"']?)([^\s\"'<>|&;]+)\2")
_SWAP = bytes.maketrans(b"\\`", b"`\\")


@dataclass(frozen=True)
class Heredoc:
    """``<<EOF`` ... ``EOF``: ``body`` is the lines in between, each ending in a newline."""

    name: str
    body: str
    strip_tabs: bool = False  # <<-EOF: leading tabs are removed (from body and terminator)
    expands: bool = True  # False for a quoted name (<<"EOF"): $ stays as written


@dataclass(frozen=True)
class Instruction:
    """One instruction. ``text`` is all that follows the keyword as one logical line (continuations
    joined as BuildKit joins them, comment lines inside dropped, heredoc bodies left out); ``flags`` are
    its leading ``--name=value`` options and ``arguments`` the text after them."""

    keyword: str  # upper case
    line: int  # 1-based, where the instruction starts
    text: str
    flags: tuple[tuple[str, str], ...] = ()
    arguments: str = ""
    heredocs: tuple[Heredoc, ...] = ()

    def flag(self, name: str) -> str | None:
        """The value of ``--name`` (the last one given), ``""`` for a bare ``--name``, None when absent."""
        values = [value for key, value in self.flags if key == name]
        return values[-1] if values else None

    @property
    def exec_form(self) -> list[str] | None:
        """``["python", "app.py"]`` as a list; None for the shell form (Docker's rule: not a JSON array of
        strings means shell form)."""
        if not self.arguments.startswith("["):
            return None
        try:
            value = json.loads(self.arguments)
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


@dataclass(frozen=True)
class Problem:
    """A line Docker refuses to read, in BuildKit's words (without its ``dockerfile parse error`` prefix)."""

    line: int
    message: str


@dataclass(frozen=True)
class Dockerfile:
    instructions: tuple[Instruction, ...]
    problems: tuple[Problem, ...] = ()
    directives: dict[str, str] = field(default_factory=dict)
    escape: str = "\\"

    def of(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def stray_copy_sources(self) -> list[tuple[Instruction, str]]:
        """``COPY --from=NAME`` lines whose NAME is no stage defined above it, in a file that names its stages.

        BuildKit reads such a NAME as an image (``docker.io/library/NAME:latest``) and the build fails while
        resolving it; with named stages around, a bare name is almost always a mistyped stage. Full image
        references (a tag, a registry, a digest), stage numbers and ``$ARG`` values are not reported."""
        named: list[str] = []
        count = 0
        stray: list[tuple[Instruction, str]] = []
        for ins in self.instructions:
            if ins.keyword == "FROM":
                count += 1
                words = ins.arguments.split()
                if len(words) >= 3 and words[1].upper() == "AS":
                    named.append(words[2].lower())
            elif ins.keyword == "COPY" and (source := ins.flag("from")):
                if (source.isdigit() and int(source) < count - 1) or source.lower() in named:
                    continue
                if named and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", source):
                    stray.append((ins, source))
        return stray


@functools.cache
def language() -> Any:
    """tree-sitter-dockerfile's Language, loaded once per process (the preview highlights with it too)."""
    import tree_sitter_dockerfile
    from tree_sitter import Language

    with warnings.catch_warnings():  # tree-sitter-dockerfile 0.2 hands over an int; tree-sitter 0.26 warns
        warnings.simplefilter("ignore", DeprecationWarning)
        return Language(tree_sitter_dockerfile.language())


def parse(text: str) -> Dockerfile:
    """The instructions of a Dockerfile's text, its parser directives and the lines Docker would refuse."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    directives, problems = _directives(text)
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        problems.append(Problem(1, f"invalid escape token '{escape}' does not match ^[\\\\`]$"))
        escape = "\\"
    instructions = _Reader(text.encode(), escape, problems).read()
    return Dockerfile(instructions, tuple(sorted(problems, key=lambda p: p.line)), directives, escape)


class _Reader:
    """One parse: the grammar reads the file; a line it cannot read is blanked out and the rest read again."""

    def __init__(self, source: bytes, escape: str, problems: list[Problem]) -> None:
        self.source = source  # as written: every text is cut from here
        self.escape = escape
        self.problems = problems
        self.lines = source.split(b"\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def read(self) -> tuple[Instruction, ...]:
        from tree_sitter import Parser

        parser = Parser(language())
        view = bytearray(self.source.translate(_SWAP) if self.escape == "`" else self.source)
        found: dict[int, Instruction] = {}
        for _ in range(len(self.lines) + 1):
            bad = None
            for node in parser.parse(bytes(view)).root_node.children:
                if node.type.endswith("_instruction") and _sound(node, view):
                    found[node.start_point[0]] = self._instruction(node)
                elif node.has_error or node.type.endswith("_instruction"):
                    bad = node
                    break
            if bad is None:
                break
            glued = bad.prev_sibling
            if glued is not None and glued.type.endswith("_instruction"):  # the error continues its line
                found.pop(glued.start_point[0], None)
                bad = glued
            offset = bad.start_byte
            while offset < len(view) and view[offset] in b" \t\n":
                offset += 1
            if offset >= len(view):
                break
            first = self._continued(self._row_of(offset), view, found)
            end = self._logical_end(first)
            logical = self._join(first, end)
            keyword = logical.split(None, 1)[0] if logical.strip() else ""
            if keyword.upper() in KEYWORDS:
                found[first], end = self._fallback(first, keyword, logical, end)
            elif keyword:
                self.problems.append(Problem(first + 1, f"unknown instruction: {keyword}"))
            for row in range(first, max(end, first + 1)):
                start = self.starts[row]
                view[start:start + len(self.lines[row])] = b" " * len(self.lines[row])
        return tuple(found[k] for k in sorted(found))

    def _row_of(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def _continued(self, first: int, view: bytearray, found: dict[int, Instruction]) -> int:
        """Where the logical line holding row ``first`` starts: the grammar reads comment lines inside a
        continuation only in RUN, so a LABEL or COPY continued past one fails on the line after it."""
        row = first - 1
        while row >= 0:
            line = view[self.starts[row]:self.starts[row] + len(self.lines[row])].strip()
            if line and not line.startswith(b"#"):
                break
            row -= 1
        text = view[self.starts[row]:self.starts[row] + len(self.lines[row])] if row >= 0 else b""
        if not text.rstrip().endswith(b"\\"):  # in the grammar's view the escape is always a backslash
            return first
        start = max((r for r in found if r <= row), default=None)
        if start is None:
            return first
        del found[start]
        return start

    # ---- from the grammar's tree -----------------------------------------------------------------

    def _cut(self, start: int, end: int, node: Any) -> str:
        """The text of [start, end) without continuations, comment lines and heredoc bodies in ``node``."""
        holes: list[tuple[int, int]] = []

        def walk(n: Any) -> None:
            for child in n.children:
                if child.type in ("line_continuation", "heredoc_block"):
                    holes.append((child.start_byte, child.end_byte))
                elif child.type == "comment":
                    holes.append((child.start_byte - child.start_point[1], child.end_byte + 1))
                else:
                    walk(child)

        walk(node)
        out, pos = bytearray(), start
        for a, b in sorted(holes):
            if b <= pos or a >= end:
                continue
            out += self.source[pos:max(a, pos)]
            pos = b
        out += self.source[pos:end] if pos < end else b""
        return _drop_blank_lines(out.decode())

    def _instruction(self, node: Any) -> Instruction:
        head = node.children[0]
        flags = [c for c in node.children if c.type in ("param", "mount_param")]
        after = flags[-1].end_byte if flags else head.end_byte
        markers = [m for m in _descendants(node, "heredoc_marker")]
        blocks = [b for b in node.children if b.type == "heredoc_block"]
        heredocs = []
        for marker, block in zip(markers, blocks, strict=False):
            name, strip, expands = _marker(self.source[marker.start_byte:marker.end_byte].decode())
            end = next((c for c in block.children if c.type == "heredoc_end"), None)
            stop = end.start_byte - end.start_point[1] if end is not None else block.end_byte
            body = self.source[block.start_byte + 1:stop].decode()
            heredocs.append(Heredoc(name, _strip_tabs(body) if strip else body, strip, expands))
        return Instruction(
            keyword=self.source[head.start_byte:head.end_byte].decode().upper(),
            line=node.start_point[0] + 1,
            text=self._cut(head.end_byte, node.end_byte, node).strip(),
            flags=tuple(_flag(self.source[f.start_byte:f.end_byte].decode()) for f in flags),
            arguments=self._cut(after, node.end_byte, node).strip(),
            heredocs=tuple(heredocs),
        )

    # ---- a line the grammar cannot read ------------------------------------------------------------

    def _logical_end(self, first: int) -> int:
        """The row after the logical line that starts at row ``first`` (continuations, their comment and
        blank lines included)."""
        row = first
        while row < len(self.lines):
            line = self.lines[row].decode().rstrip()
            row += 1
            if not line.endswith(self.escape):
                break
            while row < len(self.lines) and (not self.lines[row].strip()
                                             or self.lines[row].lstrip().startswith(b"#")):
                row += 1
        return row

    def _join(self, first: int, end: int) -> str:
        parts = []
        for row in range(first, end):
            line = self.lines[row].decode()
            if row > first and (not line.strip() or line.lstrip().startswith("#")):
                continue
            stripped = line.rstrip()
            parts.append(stripped[:-1] if stripped.endswith(self.escape) and row < end - 1 else line)
        return "".join(parts)

    def _fallback(self, first: int, keyword: str, logical: str, end: int) -> tuple[Instruction, int]:
        """A known instruction the grammar lacks, read as one logical line; heredoc bodies follow it."""
        text = logical.strip()[len(keyword):].strip()
        words = text.split()
        flags = []
        while words and words[0].startswith("--"):
            flags.append(_flag(words.pop(0)))
        arguments = text
        for _ in flags:
            arguments = arguments.split(None, 1)[1] if len(arguments.split(None, 1)) > 1 else ""
        heredocs = []
        row = end
        for m in _HEREDOC_RE.finditer(arguments):
            name, strip, expands = _marker(m.group(0))
            body = []
            while row < len(self.lines) - 1:
                line = self.lines[row].decode()
                row += 1
                if (line.lstrip("\t") if strip else line) == name:
                    break
                body.append(line + "\n")
            text_body = "".join(body)
            heredocs.append(Heredoc(name, _strip_tabs(text_body) if strip else text_body, strip, expands))
        return Instruction(keyword.upper(), first + 1, text, tuple(flags), arguments.strip(), tuple(heredocs)), row


def _sound(node: Any, view: bytearray) -> bool:
    """The grammar read this instruction whole (it reads ``RUNN echo`` as RUN and ``N echo``)."""
    head = node.children[0]
    return not node.has_error and view[head.end_byte:head.end_byte + 1] in (b" ", b"\t", b"\n", b"\\", b"")


def _directives(text: str) -> tuple[dict[str, str], list[Problem]]:
    """The parser directives at the top of the file: only before any other line, each known one once."""
    found: dict[str, str] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.split("\n"), 1):
        m = _DIRECTIVE_RE.fullmatch(line)
        if not m or m.group(1).lower() not in DIRECTIVES:
            break
        key = m.group(1).lower()
        if key in found:
            problems.append(Problem(number, f"only one {key} parser directive can be used"))
            continue
        found[key] = m.group(2)
    return found, problems


def _descendants(node: Any, kind: str) -> list[Any]:
    out = []
    for child in node.children:
        if child.type == kind:
            out.append(child)
        elif child.type != "heredoc_block":
            out += _descendants(child, kind)
    return out


def _marker(text: str) -> tuple[str, bool, bool]:
    """``<<-"EOF"`` -> (name, strip tabs, expands)."""
    m = _HEREDOC_RE.match(text)
    if not m:
        return text.lstrip("<-"), False, True
    return m.group(3), m.group(1) == "-", not m.group(2)


def _flag(word: str) -> tuple[str, str]:
    name, _, value = word.removeprefix("--").partition("=")
    return name, value


def _strip_tabs(body: str) -> str:
    return "".join(line.lstrip("\t") for line in body.splitlines(keepends=True))


def _drop_blank_lines(text: str) -> str:
    """Within one instruction a newline left over is a blank line inside a continuation: BuildKit skips it."""
    pieces = text.split("\n")
    return pieces[0] + "".join(p for p in pieces[1:] if p.strip())
