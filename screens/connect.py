"""Step 1: GitLab URL, token (hidden) and project; a connection test that says who, what and which role."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, LoadingIndicator

from dockwright.screens.messages import GoToStep, PlanChanged
from dockwright.screens.step import StepScreen
from dockwright.screens.widgets.fields import FieldInput, field_row
from dockwright.wizard.credentials import Secret
from dockwright.wizard.plan import Plan


def describe_report(report) -> str:
    """The connection test's result as lines a newcomer can read."""
    scopes = ", ".join(report.scopes) if report.scopes else "not reported by this GitLab"
    lines = [
        f"✓ Signed in as {report.username} ({report.name}) on GitLab {report.version}",
        f"  token scopes: {scopes}" + (f"; expires {report.token_expires_at}" if report.token_expires_at else ""),
        f"  project: {report.project_path}  (default branch {report.default_branch or 'none yet'})",
        f"  your role: {report.access_level_name}",
    ]
    for problem in report.problems:
        lines.append(f"✗ {problem}")
    return "\n".join(lines)


class ConnectScreen(StepScreen):
    STEP_ID = "connect"
    SHOW_PREVIEW = False
    NEXT_LABEL = "Test and continue"

    def compose_form(self) -> ComposeResult:
        waiting = not self.app.started  # type: ignore[attr-defined]  # fill_sources enables them (disabled here: styled once)
        yield from field_row("GitLab URL", FieldInput(id="connect-url", placeholder="e.g. https://gitlab.com",
                                                 disabled=waiting))
        yield Label(id="connect-url-source", classes="source")
        yield from field_row("Access token", FieldInput(id="connect-token", password=True,
                                                   placeholder="glpat-… (api scope)", disabled=waiting),
                             "A personal access token with the api scope; kept in memory only, never saved")
        yield Label(id="connect-token-source", classes="source")
        yield from field_row("Project", FieldInput(id="connect-project", placeholder="e.g. group/app", disabled=waiting),
                             "The project's path in GitLab, as in its URL")
        with Horizontal(classes="button-row"):
            yield Button("Test connection", id="connect-test")
            busy = LoadingIndicator(id="connect-busy")
            busy.display = False  # shown while a test runs (show_busy); hidden from the start, not on mount
            yield busy
        yield Label("", id="connect-result")

    def on_mount(self) -> None:
        self.fill_sources()

    def show_busy(self, busy: bool) -> None:
        """The spinner beside "Test connection" while a test runs. Composed (hidden), not mounted when a test
        starts: a widget class's first mount adds its CSS, and Textual then restyles every screen, the steps
        built ahead too (Connect -> Project took 1.1 s instead of 0.6, bench/step_switch.py)."""
        self.query_one("#connect-busy").display = busy

    def fill_sources(self) -> None:
        """Where the URL and the token came from, and the token (shown as dots); while the session starts
        (DockwrightApp._start_session) the step says it is detecting instead."""
        s = self.services
        url_source = self.query_one("#connect-url-source", Label)
        token_source = self.query_one("#connect-token-source", Label)
        started = self.app.started  # type: ignore[attr-defined]
        for field in self.query(Input):  # what is typed meanwhile would be overwritten by what the start finds
            field.disabled = not started
        if not started:
            url_source.update(self.app.starting_sentence)  # type: ignore[attr-defined]
            token_source.update("")
            return
        url_source.update(f"from {s.url_source}" if s.url_source else "type your GitLab's address")
        token_source.update(
            f"from {s.token_source}" if s.token_source and s.token
            else f"{s.token_source} Paste one (User settings > Access tokens, scope api)." if s.token_source
            else "not found in GITLAB_TOKEN or glab's config: paste one (User settings > Access tokens, scope api)")
        self.query_one("#connect-token", Input).value = s.token.reveal() if s.token else ""  # shown as dots

    def on_session_started(self) -> None:
        """The session's start returned (DockwrightApp._started): its sources, token and plan fill the step."""
        self.fill_sources()
        self.load_plan(self.plan)
        if not isinstance(self.focused, Input):
            self.query_one("#connect-url", Input).focus()

    def load_plan(self, plan: Plan) -> None:
        with self.prevent(Input.Changed):
            for wid, value in (("connect-url", plan.gitlab.url), ("connect-project", plan.gitlab.project)):
                field = self.query_one(f"#{wid}", Input)
                if field.value != value:
                    field.value = value

    def on_input_changed(self, event: Input.Changed) -> None:
        wid = event.input.id
        if wid == "connect-url":
            self.post_message(PlanChanged("gitlab", url=event.value.strip().rstrip("/")))
        elif wid == "connect-project":
            self.post_message(PlanChanged("gitlab", project=event.value.strip().strip("/")))
        elif wid == "connect-token":
            self.services.token = Secret(event.value.strip()) if event.value.strip() else None
        else:
            return
        self.services.client = None  # answers changed: the last test no longer holds

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.start_test(advance=False)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "connect-test":
            event.stop()
            self.start_test(advance=False)

    def action_next(self) -> None:
        if self.services.client is not None:
            self.post_message(GoToStep("next"))
        else:
            self.start_test(advance=True)

    def problem(self) -> str | None:
        from dockwright.wizard.credentials import token_problem, url_problem  # the one rule of each

        plan = self.plan
        if not plan.gitlab.url.startswith(("http://", "https://")):
            return "The GitLab URL starts with https:// (or http:// for a local one), e.g. https://gitlab.com."
        if url_problem(plan.gitlab.url):
            return f"The GitLab URL {url_problem(plan.gitlab.url)}."
        if not self.services.token:
            return ("Paste an access token with the api scope (GitLab: User settings > Access tokens); "
                    "it stays in memory and is never saved.")
        if token_problem(self.services.token):
            return f"The token {token_problem(self.services.token)}; paste only the token, e.g. glpat-..."
        if "/" not in plan.gitlab.project:
            return "Fill in the project path with its namespace, e.g. alice/app (as in the project's URL)."
        return None

    def start_test(self, *, advance: bool) -> None:
        if not self.app.started:  # type: ignore[attr-defined]
            self.app.notify(self.app.starting_sentence, title="One moment")  # type: ignore[attr-defined]
            return
        problem = self.problem()
        result = self.query_one("#connect-result", Label)
        if problem:
            result.update(f"✗ {problem}")
            result.set_class(True, "-error")
            return
        result.update("Connecting …")
        result.set_class(False, "-error")
        self.show_busy(True)
        self.test_connection(self.plan.gitlab.url, self.plan.gitlab.project, advance)

    @work(thread=True, exclusive=True, exit_on_error=False, group="connect")
    def test_connection(self, url: str, project: str, advance: bool) -> None:
        client = self.services.connect(url)
        report = client.check_access(project)
        self.app.call_from_thread(self._tested, client, report, advance)

    def _tested(self, client, report, advance: bool) -> None:
        self.show_busy(False)
        result = self.query_one("#connect-result", Label)
        result.update(describe_report(report))
        result.set_class(not report.ok, "-error")
        self.services.client = client
        self.services.access = report
        if report.default_branch and self.plan.git.branch != report.default_branch:
            self.post_message(PlanChanged("git", branch=report.default_branch))
        if advance and report.ok:  # the result leaves with this step: say it where it stays visible a while
            self.notify(f"Signed in as {report.username} ({report.access_level_name}) on GitLab {report.version}; "
                        f"project {report.project_path} found. The details stay on this step (Back).",
                        title="Connected")
            self.post_message(GoToStep("next"))

    def show_error(self, sentence: str) -> None:
        self.show_busy(False)
        result = self.query_one("#connect-result", Label)
        result.update(f"✗ {sentence}")
        result.set_class(True, "-error")
