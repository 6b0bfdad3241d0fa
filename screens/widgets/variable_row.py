"""One CI/CD variable: value typed hidden or taken from an env var, masked/protected/hidden, checked as you type."""

from __future__ import annotations

import dataclasses
import os

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label

from dockwright.screens.widgets.fields import FieldInput, TickBox
from dockwright.wizard.checks import check_masked_value
from dockwright.wizard.plan import KEY_RE, VariableSpec
from dockwright.wizard.variables import key_problem


def sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[0].upper() + text[1:] + "."


def row_id(key: str) -> str:
    """The row's id: one per variable key, so a row is found (and kept) by its key. ``var-row-`` cannot
    collide with the step's other ``var-`` ids, as a key has no ``-``."""
    return f"var-row-{key}"


def variable_problem(spec: VariableSpec, typed: str, env: dict[str, str] | os._Environ = os.environ) -> str | None:
    """The first rule ``spec`` (with the typed value, or its env var's) breaks, as a sentence that does not
    repeat the key (the row's title already shows it); None if fine."""
    problem = key_problem(spec.key)
    if problem:
        return sentence(problem)
    if spec.hidden and not spec.masked:
        return "Hidden needs masked too: GitLab only hides values it also masks."
    if spec.from_env is not None and not KEY_RE.fullmatch(spec.from_env):
        return f"{spec.from_env!r} is not an environment variable name (letters, digits and _)."
    value = typed if spec.from_env is None else env.get(spec.from_env, "")
    if spec.from_env is not None and not value:
        return f"${spec.from_env} is not set in this shell: export it before apply, or type the value instead."
    if spec.from_env is None and not typed:
        return "Type the value (hidden), or name an environment variable to take it from."
    if spec.masked or spec.hidden:
        problem = check_masked_value(value, raw=spec.raw)
        if problem:
            return sentence(problem)
    return None


class VariableRow(Vertical):
    """Posts :class:`VariableRow.Changed` with the new spec (and the typed value, kept in memory only), and
    :class:`VariableRow.Removed` when its Remove button is pressed (only variables the user added have one:
    the registry's own are needed for its login)."""

    class Changed(Message):
        def __init__(self, row: VariableRow, spec: VariableSpec, value: str) -> None:
            super().__init__()
            self.row = row
            self.spec = spec
            self.value = value

    class Removed(Message):
        def __init__(self, row: VariableRow, key: str) -> None:
            super().__init__()
            self.row = row
            self.key = key

    def __init__(self, spec: VariableSpec, value: str = "", *, removable: bool = False) -> None:
        super().__init__(classes="variable-row", id=row_id(spec.key))
        self.spec = spec
        self.value = value
        self.removable = removable

    def compose(self) -> ComposeResult:
        s = self.spec
        yield Label(f"{s.key}" + (f": {s.description}" if s.description else ""), classes="var-title")
        with Horizontal(classes="var-fields"):
            yield Label("from env var", classes="var-label")
            yield FieldInput(s.from_env or "", placeholder=f"e.g. {s.key}", classes="var-env")
            yield Label("or value", classes="var-label")
            yield FieldInput(self.value, placeholder="typed hidden", password=True, classes="var-value")
        with Horizontal(classes="var-flags"):
            yield TickBox("masked", s.masked, classes="var-masked",
                           tooltip="GitLab replaces the value with [MASKED] in job logs")
            yield TickBox("protected", s.protected, classes="var-protected",
                           tooltip="Only jobs on protected branches and tags get it; elsewhere it is empty "
                                   "(dockwright's jobs then build without pushing)")
            yield TickBox("hidden", s.hidden, classes="var-hidden",
                           tooltip="Masked and never shown again in GitLab's settings")
            if self.removable:
                yield Button("Remove", classes="var-remove", tooltip=f"Take {s.key} out of the list")
        yield Label("", classes="var-problem problem")

    def on_mount(self) -> None:
        self._check()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.has_class("var-env"):
            name = event.value.strip()
            self.spec = dataclasses.replace(self.spec, from_env=name or None)
        else:
            self.value = event.value
            if event.value and self.spec.from_env:
                self.spec = dataclasses.replace(self.spec, from_env=None)
                with self.prevent(Input.Changed):
                    self.query_one(".var-env", Input).value = ""
        self._changed()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox.has_class("var-masked"):
            self.spec = dataclasses.replace(self.spec, masked=event.value)
        if event.checkbox.has_class("var-protected"):
            self.spec = dataclasses.replace(self.spec, protected=event.value)
        if event.checkbox.has_class("var-hidden"):
            self.spec = dataclasses.replace(self.spec, hidden=event.value)
        if self.spec.hidden and not self.spec.masked and event.checkbox.has_class("var-hidden"):
            self.spec = dataclasses.replace(self.spec, masked=True)
            with self.prevent(Checkbox.Changed):
                self.query_one(".var-masked", Checkbox).value = True
        self._changed()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.has_class("var-remove"):
            event.stop()
            self.post_message(self.Removed(self, self.spec.key))

    def _changed(self) -> None:
        self._check()
        self.post_message(self.Changed(self, self.spec, self.value))

    def _check(self) -> str | None:
        problem = variable_problem(self.spec, self.value)
        self.query_one(".var-problem", Label).update(f"✗ {problem}" if problem else "✓ GitLab will accept this.")
        self.query_one(".var-problem", Label).set_class(problem is None, "-ok")
        return problem

    @property
    def problem(self) -> str | None:
        return variable_problem(self.spec, self.value)
