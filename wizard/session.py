"""One session: everything a run of dockwright works with besides the Plan.

The folder, where the GitLab URL and token came from, the token itself (in memory only), the GitLab
client once connected, the values typed for CI/CD variables, and the practice sandbox when there is
one. The Textual wizard, ``--plain`` and ``dockwright apply`` each make one with :func:`open_session`
(or directly, in tests) and hand it to the steps and to :func:`dockwright.wizard.apply.apply_events`.

Nothing in a Session is ever written: tokens and values are :class:`Secret`, so a repr, a log line or
a traceback shows ``****``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dockwright.wizard.answers_file import load_answers
from dockwright.wizard.credentials import BadToken, Secret, resolve_token, resolve_url
from dockwright.wizard.errors import BadInput
from dockwright.wizard.plan import ANSWERS_FILE, Plan, RunnerSpec, replace_in

if TYPE_CHECKING:
    from dockwright.wizard.detect import Detection
    from dockwright.wizard.engine import Engine
    from dockwright.wizard.gitlab import AccessReport, GitLabClient
    from dockwright.wizard.practice import PracticeGitLab

Connector = Callable[[str, Secret], "GitLabClient"]


@dataclass
class Session:
    workdir: Path
    answers_path: Path | None = None  # default: workdir / dockwright.yml
    token: Secret | None = None  # never written anywhere; shown only as dots
    token_source: str = ""  # e.g. "GITLAB_TOKEN environment variable", "the sandbox"
    url_source: str = ""  # where the URL came from, e.g. "git remote 'origin'"
    sandbox: PracticeGitLab | None = None  # the practice GitLab this run talks to
    detection: Detection | None = None
    connector: Connector | None = None  # makes the client; None: GitLabClient.connect (tests pass their own)
    ca_file: str | None = None  # --ca-file / --insecure: for the API as for git push
    insecure: bool = False
    client: GitLabClient | None = None  # once connected (the Connect step's test passed)
    access: AccessReport | None = None  # what the connection test found
    secrets: dict[str, Secret] = field(default_factory=dict)  # CI/CD variable values typed in, by key
    registration_token: Secret | None = None  # the legacy runner registration token, when that workflow is chosen
    register_with_local_runner: bool = False  # run the installed gitlab-runner register at apply
    host_has_docker: bool = False  # shell executor: the user did the host set-up (Docker Engine, docker group)
    overwrite: bool = False  # replace the files dockwright cannot merge, keeping each as NAME.orig (Review's switch)
    # finds the container engine for Review's pre-flight build (raises NoEngine); None: wizard.engine.find_engine
    engine_finder: Callable[[], Engine] | None = None

    def __post_init__(self) -> None:
        if self.answers_path is None:
            self.answers_path = self.workdir / ANSWERS_FILE

    @property
    def answers(self) -> Path:
        assert self.answers_path is not None
        return self.answers_path

    def connect(self, url: str, token: Secret | None = None, *,
                warn: Callable[[str], None] | None = None) -> GitLabClient:
        """A client for ``url`` with ``token`` (default: the session's). No request is made yet."""
        token = token if token is not None else (self.token or Secret(""))
        if self.connector is not None:
            return self.connector(url, token)
        from dockwright.wizard.gitlab import GitLabClient

        return GitLabClient.connect(url, token, ca_file=self.ca_file, insecure=self.insecure, warn=warn)

    def after_runner_config(self, config_path: Path) -> None:
        """Called once the runner's config.toml entry is written: a sandbox reads it, as gitlab-runner would."""
        if self.sandbox is not None:
            self.sandbox.register_runners_from_config(config_path, host_has_docker=self.host_has_docker)

    def start(self, env: Mapping[str, str] = os.environ) -> Plan:
        """The plan the wizard starts from (:meth:`starting_plan` of detection's defaults), with the GitLab URL
        found (:meth:`find_url`) and a token when one is found; without one the Connect step asks."""
        plan = self.starting_plan(self.detect())
        url = self.find_url(plan, env)
        try:
            found = self.find_token(url, env)
        except BadToken as exc:  # found but unusable: the Connect step says why it asks for one
            found, self.token_source = None, exc.sentence
        if found is not None:
            self.token, self.token_source = found
        return replace_in(plan, "gitlab", url=url)

    def detect(self) -> Plan:
        """Detection's defaults for the folder (``self.detection`` is kept for the Project step)."""
        from dockwright.wizard.detect import detect, plan_from

        self.detection = detect(self.workdir)
        return plan_from(self.detection)  # one detection (its git commands ran twice before)

    def starting_plan(self, plan: Plan, *, notes: list[str] | None = None) -> Plan:
        """``plan`` with the answers file's answers when there is one, and the sandbox's URL and project;
        ``notes`` collects what the answers file should tell the user (e.g. that it holds no answer)."""
        if self.answers.is_file():
            plan = load_answers(self.answers, defaults=plan, notes=notes)
        if self.sandbox is not None:
            from dockwright.wizard.practice import practice_runner_config

            plan = replace_in(plan, "gitlab", url=self.sandbox.url, project=self.sandbox.project_path)
            if plan.runner.config_path == RunnerSpec().config_path:  # /etc is not ours to write when practising
                plan = replace_in(plan, "runner", config_path=str(practice_runner_config(self.sandbox)))
        return plan

    def find_url(self, plan: Plan, env: Mapping[str, str] = os.environ) -> str:
        """The GitLab URL: the sandbox's, else the answers file's, GITLAB_HOST, CI_SERVER_URL, the git remote
        (``url_source`` says which)."""
        if self.sandbox is not None:
            self.url_source = "the sandbox on this machine"
            return self.sandbox.url
        answered_url = plan.gitlab.url if self.answers.is_file() else None
        url, self.url_source = resolve_url(answered_url, env=env, repo_path=self.workdir)
        return url

    def find_token(self, url: str, env: Mapping[str, str] = os.environ) -> tuple[Secret, str] | None:
        """A token for ``url`` and where it was found (the sandbox's, GITLAB_TOKEN, python-gitlab's or glab's
        config), or None. It is not taken into the session: the caller decides (``--plain`` asks first)."""
        if self.sandbox is not None:
            return Secret(self.sandbox.token), "the sandbox (a practice token, new at each start)"
        try:
            return resolve_token(url, env=env)
        except BadToken:  # found but unusable: the caller says why it asks for one
            raise
        except BadInput:
            return None

    def close(self) -> None:
        """Stop the practice sandbox this session started, if any."""
        if self.sandbox is not None:
            self.sandbox.stop()


def open_session(workdir: Path, *, answers: Path | None = None, sandbox: bool = False, folder_given: bool = False,
                 sandbox_data_dir: Path | None = None, demo: str | None = None) -> Session:
    """A session in ``workdir``; with ``sandbox``, a practice GitLab is started and, unless the folder was
    given (``folder_given``), the session works in the clone of its demo project (``demo``: that stack's demo,
    started over). Close it at the end."""
    if not sandbox:
        return Session(workdir=workdir, answers_path=answers)
    from dockwright.wizard.practice import practice_folder, start_sandbox

    started = start_sandbox(sandbox_data_dir, demo=demo)
    try:
        if not folder_given:
            workdir = practice_folder(started)
    except BaseException:
        started.stop()
        raise
    return Session(workdir=workdir, answers_path=answers, sandbox=started)
