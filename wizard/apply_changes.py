"""What an apply run would do, computed from the plan and the files as they are now, every time it is asked.

The files, the CI/CD variables and the runner as Change objects (:mod:`dockwright.wizard.changes`), the
local checks run before anything is written or sent (:func:`preflight`), and the list ``--dry-run`` prints
(:func:`dry_run`). Review lists the same changes and :mod:`dockwright.wizard.apply` runs them, so the three
describe the same work.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from dockwright.wizard import runner_setup
from dockwright.wizard.changes import FileChange, RunnerChange, VariableChange, plan_file_changes
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import EXIT_OK, BadInput
from dockwright.wizard.plan import Plan
from dockwright.wizard.render import file_paths
from dockwright.wizard.session import Session
from dockwright.wizard.steps import method_tradeoff


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
