"""WatchScreen: the pipeline live. Stages as columns, the selected job's log, why a job failed.

Self-contained: give it a GitLab client and a pipeline (id, or sha/ref to wait for); its CSS is
assets/watch.tcss. It dismisses with the exit code `dockwright watch` uses (0 passed, 1 failed or
canceled, None when left before the end).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, Static

from dockwright.screens.errors import explain
from dockwright.screens.widgets.job_log import JobLog
from dockwright.screens.widgets.pipeline_graph import PipelineGraph
from dockwright.wizard.apply import other_registry_note
from dockwright.wizard.diagnose import diagnose
from dockwright.wizard.errors import EXIT_FAILED, EXIT_OK
from dockwright.wizard.watch import Finished, Job, JobChanged, JobStuck, LogText, PipelineStatus, Waiting, follow
from dockwright.wizard.watch_plain import glyph, status_word

TAIL_KEEP = 64 * 1024


class ConfirmAction(ModalScreen[bool]):
    """Retry, cancel, play: asked once, answered with y/n or the buttons."""

    BINDINGS = [Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Do it"),
                Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Leave it as it is")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes (y)", id="yes", variant="warning")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class WatchScreen(Screen[int | None]):
    CSS_PATH = Path(__file__).resolve().parent.parent / "assets" / "watch.tcss"
    BINDINGS = [
        Binding("q", "leave", "Quit", id="watch.quit", tooltip="Stop watching (the pipeline goes on in GitLab)"),
        Binding("f", "toggle_follow", "Follow running", id="watch.follow",
                tooltip="Always show the log of whichever job is running"),
        Binding("r", "retry_job", "Retry job", id="watch.retry", tooltip="Retry the selected job (asks first)"),
        Binding("R", "retry_pipeline", "Retry pipeline", id="watch.retry_pipeline",
                tooltip="Retry the failed jobs of the pipeline (asks first)"),
        Binding("c", "cancel_job", "Cancel job", id="watch.cancel", tooltip="Cancel the selected job (asks first)"),
        Binding("C", "cancel_pipeline", "Cancel pipeline", id="watch.cancel_pipeline",
                tooltip="Cancel the whole pipeline (asks first)"),
        Binding("p", "play_job", "Play", id="watch.play", tooltip="Run the selected manual job (asks first)"),
        Binding("o", "open_job", "Open job", id="watch.open", tooltip="Open the selected job in the browser"),
        Binding("O", "open_pipeline", "Open pipeline", id="watch.open_pipeline",
                tooltip="Open the pipeline in the browser"),
        Binding("slash", "search", "Search log", id="watch.search", tooltip="Find text in the log (n: next)"),
        Binding("n", "next_match", "Next match", id="watch.next", show=False, tooltip="Next search match"),
        Binding("end", "resume", "Follow log end", id="watch.end", show=False,
                tooltip="Scroll to the end of the log and keep following it"),
    ]

    def __init__(self, client: Any, project: str, pipeline_id: int | None = None, sha: str | None = None,
                 ref: str | None = None, *, schedule: Any = None, autostart: bool = True,
                 registry_kind: str = "gitlab", applied: Sequence[str] = ()) -> None:
        super().__init__()
        self.applied = tuple(applied)  # what the wizard's Apply step did: shown beside the log until a job fails
        self.registry_kind = registry_kind  # only GitLab's registry can be listed; others get a sentence
        self.autostart = autostart  # False: events come only through apply() (a recorded watch, snapshots)
        self.client = client
        self.project = project
        self.target = {"pipeline_id": pipeline_id, "sha": sha, "ref": ref}
        self.schedule = schedule
        self.jobs: dict[int, Job] = {}
        self.polled: dict[int, float] = {}
        self.tails: dict[int, str] = {}
        self.stuck: set[int] = set()
        self.runners: list[dict[str, Any]] | None = None  # the project's runners, read when a job got stuck
        self.waiting_shown = False
        self.selected: int | None = None
        self.chosen_by_user = False
        self.follow_running = False
        self.pipeline_id: int | None = pipeline_id
        self.pipeline_url = ""
        self.sha = sha or ""
        self.ref = ref or ""
        self.status = "waiting"
        self.result: int | None = None
        self.search_text = ""
        self.nudge = asyncio.Event()
        self.recheck = False  # an action was taken while the follower ran: check a Finished once more

    def compose(self) -> ComposeResult:
        yield Label("Waiting for the pipeline…", id="watch-title")
        yield Static("", id="watch-message", markup=False)  # GitLab's and git's words, as they are
        yield PipelineGraph(id="graph")
        with Horizontal(id="watch-body"):
            yield JobLog(id="log")
            yield Static("", id="diagnosis", markup=False)  # "[docker, gpu]" is text, not markup
            yield Static("\n".join(self.applied), id="watch-applied", markup=False)
        yield Input(placeholder="search the log, Enter finds the next match, Esc closes", id="search")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#diagnosis").display = False
        self.query_one("#watch-applied").display = bool(self.applied)
        self.query_one("#watch-applied").border_title = "What Apply did"
        self.query_one("#search").display = False
        self.query_one(JobLog).border_title = "select a job to see its log (f follows the running one)"
        self.set_interval(1.0, self.tick)
        if self.autostart:
            self.follow_pipeline()

    # -- events from the follower (attributes down) ------------------------------------------------

    @work(exclusive=True, group="follow", exit_on_error=False)
    async def follow_pipeline(self) -> None:
        kwargs = {k: v for k, v in self.target.items() if v is not None}
        if self.schedule is not None:
            kwargs["schedule"] = self.schedule
        try:
            async for event in follow(self.client, self.project, follow_jobs=self.followed, nudge=self.nudge, **kwargs):
                self.apply(event)
        except Exception as exc:  # a wizard error: say it, keep the screen
            self.say(explain(exc), error=True)

    def followed(self) -> set[int]:
        return {self.selected} if self.selected is not None else set()

    def apply(self, event: Any) -> None:
        if self.waiting_shown and not isinstance(event, Waiting):  # GitLab answered: the wait is over
            self.waiting_shown = False
            self.say("")
        if isinstance(event, PipelineStatus):
            if event.parent_id is None:
                self.pipeline_id, self.status = event.pipeline_id, event.status
                self.pipeline_url = event.web_url or self.pipeline_url
                self.sha, self.ref = event.sha or self.sha, event.ref or self.ref
                self.show_title()
        elif isinstance(event, JobChanged):
            self.job_changed(event)
        elif isinstance(event, LogText):
            self.tails[event.job_id] = (self.tails.get(event.job_id, "") + event.text)[-TAIL_KEEP:]
            if event.job_id == self.selected:
                self.query_one(JobLog).append(event.text)
            if self.jobs.get(event.job_id) and self.jobs[event.job_id].status == "failed":
                self.show_diagnosis()
        elif isinstance(event, JobStuck):
            self.jobs[event.job.id] = event.job
            self.stuck.add(event.job.id)
            if event.runners is not None:
                self.runners = list(event.runners)
            if not self.chosen_by_user:
                self.select(event.job.id)
            self.show_diagnosis()
        elif isinstance(event, Waiting):
            self.say(event.message)
            self.waiting_shown = True
        elif isinstance(event, Finished):
            self.finished(event)

    def job_changed(self, event: JobChanged) -> None:
        job = event.job
        self.jobs[job.id] = job
        self.polled[job.id] = time.monotonic()
        self.query_one(PipelineGraph).update_job(job)
        if job.id == self.selected:
            self.show_log_title()
            if job.finished:
                self.query_one(JobLog).flush_partial()
            self.show_diagnosis()
        if self.follow_running and job.status == "running" and (
                self.selected is None or self.jobs.get(self.selected, job).status != "running"):
            self.select(job.id)
        elif job.status == "failed" and not job.allow_failure and not self.chosen_by_user and not self.follow_running:
            self.select(job.id)

    def finished(self, event: Finished) -> None:
        if self.recheck and self.autostart:
            self.recheck = False
            self.pipeline_id = event.pipeline_id
            self.restart_follower()
            return
        self.status = event.status
        self.result = EXIT_OK if event.status in ("success", "skipped") else EXIT_FAILED
        self.show_title()
        if event.status == "success" and self.registry_kind != "gitlab":
            self.say("Passed. " + other_registry_note(self.registry_kind))
        elif event.status == "success":
            self.check_registry()
        elif event.yaml_errors:
            self.say(f"GitLab did not accept the .gitlab-ci.yml: {event.yaml_errors}. Fix it and push again.",
                     error=True)
        else:
            self.say(f"The pipeline {status_word(event.status)}. r retries a job, R the pipeline; q quits.")

    @work(thread=True, exclusive=True, group="registry", exit_on_error=False)
    def check_registry(self) -> None:
        try:
            registry = self.client.registry_tags(self.project)
        except Exception as exc:
            self.app.call_from_thread(self.say, explain(exc), error=True)
            return
        wanted = [t for t in (self.sha[:8], self.sha, self.ref, "latest") if t]
        found = [f"docker pull {location}:{tag}" for tag in wanted for location, tags in registry.items() if tag in tags]
        if found:
            text = "Passed, and the image is in the registry. Try it:\n" + "\n".join(found[:2])  # one per line
        else:
            text = (f"Passed, but the registry has no image tagged {self.sha[:8] or self.ref}: does a job run "
                    "`docker push`? Registry now: " + (", ".join(registry) or "empty"))
        self.app.call_from_thread(self.say, text, error=not found)

    # -- showing --------------------------------------------------------------------------------------

    def tick(self) -> None:
        now = time.monotonic()
        graph = self.query_one(PipelineGraph)
        for job_id, job in self.jobs.items():
            if job.status == "running" and job_id in graph.cells:
                graph.cells[job_id].set_job(job, (job.duration or 0.0) + now - self.polled.get(job_id, now))

    def show_title(self) -> None:
        where = f"{self.ref} " if self.ref else ""
        sha = f"{self.sha[:8]} " if self.sha else ""
        title = f"{glyph(self.status)} Pipeline #{self.pipeline_id} {status_word(self.status)} · {self.project} {where}{sha}"
        label = self.query_one("#watch-title", Label)
        label.update(title.strip() + ("  · following the running job" if self.follow_running else ""))
        label.set_classes(f"-{self.status}")

    def say(self, message: str, error: bool = False) -> None:
        widget = self.query_one("#watch-message", Static)
        widget.update(message)
        widget.set_class(error, "-error")

    def show_log_title(self) -> None:
        job = self.jobs.get(self.selected) if self.selected is not None else None
        if job:
            log = self.query_one(JobLog)
            log.border_title = f"{glyph(job.status, job.allow_failure)} {job.name} · {status_word(job.status)}"
            log.border_subtitle = "" if log.following else "paused: End follows the log again"

    def show_diagnosis(self) -> None:
        panel = self.query_one("#diagnosis", Static)
        job = self.jobs.get(self.selected) if self.selected is not None else None
        found = None
        if job is not None and (job.status in ("failed", "pending")):
            found = diagnose(job, self.tails.get(job.id, ""), self.runners)
            if job.status == "pending" and job.id not in self.stuck:
                found = None
        panel.display = found is not None
        self.query_one("#watch-applied").display = bool(self.applied) and found is None  # the why needs the room
        if found is not None:
            panel.update(found.as_text())
            panel.border_title = "Why"

    def select(self, job_id: int) -> None:
        if job_id == self.selected:
            return
        self.selected = job_id
        self.query_one(JobLog).show_job(job_id)
        self.show_log_title()
        self.show_diagnosis()
        self.nudge.set()

    @on(PipelineGraph.JobSelected)
    def job_selected(self, event: PipelineGraph.JobSelected) -> None:
        if event.job.id != self.selected:
            self.chosen_by_user = True
            self.select(event.job.id)

    # -- actions ----------------------------------------------------------------------------------------

    def action_leave(self) -> None:
        self.dismiss(self.result)

    def action_toggle_follow(self) -> None:
        self.follow_running = not self.follow_running
        running = [j for j in self.jobs.values() if j.status == "running"]
        if self.follow_running and running:
            self.select(running[0].id)
        self.show_title()

    def confirm_then(self, question: str, method: str, *args: Any) -> None:
        def done(yes: bool | None) -> None:
            if yes:
                self.call_gitlab(method, *args)

        self.app.push_screen(ConfirmAction(question), done)

    @work(thread=True, group="actions", exit_on_error=False)
    def call_gitlab(self, method: str, *args: Any) -> None:
        try:
            getattr(self.client, method)(self.project, *args)
        except Exception as exc:
            self.app.call_from_thread(self.say, explain(exc), True)
            return
        self.app.call_from_thread(self.say, f"Done: {method.replace('_', ' ')}. Watching for the change…")
        self.app.call_from_thread(self.resume_watch)

    def resume_watch(self) -> None:
        """After an action: wake the follower, or start it again if the pipeline had already finished."""
        self.nudge.set()
        if self.autostart and self.result is not None and self.pipeline_id is not None:
            self.restart_follower()
        else:
            # an answer GitLab gave before the action (say: passed, deploy still manual) may still be on its
            # way; a Finished built from it is checked once more instead of ending the watch
            self.recheck = True

    def restart_follower(self) -> None:
        self.target = {"pipeline_id": self.pipeline_id, "sha": None, "ref": None}
        self.result = None
        self.nudge.clear()
        self.follow_pipeline()

    def selected_job(self) -> Job | None:
        job = self.jobs.get(self.selected) if self.selected is not None else None
        if job is None:
            self.say("Select a job first (Tab or click).", error=True)
        return job

    def action_retry_job(self) -> None:
        if job := self.selected_job():
            self.confirm_then(f"Retry job {job.name}? It runs again from the start.", "retry_job", job.id)

    def action_cancel_job(self) -> None:
        if job := self.selected_job():
            self.confirm_then(f"Cancel job {job.name}?", "cancel_job", job.id)

    def action_play_job(self) -> None:
        if (job := self.selected_job()) and job.status != "manual":
            self.say(f"{job.name} is not a manual job waiting to be played.", error=True)
        elif job:
            self.confirm_then(f"Play manual job {job.name}?", "play_job", job.id)

    def action_retry_pipeline(self) -> None:
        if self.pipeline_id:
            self.confirm_then(f"Retry the failed jobs of pipeline #{self.pipeline_id}?", "retry_pipeline",
                              self.pipeline_id)

    def action_cancel_pipeline(self) -> None:
        if self.pipeline_id:
            self.confirm_then(f"Cancel pipeline #{self.pipeline_id}?", "cancel_pipeline", self.pipeline_id)

    def action_open_job(self) -> None:
        if (job := self.selected_job()) and job.web_url:
            self.app.open_url(job.web_url)
            self.say(f"Opened {job.web_url}")

    def action_open_pipeline(self) -> None:
        if self.pipeline_url:
            self.app.open_url(self.pipeline_url)
            self.say(f"Opened {self.pipeline_url}")

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.search_text = event.value
        self.action_next_match()

    def action_next_match(self) -> None:
        log = self.query_one(JobLog)
        found = log.search(self.search_text)
        self.say(f"\"{self.search_text}\" found at line {found + 1}" if found is not None else f"\"{self.search_text}\" is not in the log")
        self.show_log_title()

    def key_escape(self) -> None:
        box = self.query_one("#search", Input)
        if box.display:
            box.display = False
            self.query_one(JobLog).focus()

    def action_resume(self) -> None:
        self.query_one(JobLog).resume_following()
        self.show_log_title()
