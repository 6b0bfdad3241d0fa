"""`dockwright --plain`: the wizard's questions as line prompts (questionary), for screen readers,
serial consoles, CI debug shells and copy-pasteable transcripts.

Same steps in the same order as the Textual wizard (:data:`wizard.steps.STEPS`), the same Plan, the
same checks, generators and services: this module only asks and hands the Plan on. Every question
shows its default and a one-line why; ``?`` (or the Help choice) prints the step's teaching page.
Nothing is written or sent before the list of changes has been confirmed once. Ctrl-C at any prompt
stops without leaving anything half-done and offers to save the answers (never a secret).

questionary is imported here and nowhere else in ``wizard/``.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import questionary
from questionary import Choice

from wizard.credentials import Secret, redact_url, resolve_token, resolve_url
from wizard.errors import EXIT_OK, BadInput, DockwrightError, GitLabRefused, NetworkError
from wizard.help_text import help_page_text
from wizard.plan import (
    ANSWERS_FILE, EXECUTORS, LANGUAGES, REGISTRY_KINDS, RUNNER_WORKFLOWS, Plan, VariableSpec, check_plan,
    load_answers, replace_in, save_answers,
)
from wizard.steps import EXECUTOR_CHOICES, RECOMMENDED_EXECUTOR, REGISTRY_CHOICES, STEPS, Step, next_step, step

EXIT_INTERRUPTED = 130
HELP = "?"
_HELP_CHOICE = "__help__"


class Interrupted(Exception):
    """Ctrl-C (or the end of input) at a prompt."""


class _Back(Exception):
    """Internal: the step must be asked again (e.g. the token was refused)."""


# One line of "why" per question (the answers file's comments say *what* a field is; these say why it matters).
WHY: dict[str, str] = {
    "GitLabSpec.url": "every API call and the push go to this GitLab; self-managed instances have their own address",
    "Plan.executor": "it decides where the job's Docker daemon comes from, and what a job may do on the host",
    "RunnerSpec.workflow": "GitLab 17.0+ refuses registration tokens by default; the glrt- token is the current way",
    "RunnerSpec.description": "it names the runner in GitLab's list, so you can tell it from others later",
    "RunnerSpec.tags": "GitLab gives a job only to runners carrying all its tags; dockwright tags its jobs the same",
    "RunnerSpec.run_untagged": "off keeps other projects' untagged jobs away from a privileged runner",
    "RunnerSpec.protected": "on means pipelines of unprotected branches never reach this runner",
    "RunnerSpec.docker_image": "jobs without an image: run in it; the docker CLI image fits a build runner",
    "RunnerSpec.config_path": "gitlab-runner reads its runners from this file; it holds the runner's token (mode 0600)",
    "RegistrySpec.kind": "the pipeline logs in and pushes there; GitLab's own registry needs no secret at all",
    "RegistrySpec.image": "the repository the image is pushed to; the pipeline adds the tags",
    "RegistrySpec.host": "docker login and the image name both need the registry's host",
    "RegistrySpec.region": "an ECR registry's address contains its AWS region",
    "RegistrySpec.account": "an ECR registry's address starts with the 12-digit AWS account id",
    "VariableSpec.key": "jobs read it as an environment variable of this name",
    "VariableSpec.masked": "masked values show as [MASKED] in job logs (GitLab needs 8+ characters, no spaces)",
    "VariableSpec.hidden": "hidden values can never be read back in GitLab's settings, only replaced",
    "VariableSpec.protected": "protected values are empty on unprotected branches, so a login there would fail",
    "VariableSpec.from_env": "the value is read from your shell each time and never written anywhere",
    "DockerfileSpec.language": "python gets a working Dockerfile; generic gets a marked starting point you edit",
    "DockerfileSpec.base_image": "a pinned, supported base image builds the same way next month and gets fixes",
    "DockerfileSpec.workdir": "the app's files live there inside the image",
    "DockerfileSpec.requirements": "dependencies are installed before the code is copied, so that layer stays cached",
    "DockerfileSpec.port": "EXPOSE documents where the app listens; it must be the port the app really uses",
    "DockerfileSpec.command": "what the container runs when it starts (exec form, so the app gets SIGTERM)",
    "DockerfileSpec.env": "settings baked into the image; never secrets, they stay readable in it",
    "DockerfileSpec.non_root": "a bug in the app then does not run as root in the container",
    "PipelineSpec.docker_version": "the docker CLI and the dind service must match; pinned, they do not drift",
    "PipelineSpec.latest_on_default_branch": "latest then only ever names an image built from the default branch",
    "GitSpec.branch": "the pipeline runs for the branch the commit is pushed to",
    "GitSpec.commit_message": "the commit that adds the files, and starts the first pipeline",
}


def _fields_help(cls: type, name: str) -> str:
    """The question's one-line why (falling back to the Plan field's own help)."""
    return WHY.get(f"{cls.__name__}.{name}") or next(
        f.metadata.get("help", "") for f in dataclasses.fields(cls) if f.name == name)


class PlainWizard:
    """One run of the line-prompt onboarding in ``directory``.

    ``out`` receives everything printed (the transcript); ``env`` is where tokens and variable values are
    looked up (``GITLAB_TOKEN``, ``from_env`` names). ``connect`` makes the GitLab client (tests and the
    sandbox pass the real one; the default is :meth:`wizard.gitlab.GitLabClient.connect`).
    """

    def __init__(self, directory: Path, *, answers_path: Path | None = None, out: IO[str] | None = None,
                 env: Mapping[str, str] | None = None, sandbox: Any = None,
                 connect: Callable[[str, Secret], Any] | None = None) -> None:
        self.directory = directory
        self.answers_path = answers_path or directory / ANSWERS_FILE
        self.out = out or sys.stdout
        self.env = dict(os.environ if env is None else env)
        self.sandbox = sandbox
        self._connect = connect
        self.token: Secret | None = None
        self.client: Any = None
        self.access: Any = None
        self.values: dict[str, Secret] = {}  # CI/CD variable values typed at the prompt, in memory only
        self.applying = False
        self.detection: Any = None

    # ------------------------------------------------------------------------------------------
    # output and prompts
    # ------------------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        """Print prose, each line wrapped at the terminal's width (continuations indented under it)."""
        width = _width()
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
        self.say(help_page_text(s.help_page, width=_width()).rstrip())
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
            problem = check(answer) if check else (None if answer else "Nothing was typed.")
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
        if why:
            self.say(f"  why: {why}")
        return bool(self._ask(questionary.confirm(f"{message}?", default=default)))

    # ------------------------------------------------------------------------------------------
    # the run
    # ------------------------------------------------------------------------------------------

    def start_plan(self) -> Plan:
        """Detection's defaults, then the answers file when there is one (its answers win)."""
        from wizard.detect import detect, detect_plan

        try:
            self.detection = detect(self.directory)
            plan = detect_plan(self.directory)
        except BadInput as exc:
            self.say(f"dockwright: {exc}")
            plan = Plan()
        if self.answers_path.is_file():
            plan = load_answers(self.answers_path, defaults=plan)
            self.say(f"Starting from the answers in {self.answers_path}.")
        if self.sandbox is not None:
            from wizard.plan import RunnerSpec

            plan = replace_in(plan, "gitlab", url=self.sandbox.url, project=self.sandbox.project_path)
            if plan.runner.config_path == RunnerSpec().config_path:  # /etc is not ours to write when practising
                plan = replace_in(plan, "runner",
                                  config_path=str(Path(self.sandbox.data_dir).parent / "runner" / "config.toml"))
        return plan

    def run(self) -> int:
        plan = Plan()
        try:
            plan = self.start_plan()
            self.say("dockwright --plain: the onboarding as questions. Enter keeps the default shown. "
                     "Ctrl-C stops; nothing is written or sent before you confirm the list of changes.")
            if self.sandbox is not None:
                self.say(f"SANDBOX: practising against the local sandbox GitLab at {self.sandbox.url} "
                         "(nothing here touches a real GitLab).")
            current: Step | None = step("connect")
            while current is not None and current.id not in ("review", "apply", "watch"):
                plan = self.ask_step(current, plan)
                current = next_step(plan, current.id)
            return self.review_and_apply(plan)
        except (Interrupted, KeyboardInterrupt):
            return self.interrupted(plan)
        except DockwrightError as exc:
            self.say(f"dockwright: {exc}")
            return exc.exit_code

    def ask_step(self, s: Step, plan: Plan) -> Plan:
        ask = getattr(self, f"ask_{s.id}")
        while True:
            number = [x.id for x in STEPS].index(s.id) + 1
            self.say()
            self.say(f"[{number}/{len(STEPS)}] {s.title}")
            self.say(f"  {s.why}")
            self.say(f"  (type {HELP} at a question, or pick Help, for the page about this step)")
            try:
                new = ask(s, plan)
            except _Back:
                continue
            problems = [p for p in check_plan(new) if p[0].split(".")[0].split("[")[0] in _SECTIONS[s.id]]
            if not problems:
                return new
            for key, problem, allowed in problems:
                self.say(f"  ! {key} {problem}. Allowed: {allowed}.")
            plan = new

    def interrupted(self, plan: Plan) -> int:
        self.say()
        if self.applying:
            self.say("Interrupted while applying. Every change is idempotent: run dockwright again with the same "
                     "answers and it finishes what is left, skipping what is already done.")
        else:
            self.say("Interrupted: nothing was written and nothing was sent to GitLab.")
        try:
            if self.confirm(f"Save your answers to {self.answers_path} (never a token or a variable value)", True):
                save_answers(plan, self.answers_path)
                self.say(f"Saved. Re-run with: dockwright --plain (it starts from {self.answers_path.name}).")
        except Interrupted:
            pass
        return EXIT_INTERRUPTED

    # ------------------------------------------------------------------------------------------
    # the steps, in the order of wizard.steps.STEPS
    # ------------------------------------------------------------------------------------------

    def ask_connect(self, s: Step, plan: Plan) -> Plan:
        if self.sandbox is not None:
            url, source = self.sandbox.url, "the sandbox"
        else:
            url, source = resolve_url(plan_url=plan.gitlab.url if self.answers_path.is_file() else None,
                                      env=self.env, repo_path=self.directory)
        self.say(f"  GitLab URL found in: {source}")
        url = self.text(s, "GitLab URL", redact_url(url), _fields_help(type(plan.gitlab), "url"), _url_problem)
        url = url.rstrip("/")
        token: Secret | None = None
        if self.token is None:
            if self.sandbox is not None:
                token, where = Secret(self.sandbox.token), "the sandbox (a practice token)"
            else:
                try:
                    token, where = resolve_token(url, env=self.env)
                except BadInput:
                    token, where = None, ""
            if token is not None and self.confirm(f"Use the token from {where}", True):
                self.token = token
        if self.token is None:
            self.say("  (a personal access token with the api scope, plus create_runner for a runner; "
                     "it is typed hidden and never saved)")
            self.token = self.secret("Personal access token")
        self.client = self.make_client(url, self.token)
        return replace_in(plan, "gitlab", url=url)

    def make_client(self, url: str, token: Secret) -> Any:
        if self._connect is not None:
            return self._connect(url, token)
        from wizard.gitlab import GitLabClient

        return GitLabClient.connect(url, token, warn=self.say)

    def ask_project(self, s: Step, plan: Plan) -> Plan:
        for note in getattr(self.detection, "notes", ()) or ():
            self.say(f"  - {note}")
        d = plan.dockerfile
        self.say(f"  - Dockerfile plan: {d.language} on {d.base_image}, port "
                 f"{d.port if d.port is not None else 'none'}, command {' '.join(d.command)}.")
        project = self.text(s, "GitLab project path", plan.gitlab.project, "the project's path in GitLab, as in its "
                            "URL, e.g. group/sub/app", _project_problem)
        plan = replace_in(plan, "gitlab", project=project.strip("/"))
        self.say("  Testing the connection...")
        try:
            report = self.client.check_access(plan.gitlab.project)
        except GitLabRefused as exc:
            self.say(f"  ! {exc}")
            if getattr(exc, "code", "") in ("token_invalid", "token_expired", "token_revoked", "scope_missing"):
                self.say("  The token was refused; type another one.")
                self.token = self.secret("Personal access token")
                self.client = self.make_client(plan.gitlab.url, self.token)
            raise _Back from None
        except NetworkError as exc:
            self.say(f"  ! {exc}")
            raise _Back from None
        self.access = report
        scopes = ", ".join(report.scopes) if report.scopes else "not reported"
        self.say(f"  Connected to GitLab {report.version} at {report.url} as {report.username}; token scopes: "
                 f"{scopes}; your role in {report.project_path}: {report.access_level_name}.")
        for problem in report.problems:
            self.say(f"  ! {problem}")
        if report.problems and not self.confirm("Continue anyway (applying may fail where noted)", False):
            raise _Back
        if report.default_branch and not self.answers_path.is_file():
            plan = replace_in(plan, "git", branch=report.default_branch)
        return plan

    def ask_executor(self, s: Step, plan: Plan) -> Plan:
        for key in EXECUTORS:
            label, tradeoffs = EXECUTOR_CHOICES[key]
            self.say(f"  {label}{' (recommended)' if key == RECOMMENDED_EXECUTOR else ''}")
            for line in tradeoffs.splitlines():
                self.say(f"      {line}")
        choices = [(k, EXECUTOR_CHOICES[k][0] + (" (recommended)" if k == RECOMMENDED_EXECUTOR else ""))
                   for k in EXECUTORS]
        executor = self.select(s, "How should jobs run Docker", choices, plan.executor,
                               _fields_help(Plan, "executor"))
        return dataclasses.replace(plan, executor=executor)

    def ask_runner(self, s: Step, plan: Plan) -> Plan:
        from wizard.plan import RunnerSpec

        r = plan.runner
        h = lambda name: _fields_help(RunnerSpec, name)  # noqa: E731
        workflow = self.select(s, "How to register the runner", [
            ("authentication-token", "Create it in GitLab, register with its glrt- token (current way)"),
            ("registration-token", "Legacy registration token (deprecated since 15.6, off by default since 17.0)"),
        ], r.workflow if r.workflow in RUNNER_WORKFLOWS else RUNNER_WORKFLOWS[0], h("workflow"))
        description = self.text(s, "Runner description", r.description, h("description"),
                                lambda v: None if v else "Give the runner a description, e.g. My Docker Runner.")
        tags = self.text(s, "Runner tags (comma separated)", ", ".join(r.tags), h("tags"))
        run_untagged = self.confirm("Also run jobs without tags", r.run_untagged, h("run_untagged"))
        protected = self.confirm("Only run jobs from protected branches and tags", r.protected, h("protected"))
        docker_image = r.docker_image
        if plan.executor.startswith("docker"):
            docker_image = self.text(s, "Default image for jobs", r.docker_image, h("docker_image"))
        else:
            self.say("  Shell executor host set-up: install Docker Engine, then `sudo usermod -aG docker "
                     "gitlab-runner`; that makes every job root-equivalent on that host.")
        config_path = self.text(s, "Path of the runner's config.toml", r.config_path, h("config_path"))
        return replace_in(plan, "runner", workflow=workflow, description=description,
                          tags=tuple(t.strip() for t in tags.split(",") if t.strip()), run_untagged=run_untagged,
                          protected=protected, docker_image=docker_image, config_path=config_path)

    def ask_registry(self, s: Step, plan: Plan) -> Plan:
        from wizard.plan import RegistrySpec
        from wizard.render.registry import registry_variables

        reg = plan.registry
        h = lambda name: _fields_help(RegistrySpec, name)  # noqa: E731
        kind = self.select(s, "Where should the image be pushed", [(k, REGISTRY_CHOICES[k]) for k in REGISTRY_KINDS],
                           reg.kind, h("kind"))
        changes: dict[str, Any] = {"kind": kind}
        if kind == "ecr":
            changes["account"] = self.text(s, "AWS account id (12 digits)", reg.account, h("account"))
            changes["region"] = self.text(s, "AWS region", reg.region or "eu-west-1", h("region"))
        if kind == "other":
            changes["host"] = self.text(s, "Registry host", reg.host, h("host"))
        if kind != "gitlab":
            changes["image"] = self.text(s, "Image name (without tag)", reg.image, h("image"))
        plan = replace_in(plan, "registry", **changes)
        if kind == "gitlab":
            self.say("  Nothing to set: GitLab predefines CI_REGISTRY, CI_REGISTRY_IMAGE, CI_REGISTRY_USER and "
                     "CI_REGISTRY_PASSWORD in every job. Creating them yourself would shadow the real ones.")
        # The registry's variables first (their flags may be changed), then any others of the plan.
        needed = registry_variables(plan)
        keys = {v.key for v in needed}
        specs = list(needed) + [v for v in plan.variables if v.key not in keys]
        chosen: list[VariableSpec] = []
        for spec in specs:
            chosen.append(self.ask_variable(s, plan, spec))
        while self.confirm("Add another CI/CD variable", False, "values are typed hidden or read from an "
                           "environment variable, and never written to disk"):
            key = self.text(s, "Variable name", "", _fields_help(VariableSpec, "key"),
                            lambda v: _variable_key_problem(v, plan, chosen))
            chosen.append(self.ask_variable(s, plan, VariableSpec(key=key)))
        return dataclasses.replace(plan, variables=tuple(chosen))

    def ask_variable(self, s: Step, plan: Plan, spec: VariableSpec) -> VariableSpec:
        from wizard.variables import DOCKER_AUTH_CONFIG, check_variable

        self.say(f"  CI/CD variable {spec.key}" + (f": {spec.description}" if spec.description else ""))
        if spec.key == DOCKER_AUTH_CONFIG and not spec.from_env:
            self.say("    built by dockwright from the registry's other variables; nothing to type.")
            return spec
        masked = self.confirm(f"Mask {spec.key} in job logs", spec.masked, _fields_help(VariableSpec, "masked"))
        hidden = masked and self.confirm(f"Also hide {spec.key} in GitLab's settings", spec.hidden,
                                         _fields_help(VariableSpec, "hidden"))
        protected = self.confirm(f"Only give {spec.key} to protected branches and tags", spec.protected,
                                 _fields_help(VariableSpec, "protected"))
        spec = dataclasses.replace(spec, masked=masked, hidden=hidden, protected=protected)

        def problem(v: str) -> str | None:
            if not v:
                return "Nothing was typed."
            try:
                check_variable(spec, Secret(v), plan)
            except BadInput as exc:
                return str(exc)
            return None

        while True:
            source = self.select(s, f"Where does the value of {spec.key} come from", [
                ("type", "Type it now (hidden; kept in memory only, never saved)"),
                ("env", "An environment variable" + (f" ({spec.from_env})" if spec.from_env else "")),
            ], "env" if spec.from_env else "type")
            if source == "type":
                self.values[spec.key] = self.secret(f"Value of {spec.key} (hidden)", problem)
                return dataclasses.replace(spec, from_env=None)
            name = self.text(s, "Environment variable name", spec.from_env or spec.key,
                             _fields_help(VariableSpec, "from_env"), _env_name_problem)
            spec = dataclasses.replace(spec, from_env=name)
            value = self.env.get(name)
            if not value:
                self.say(f"  ! {name} is not set in this shell. Export it before running dockwright "
                         f"(export {name}=...), or type the value instead.")
                continue
            found = problem(value)
            if found:
                self.say(f"  ! The value in {name}: {found}")
                continue
            self.values.pop(spec.key, None)
            return spec

    def ask_dockerfile(self, s: Step, plan: Plan) -> Plan:
        from wizard.plan import DockerfileSpec

        d = plan.dockerfile
        h = lambda name: _fields_help(DockerfileSpec, name)  # noqa: E731
        language = self.select(s, "Language", [(x, x) for x in LANGUAGES], d.language, h("language"))
        base_image = self.text(s, "Base image", d.base_image, h("base_image"),
                               lambda v: None if v and ":" in v else "Pin a tag, e.g. python:3.13-slim.")
        workdir = self.text(s, "Working directory", d.workdir, h("workdir"))
        requirements = self.text(s, "Requirements file (empty: none)", d.requirements or "", h("requirements"))
        port = self.text(s, "Port (empty: none)", "" if d.port is None else str(d.port), h("port"),
                         lambda v: None if not v or (v.isdigit() and 1 <= int(v) <= 65535)
                         else "A port from 1 to 65535, or empty for none.")
        command = self.text(s, "Command", shlex.join(d.command), h("command"), _command_problem)
        env = self.text(s, "ENV (NAME=value, space separated)", " ".join(f"{k}={shlex.quote(v)}" for k, v in d.env),
                        h("env"), _env_problem)
        non_root = self.confirm("Run as an unprivileged user", d.non_root, h("non_root"))
        return replace_in(plan, "dockerfile", language=language, base_image=base_image, workdir=workdir,
                          requirements=requirements or None, port=int(port) if port else None,
                          command=tuple(shlex.split(command)), env=_parse_env(env), non_root=non_root)

    def ask_pipeline(self, s: Step, plan: Plan) -> Plan:
        from wizard.plan import PipelineSpec

        p = plan.pipeline
        h = lambda name: _fields_help(PipelineSpec, name)  # noqa: E731
        version = self.text(s, "Docker version (CLI and dind)", p.docker_version, h("docker_version"))
        build = self.text(s, "Build stage", p.stages[0] if p.stages else "build")
        release = self.text(s, "Release stage", p.stages[1] if len(p.stages) > 1 else "release")
        latest = self.confirm("Tag :latest on the default branch", p.latest_on_default_branch,
                              h("latest_on_default_branch"))
        return replace_in(plan, "pipeline", docker_version=version, stages=(build, release),
                          latest_on_default_branch=latest)

    # ------------------------------------------------------------------------------------------
    # review, apply, watch
    # ------------------------------------------------------------------------------------------

    def review_and_apply(self, plan: Plan) -> int:
        """Branch and commit message, the full list of changes with diffs, one confirmation, then apply."""
        from wizard.apply import Applier, ApplyOptions

        s = step("review")
        self.say()
        self.say(f"[{STEPS.index(s) + 1}/{len(STEPS)}] {s.title}")
        self.say(f"  {s.why}")
        branch = self.text(s, "Branch to commit on", plan.git.branch, _fields_help(type(plan.git), "branch"),
                           lambda v: None if v and " " not in v else "A branch name without spaces, e.g. main.")
        message = self.text(s, "Commit message", plan.git.commit_message, _fields_help(type(plan.git), "commit_message"),
                            lambda v: None if v else "Type a commit message.")
        plan = replace_in(plan, "git", branch=branch, commit_message=message)
        while True:
            self.say()
            preview = Applier(plan, self.directory, client=self.client, token=self.token, url=plan.gitlab.url,
                              project=plan.gitlab.project, options=ApplyOptions(dry_run=True, env=self.env),
                              out=self.out)
            preview.dry_run()
            self.say(f"• save the answers to {self.answers_path} (no token, no variable value)")
            self.say()
            choice = self.select(s, "Apply these changes", [
                ("apply", "Apply: write the files, set up GitLab, commit, push and watch the pipeline"),
                ("save", f"Stop here and only save the answers to {self.answers_path.name}"),
                ("quit", "Stop without writing anything"),
            ], "apply")
            if choice == "apply":
                break
            if choice == "save":
                save_answers(plan, self.answers_path)
                self.say(f"Saved {self.answers_path}; nothing else was written or sent. "
                         "Re-run dockwright --plain, or dockwright apply --answers, to go on.")
            else:
                self.say("Stopped: nothing was written and nothing was sent to GitLab.")
            return EXIT_OK
        return self.apply(plan)

    def apply(self, plan: Plan) -> int:
        from wizard.apply import ApplyOptions, run_apply

        s = step("apply")
        self.say()
        self.say(f"[{STEPS.index(s) + 1}/{len(STEPS)}] {s.title}")
        self.say(f"  {s.why}")
        self.applying = True
        save_answers(plan, self.answers_path)
        after = self.sandbox.register_runners_from_config if self.sandbox is not None else None
        options = ApplyOptions(env=self.env, prompt=self._variable_value, confirm=lambda q: self.confirm(q, False),
                               after_runner_config=after)
        try:
            report = run_apply(plan, self.directory, client=self.client, token=self.token, url=plan.gitlab.url,
                               options=options, out=self.out)
        except DockwrightError as exc:
            report = getattr(exc, "report", None)
            if report is not None:
                for line in report.summary_lines():
                    self.say(line)
            self.say(f"dockwright: {exc}")
            self.say("Fix that and run dockwright --plain again: what is already done is recognised and skipped.")
            return exc.exit_code
        for line in report.summary_lines():
            self.say(line)
        return report.exit_code

    def _variable_value(self, message: str) -> str:
        """apply's hidden prompt: the values typed on the registry step, or a hidden question."""
        for key, value in self.values.items():
            if f" {key} " in f" {message} ":
                return value.reveal()
        return self.secret(message).reveal()


# Which Plan sections each step edits (check_plan problems are shown on the step that can fix them).
_SECTIONS: dict[str, tuple[str, ...]] = {
    "connect": ("gitlab",), "project": ("gitlab",), "executor": ("executor",), "runner": ("runner",),
    "registry": ("registry", "variables"), "dockerfile": ("dockerfile",), "pipeline": ("pipeline",),
}


def _width() -> int:
    try:
        return max(40, min(100, os.get_terminal_size().columns - 1))
    except OSError:
        return 100


def _url_problem(value: str) -> str | None:
    if not value.startswith(("http://", "https://")):
        return "Type the address with http:// or https://, e.g. https://gitlab.com."
    return None


def _project_problem(value: str) -> str | None:
    if "/" not in value.strip("/"):
        return "A project path has a namespace and a name, e.g. alice/app or group/sub/app."
    return None


def _variable_key_problem(key: str, plan: Plan, chosen: list[VariableSpec]) -> str | None:
    from wizard.variables import key_problem

    problem = key_problem(key)
    if problem:
        return problem[0].upper() + problem[1:] + "."
    if any(v.key == key for v in chosen):
        return f"{key} is already in the list."
    probe = check_plan(dataclasses.replace(plan, variables=(VariableSpec(key=key),)))
    for _key, what, allowed in probe:
        if _key.startswith("variables"):
            return f"The name {what}. Use {allowed}."
    return None


def _env_name_problem(value: str) -> str | None:
    import re

    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return None
    return "An environment variable name: letters, digits and _, not starting with a digit."


def _command_problem(value: str) -> str | None:
    try:
        return None if shlex.split(value) else "Type the command that starts the app, e.g. python app.py."
    except ValueError as exc:
        return f"The command cannot be split into words ({exc}); check the quotes."


def _parse_env(value: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for word in shlex.split(value):
        name, _, val = word.partition("=")
        pairs.append((name, val))
    return tuple(pairs)


def _env_problem(value: str) -> str | None:
    import re

    try:
        words = shlex.split(value)
    except ValueError as exc:
        return f"The ENV line cannot be split into words ({exc}); check the quotes."
    for word in words:
        name, eq, _ = word.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            return f"{word!r} is not NAME=value (letters, digits and _ in the name)."
    return None


def run_plain(args: Any) -> int:
    """Entry point for ``dockwright --plain`` (``args`` has ``.dir``, ``.answers``, ``.sandbox``)."""
    directory = Path(getattr(args, "dir", None) or ".").resolve()
    answers = getattr(args, "answers", None)
    answers_path = Path(answers).resolve() if answers else None
    if getattr(args, "sandbox", False):
        return run_with_sandbox(directory if getattr(args, "dir", None) else None, answers_path)
    return PlainWizard(directory, answers_path=answers_path).run()


def run_with_sandbox(directory: Path | None, answers_path: Path | None, data_dir: Path | None = None) -> int:
    """``--plain --sandbox``: start the embedded sandbox, practise in a clone of its demo project, stop it."""
    from wizard.sandbox import Sandbox

    sandbox = Sandbox(data_dir).start()
    try:
        if directory is None:
            directory = sandbox_practice_folder(sandbox)
        return PlainWizard(directory, answers_path=answers_path, sandbox=sandbox).run()
    finally:
        sandbox.stop()


def sandbox_practice_folder(sandbox: Any) -> Path:
    """A clone of the sandbox's demo project to practise in, kept between runs beside the sandbox's data
    (the same folder the full-screen wizard's sandbox mode uses)."""
    from wizard.git import Repo, clone

    dest = Path(sandbox.data_dir).parent / "practice" / sandbox.project_path.replace("/", "-")
    if not Repo(dest).is_repo():
        dest.parent.mkdir(parents=True, exist_ok=True)
        clone(f"{sandbox.url}/{sandbox.project_path}.git", dest, sandbox.token)
    return dest
