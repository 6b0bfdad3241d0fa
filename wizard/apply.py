"""The apply run as a stream of events, each step idempotent.

access -> files (as ``generate``) -> CI/CD variables -> runner (create or reuse, config.toml, online) ->
lint -> commit and push; then, in ``dockwright apply`` and ``--plain``, follow the pipeline and check the
registry for the image tags -> summary.

:func:`apply_events` is an iterator of typed events (:class:`StepStarted`, :class:`StepDone`,
:class:`StepFailed`, :class:`Note`, and last :class:`Finished`), like ``watch.follow``. The Apply screen
renders them; :func:`run_apply` prints them for ``dockwright apply`` and ``--plain``. The list of changes
is computed from the plan and the files on disk when the run starts, every time. Every change follows the
Change protocol of :mod:`dockwright.wizard.changes`, so ``--dry-run``, the review and a real run describe
the same work. A run killed half-way and started again finds what is already in place and finishes the
rest; nothing is created twice.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TypeAlias

from dockwright.wizard import runner_setup
from dockwright.wizard.changes import FileChange, Outcome, RunnerChange, VariableChange, plan_file_changes
from dockwright.wizard.checks import hosted_runner_problem
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import EXIT_OK, BadInput, DockwrightError
from dockwright.wizard.plan import Plan
from dockwright.wizard.render import file_paths
from dockwright.wizard.session import Session
from dockwright.wizard.steps import REGISTRY_CHOICES, method_tradeoff


@dataclass
class ApplyOptions:
    dry_run: bool = False
    push: bool = True
    watch: bool = True  # dockwright apply / --plain: follow the pipeline after the push
    overwrite: bool = False
    runner_online_timeout: float = 120.0
    gitlab_wait: float = 60.0  # GitLab unreachable this long in a row while following the pipeline: exit 5
    env: Mapping[str, str] | None = None  # where from_env values are read (os.environ by default)
    prompt: Callable[[str], str] | None = None  # hidden prompt for values neither typed nor from_env
    confirm: Callable[[str], bool] | None = None  # yes/no question; None = no terminal
    # delete a runner dockwright created that no config.toml holds? None: say how (--delete-orphan-runners)
    delete_orphan: Callable[[str], bool] | None = None
    # the pushed commit's pipeline failed before (a re-run): retry it? None: say how (--retry-pipeline)
    retry_pipeline: Callable[[str], bool] | None = None
    lock_wait: float | None = None  # another apply on this repository or config.toml: wait this long (default
    # apply_lock.LOCK_WAIT), then exit 75


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
# what would be done: the changes, computed from the plan and the files as they are now
# --------------------------------------------------------------------------------------------

def resolve_config_path(plan: Plan, directory: Path) -> Path:
    path = Path(plan.runner.config_path).expanduser()
    return path if path.is_absolute() else (directory / path)


def _env(options: ApplyOptions) -> Mapping[str, str]:
    return options.env if options.env is not None else os.environ


def file_changes(plan: Plan, session: Session, options: ApplyOptions) -> list[FileChange]:
    return plan_file_changes(plan, session.workdir, overwrite=options.overwrite)


def variable_changes(plan: Plan, session: Session, options: ApplyOptions, *,
                     with_values: bool) -> list[VariableChange]:
    """One change per CI/CD variable; ``with_values`` reads each value (from_env, typed, or asked)."""
    from dockwright.wizard.render.registry import all_variables
    from dockwright.wizard.variables import DOCKER_AUTH_CONFIG, raw_if_dollar, variable_values

    project = plan.gitlab.project
    if not with_values:
        def source(key: str) -> str:
            if key == DOCKER_AUTH_CONFIG:
                return "built from the registry's other variables, hidden"
            return "typed on the registry step, hidden" if session.secrets.get(key) else ""

        return [VariableChange(session.client, project, raw_if_dollar(s, session.secrets.get(s.key)), None,
                               "" if s.from_env else source(s.key))
                for s in all_variables(plan)]
    return [VariableChange(session.client, project, s, v)
            for s, v in variable_values(plan, _env(options), options.prompt, typed=session.secrets)]


def runner_change(plan: Plan, session: Session, options: ApplyOptions) -> RunnerChange | None:
    if not plan.uses_own_runner or plan.runner_kind == "kubernetes":  # Helm installs that one (helm_note)
        return None
    env = _env(options)
    reg = session.registration_token
    if reg is None and plan.runner.workflow == "registration-token" and env.get("RUNNER_REGISTRATION_TOKEN"):
        reg = Secret(env["RUNNER_REGISTRATION_TOKEN"])
    binary = None
    found = runner_setup.gitlab_runner_binary()
    if found and not options.dry_run and options.confirm is not None and options.confirm(
            f"gitlab-runner is installed ({found}). Register the runner with it now (the token goes through "
            "its environment, not its command line)?"):
        binary = found
    return RunnerChange(session.client, plan, plan.gitlab.project, plan.gitlab.url,
                        resolve_config_path(plan, session.workdir),
                        registration_token=reg if plan.runner.workflow == "registration-token" else None,
                        use_register_binary=binary)


def helm_note(plan: Plan) -> str:
    """What to run for a Kubernetes runner: dockwright wrote the chart's values, the cluster is the user's."""
    from dockwright.wizard.render import render_register_command

    return (f"Kubernetes runner: {plan.runner.kubernetes.helm_values_path} holds the Helm chart's values (no token; "
            "committed with the pipeline). Create a project runner in GitLab (Settings > CI/CD > Runners > New project runner, "
            f"tags {', '.join(plan.runner.tags) or 'none'}), then run, with kubectl pointed at your cluster:\n"
            + render_register_command(plan, url=plan.gitlab.url).rstrip("\n"))


def kubernetes_runner_line(plan: Plan, session: Session) -> tuple[str, str]:
    """(summary, what it does) of a Kubernetes runner, for the dry run and Review: Helm starts it on the
    person's cluster; in the sandbox, dockwright plays that part."""
    values = plan.runner.kubernetes.helm_values_path
    if session.sandbox is not None:
        return (f"sandbox: project runner \"{plan.runner.description}\" started from {values}",
                f"POST /user/runners runner_type=project_type description={plan.runner.description!r} "
                f"tag_list={list(plan.runner.tags)}, then the sandbox starts it from {values} with its token, "
                "as helm upgrade --install does on a cluster (on your own GitLab you run the helm commands)")
    return "runner: Helm, on your cluster", helm_note(plan)


def committed_files(plan: Plan) -> list[str]:
    """What the commit holds: the generated files and, for a Kubernetes runner, the Helm chart's values. The
    values file has no token and lies in the repository (check_plan keeps it there): committed, the team can
    run the same `helm upgrade` later, and the tree is clean after the push rather than showing it untracked."""
    paths = list(file_paths(plan).values())
    if plan.helm_runner:
        paths.append(posixpath.normpath(plan.runner.kubernetes.helm_values_path))
    return paths


def commit_paths(directory: Path, plan: Plan) -> list[str]:
    paths = [name for name in committed_files(plan) if (directory / name).exists()]
    if (directory / "dockwright.yml").exists():
        paths.append("dockwright.yml")
    return paths


@dataclass
class Prepared:
    """The run's changes, each one checked locally (see :func:`preflight`)."""

    files: list[FileChange]
    variables: list[VariableChange]
    runner: RunnerChange | None


def preflight(plan: Plan, session: Session, options: ApplyOptions) -> Prepared:
    """Every check that needs neither GitLab nor a write, run before the first of either, so that a bad input
    (exit 2) leaves the files, the runner config and GitLab as they were: the runner's config path and its
    config.toml, the branch name, the files dockwright merges into, every variable's value (from_env set,
    maskable, not too long)."""
    from dockwright.wizard.git import Repo

    if plan.uses_own_runner and plan.runner_kind != "kubernetes":  # no config.toml for Kubernetes
        if not plan.runner.config_path.strip():
            raise BadInput("runner.config_path is empty.",
                           "Set it in the answers file to the runner's config.toml (e.g. "
                           "/etc/gitlab-runner/config.toml, or ~/.gitlab-runner/config.toml for a non-root runner).")
        runner_setup.check_config(resolve_config_path(plan, session.workdir))
    repo = Repo(session.workdir)
    if repo.is_repo():
        repo.check_branch(plan.git.branch, plan.git.create_branch)
    files = file_changes(plan, session, options)
    variables = variable_changes(plan, session, options, with_values=True)
    return Prepared(files, variables, runner_change(plan, session, options))


DRY_RUN_HEADING = "Dry run: nothing is written, nothing is sent to GitLab."


def dry_run(plan: Plan, session: Session, options: ApplyOptions, out: IO[str], *,
            heading: str = DRY_RUN_HEADING) -> int:
    """Print every change (files as diffs, API calls with secrets hidden) and do nothing. ``heading`` says
    what the list is: a dry run (``apply --dry-run``), or the review before a choice (``--plain``)."""
    def say(text: str) -> None:
        out.write(text + "\n")

    project, url = plan.gitlab.project, plan.gitlab.url
    say(heading + "\n")
    say(method_tradeoff(plan.executor) + "\n")
    for change in file_changes(plan, session, options):
        say(f"• {change.summary}")
        preview = change.preview()
        if preview:
            say(preview.rstrip("\n"))
    for vchange in variable_changes(plan, session, options, with_values=False):
        say(f"• {vchange.summary}\n  {vchange.preview()}")
    rchange = runner_change(plan, session, replace(options, dry_run=True))
    if rchange is not None:
        say(f"• {rchange.summary}")
        say("\n".join("  " + line for line in rchange.preview().splitlines()))
    elif plan.helm_runner:
        summary, what = kubernetes_runner_line(plan, session)
        say(f"• {summary}\n  " + "\n  ".join(what.splitlines()))
    say(f"• lint: POST /projects/{project}/ci/lint content=<.gitlab-ci.yml>")
    say(f"• commit {', '.join(committed_files(plan))} on {plan.git.branch}: {plan.git.commit_message!r}")
    if options.push:
        say(f"• push {plan.git.branch} to {url}/{project}.git (token through GIT_ASKPASS)")
        if options.watch:
            say("• follow the pipeline of the pushed commit, then check the registry for the image tags")
    out.flush()
    return EXIT_OK


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
