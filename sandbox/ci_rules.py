"""GitLab's ``rules:if`` expressions, evaluated as GitLab does for the sandbox's pipelines.

``evaluate_if(expr, variables)`` is pure: ``parse_ci`` (sandbox/ci_config.py) calls it with the
pipeline's predefined variables, the project's variables and the job's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<var>\$\{?[A-Za-z_][A-Za-z0-9_]*\}?)
      | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<regex>/(?:[^/\\]|\\.)*/[imsx]*)
      | (?P<null>null\b)
      | (?P<op>==|!=|=~|!~|&&|\|\||\(|\))
    )""",
    re.VERBOSE,
)


class _ExprError(Exception):
    pass


def _tokens(expr: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    expr = expr.rstrip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise _ExprError(expr[pos:])
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _regex(pattern: str) -> re.Pattern[str]:
    body, _, flags = pattern[1:].rpartition("/")
    f = re.IGNORECASE if "i" in flags else 0
    f |= re.MULTILINE if "m" in flags else 0
    f |= re.DOTALL if "s" in flags else 0
    try:
        return re.compile(body, f)
    except re.error as exc:
        raise _ExprError(pattern) from exc


def evaluate_if(expr: str, variables: Mapping[str, str]) -> bool:
    """GitLab's ``rules:if`` expression: ``==``, ``!=``, ``=~``, ``!~``, ``&&``, ``||``, ``( )``, bare ``$VAR``.

    An undefined variable is null; a bare variable is true when it is defined and not empty.
    Raises ``ValueError`` on a syntax error.
    """
    try:
        toks = _tokens(expr)
        pos = 0

        def peek() -> tuple[str, str] | None:
            return toks[pos] if pos < len(toks) else None

        def take() -> tuple[str, str]:
            nonlocal pos
            if pos >= len(toks):
                raise _ExprError("end")
            pos += 1
            return toks[pos - 1]

        def operand() -> Any:
            kind, text = take()
            if kind == "var":
                return ("var", variables.get(text.strip("${}")))
            if kind == "str":
                return ("str", re.sub(r"\\(.)", r"\1", text[1:-1]))
            if kind == "regex":
                return ("regex", text)
            if kind == "null":
                return ("null", None)
            raise _ExprError(text)

        def compare() -> bool:
            tok = peek()
            if tok == ("op", "("):
                take()
                value = disjunction()
                if take() != ("op", ")"):
                    raise _ExprError(")")
                return value
            left = operand()
            nxt = peek()
            if nxt and nxt[0] == "op" and nxt[1] in ("==", "!=", "=~", "!~"):
                op = take()[1]
                right = operand()
                if op in ("==", "!="):
                    equal = left[1] == right[1] if right[0] != "regex" else False
                    return equal if op == "==" else not equal
                if right[0] == "regex" or (right[0] in ("var", "str") and isinstance(right[1], str) and re.fullmatch(r"/.*/[imsx]*", right[1], re.S)):
                    pattern = _regex(right[1])
                else:
                    raise _ExprError(op)
                matched = left[1] is not None and pattern.search(left[1]) is not None
                return matched if op == "=~" else not matched
            if left[0] == "var":
                return bool(left[1])
            return left[1] is not None and left[0] != "null" and bool(left[1])

        def conjunction() -> bool:
            value = compare()
            while peek() == ("op", "&&"):
                take()
                rhs = compare()
                value = value and rhs
            return value

        def disjunction() -> bool:
            value = conjunction()
            while peek() == ("op", "||"):
                take()
                rhs = conjunction()
                value = value or rhs
            return value

        result = disjunction()
        if pos != len(toks):
            raise _ExprError(toks[pos][1])
        return result
    except _ExprError as exc:
        raise ValueError(f"invalid expression syntax near {exc}") from None
