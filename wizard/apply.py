"""The apply run as a stream of events, each step idempotent.

access -> files (as ``generate``) -> CI/CD variables -> runner (create or reuse, config.toml, online) ->
lint -> commit and push; then, in ``dockwright apply`` and ``--plain``, follow the pipeline and check the
registry for the image tags -> summary.

:func:`apply_events` is an iterator of typed events (:class:`StepStarted`, :class:`StepDone`,
:class:`StepFailed`, :class:`Note`, and last :class:`Finished`), like ``watch.follow``. The Apply screen
renders them; :func:`run_apply` prints them for ``dockwright apply`` and ``--plain``. The list of changes
(:mod:`dockwright.wizard.apply_changes`, also what ``--dry-run`` prints and Review lists) is computed from the
plan and the files on disk when the run starts, every time. A run killed half-way and started again finds what
is already in place and finishes the rest; nothing is created twice.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, TypeAlias

from dockwright.wizard import runner_setup
from dockwright.wizard.apply_changes import ApplyOptions, Prepared, commit_paths, helm_note, preflight
from dockwright.wizard.changes import Outcome, RunnerChange
from dockwright.wizard.checks import hosted_runner_problem
from dockwright.wizard.errors import EXIT_OK, BadInput, DockwrightError
from dockwright.wizard.plan import Plan
from dockwright.wizard.session import Session
from dockwright.wizard.steps import REGISTRY_CHOICES


@dataclass
class ApplyReport:
    steps: list[tuple[str, Outcome]] = field(default_factory=list)  # (summary, outcome)
    notes: list[str] = field(default_factory=list)
    sha: str | None = None
    pipeline_status: str | None = None
    pipeline_id: int | None = None
    tags: list[str] = field(default_factory=list)
    pull_command: str | None = None
    exit_code: int = EXIT_OK

    def record(self, summary: str, outcome: Outcome) -> None:
        self.steps.append((summary, outcome))

    def summary_lines(self) -> list[str]:
        lines = ["", "Summary"]
        for outcome in (Outcome.DONE, Outcome.ALREADY, Outcome.CHECKED, Outcome.SKIPPED, Outcome.FAILED):
            lines += [f"  {outcome + ':':<17} {s}" for s, r in self.steps if r == outcome]
        lines += [f"  note: {n}" for n in self.notes]
        if self.pipeline_status:
            lines.append(f"  pipeline #{self.pipeline_id}: {self.pipeline_status}")
        if self.pull_command:
            lines.append(f"  pull the image: {self.pull_command}")
        return lines


# --------------------------------------------------------------------------------------------
# the events
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepStarted:
    summary: str


@dataclass(frozen=True)
class StepDone:
    """``summary`` may say more than the started one did ("runner #3 is online"); ``said`` is the result in
    words ("done", "valid", "pushed commit 1a2b3c4d")."""

    summary: str
    outcome: Outcome
    said: str


@dataclass(frozen=True)
class StepFailed:
    summary: str
    error: DockwrightError


@dataclass(frozen=True)
class Note:
    """Something said along the way: who is connected, what GitLab warned, what happened to a runner."""

    text: str
    warning: bool = False


@dataclass(frozen=True)
class Finished:
    """The last event. ``error`` is the failure that ended the run early (what was done before stays done)."""

    report: ApplyReport
    error: DockwrightError | None = None

    @property
    def sha(self) -> str | None:
        return self.report.sha


ApplyEvent: TypeAlias = StepStarted | StepDone | StepFailed | Note | Finished


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------

def apply_events(plan: Plan, session: Session, options: ApplyOptions | None = None) -> Iterator[ApplyEvent]:
    """Apply ``plan`` with ``session``'s client and token, step by step; the last event is :class:`Finished`.

    Blocking (python-gitlab, git): run it in a thread. The first step that fails ends the run with a
    :class:`StepFailed` and a :class:`Finished` carrying the error; an error before any step (a file
    dockwright may not merge, a variable without a value) ends it with :class:`Finished` alone."""
    report = ApplyReport()
    try:
        yield from _Run(plan, session, options or ApplyOptions(), report).steps()
    except DockwrightError as exc:
        yield Finished(report, exc)
        return
    yield Finished(report)


# what a step's action returns: its outcome; or the outcome and the words for it; or both and the step's
# summary as it is known now ("runner #3 is online" for "waiting for runner #3 to come online")
StepResult: TypeAlias = "Outcome | tuple[Outcome, str] | tuple[Outcome, str, str]"


class _Run:
    def __init__(self, plan: Plan, session: Session, options: ApplyOptions, report: ApplyReport) -> None:
        if session.client is None:
            raise BadInput("Not connected to GitLab.", "Test the connection first (the Connect step).")
        self.plan = plan
        self.session = session
        self.client = session.client
        self.options = options
        self.project = plan.gitlab.project
        self.url = plan.gitlab.url
        self.report = report
        self.notes: list[Note] = []  # said by the running step; yielded before its end

    def step(self, summary: str, act: Callable[[], StepResult], *, record: bool = True) -> Iterator[ApplyEvent]:
        """One step: started, its notes, then done or failed (recorded in the report unless ``record`` is False)."""
        yield StepStarted(summary)
        try:
            result = act()
        except DockwrightError as exc:
            yield from self.said()
            if record:
                self.report.record(summary, Outcome.FAILED)
            yield StepFailed(summary, exc)
            raise
        yield from self.said()
        if isinstance(result, Outcome):
            result = (result, str(result))
        outcome, said, final = result if len(result) == 3 else (*result, summary)
        if record:
            self.report.record(final, outcome)
        yield StepDone(final, outcome, said)

    def said(self) -> Iterator[Note]:
        notes, self.notes = self.notes, []
        yield from notes

    def steps(self) -> Iterator[ApplyEvent]:
        from dockwright.wizard.apply_lock import LOCK_WAIT, apply_lock

        prepared = preflight(self.plan, self.session, self.options)  # local checks first: nothing written yet
        targets = {f"the repository {self.session.workdir}": self.session.workdir}
        if prepared.runner is not None:
            targets[f"the runner config {prepared.runner.config_path}"] = prepared.runner.config_path
        wait = self.options.lock_wait if self.options.lock_wait is not None else LOCK_WAIT
        with apply_lock(targets, wait=wait):  # one apply at a time: two cannot both create a runner
            yield from self.locked_steps(prepared)

    def locked_steps(self, prepared: Prepared) -> Iterator[ApplyEvent]:
        yield from self.step(f"check access to {self.project}", self.access, record=False)
        if self.plan.registry.kind == "ecr":
            yield from self.step(f"check the ECR repository {self.plan.registry.image}", self.ecr)
        for change in prepared.files:
            yield from self.step(change.summary, change.apply)
        for vchange in prepared.variables:
            yield from self.step(vchange.summary, vchange.apply)
        rchange = prepared.runner
        if rchange is not None:
            yield from self.runner(rchange)
        elif self.plan.helm_runner:
            if self.session.sandbox is not None:
                yield from self.sandbox_cluster()
            else:
                self.notes.append(Note(helm_note(self.plan), warning=True))
                self.report.notes.append(helm_note(self.plan))
        yield from self.step("GitLab lint of .gitlab-ci.yml", self.lint)
        # one step on screen ("commit and push main"); the report keeps the commit and the push apart
        summary = f"commit and push {self.plan.git.branch}" if self.options.push else f"commit on {self.plan.git.branch}"
        yield from self.step(summary, self.commit_and_push, record=False)

    def access(self) -> tuple[Outcome, str]:
        report = self.session.access = self.client.check_access(self.project)
        scopes = ", ".join(report.scopes) or "unknown"
        self.notes.append(Note(f"Connected to {self.url} (GitLab {report.version}) as {report.username}; token "
                               f"scopes: {scopes}; role in {report.project_path}: {report.access_level_name}."))
        if report.scopes and "api" not in report.scopes:  # every later step would be refused: stop before them
            raise BadInput(report.problems[0], "Then re-run apply with that token; nothing was changed.")
        if self.plan.registry.kind == "gitlab" and report.container_registry_access_level == "disabled":
            raise BadInput(
                f"The container registry of {report.project_path} is turned off, so GitLab gives the jobs no "
                "CI_REGISTRY, CI_REGISTRY_IMAGE or CI_REGISTRY_USER and the image cannot be pushed there "
                "(docker login fails with \"username is empty\").",
                f"Turn it on in {report.web_url or report.project_path} > Settings > General > Visibility, project "
                "features, permissions > Container registry (or PUT /projects/:id "
                "container_registry_access_level=enabled), or choose another registry; then re-run apply. "
                "Nothing was changed.")
        problems = list(report.problems)
        hosted = hosted_runner_problem(self.plan)
        if hosted:
            problems.append(hosted)
        self.notes += [Note(problem, warning=True) for problem in problems]
        self.report.notes.extend(problems)
        return Outcome.CHECKED, "done"

    def ecr(self) -> tuple[Outcome, str]:
        from dockwright.wizard.ecr_check import check_ecr_repository, unchecked_note

        found = check_ecr_repository(self.plan)
        if found is None:
            self.notes.append(Note(unchecked_note(self.plan), warning=True))
            self.report.notes.append(unchecked_note(self.plan))
            return Outcome.SKIPPED, "skipped: the aws command is not installed"
        if not found.ok:
            raise BadInput(found.text, "Then re-run apply; nothing was changed.")
        if not found.checked:
            self.notes.append(Note(found.text, warning=True))
            return Outcome.SKIPPED, "not checked"
        return Outcome.CHECKED, found.text

    def runner(self, rchange: RunnerChange) -> Iterator[ApplyEvent]:
        def create_or_reuse() -> Outcome:
            outcome = rchange.apply()
            self.notes += [Note(note) for note in rchange.notes]
            return outcome

        yield from self.step(rchange.summary, create_or_reuse)
        self.report.notes.extend(rchange.notes)
        self.session.after_runner_config(rchange.config_path)
        runner_id = rchange.runner_id
        assert runner_id is not None
        hint = "" if rchange.use_register_binary else (
            f" (gitlab-runner must be running with this config: `gitlab-runner run --config {rchange.config_path}`"
            ", or restart the gitlab-runner service)")

        def online() -> tuple[Outcome, str, str]:
            status = runner_setup.wait_online(self.client, runner_id, timeout=self.options.runner_online_timeout)
            return Outcome.CHECKED, status, f"runner #{runner_id} is {status}"

        yield from self.step(f"waiting for runner #{runner_id} to come online{hint}", online)
        yield from self.orphans(rchange)

    def sandbox_cluster(self) -> Iterator[ApplyEvent]:
        """The sandbox has no cluster to run the helm commands on, so dockwright plays the person's part that
        helm_note tells: the project runner is created in GitLab, and the sandbox starts it from the values file
        with its token, as `helm upgrade --install` does from the secret. The token stays in memory."""
        sandbox = self.session.sandbox
        assert sandbox is not None
        values = self.session.workdir / self.plan.runner.kubernetes.helm_values_path
        made: list[int] = []

        def install() -> tuple[Outcome, str, str]:
            runner = runner_setup.ensure_runner_in_gitlab(self.client, self.plan, self.project, config_text=None,
                                                          url=self.url)
            assert runner.token is not None  # created, or reused with a new token (no config.toml holds one)
            sandbox.register_runner_from_helm_values(values, token=runner.token.reveal())
            made.append(runner.id)
            said = f"runner #{runner.id} started from {values.name}, as helm upgrade --install would"
            return Outcome.DONE, said, f"sandbox: {said}"

        yield from self.step(f"sandbox: play the cluster (helm upgrade --install -f {values.name})", install)

        def online() -> tuple[Outcome, str, str]:
            status = runner_setup.wait_online(self.client, made[0], timeout=self.options.runner_online_timeout)
            return Outcome.CHECKED, status, f"runner #{made[0]} is {status}"

        yield from self.step(f"waiting for runner #{made[0]} to come online", online)

    def orphans(self, rchange: RunnerChange) -> Iterator[ApplyEvent]:
        """Runners dockwright created for this project that the config.toml does not hold (left by a run on
        another config, or by two applies at once before the lock): said, and deleted when agreed."""
        from dockwright.wizard.files import read_text_or_none

        found = runner_setup.orphan_runners(self.client, self.project, config_text=read_text_or_none(
            rchange.config_path), url=self.url, keep=rchange.runner_id)
        if not found:
            return

        def look() -> tuple[Outcome, str, str]:
            said = runner_setup.settle_orphans(self.client, found, rchange.config_path, self.options.delete_orphan)
            self.notes += [Note(text, warning=" kept" in text) for text in said]
            deleted = sum(1 for text in said if text.endswith(" deleted."))
            result = f"{deleted} deleted, {len(found) - deleted} kept"
            return (Outcome.DONE if deleted else Outcome.CHECKED), result, \
                f"runners dockwright created that no config.toml holds: {result}"

        yield from self.step("look for runners dockwright created that no config.toml holds", look)

    def lint(self) -> tuple[Outcome, str, str]:
        content = (self.session.workdir / ".gitlab-ci.yml").read_text(encoding="utf-8")
        result = self.client.lint(self.project, content)
        if not result.valid:
            detail = "\n".join(lint_error_context(content, result.errors))
            raise BadInput(f"GitLab says .gitlab-ci.yml is not valid:\n{detail}\n",
                           "Fix the answers (or your own part of the file) and re-run; nothing was committed.")
        self.notes += [Note(f"warning: {warning}", warning=True) for warning in result.warnings]
        return Outcome.CHECKED, "valid", "GitLab lint: .gitlab-ci.yml is valid"

    def commit_and_push(self) -> tuple[Outcome, str]:
        from dockwright.wizard.git import Repo

        git, paths = self.plan.git, commit_paths(self.session.workdir, self.plan)
        repo = Repo(self.session.workdir)
        if not repo.is_repo():
            return self.commit_through_api(paths)
        before = repo.branch_sha(git.branch)
        sha = repo.commit(paths, git.commit_message, git.branch, git.create_branch)
        if repo.hooks_skipped:
            self.notes.append(Note(repo.hooks_skipped, warning=True))
            self.report.notes.append(repo.hooks_skipped)
        committed = Outcome.DONE if sha != before else Outcome.ALREADY
        self.report.record(f"commit {', '.join(paths)} on {git.branch}", committed)
        self.notes.append(Note(f"commit {', '.join(paths)}: {committed} ({sha[:8]})"))
        if not self.options.push:
            self.report.record("push", Outcome.SKIPPED)
            return committed, f"committed {sha[:8]}; not pushed (--no-push)"
        remote = f"{self.url}/{self.project}.git"
        try:
            pushed = repo.push(remote, git.branch, self.session.token, ca_file=self.session.ca_file,
                               insecure=self.session.insecure)
        except DockwrightError:
            self.report.record(f"push {git.branch}", Outcome.FAILED)
            raise
        outcome = Outcome.DONE if pushed.pushed else Outcome.ALREADY
        self.report.record(f"push {git.branch} to {remote}", outcome)
        self.notes.append(Note(f"push {git.branch} to {remote}: {outcome}"))
        self.report.sha = pushed.sha
        if pushed.pushed:
            return Outcome.DONE, f"pushed commit {pushed.sha[:8]}"
        return committed, f"commit {pushed.sha[:8]} was pushed before; nothing new to push"

    def commit_through_api(self, paths: list[str]) -> tuple[Outcome, str]:
        git = self.plan.git
        what = f"commit {', '.join(paths)} on {git.branch} through the API (no local git clone)"
        self.notes.append(Note(what))
        if not self.options.push:
            self.report.record(what, Outcome.SKIPPED)
            return Outcome.SKIPPED, "skipped: without a git clone the commit goes through the API (--no-push)"
        files = {p: (self.session.workdir / p).read_text(encoding="utf-8") for p in paths}
        start = None if git.create_branch is False else (self.session.access.default_branch
                                                        if self.session.access else None)
        made = self.client.create_commit(self.project, branch=git.branch, message=git.commit_message, files=files,
                                         start_branch=start)
        if made is None:
            self.report.record(what, Outcome.ALREADY)
            found = self.client.get_branch(self.project, git.branch) or {}
            self.report.sha = (found.get("commit") or {}).get("id")
            return Outcome.ALREADY, "already committed"
        self.report.record(what, Outcome.DONE)
        self.report.sha = str(made["id"])
        return Outcome.DONE, f"committed {self.report.sha[:8]}"


# --------------------------------------------------------------------------------------------
# dockwright apply and --plain: the events as lines, then the pipeline and the registry
# --------------------------------------------------------------------------------------------

def print_event(event: ApplyEvent, out: IO[str]) -> None:
    """One event as the lines ``dockwright apply`` and ``--plain`` print."""
    if isinstance(event, StepStarted):
        out.write(f"→ {event.summary}\n")
    elif isinstance(event, StepDone):
        out.write(f"  {event.said}\n")
    elif isinstance(event, Note):
        out.write(f"  {'! ' if event.warning else ''}{event.text}\n")
    out.flush()


def run_apply(plan: Plan, session: Session, options: ApplyOptions | None = None,
              out: IO[str] | None = None) -> ApplyReport:
    """Apply ``plan``, printing each step on ``out``; then, with ``options.watch``, follow the pipeline and
    check the registry. Raises the first :class:`DockwrightError`; its ``.report`` holds what was done."""
    options = options or ApplyOptions()
    out = out or sys.stdout
    report = ApplyReport()
    try:
        for event in apply_events(plan, session, options):
            print_event(event, out)
            if isinstance(event, Finished):
                report = event.report
                if event.error is not None:
                    raise event.error
        if report.sha is not None and options.watch:
            from dockwright.wizard.apply_watch import follow_and_check

            report.exit_code = follow_and_check(plan, session, report, out, gitlab_wait=options.gitlab_wait,
                                                retry=options.retry_pipeline)
    except DockwrightError as exc:
        exc.report = report  # type: ignore[attr-defined]
        raise
    return report


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def ref_slug(ref: str) -> str:
    """GitLab's CI_COMMIT_REF_SLUG: lower-cased, non-alphanumerics as -, at most 63 characters, no - at the ends."""
    return re.sub(r"[^a-z0-9]", "-", ref.lower())[:63].strip("-")


def expected_tags(plan: Plan, sha: str, default_branch: str | None) -> list[str]:
    """The tags the generated pipeline pushes for a commit on the plan's branch."""
    tags = [sha, ref_slug(plan.git.branch)]
    if plan.pipeline.latest_on_default_branch and default_branch and plan.git.branch == default_branch:
        tags.append("latest")
    return tags


def lint_error_context(content: str, errors: list[str] | tuple[str, ...]) -> list[str]:
    """Each lint error, followed by the lines of the file it names (``... line N`` / ``jobs:x``)."""
    lines = content.splitlines()
    out: list[str] = []
    for err in errors:
        out.append(f"  {err}")
        m = re.search(r"line (\d+)", err)
        target: int | None = int(m.group(1)) if m else None
        if target is None:
            m = re.search(r"jobs:([A-Za-z0-9_.-]+)", err) or re.search(r"^([A-Za-z0-9_.-]+) (?:job|config)", err)
            if m:
                target = next((i + 1 for i, text in enumerate(lines) if text.startswith(f"{m.group(1)}:")), None)
        if target is not None:
            for n in range(max(1, target - 1), min(len(lines), target + 1) + 1):
                out.append(f"    {n:4d} | {lines[n - 1]}")
    return out


def other_registry_note(kind: str) -> str:
    """The one sentence said after a green pipeline that pushed to a registry other than GitLab's
    (apply's summary, the watch screen): where the image went, and that dockwright cannot list its tags."""
    name = REGISTRY_CHOICES.get(kind, kind).split(" (")[0]
    name = name[0].lower() + name[1:] if kind == "other" else name
    return (f"The image was pushed to {name}; dockwright checks only GitLab's own registry and cannot list "
            "that registry's tags, so look for them there.")
