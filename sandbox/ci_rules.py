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


WORKFLOW_FILTERED_MESSAGE = "Pipeline filtered out by workflow rules."


def workflow_allows(workflow: Any, variables: Mapping[str, str]) -> bool:
    """Whether ``workflow:`` (as parsed) lets the pipeline be created: its first ``rules`` entry whose ``if``
    matches decides (``when: never`` refuses); none matching refuses; no ``rules`` allows.

    Raises ``ValueError`` with GitLab's message for a ``workflow:`` the sandbox cannot read.
    """
    if not isinstance(workflow, dict):
        raise ValueError("workflow config should be a hash")
    unknown = set(workflow) - {"rules", "name", "auto_cancel"}
    if unknown:
        raise ValueError(f"workflow config contains unknown keys: {', '.join(sorted(map(str, unknown)))}")
    rules = workflow.get("rules")
    if rules is None:
        return True
    if not isinstance(rules, list):
        raise ValueError("workflow:rules config should be an array of hashes")
    for rule in rules:
        if not isinstance(rule, dict) or set(rule) - {"if", "when", "variables", "changes", "exists"}:
            raise ValueError("workflow:rules:rule config contains unknown keys or is not a hash")
        if "changes" in rule or "exists" in rule:
            raise ValueError("workflow:rules:rule changes and exists are not played in the sandbox")
        if "if" in rule:
            if not isinstance(rule["if"], str):
                raise ValueError("workflow:rules:rule if should be a string")
            if not evaluate_if(rule["if"], variables):
                continue
        when = rule.get("when", "always")
        if when not in ("always", "never"):
            raise ValueError("workflow:rules:rule when unknown value: " + str(when))
        return when == "always"
    return False


def expand_name(text: str, variables: Mapping[str, str]) -> str:
    """``workflow:name`` as GitLab shows it: ``$VAR`` and ``${VAR}`` expanded (an undefined one is empty),
    at most 255 characters."""
    return re.sub(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))",
                  lambda m: variables.get(m.group(1) or m.group(2), ""), text)[:255]
