"""What the sandbox's job shell and the programs it runs exchange: a program's invocation and its result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

STDOUT, STDERR = 1, 2
LOG = 3  # the sandbox's own remarks: always in the job log, never redirected or piped
NOT_EXECUTED = "[sandbox] not executed: "


@dataclass
class CommandResult:
    """What a command printed, in order, as (stream, text) chunks, and its exit status."""

    code: int = 0
    chunks: list[tuple[int, str]] = field(default_factory=list)

    def out(self, text: str) -> CommandResult:
        self.chunks.append((STDOUT, text))
        return self

    def err(self, text: str) -> CommandResult:
        self.chunks.append((STDERR, text))
        return self

    @property
    def stdout(self) -> str:
        return "".join(t for s, t in self.chunks if s == STDOUT)


@dataclass
class Invocation:
    """One program run by the script: its argv, stdin, environment and working directory."""

    argv: list[str]
    stdin: str
    env: Mapping[str, str]
    cwd: str


Handler = Callable[[Invocation], CommandResult]
