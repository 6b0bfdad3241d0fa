"""The list of things dockwright would do: what review shows, ``--dry-run`` prints and apply carries out.

Every item follows the :class:`Change` protocol: a one-line ``summary``, a ``preview()`` (a unified diff,
or the API calls with secrets hidden) and an idempotent ``apply()`` that returns :attr:`Outcome.DONE` or
:attr:`Outcome.ALREADY`. The changes: files (:class:`FileChange`), CI/CD variables (:class:`VariableChange`)
and the project runner with its config.toml entry (:class:`RunnerChange`). The apply run
(:mod:`dockwright.wizard.apply`) adds the checks, the commit and the push.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import tomlkit

from dockwright.wizard import runner_setup
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import DockwrightError, RefusedOverwrite
from dockwright.wizard.files import PendingWrite, check_target, prepare_write, read_text_or_none
from dockwright.wizard.plan import Plan, VariableSpec
from dockwright.wizard.render import (
    UnmergeableFile,
    file_paths,
    is_generated,
    render_dockerfile,
    render_dockerignore,
    render_pipeline,
)
from dockwright.wizard.render.pipeline import pipeline_notes
from dockwright.wizard.render.runner_config import render_runner_entry

if TYPE_CHECKING:
    from dockwright.wizard.gitlab import GitLabClient


class Outcome(StrEnum):
    """What one step of an apply came to; the words the summaries print."""

    DONE = "done"
    ALREADY = "already in place"
    CHECKED = "checked"  # a check that passed: access, lint, runner online, registry tags
    SKIPPED = "skipped"
    FAILED = "failed"


HIDDEN = "[hidden]"
_TOML_TOKEN = re.compile(r'^(\s*token\s*=\s*)(["\']).*?\2', re.M)


@runtime_checkable
class Change(Protocol):
    summary: str

    def preview(self) -> str: ...

    def apply(self) -> Outcome: ...


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
    hidden in the preview; config.toml tokens always are. ``notes`` are sentences the review shows above the
    diff: what a merge did beyond the obvious (where dockwright's stages went, the user's ``workflow:``).
    """

    path: Path
    new_text: str
    old_text: str | None
    mode: int | None = None
    backup: bool = False
    label: str = ""
    secrets: tuple[str, ...] = field(default=(), repr=False)
    notes: tuple[str, ...] = ()

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
        notes = "".join(f"note: {note}\n" for note in self.notes) if self.changed else ""
        return notes + self._diff()

    def _diff(self) -> str:
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

    def apply(self) -> Outcome:
        pending = self.prepare()
        for write in pending:
            write.commit()
        return Outcome.DONE if pending else Outcome.ALREADY


def _holds(path: Path, text: str) -> bool:
    """True when ``path`` is a regular file (not a link) whose text is ``text``."""
    if os.path.islink(path) or not path.is_file():
        return False
    try:
        return read_text_or_none(path) == text
    except DockwrightError:
        return False


def apply_file_changes(changes: list[FileChange]) -> list[Outcome]:
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
    return [Outcome.DONE if writes else Outcome.ALREADY for writes in prepared]


def _refuse(path: Path, why: str) -> RefusedOverwrite:
    refused = RefusedOverwrite(
        f"{path} exists and {why}, so dockwright left it alone and wrote nothing.",
        f"Give --overwrite to replace it (the old one is kept as {path.name}.orig), or move it away and re-run.",
    )
    refused.path = path  # the wizard offers its own way to replace it instead of the flag
    return refused


def _registry_notes(plan: Plan) -> list[str]:
    """ECR without the AWS CLI here: what apply cannot check, said in the review."""
    import shutil

    from dockwright.wizard.ecr_check import unchecked_note

    return [unchecked_note(plan)] if plan.registry.kind == "ecr" and shutil.which("aws") is None else []


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
    where = file_paths(plan)  # dockerfile.path, the .dockerignore in the build context

    def existing(path: Path, inside: Path | None = root) -> str | None:
        check_target(path, inside=inside)
        if inside is not None and path.parent != inside:  # docker/Dockerfile: no folder of the path leaves it
            real, top = Path(os.path.realpath(path.parent)), Path(os.path.realpath(inside))
            if real != top and top not in real.parents:
                raise RefusedOverwrite(
                    f"{path.parent} leads outside the project {top} (a symbolic link), so dockwright left it alone "
                    "and wrote nothing.", "Point dockerfile.path and dockerfile.context at folders in the project.")
        return read_text_or_none(path, error=RefusedOverwrite)

    path = root / where["Dockerfile"]
    old = existing(path)
    new = render_dockerfile(plan)
    hand_written = old is not None and old != new and not is_generated(old)
    if hand_written and not overwrite:
        raise _refuse(path, "was not written by dockwright (its first line has no 'generated by dockwright')")
    changes.append(FileChange(path, new, old, backup=hand_written, label=where["Dockerfile"]))

    path = root / where[".dockerignore"]
    old = existing(path)
    changes.append(FileChange(path, render_dockerignore(plan, old), old, label=where[".dockerignore"]))

    path = root / ".gitlab-ci.yml"
    old = existing(path)
    try:
        notes = pipeline_notes(plan, old) + _registry_notes(plan)
        changes.append(FileChange(path, render_pipeline(plan, old), old, notes=tuple(notes)))
    except UnmergeableFile as exc:
        if not overwrite:
            raise _refuse(path, f"cannot be merged: {exc.reason}") from None
        changes.append(FileChange(path, render_pipeline(plan, None), old, backup=True))

    if plan.helm_runner:  # the Helm chart's values (issue 14): no token
        from dockwright.wizard.render.kubernetes import render_helm_values

        label = posixpath.normpath(plan.runner.kubernetes.helm_values_path)
        path = root / label
        old = existing(path)
        new = render_helm_values(plan, url=plan.gitlab.url)
        hand_written = old is not None and old != new and not is_generated(old)
        if hand_written and not overwrite:
            raise _refuse(path, "was not written by dockwright (its first line has no 'generated by dockwright')")
        changes.append(FileChange(path, new, old, backup=hand_written, label=label))

    if runner_config_path is not None and plan.uses_own_runner:
        path = Path(runner_config_path)
        old = existing(path, inside=None)  # the runner's config may live anywhere, links included
        try:
            text = render_runner_entry(plan, old, url=plan.gitlab.url)
            _check_one_template_entry(text)
            backup = False
        except UnmergeableFile as exc:
            if not overwrite:
                raise _refuse(path, f"cannot be merged: {exc.reason}") from None
            text, backup = render_runner_entry(plan, None, url=plan.gitlab.url), True
        changes.append(FileChange(path, text, old, mode=0o600, backup=backup, label=str(path)))
    return changes


def _check_one_template_entry(text: str) -> None:
    """``generate --runner-config`` writes a register template; register.go refuses one whose ``[[runners]]``
    are not exactly one, so a live config.toml (other runners, tokens) is refused rather than merged."""
    others = [str(r.get("name", "?")) for r in tomlkit.parse(text).get("runners", [])][:-1]
    if others:
        raise UnmergeableFile("config.toml", f"it already holds other runners ({', '.join(others)}); --runner-config "
                              "writes a template for `gitlab-runner register --template-config`, which must hold "
                              "exactly one [[runners]] entry. Give a new path such as ./runner-template.toml "
                              "(`dockwright apply` is what adds an entry with its token to a live config.toml)")


# --------------------------------------------------------------------------------------------
# API changes: CI/CD variables and the project runner
# --------------------------------------------------------------------------------------------

def describe_variable(spec: VariableSpec) -> str:
    flags = [name for name, on in (("masked and hidden", spec.hidden), ("masked", spec.masked and not spec.hidden),
                                   ("protected", spec.protected), ("raw", spec.raw)) if on]
    if spec.variable_type == "file":
        flags.append("file")
    scope = f", scope {spec.environment_scope}" if spec.environment_scope != "*" else ""
    return f"CI/CD variable {spec.key}" + (f" ({', '.join(flags)}{scope})" if flags or scope else "")


@dataclass
class VariableChange:
    """Create or update one CI/CD variable (``POST``, or ``PUT`` when it exists)."""

    client: GitLabClient | None
    project: str
    spec: VariableSpec
    value: Secret | None  # None in a dry run: the value is not even read
    source: str = ""  # where the value comes from, for the preview; default: from_env, or asked at apply time

    @property
    def summary(self) -> str:
        return describe_variable(self.spec)

    def preview(self) -> str:
        source = self.source or (f"from ${self.spec.from_env}" if self.spec.from_env else "asked at apply time, hidden")
        return (f"POST /projects/{self.project}/variables key={self.spec.key} value=**** ({source}) "
                f"environment_scope={self.spec.environment_scope} masked={str(self.spec.masked).lower()} "
                f"protected={str(self.spec.protected).lower()} raw={self._raw()}  (PUT when it exists)")

    def _raw(self) -> str:
        """raw=true when the value holds ``$`` (the runner would expand ``$name`` in it); unknown before it is read."""
        if self.spec.raw:
            return "true"
        return "false" if self.value is not None else "true if the value holds $ (else the runner expands $name in it)"

    def apply(self) -> Outcome:
        assert self.value is not None and self.client is not None
        result = self.client.upsert_variable(self.project, self.spec, self.value)
        return Outcome.ALREADY if result == "unchanged" else Outcome.DONE


@dataclass
class RunnerChange:
    """The project runner in GitLab (reused or created) and its entry in config.toml."""

    client: GitLabClient | None
    plan: Plan
    project: str
    url: str
    config_path: Path
    registration_token: Secret | None = None
    use_register_binary: str | None = None  # path of gitlab-runner when the user agreed to run it
    runner_id: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        tags = "tags: " + ", ".join(self.plan.runner.tags) if self.plan.runner.tags else "no tags"
        kind = "shell" if self.plan.executor == "shell" else "docker"  # as in its config.toml entry
        return (f"project runner \"{self.plan.runner.description}\" ({kind} executor, {tags}) and its "
                f"entry in {self.config_path}")

    def preview(self) -> str:
        r = self.plan.runner
        if r.workflow == "registration-token":
            call = "POST /runners token=**** (deprecated registration token)"
        else:
            call = (f"POST /user/runners runner_type=project_type project_id=<{self.project}> "
                    f"description={r.description!r} tag_list={list(r.tags)} run_untagged={str(r.run_untagged).lower()} "
                    f"access_level={'ref_protected' if r.protected else 'not_protected'}")
        text = (f"GET /projects/{self.project}/runners (reuse a runner with the same description and tags, or "
                f"PUT /runners/:id to update the one dockwright created that {self.config_path.name} holds)\n"
                f"{call}  (unless reused)\n"
                f"write {self.config_path} (mode 0600): [[runners]] name={runner_setup.runner_name(self.plan)!r} "
                f"url={self.url} token=****  (dockwright's own entry, else a new one; other runners' entries are left as they are)")
        try:
            changes = runner_setup.own_entry_changes(self.plan, read_text_or_none(self.config_path), url=self.url)
        except DockwrightError:
            changes = []  # an unreadable file is refused by apply's own check, with its sentence
        return text + "".join(f"\n{line}  (if it is reused)" for line in changes)

    def apply(self) -> Outcome:
        assert self.client is not None
        existing = read_text_or_none(self.config_path)
        runner = runner_setup.ensure_runner_in_gitlab(self.client, self.plan, self.project, config_text=existing,
                                                      url=self.url, registration_token=self.registration_token)
        self.runner_id = runner.id
        if runner.replaces is not None:
            self.notes.append(f"Runner #{runner.id} created to replace runner #{runner.replaces}, which GitLab would "
                              f"not update ({runner.why.rstrip('.')}); its token is now only in {self.config_path}.")
        elif runner.created:
            self.notes.append(f"Runner #{runner.id} created; its token was shown once and is now only in "
                              f"{self.config_path}.")
        elif runner.updated:
            self.notes.append(f"Runner #{runner.id} updated in GitLab (same runner, same token): "
                              f"{'; '.join(runner.updated)}.")
        if runner.token is not None and not runner.created:
            self.notes.append(f"Runner #{runner.id} reused; GitLab cannot show its token again, so a new one was "
                              f"issued and written to {self.config_path} (the old token no longer works).")
        elif not runner.created and not runner.updated:
            self.notes.append(f"Runner #{runner.id} reused with the token already in {self.config_path}.")
        before = runner_setup.config_entry(existing, url=self.url, name=runner_setup.runner_name(self.plan),
                                           runner_id=runner.replaces if runner.replaces is not None else runner.id)
        if self.use_register_binary and runner.token is not None:
            runner_setup.run_register(self.plan, url=self.url, config_path=str(self.config_path), token=runner.token,
                                      binary=self.use_register_binary)
        else:
            wrote = runner_setup.write_config(self.plan, self.config_path, url=self.url, runner=runner)
            executor = runner_setup.runner_executor(self.plan)
            if before is not None and before.get("executor") not in (None, executor):
                self.notes.append(f"Runner #{runner.id}'s entry in {self.config_path}: executor "
                                  f"{before.get('executor')} → {executor} (gitlab-runner reloads config.toml by itself).")
            elif wrote == Outcome.DONE and not runner.created and runner.token is None:
                self.notes.append(f"Runner #{runner.id}'s entry in {self.config_path} was brought up to date.")
        if runner.replaces is not None:  # config.toml holds the new runner now: the old one goes
            try:
                self.client.delete_runner(runner.replaces)
                self.notes.append(f"Runner #{runner.replaces} deleted in GitLab (replaced by #{runner.id}).")
            except DockwrightError as exc:
                self.notes.append(f"Runner #{runner.replaces} could not be deleted ({exc.sentence.rstrip('.')}); "
                                  "delete it in Settings > CI/CD > Runners.")
        # the summary sorts by the runner itself: created or updated is "done", reused is "already in place"
        # (a reset token or a rewritten entry is told in the notes above)
        return Outcome.DONE if runner.created or runner.updated else Outcome.ALREADY
