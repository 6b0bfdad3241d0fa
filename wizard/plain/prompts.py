"""The line prompts of ``dockwright --plain``: prose wrapped to the terminal, text, hidden, select and yes/no
questions (questionary), each with its one-line why, and ``?`` (or the Help choice) for the step's page.

questionary is imported here and nowhere else in ``wizard/``.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from typing import IO, Any

import questionary
from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
from questionary import Choice

from dockwright.wizard.credentials import Secret
from dockwright.wizard.help_text import help_page_text
from dockwright.wizard.steps import Step

HELP = "?"
_HELP_CHOICE = "__help__"
_HELP_KEY = KeyBindings()
_HELP_KEY.add(HELP)(lambda event: event.app.exit(result=HELP))


class Interrupted(Exception):
    """Ctrl-C (or the end of input) at a prompt."""


def terminal_width() -> int:
    try:
        return max(40, min(100, os.get_terminal_size().columns - 1))
    except OSError:
        return 100


class LinePrompts:
    """Output and questions; everything printed goes to ``out`` (the transcript)."""

    out: IO[str]
    step_shown: Step | None = None  # the step whose questions are asked: ``?`` at a yes/no prints its page

    def say(self, text: str = "") -> None:
        """Print prose, each line wrapped at the terminal's width (continuations indented under it)."""
        width = terminal_width()
        lines = []
        for line in text.split("\n"):
            indent = len(line) - len(line.lstrip())
            lead = " " * (indent + (2 if line.lstrip().startswith(("- ", "! ", "why: ")) else 0))
            lines.extend(textwrap.wrap(line, width, subsequent_indent=lead, break_long_words=False,
                                       break_on_hyphens=False) or [""])
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    def _ask(self, question: Any) -> Any:
        try:
            answer = question.unsafe_ask()
        except (KeyboardInterrupt, EOFError):
            raise Interrupted from None
        if answer is None:  # questionary's own "cancelled"
            raise Interrupted
        return answer

    def show_help(self, s: Step) -> None:
        self.say()
        self.say(help_page_text(s.help_page, width=terminal_width()).rstrip())
        self.say()

    def text(self, s: Step, message: str, default: str, why: str = "",
             check: Callable[[str], str | None] | None = None) -> str:
        """A text question with its default pre-filled; ``?`` prints the page; ``check`` returns a problem."""
        while True:
            if why:
                self.say(f"  why: {why}")
            answer = self._ask(questionary.text(f"{message}:", default=default))
            answer = answer.strip()
            if answer == HELP:
                self.show_help(s)
                continue
            problem = check(answer) if check else None
            if problem:
                self.say(f"  ! {problem}")
                default = answer
                continue
            return answer

    def secret(self, message: str, check: Callable[[str], str | None] | None = None) -> Secret:
        """A hidden question; the value goes straight into a :class:`Secret`."""
        while True:
            answer = self._ask(questionary.password(f"{message}:")).strip()  # a pasted newline or space
            problem = check(answer) if check else (None if answer else "Nothing was typed: paste or type it (it stays hidden).")
            if problem:
                self.say(f"  ! {problem}")
                continue
            return Secret(answer)

    def select(self, s: Step, message: str, choices: list[tuple[str, str]], default: str, why: str = "") -> str:
        """Pick one of ``choices`` (value, title); the last choice is always the step's help page."""
        while True:
            if why:
                self.say(f"  why: {why}")
            options = [Choice(title, value=value) for value, title in choices]
            options.append(Choice(f"{HELP} Help: read the page about this step", value=_HELP_CHOICE))
            answer = self._ask(questionary.select(f"{message}:", choices=options, default=default))
            if answer == _HELP_CHOICE:
                self.show_help(s)
                continue
            return answer

    def confirm(self, message: str, default: bool, why: str = "") -> bool:
        """A yes/no question (y or n answers at once, Enter keeps the default); ``?`` prints the page of the
        step being asked, as at the other questions."""
        if why:
            self.say(f"  why: {why}")
        while True:
            question = questionary.confirm(f"{message}?", default=default)
            if self.step_shown is not None:
                question.application.key_bindings = merge_key_bindings(  # questionary's own ignore every other key
                    [b for b in (question.application.key_bindings, _HELP_KEY) if b is not None])
            answer = self._ask(question)
            if answer == HELP and self.step_shown is not None:
                self.show_help(self.step_shown)
                continue
            return bool(answer)
