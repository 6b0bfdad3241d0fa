"""The list of things dockwright would do: what review shows, ``--dry-run`` prints and apply carries out.

Every item follows the :class:`Change` protocol: a one-line ``summary``, a ``preview()`` (a unified diff,
or the API calls with secrets hidden) and an idempotent ``apply()`` that returns ``"done"`` or
``"already in place"``. This module has the file changes; the services add API changes (variables,
runner, commit, push) with the same protocol.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from dockwright.wizard.errors import DockwrightError, RefusedOverwrite
from dockwright.wizard.files import PendingWrite, check_target, prepare_write, read_text_or_none
from dockwright.wizard.plan import Plan
from dockwright.wizard.render import UnmergeableFile, is_generated, render_dockerfile, render_dockerignore, render_pipeline
from dockwright.wizard.render.runner_config import render_runner_entry

DONE = "done"
ALREADY = "already in place"
HIDDEN = "[hidden]"
_TOML_TOKEN = re.compile(r'^(\s*token\s*=\s*)(["\']).*?\2', re.M)


@runtime_checkable
class Change(Protocol):
    summary: str

    def preview(self) -> str: ...

    def apply(self) -> str: ...


def hide_secrets(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every given secret, and every config.toml ``token = "..."`` value, replaced by [hidden]."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return _TOML_TOKEN.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}{m.group(2)}", text)


@dataclass
class FileChange:
    """Write ``new_text`` to ``path`` atomically (``mode`` such as 0o600 when given).

    ``old_text`` is the file as dockwright read it (None: no file). With ``backup`` the current file is
    kept as ``NAME.orig`` first (used when replacing a file dockwright could not merge). ``secrets`` are
    hidden in the preview; config.toml tokens always are.
    """

    path: Path
    new_text: str
    old_text: str | None
    mode: int | None = None
    backup: bool = False
    label: str = ""
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if not self.label:
            self.label = self.path.name

    @property
    def changed(self) -> bool:
        return self.old_text != self.new_text

    @property
    def summary(self) -> str:
        mode = f", mode {self.mode:o}" if self.mode is not None else ""
        if self.old_text is None:
            return f"create {self.label}{mode}"
        if not self.changed:
            return f"{self.label} is already up to date"
        if self.backup:
            return f"replace {self.label} (the old one is kept as {self.path.name}.orig){mode}"
        return f"update {self.label}{mode}"

    def preview(self) -> str:
        if not self.changed:
            return f"{self.label}: no change\n"
        old = hide_secrets(self.old_text or "", self.secrets).splitlines(keepends=True)
        new = hide_secrets(self.new_text, self.secrets).splitlines(keepends=True)
        name = self.label if self.label.startswith("/") else f"/{self.label}"
        fromfile = "/dev/null" if self.old_text is None else f"a{name}"
        lines = difflib.unified_diff(old, new, fromfile, f"b{name}")
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)

    def _orig_path(self, current: str) -> Path:
        """Where the backup goes: NAME.orig, or NAME.orig.N when NAME.orig holds something else (or is no file)."""
        candidate = self.path.with_name(self.path.name + ".orig")
        n = 1
        while os.path.lexists(candidate) and not _holds(candidate, current):
            candidate = self.path.with_name(f"{self.path.name}.orig.{n}")
            n += 1
        return candidate

    def prepare(self) -> list[PendingWrite]:
        """The writes of :meth:`apply` (the backup first) as temp files beside their targets, none renamed yet.

        Refused when the file changed since dockwright read it."""
        current = read_text_or_none(self.path, error=RefusedOverwrite)
        mode_ok = self.mode is None or current is None or (self.path.stat().st_mode & 0o7777) == self.mode
        if current == self.new_text and mode_ok:
            return []
        if current != self.old_text and current != self.new_text:
            raise RefusedOverwrite(
                f"{self.path} changed after dockwright read it, so it was left alone.",
                "Run the command again to see the change against the file as it is now.",
            )
        pending: list[PendingWrite] = []
        try:
            if self.backup and current is not None and current != self.new_text:
                pending.append(prepare_write(self._orig_path(current), current, self.path.stat().st_mode & 0o7777))
            pending.append(prepare_write(self.path, self.new_text, self.mode))
        except BaseException:
            for write in pending:
                write.discard()
            raise
        return pending

    def apply(self) -> str:
        pending = self.prepare()
        for write in pending:
            write.commit()
        return DONE if pending else ALREADY


def _holds(path: Path, text: str) -> bool:
    """True when ``path`` is a regular file (not a link) whose text is ``text``."""
    if os.path.islink(path) or not path.is_file():
        return False
    try:
        return read_text_or_none(path) == text
    except DockwrightError:
        return False


def apply_file_changes(changes: list[FileChange]) -> list[str]:
    """Apply every change or none: each file is first written to a temp file beside it, and only when all
    of them were written are they renamed into place. Returns each change's result (done / already in place)."""
    prepared: list[list[PendingWrite]] = []
    try:
        for change in changes:
            prepared.append(change.prepare())
    except BaseException:
        for writes in prepared:
            for write in writes:
                write.discard()
        raise
    for writes in prepared:
        for write in writes:
            write.commit()
    return [DONE if writes else ALREADY for writes in prepared]


def _refuse(path: Path, why: str) -> RefusedOverwrite:
    return RefusedOverwrite(
        f"{path} exists and {why}, so dockwright left it alone and wrote nothing.",
        f"Give --overwrite to replace it (the old one is kept as {path.name}.orig), or move it away and re-run.",
    )


def plan_file_changes(plan: Plan, directory: str | os.PathLike[str], *, overwrite: bool = False,
                      runner_config_path: str | os.PathLike[str] | None = None) -> list[FileChange]:
    """The file changes for ``plan`` in ``directory`` (Dockerfile, .dockerignore, .gitlab-ci.yml, and the
    runner's config.toml when ``runner_config_path`` is given and the plan creates a runner).

    Reads the existing files, writes nothing. A file dockwright cannot merge (a hand-written Dockerfile,
    a .gitlab-ci.yml or config.toml that does not parse) raises :class:`RefusedOverwrite` unless
    ``overwrite``; with it, the change keeps the old file as ``NAME.orig``. Every target is checked first
    (:func:`~dockwright.wizard.files.check_target`): a link is written through when it stays in the project,
    anything that is not a regular file is refused, and so is a folder dockwright may not write in.
    """
    root = Path(directory)
    changes: list[FileChange] = []

    def existing(path: Path, inside: Path | None = root) -> str | None:
        check_target(path, inside=inside)
        return read_text_or_none(path, error=RefusedOverwrite)

    path = root / "Dockerfile"
    old = existing(path)
    new = render_dockerfile(plan)
    hand_written = old is not None and old != new and not is_generated(old)
    if hand_written and not overwrite:
        raise _refuse(path, "was not written by dockwright (its first line has no 'generated by dockwright')")
    changes.append(FileChange(path, new, old, backup=hand_written))

    path = root / ".dockerignore"
    old = existing(path)
    changes.append(FileChange(path, render_dockerignore(plan, old), old))

    path = root / ".gitlab-ci.yml"
    old = existing(path)
    try:
        changes.append(FileChange(path, render_pipeline(plan, old), old))
    except UnmergeableFile as exc:
        if not overwrite:
            raise _refuse(path, f"cannot be merged: {exc.reason}") from None
        changes.append(FileChange(path, render_pipeline(plan, None), old, backup=True))

    if runner_config_path is not None and plan.uses_own_runner:
        path = Path(runner_config_path)
        old = existing(path, inside=None)  # the runner's config may live anywhere, links included
        try:
            text = render_runner_entry(plan, old, url=plan.gitlab.url)
            backup = False
        except UnmergeableFile as exc:
            if not overwrite:
                raise _refuse(path, f"cannot be merged: {exc.reason}") from None
            text, backup = render_runner_entry(plan, None, url=plan.gitlab.url), True
        changes.append(FileChange(path, text, old, mode=0o600, backup=backup, label=str(path)))
    return changes
