"""The Plan's file form, ``dockwright.yml``: read with every mistake said as a sentence that names its line, and
written back keeping the comments and order of the file that was there."""

from __future__ import annotations

import dataclasses
import io
import re
import types
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dockwright.wizard.docker_versions import end_of_life_note
from dockwright.wizard.errors import AnswersError, BadInput
from dockwright.wizard.files import read_text_or_none, write_atomic
from dockwright.wizard.plan import Plan, VariableSpec, check_plan
from dockwright.wizard.secret_text import shown

if TYPE_CHECKING:  # ruamel.yaml is imported where an answers file is read or written: not before the first frame
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap


# --------------------------------------------------------------------------------------------
# File form: load
# --------------------------------------------------------------------------------------------

def _yaml() -> YAML:
    from ruamel.yaml import YAML

    y = YAML()  # round-trip: comments and order survive a re-save
    y.indent(mapping=2, sequence=4, offset=2)
    y.preserve_quotes = True
    y.width = 100
    return y


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if tp is type(None):
        return "null"
    if origin is tuple:
        return "a list"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {str: "a string", bool: "true or false", int: "a whole number"}.get(tp, str(tp))


def _line(node: Any, key: Any) -> int | None:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    try:
        if isinstance(node, CommentedMap):
            return node.lc.key(key)[0] + 1
        if isinstance(node, CommentedSeq):
            return node.lc.item(key)[0] + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return None


def _inexact_number(value: Any) -> str | None:
    """Why a YAML number cannot stand for the text the user wrote, or None when ``str(value)`` is that text.

    A plain decimal integer (``docker_version: 29``) reads back as written; a float does not (``20.10`` is
    the number 20.1, so ``docker:20.1-cli``), nor does an integer with leading zeros, ``0x`` or ``_``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int) and type(value) is int:
        return None  # ruamel keeps its own ScalarInt type for 012, 0x1F, 1_000
    what = "a decimal point" if isinstance(value, float) else "leading zeros, 0x, 0o or _"
    return f"is the number {value}: YAML reads a value with {what} written without quotes as a number, not as the text written"


_QUOTE_IT = 'the value in quotes, e.g. "20.10", so it stays the text you wrote'


def _convert(value: Any, tp: Any, key: str, line: int | None, path: str, meta: dict[str, Any]) -> Any:
    def bad(problem: str, allowed: str | None = None) -> AnswersError:
        return AnswersError(key, problem, allowed or _type_name(tp), line, path)

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        inner = next(a for a in args if a is not type(None))
        return _convert(value, inner, key, line, path, meta)
    if meta.get("mapping"):
        if not isinstance(value, dict):
            raise bad(f"is {shown(value)}", "a mapping of NAME: value")
        out = []
        for k, v in value.items():
            if not isinstance(k, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
                raise AnswersError(f"{key}.{k}", "is not a valid environment variable name", "letters, digits and _", _line(value, k) or line, path)
            if isinstance(v, bool) or v is None or isinstance(v, (dict, list)):
                raise AnswersError(f"{key}.{k}", f"is {shown(v)}", "a string or number", _line(value, k) or line, path)
            if (why := _inexact_number(v)) is not None:
                raise AnswersError(f"{key}.{k}", why, _QUOTE_IT, _line(value, k) or line, path)
            out.append((k, str(v)))
        return tuple(out)
    if origin is tuple:
        (inner, _ellipsis) = typing.get_args(tp)
        if not isinstance(value, list):
            raise bad(f"is {shown(value)}", "a list")
        return tuple(
            _convert(item, inner, f"{key}[{i}]", _line(value, i) or line, path, {}) for i, item in enumerate(value)
        )
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise bad(f"is {shown(value)}", "a mapping")
        return _build(tp, value, key, path, None)
    if tp is bool:
        if not isinstance(value, bool):
            raise bad(f"is {shown(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad(f"is {shown(value)}")
        return value
    if tp is str:
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            raise bad(f"is {shown(value)}")
        if (why := _inexact_number(value)) is not None:
            raise bad(why, _QUOTE_IT)
        text = str(value)  # a plain whole number such as docker_version: 29 is read as text
        choices = meta.get("choices")
        if choices and text not in choices:
            raise bad(f"is {shown(text)}", " | ".join(choices))
        return text
    raise bad(f"has an unsupported type {tp!r}")  # pragma: no cover - a programming error


def _build(cls: type, data: dict[str, Any], prefix: str, path: str, base: Any) -> Any:
    hints = _hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for k in data:
        if k not in fields:
            raise AnswersError(
                f"{prefix}.{k}" if prefix else str(k), "is not a known key", ", ".join(fields), _line(data, k), path
            )
    values: dict[str, Any] = {}
    for name, f in fields.items():
        full = f"{prefix}.{name}" if prefix else name
        if name in data:
            sub_base = getattr(base, name) if base is not None else None
            tp = hints[name]
            if isinstance(tp, type) and dataclasses.is_dataclass(tp) and isinstance(data[name], dict):
                values[name] = _build(tp, data[name], full, path, sub_base)
            else:
                values[name] = _convert(data[name], tp, full, _line(data, name), path, dict(f.metadata))
        elif base is not None:
            values[name] = getattr(base, name)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise AnswersError(full, "is missing", _type_name(hints[name]), None, path)
    return cls(**values)


def _line_of_key(data: Any, key: str) -> int | None:
    """The line of a dotted key such as ``variables[0].key``: the deepest part present in the file."""
    node, line = data, None
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        step: Any = int(part[1:-1]) if part.startswith("[") else part
        found = _line(node, step)
        if found is None:
            break
        line = found
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    return line


ANSWERS_MAX_BYTES = 256 * 1024  # a real answers file has a few KiB
ANSWERS_MAX_NODES = 10_000  # values once aliases are expanded


def parse_answers(text: str, defaults: Plan | None = None, path: str = "", *, notes: list[str] | None = None) -> Plan:
    """Parse an answers file's text. Missing keys take their value from ``defaults`` (detection).

    Nesting and aliases are checked in one pass of parser events first, so an alias bomb or ten thousand
    nested brackets is a sentence, not minutes of work or a RecursionError. ``notes`` collects what the user
    should know but is no error: a file that holds no answer at all."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    from dockwright.wizard.yaml_guard import YamlProblem, scan

    try:
        scan(text, max_nodes=ANSWERS_MAX_NODES)
    except YamlProblem as exc:
        if not exc.invalid:  # the loader below says best what is not YAML
            raise AnswersError("(file)", exc.reason.removeprefix("it "), "a plain answers file such as "
                               "`dockwright init-answers` writes", exc.line, path) from None
    try:
        data = _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise AnswersError("(file)", f"is not valid YAML ({getattr(exc, 'problem', exc)})", "YAML", line, path) from None
    if data is None:
        data = CommentedMap()
    if isinstance(data, dict) and not data and notes is not None:
        notes.append(empty_answers_note(path, detected=defaults is not None))
    if not isinstance(data, dict):
        raise AnswersError("(file)", "is not a mapping", "a mapping with version, gitlab, executor, ...", 1, path)
    plan = _build(Plan, data, "", path, defaults or Plan())
    problems = check_plan(plan)
    if problems:
        key, problem, allowed = problems[0]
        raise AnswersError(key, problem, allowed, _line_of_key(data, key), path)
    pinned = isinstance(data.get("pipeline"), dict) and "docker_version" in data["pipeline"]
    old = end_of_life_note(plan.pipeline.docker_version) if pinned else None
    if old and notes is not None:
        line = _line_of_key(data, "pipeline.docker_version")
        notes.append(f"{path or 'the answers file'}{f':{line}' if line else ''}: {old}")
    return plan


def empty_answers_note(path: str, detected: bool) -> str:
    """The note for an answers file that is empty, only comments or ``null``: every answer is a default."""
    return (f"{path or 'The answers file'} holds no answers (it is empty, only comments or null), so every answer "
            f"is its default{' or what dockwright detected in the project' if detected else ''}; "
            "`dockwright init-answers` writes a file with every answer to edit.")


def load_answers(path: str | Path, defaults: Plan | None = None, *, notes: list[str] | None = None) -> Plan:
    """Read ``dockwright.yml`` (a regular UTF-8 file, links followed); see :func:`parse_answers`."""
    if not str(path).strip():
        raise BadInput("No answers file was named (the path is empty).",
                       "Give the path of a dockwright.yml, e.g. --answers dockwright.yml.")
    p = Path(path)
    text = read_text_or_none(p, what="The answers file", limit=ANSWERS_MAX_BYTES)
    if text is None:
        raise AnswersError("(file)", "does not exist", "a path to a dockwright.yml (create one with `dockwright init-answers`)", None, str(p))
    return parse_answers(text, defaults, str(p), notes=notes)


# --------------------------------------------------------------------------------------------
# File form: save (comments and layout of an existing file survive)
# --------------------------------------------------------------------------------------------

def _plain(value: Any, meta: dict[str, Any] | None = None) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if meta and meta.get("mapping"):
        return CommentedMap(value)
    if dataclasses.is_dataclass(value):
        out = CommentedMap()
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if isinstance(value, VariableSpec) and f.name != "key" and v == f.default:
                continue  # variables list only what differs from the defaults
            out[f.name] = _plain(v, dict(f.metadata))
        return out
    if isinstance(value, tuple):
        seq = CommentedSeq(_plain(v) for v in value)
        if all(isinstance(v, str) for v in value):
            seq.fa.set_flow_style()
        return seq
    return value


def _merge_into(node: CommentedMap, fresh: CommentedMap) -> None:
    from ruamel.yaml.comments import CommentedMap

    for key in list(node):
        if key not in fresh:
            del node[key]
    for key, value in fresh.items():
        old = node.get(key)
        if isinstance(old, CommentedMap) and isinstance(value, CommentedMap) and key != "env":
            _merge_into(old, value)
        elif key not in node or _to_builtin(old) != _to_builtin(value):
            node[key] = value


def _to_builtin(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _to_builtin(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_builtin(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


HEADER = (
    "dockwright answers file: every choice of the wizard, and never a secret.\n"
    "Values come from environment variables (from_env) or are asked at apply time.\n"
    "Re-run with: dockwright apply --answers dockwright.yml   (format: docs/answers.md)"
)


def dump_answers(plan: Plan, existing: str | None = None) -> str:
    """The answers file's text for ``plan``; an existing file's comments and layout are kept."""
    from ruamel.yaml.comments import CommentedMap

    fresh = _plain(plan)
    yaml = _yaml()
    if existing:
        doc = yaml.load(existing)
        if isinstance(doc, CommentedMap):
            _merge_into(doc, fresh)
            fresh = doc
    else:
        fresh.yaml_set_start_comment(HEADER)
        for f in dataclasses.fields(Plan):
            text = f.metadata.get("help")
            if text:
                fresh.yaml_add_eol_comment(text + (" (" + " | ".join(f.metadata["choices"]) + ")" if "choices" in f.metadata else ""), f.name)
    buf = io.StringIO()
    yaml.dump(fresh, buf)
    return buf.getvalue()


def save_answers(plan: Plan, path: str | Path) -> None:
    """Write ``dockwright.yml`` atomically, keeping an existing file's comments."""
    p = Path(path)
    existing = read_text_or_none(p, what="The answers file", limit=ANSWERS_MAX_BYTES)
    write_atomic(p, dump_answers(plan, existing))
