"""One ``dockwright --plain`` run: the steps in order, the review with every change listed, one
confirmation, apply, and Ctrl-C handling.

Same steps in the same order as the Textual wizard (:data:`dockwright.wizard.steps.STEPS`), the same Plan, the
same checks, generators and services: this module only asks and hands the Plan on. Nothing is written
or sent before the list of changes has been confirmed once. Ctrl-C at any prompt stops without leaving
anything half-done and offers to save the answers (never a secret).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING

from dockwright.wizard.answers_file import save_answers
from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import EXIT_OK, BadInput, DockwrightError, RefusedOverwrite
from dockwright.wizard.plain.answer_checks import plan_problem_sentence
from dockwright.wizard.plain.field_why import field_why
from dockwright.wizard.plain.prompts import HELP, Interrupted
from dockwright.wizard.plain.step_questions import AskAgain, StepQuestions
from dockwright.wizard.plan import Plan, check_plan, replace_in
from dockwright.wizard.practice import PracticeGitLab
from dockwright.wizard.session import Connector, Session
from dockwright.wizard.steps import STEPS, Step, next_step, step

if TYPE_CHECKING:
    from dockwright.wizard.gitlab import AccessReport, GitLabClient

EXIT_INTERRUPTED = 130


class PlainWizard(StepQuestions):
    """One run of the line-prompt onboarding in ``directory``.

    ``out`` receives everything printed (the transcript); ``env`` is where tokens and variable values are
    looked up (``GITLAB_TOKEN``, ``from_env`` names). ``connect`` makes the GitLab client (tests and the
    sandbox pass the real one; the default is :meth:`dockwright.wizard.gitlab.GitLabClient.connect`).
    """

    def __init__(self, directory: Path, *, answers_path: Path | None = None, out: IO[str] | None = None,
                 env: Mapping[str, str] | None = None, sandbox: PracticeGitLab | None = None,
                 connect: Connector | None = None) -> None:
        self.session = Session(workdir=directory, answers_path=answers_path, sandbox=sandbox, connector=connect)
        self.directory = directory
        self.answers_path = self.session.answers
        self.out = out or sys.stdout
        self.env = dict(os.environ if env is None else env)
        self.applying = False

    # what the run found, as the session holds it
    @property
    def client(self) -> GitLabClient | None:
        return self.session.client

    @property
    def access(self) -> AccessReport | None:
        return self.session.access

    @property
    def values(self) -> dict[str, Secret]:
        """CI/CD variable values typed at the prompt, in memory only."""
        return self.session.secrets

    @property
    def host_has_docker(self) -> bool:
        """Shell executor: the user confirmed Docker Engine and the docker group on the runner's host."""
        return self.session.host_has_docker

    # ------------------------------------------------------------------------------------------
    # the run
    # ------------------------------------------------------------------------------------------

    def start_plan(self) -> Plan:
        """Detection's defaults, then the answers file when there is one (its answers win)."""
        try:
            plan = self.session.detect()
        except BadInput as exc:
            self.say(f"dockwright: {exc}")
            plan = Plan()
        notes: list[str] = []
        plan = self.session.starting_plan(plan, notes=notes)
        if self.answers_path.is_file():
            self.say(f"Starting from the answers in {self.answers_path}.")
        for note in notes:
            self.say(f"  note: {note}")
        return plan

    def run(self) -> int:
        plan = Plan()
        try:
            plan = self.start_plan()
            self.say("dockwright --plain: the onboarding as questions. Enter keeps the default shown. "
                     "Ctrl-C stops; nothing is written or sent before you confirm the list of changes.")
            if self.session.sandbox is not None:
                self.say(f"SANDBOX: practising against the local sandbox GitLab at {self.session.sandbox.url} "
                         "(nothing here touches a real GitLab).")
                self.say(f"Files are written in {self.directory}, a clone of the sandbox's demo project that is "
                         "kept between runs; the folder you started in is not touched (`--demo node`, go, ... practises on "
                         "another stack).")
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
            self.step_header(s)
            self.say(f"  (type {HELP} at a question, or pick Help, for the page about this step)")
            try:
                new = ask(s, plan)
            except AskAgain:
                continue
            problems = [p for p in check_plan(new) if p[0].split(".")[0].split("[")[0] in _SECTIONS[s.id]]
            if not problems:
                return new
            for key, problem, allowed in problems:
                self.say(f"  ! {plan_problem_sentence(key, problem, allowed)} The step's questions come again.")
            plan = new

    def step_header(self, s: Step) -> None:
        """``[n/total] Title`` and the step's why, after a blank line."""
        self.step_shown = s
        number = [x.id for x in STEPS].index(s.id) + 1
        self.say()
        self.say(f"[{number}/{len(STEPS)}] {s.title}")
        self.say(f"  {s.why}")

    def interrupted(self, plan: Plan) -> int:
        self.say()
        if self.applying:
            self.say("Interrupted while applying. Every change is idempotent: run dockwright again with the same "
                     "answers and it finishes what is left, skipping what is already done.")
        else:
            self.say("Interrupted: nothing was written and nothing was sent to GitLab.")
        try:
            self.say(f"Your answers so far can be saved to {self.answers_path} (never a token or a variable value), "
                     "so the next run starts from them. y or Enter saves them; n or Ctrl-C quits without saving.")
            if self.confirm("Save your answers", True):
                save_answers(plan, self.answers_path)
                self.say(f"Saved. Re-run with: dockwright --plain (it starts from {self.answers_path.name}).")
        except Interrupted:
            pass
        return EXIT_INTERRUPTED

    # ------------------------------------------------------------------------------------------
    # review, apply, watch
    # ------------------------------------------------------------------------------------------

    def review_and_apply(self, plan: Plan) -> int:
        """Branch and commit message, the full list of changes with diffs, one confirmation, then apply."""
        from dockwright.wizard.apply_changes import ApplyOptions, dry_run

        s = step("review")
        self.step_header(s)
        branch = self.text(s, "Branch to commit on", plan.git.branch, field_why(type(plan.git), "branch"),
                           lambda v: None if v and " " not in v else "A branch name without spaces, e.g. main.")
        message = self.text(s, "Commit message", plan.git.commit_message, field_why(type(plan.git), "commit_message"),
                            lambda v: None if v else "Type a commit message.")
        plan = replace_in(plan, "git", branch=branch, commit_message=message)
        while True:
            self.say()
            try:
                dry_run(plan, self.session, ApplyOptions(dry_run=True, env=self.env, overwrite=self.session.overwrite),
                        self.out, heading="What Apply does, in order. Nothing is written or sent until you choose "
                                          "Apply below.")
            except RefusedOverwrite as refused:
                if not self.replace_refused(refused):
                    return refused.exit_code
                continue
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

    def replace_refused(self, refused: RefusedOverwrite) -> bool:
        """A file dockwright cannot merge: ask whether to replace it (the wizard's --overwrite), saying what
        becomes of it. True when the user agreed; the list is then shown again with the replacement in it."""
        name = refused.path.name if refused.path is not None else "the file"
        self.say(f"  ! {refused.sentence}")
        self.say(f"  Replacing it: your {name} is renamed {name}.orig (kept beside it, not committed) and dockwright "
                 f"writes its own {name}. Or answer n, move it away, and run dockwright --plain again.")
        if self.confirm(f"Replace {name}", False):
            self.session.overwrite = True
            return True
        self.say(f"Stopped: {name} and everything else were left as they were; nothing was sent to GitLab.")
        return False

    def apply(self, plan: Plan) -> int:
        from dockwright.wizard.apply import ApplyReport, run_apply
        from dockwright.wizard.apply_changes import ApplyOptions

        s = step("apply")
        self.step_header(s)
        self.applying = True
        save_answers(plan, self.answers_path)
        options = ApplyOptions(env=self.env, overwrite=self.session.overwrite,
                               prompt=lambda question: self.secret(question).reveal(),
                               confirm=lambda question: self.confirm(question, False),
                               delete_orphan=lambda question: self.confirm(question, False),
                               retry_pipeline=lambda question: self.confirm(question, True))
        try:
            report = run_apply(plan, self.session, options, self.out)
        except DockwrightError as exc:
            done: ApplyReport | None = getattr(exc, "report", None)  # what run_apply had done when it failed
            if done is not None:
                for line in done.summary_lines():
                    self.say(line)
            self.say(f"dockwright: {exc}")
            self.say("Fix that and run dockwright --plain again: what is already done is recognised and skipped.")
            return exc.exit_code
        for line in report.summary_lines():
            self.say(line)
        return report.exit_code


# Which Plan sections each step edits (check_plan problems are shown on the step that can fix them).
_SECTIONS: dict[str, tuple[str, ...]] = {
    "connect": ("gitlab",), "project": ("gitlab",), "executor": ("executor",), "runner": ("runner",),
    "registry": ("registry", "variables"), "dockerfile": ("dockerfile",), "pipeline": ("pipeline",),
}
