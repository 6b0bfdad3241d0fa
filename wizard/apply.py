"""The apply run: the whole onboarding without a screen, each step idempotent.

files (as ``generate``) -> CI/CD variables -> runner (create or reuse, config.toml, online) -> lint ->
commit -> push -> follow the pipeline -> check the registry for the image tags -> summary.

Every step is a change with ``summary``, ``preview()`` and ``apply() -> "done" | "already in place"``
(the Change protocol of :mod:`dockwright.wizard.changes`), so ``--dry-run``, the review screen and a real run
describe the same work. A run killed half-way and started again finds what is already in place and
finishes the rest; nothing is created twice.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from dockwright.wizard.changes import Outcome, RunnerChange, VariableChange
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import EXIT_FAILED, EXIT_OK, BadInput, DockwrightError, PipelineFailed
from dockwright.wizard.files import read_text_or_none
from dockwright.wizard.plan import Plan
from dockwright.wizard.render import GENERATED_FILES
from dockwright.wizard.steps import REGISTRY_CHOICES
from dockwright.wizard import runner_setup

DONE, ALREADY, SKIPPED, FAILED, CHECKED = (Outcome.DONE, Outcome.ALREADY, Outcome.SKIPPED, Outcome.FAILED,
                                           Outcome.CHECKED)


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------

@dataclass
class ApplyOptions:
    dry_run: bool = False
    yes: bool = False
    push: bool = True
    watch: bool = True
    overwrite: bool = False
    ca_file: str | None = None  # the connection's --ca-file / --insecure, for git push as for the API
    insecure: bool = False
    runner_online_timeout: float = 120.0
    env: Mapping[str, str] | None = None  # where from_env values are read (os.environ by default)
    prompt: Callable[[str], str] | None = None  # hidden prompt for values without from_env
    confirm: Callable[[str], bool] | None = None  # yes/no question; None = no terminal
    after_runner_config: Callable[[Path], None] | None = None  # e.g. the sandbox reading config.toml


@dataclass
class ApplyReport:
    steps: list[tuple[str, str]] = field(default_factory=list)  # (summary, done / already in place / ...)
    notes: list[str] = field(default_factory=list)
    sha: str | None = None
    pipeline_status: str | None = None
    pipeline_id: int | None = None
    tags: list[str] = field(default_factory=list)
    pull_command: str | None = None
    exit_code: int = EXIT_OK

    def record(self, summary: str, result: str) -> None:
        self.steps.append((summary, result))

    def summary_lines(self) -> list[str]:
        lines = ["", "Summary"]
        for result in (DONE, ALREADY, CHECKED, SKIPPED, FAILED):
            lines += [f"  {result + ':':<17} {s}" for s, r in self.steps if r == result]
        lines += [f"  note: {n}" for n in self.notes]
        if self.pipeline_status:
            lines.append(f"  pipeline #{self.pipeline_id}: {self.pipeline_status}")
        if self.pull_command:
            lines.append(f"  pull the image: {self.pull_command}")
        return lines


def ref_slug(ref: str) -> str:
    """GitLab's CI_COMMIT_REF_SLUG: lower-cased, non-alphanumerics as -, at most 63 characters, no - at the ends."""
    return re.sub(r"[^a-z0-9]", "-", ref.lower())[:63].strip("-")


def expected_tags(plan: Plan, sha: str, default_branch: str | None) -> list[str]:
    """The tags the generated pipeline pushes for a commit on the plan's branch."""
    tags = [sha, ref_slug(plan.git.branch)]
    if plan.pipeline.latest_on_default_branch and default_branch and plan.git.branch == default_branch:
        tags.append("latest")
    return tags


def resolve_config_path(plan: Plan, directory: Path) -> Path:
    path = Path(plan.runner.config_path).expanduser()
    return path if path.is_absolute() else (directory / path)


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


class Applier:
    """One apply run. Use :func:`run_apply`; the pieces are methods so the UI can drive them one by one."""

    def __init__(self, plan: Plan, directory: Path, *, client: Any, token: Secret | None, url: str, project: str,
                 options: ApplyOptions, out: IO[str]) -> None:
        self.plan = plan
        self.directory = directory
        self.client = client
        self.token = token
        self.url = url
        self.project = project
        self.options = options
        self.out = out
        self.report = ApplyReport()
        self.default_branch: str | None = None

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _do(self, change: Any) -> str:
        self.say(f"→ {change.summary}")
        try:
            result = change.apply()
        except DockwrightError:
            self.report.record(change.summary, FAILED)
            raise
        self.report.record(change.summary, result)
        self.say(f"  {result}")
        return result

    # ---- steps -------------------------------------------------------------------------------

    def file_changes(self) -> list[Any]:
        from dockwright.wizard.changes import plan_file_changes

        return list(plan_file_changes(self.plan, self.directory, overwrite=self.options.overwrite))

    def variable_changes(self, with_values: bool) -> list[VariableChange]:
        from dockwright.wizard.render.registry import all_variables
        from dockwright.wizard.variables import variable_values

        if not with_values:
            return [VariableChange(self.client, self.project, s, None) for s in all_variables(self.plan)]
        import os

        env = self.options.env if self.options.env is not None else os.environ
        return [VariableChange(self.client, self.project, s, v)
                for s, v in variable_values(self.plan, env, self.options.prompt)]

    def runner_change(self) -> RunnerChange | None:
        if not self.plan.uses_own_runner:
            return None
        import os

        env = self.options.env if self.options.env is not None else os.environ
        reg = None
        if self.plan.runner.workflow == "registration-token" and env.get("RUNNER_REGISTRATION_TOKEN"):
            reg = Secret(env["RUNNER_REGISTRATION_TOKEN"])
        binary = None
        found = runner_setup.gitlab_runner_binary()
        if found and not self.options.dry_run and self.options.confirm is not None and self.options.confirm(
                f"gitlab-runner is installed ({found}). Register the runner with it now (the token goes through "
                "its environment, not its command line)?"):
            binary = found
        return RunnerChange(self.client, self.plan, self.project, self.url,
                            resolve_config_path(self.plan, self.directory), registration_token=reg,
                            use_register_binary=binary)

    def dry_run(self) -> int:
        self.say("Dry run: nothing is written, nothing is sent to GitLab.\n")
        for change in self.file_changes():
            self.say(f"• {change.summary}")
            preview = change.preview()
            if preview:
                self.say(preview.rstrip("\n"))
        for vchange in self.variable_changes(with_values=False):
            self.say(f"• {vchange.summary}\n  {vchange.preview()}")
        rchange = self.runner_change()
        if rchange is not None:
            self.say(f"• {rchange.summary}")
            self.say("\n".join("  " + line for line in rchange.preview().splitlines()))
        self.say(f"• lint: POST /projects/{self.project}/ci/lint content=<.gitlab-ci.yml>")
        self.say(f"• commit {', '.join(GENERATED_FILES)} on {self.plan.git.branch}: {self.plan.git.commit_message!r}")
        if self.options.push:
            self.say(f"• push {self.plan.git.branch} to {self.url}/{self.project}.git (token through GIT_ASKPASS)")
            if self.options.watch:
                self.say("• follow the pipeline of the pushed commit, then check the registry for the image tags")
        return EXIT_OK

    def access(self) -> None:
        report = self.client.check_access(self.project)
        self.default_branch = report.default_branch
        scopes = ", ".join(report.scopes) or "unknown"
        self.say(f"Connected to {self.url} (GitLab {report.version}) as {report.username}; token scopes: {scopes}; "
                 f"role in {report.project_path}: {report.access_level_name}.")
        for problem in report.problems:
            self.say(f"  ! {problem}")
            self.report.notes.append(problem)

    def lint(self) -> None:
        ci = self.directory / ".gitlab-ci.yml"
        content = ci.read_text(encoding="utf-8")
        self.say("→ GitLab lint of .gitlab-ci.yml")
        result = self.client.lint(self.project, content)
        if not result.valid:
            self.report.record("GitLab lint of .gitlab-ci.yml", FAILED)
            detail = "\n".join(lint_error_context(content, result.errors))
            raise BadInput(f"GitLab says .gitlab-ci.yml is not valid:\n{detail}\n",
                           "Fix the answers (or your own part of the file) and re-run; nothing was committed.")
        for warning in result.warnings:
            self.say(f"  warning: {warning}")
        self.report.record("GitLab lint: .gitlab-ci.yml is valid", CHECKED)
        self.say("  valid")

    def commit_paths(self) -> list[str]:
        paths = [name for name in GENERATED_FILES if (self.directory / name).exists()]
        answers = self.directory / "dockwright.yml"
        if answers.exists():
            paths.append("dockwright.yml")
        return paths

    def commit_and_push(self) -> str | None:
        from dockwright.wizard.git import Repo

        repo = Repo(self.directory)
        paths = self.commit_paths()
        summary = f"commit {', '.join(paths)} on {self.plan.git.branch}"
        if not repo.is_repo():
            return self.commit_through_api(paths)
        before = repo.branch_sha(self.plan.git.branch)
        sha = repo.commit(paths, self.plan.git.commit_message, self.plan.git.branch, self.plan.git.create_branch)
        self.report.record(summary, DONE if sha != before else ALREADY)
        self.say(f"→ {summary}\n  {DONE if sha != before else ALREADY} ({sha[:8]})")
        if not self.options.push:
            self.report.record("push", SKIPPED)
            return None
        remote = f"{self.url}/{self.project}.git"
        self.say(f"→ push {self.plan.git.branch} to {remote}")
        try:
            pushed = repo.push(remote, self.plan.git.branch, self.token, ca_file=self.options.ca_file,
                               insecure=self.options.insecure)
        except DockwrightError:
            self.report.record(f"push {self.plan.git.branch}", FAILED)
            raise
        self.report.record(f"push {self.plan.git.branch} to {remote}", DONE if pushed.pushed else ALREADY)
        self.say(f"  {DONE if pushed.pushed else ALREADY}")
        return pushed.sha

    def commit_through_api(self, paths: list[str]) -> str | None:
        summary = f"commit {', '.join(paths)} on {self.plan.git.branch} through the API (no local git clone)"
        self.say(f"→ {summary}")
        if not self.options.push:
            self.report.record(summary, SKIPPED)
            return None
        files = {p: (self.directory / p).read_text(encoding="utf-8") for p in paths}
        start = None if self.plan.git.create_branch is False else self.default_branch
        made = self.client.create_commit(self.project, branch=self.plan.git.branch,
                                         message=self.plan.git.commit_message, files=files, start_branch=start)
        if made is None:
            self.report.record(summary, ALREADY)
            branch = self.client.get_branch(self.project, self.plan.git.branch) or {}
            self.say(f"  {ALREADY}")
            return (branch.get("commit") or {}).get("id")
        self.report.record(summary, DONE)
        self.say(f"  {DONE} ({made['id'][:8]})")
        return str(made["id"])

    def follow(self, sha: str) -> int:
        from dockwright.wizard.watch import follow
        from dockwright.wizard.watch_plain import print_plain

        self.say(f"→ following the pipeline of {sha[:8]} on {self.plan.git.branch}")
        code = asyncio.run(print_plain(follow(self.client, self.project, sha=sha, ref=self.plan.git.branch),
                                       self.out))
        pipelines = self.client.find_pipelines(self.project, sha=sha, ref=self.plan.git.branch)
        if pipelines:
            self.report.pipeline_id = pipelines[0]["id"]
            self.report.pipeline_status = pipelines[0]["status"]
        return code

    def check_registry(self, sha: str) -> int:
        if self.plan.registry.kind != "gitlab":
            self.report.notes.append(other_registry_note(self.plan.registry.kind))
            return EXIT_OK
        wanted = expected_tags(self.plan, sha, self.default_branch)
        self.say(f"→ registry: looking for tags {', '.join(t[:12] for t in wanted)}")
        repos = self.client.registry_tags(self.project)
        location, tags = next(((loc, tags) for loc, tags in repos.items() if sha in tags), (None, []))
        missing = [t for t in wanted if t not in tags]
        self.report.tags = [t for t in wanted if t in tags]
        if location is None or missing:
            self.report.record("image tags in the container registry", FAILED)
            raise PipelineFailed(
                f"The pipeline passed but the registry lacks the tags {', '.join(missing)}.",
                "Open the build job's log: the push step may have gone to another image name.")
        self.report.record(f"image tags in {location}: {', '.join(t[:12] for t in wanted)}", CHECKED)
        self.report.pull_command = f"docker pull {location}:{wanted[-1] if wanted[-1] == 'latest' else sha}"
        self.say(f"  present; {self.report.pull_command}")
        return EXIT_OK

    # ---- the whole run -----------------------------------------------------------------------

    def run(self) -> ApplyReport:
        if self.options.dry_run:
            self.report.exit_code = self.dry_run()
            return self.report
        self.access()
        for change in self.file_changes():
            self._do(change)
        for vchange in self.variable_changes(with_values=True):
            self._do(vchange)
        rchange = self.runner_change()
        if rchange is not None:
            self._do(rchange)
            self.report.notes.extend(rchange.notes)
            if self.options.after_runner_config is not None:
                self.options.after_runner_config(rchange.config_path)
            assert rchange.runner_id is not None
            hint = "" if rchange.use_register_binary else (
                f" (gitlab-runner must be running with this config: `gitlab-runner run --config {rchange.config_path}`"
                ", or restart the gitlab-runner service)")
            self.say(f"→ waiting for runner #{rchange.runner_id} to come online{hint}")
            status = runner_setup.wait_online(self.client, rchange.runner_id,
                                              timeout=self.options.runner_online_timeout)
            self.report.record(f"runner #{rchange.runner_id} is {status}", CHECKED)
            self.say(f"  {status}")
        self.lint()
        sha = self.commit_and_push()
        self.report.sha = sha
        if sha is None or not self.options.watch:
            return self.report
        code = self.follow(sha)
        if code != EXIT_OK:
            self.report.exit_code = EXIT_FAILED
            return self.report
        self.report.exit_code = self.check_registry(sha)
        return self.report


def other_registry_note(kind: str) -> str:
    """The one sentence said after a green pipeline that pushed to a registry other than GitLab's
    (apply's summary, the watch screen): where the image went, and that dockwright cannot list its tags."""
    name = REGISTRY_CHOICES.get(kind, kind).split(" (")[0]
    name = name[0].lower() + name[1:] if kind == "other" else name
    return (f"The image was pushed to {name}; dockwright checks only GitLab's own registry and cannot list "
            "that registry's tags, so look for them there.")


def run_apply(plan: Plan, directory: str | Path, *, client: Any, token: Secret | None, url: str,
              options: ApplyOptions | None = None, out: IO[str] | None = None) -> ApplyReport:
    """Run the plan against GitLab. Raises a :class:`DockwrightError` on the first step that fails;
    ``.report`` on the error holds what was done before (for the summary)."""
    applier = Applier(plan, Path(directory), client=client, token=token, url=url, project=plan.gitlab.project,
                      options=options or ApplyOptions(), out=out or sys.stdout)
    try:
        return applier.run()
    except DockwrightError as exc:
        exc.report = applier.report  # type: ignore[attr-defined]
        raise
