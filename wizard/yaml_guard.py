"""YAML a user wrote, read in one pass of parser events before anything builds it: nothing nests deeper
than GitLab allows, no alias bomb ("billion laughs") expands, and the top level's layout (its keys and
the ``stages:`` list, with their lines and columns) comes out for a merge that edits text. Pure: no I/O.

libyaml's C parser gives the events when it is installed (fast); the pure-Python parser has the last
word on what libyaml refuses (libyaml reads YAML 1.1).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)

MAX_DEPTH = 100  # GitLab's max_yaml_depth
MAX_NODES = 500_000  # nodes once every alias is expanded; an 800 KiB CI file has about 100,000


class YamlProblem(Exception):
    """Why the text cannot be used, as the end of a sentence ("it is not valid YAML (line 3)")."""

    def __init__(self, reason: str, line: int | None = None, *, invalid: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.invalid = invalid  # not YAML at all (a parser says why better), rather than over a limit


@dataclass(frozen=True)
class Item:
    """One scalar of a sequence: its value and where it starts and ends (0-based line and column)."""

    value: str
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Stages:
    flow: bool  # written [a, b]
    line: int  # where the sequence starts (its '[' when flow)
    column: int
    items: tuple[Item, ...]
    plain: bool  # every item is a scalar written there (no alias, no nested list)


@dataclass(frozen=True)
class Layout:
    kind: str  # "mapping", "empty" (no document), "other" (a scalar or a list at the top)
    flow: bool = False  # a top-level mapping written {a: 1}
    keys: tuple[tuple[str, int], ...] = ()  # scalar keys of the top-level mapping and their 0-based line
    stages: Stages | None = None
    stages_line: int | None = None  # line of the `stages` key
    stages_is_list: bool = True  # False when `stages:` holds something other than a list
    nodes: int = 0


def _events(text: str, fast: bool) -> Iterable[Any]:
    return YAML(typ="safe", pure=not fast).parse(text)


@functools.lru_cache(maxsize=16)
def scan(text: str, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> Layout:
    """The layout of ``text``'s top level; raises :class:`YamlProblem` for invalid YAML, several documents,
    nesting deeper than ``max_depth`` or more than ``max_nodes`` nodes once aliases are expanded."""
    try:
        try:
            return _scan(_events(text, fast=True), max_nodes, max_depth)
        except YAMLError:  # libyaml reads YAML 1.1: let the pure parser have the last word
            return _scan(_events(text, fast=False), max_nodes, max_depth)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise YamlProblem(f"it is not valid YAML{f' (line {line})' if line else ''}", line, invalid=True) from None
    except RecursionError:
        raise YamlProblem(f"it nests deeper than {max_depth} levels") from None


@dataclass
class _Frame:
    start_total: int
    anchor: str | None
    height: int = 0
    children: int = 0


@dataclass
class _Walk:
    max_nodes: int
    max_depth: int
    stack: list[_Frame] = field(default_factory=list)
    anchors: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (expanded nodes, height)
    total: int = 0

    def node(self, nodes: int, height: int, line: int) -> None:
        self.total += nodes
        if self.total > self.max_nodes:
            raise YamlProblem(f"it expands to more than {self.max_nodes:,} values once its aliases are "
                              f"repeated out (line {line + 1})", line + 1)
        if len(self.stack) + height > self.max_depth:
            raise YamlProblem(f"it nests deeper than {self.max_depth} levels (line {line + 1})", line + 1)
        if self.stack:
            self.stack[-1].height = max(self.stack[-1].height, height)


def _scan(events: Iterable[Any], max_nodes: int, max_depth: int) -> Layout:
    walk = _Walk(max_nodes, max_depth)
    kind, flow, documents = "empty", False, 0
    keys: list[tuple[str, int]] = []
    last_key: str | None = None
    stages: Stages | None = None
    stages_line: int | None = None
    stages_is_list = True
    capture: dict[str, Any] | None = None  # the `stages:` sequence while its events go by
    for ev in events:
        if isinstance(ev, DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlProblem(f"it holds more than one YAML document (line {ev.start_mark.line + 1})",
                                  ev.start_mark.line + 1)
            continue
        if not isinstance(ev, (ScalarEvent, AliasEvent, CollectionStartEvent, CollectionEndEvent)):
            continue
        line = ev.start_mark.line
        depth = len(walk.stack)
        if not isinstance(ev, CollectionEndEvent):
            if depth == 0:
                kind = "mapping" if isinstance(ev, MappingStartEvent) else "other"
                flow = bool(getattr(ev, "flow_style", False))
            elif depth == 1 and kind == "mapping":
                is_key = walk.stack[0].children % 2 == 0
                walk.stack[0].children += 1
                if is_key:
                    last_key = ev.value if isinstance(ev, ScalarEvent) else None
                    if last_key is not None:
                        keys.append((last_key, line))
                elif last_key == "stages":
                    stages_line = keys[-1][1]
                    if isinstance(ev, SequenceStartEvent):
                        capture = {"flow": bool(ev.flow_style), "line": line, "column": ev.start_mark.column,
                                   "items": [], "plain": True}
                    else:
                        stages_is_list = False
            elif depth == 2 and capture is not None:
                if isinstance(ev, ScalarEvent):
                    capture["items"].append(Item(ev.value, line, ev.start_mark.column,
                                                 ev.end_mark.line, ev.end_mark.column))
                else:
                    capture["plain"] = False
        if isinstance(ev, AliasEvent):
            if ev.anchor not in walk.anchors:
                raise YamlProblem(f"it is not valid YAML (line {line + 1}: the alias *{ev.anchor} names no "
                                  "anchor defined before it)", line + 1, invalid=True)
            walk.node(*walk.anchors[ev.anchor], line)
        elif isinstance(ev, ScalarEvent):
            walk.node(1, 0, line)
            if ev.anchor:
                walk.anchors[ev.anchor] = (1, 0)
        elif isinstance(ev, CollectionStartEvent):
            walk.node(1, 1, line)
            walk.stack.append(_Frame(walk.total - 1, ev.anchor))
        else:
            frame = walk.stack.pop()
            height = frame.height + 1
            if walk.stack:
                walk.stack[-1].height = max(walk.stack[-1].height, height)
            if frame.anchor:
                walk.anchors[frame.anchor] = (walk.total - frame.start_total, height)
            if capture is not None and len(walk.stack) == 1:
                stages = Stages(capture["flow"], capture["line"], capture["column"], tuple(capture["items"]),
                                capture["plain"])
                capture = None
    return Layout(kind, flow, tuple(keys), stages, stages_line, stages_is_list, walk.total)
