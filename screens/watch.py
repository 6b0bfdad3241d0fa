"""WatchScreen: the pipeline live. Stages as columns, the selected job's log, why a job failed.

Self-contained: give it a GitLab client and a pipeline (id, or sha/ref to wait for); its CSS is
assets/watch.tcss. It dismisses with the exit code `dockwright watch` uses (0 passed, 1 failed or
canceled, None when left before the end).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar, TypedDict

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from dockwright.screens.errors import explain
from dockwright.screens.widgets.confirm import ConfirmAction, has_browser
from dockwright.screens.widgets.fields import FieldInput
from dockwright.screens.widgets.job_log import JobLog
from dockwright.screens.widgets.label_text import update_label
from dockwright.screens.widgets.pipeline_graph import PipelineGraph
from dockwright.screens.widgets.steady_footer import SteadyFooter
from dockwright.screens.widgets.test_report import TestReportBox
from dockwright.wizard.diagnose import diagnose
from dockwright.wizard.errors import EXIT_FAILED, EXIT_OK
from dockwright.wizard.job_logs import JobLogs
from dockwright.wizard.pushed_tags import pull_hint, pushed_images
from dockwright.wizard.watch import (
    Finished,
    Job,
    JobChanged,
    JobStuck,
    LogText,
    PipelineCreated,
    PipelineStatus,
    Waiting,
    follow,
    retry_of,
)
from dockwright.wizard.watch_plain import glyph, status_word


class _Target(TypedDict):
    """Which pipeline the follower looks for: an id, or the newest of a commit and/or branch."""

    pipeline_id: int | None
    sha: str | None
    ref: str | None


class WatchScreen(Screen[int | None]):
    CSS_PATH = Path(__file__).resolve().parent.parent / "assets" / "watch.tcss"
    # every key fits one footer line at 80 columns: a lower-case key acts on the selected job, its upper-case
    # twin on the whole pipeline, and the two share one label; the tooltips and F1 say more
    RETRY, CANCEL, OPEN = (Binding.Group(name) for name in ("Retry", "Cancel", "Open"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "leave", "Quit", id="watch.quit", tooltip="Stop watching (the pipeline goes on in GitLab)"),
        Binding("q", "back", "Back", id="watch.back", tooltip="Back to the pipelines list"),  # opened from it
        Binding("f1", "help", "Help", id="watch.help", tooltip="What the watch shows, its keys, and common failures"),
        Binding("question_mark", "help", "Help", show=False, id="watch.help_key", tooltip="Same as F1"),
        Binding("f", "toggle_follow", "Follow", id="watch.follow",
                tooltip="Always show the log of whichever job is running"),
        Binding("r", "retry_job", "Retry job", group=RETRY, id="watch.retry", tooltip="Retry the selected job (asks first)"),
        Binding("R", "retry_pipeline", "Retry pipeline", group=RETRY, id="watch.retry_pipeline",
                tooltip="Retry the failed and canceled jobs of the pipeline (asks first)"),
        Binding("c", "cancel_job", "Cancel job", group=CANCEL, id="watch.cancel", tooltip="Cancel the selected job (asks first)"),
        Binding("C", "cancel_pipeline", "Cancel pipeline", group=CANCEL, id="watch.cancel_pipeline",
                tooltip="Cancel the whole pipeline (asks first)"),
        Binding("p", "play_job", "Play", id="watch.play", tooltip="Run the selected manual job (asks first)"),
        Binding("o", "open_job", "Open job", group=OPEN, id="watch.open", tooltip="Open the selected job in the browser"),
        Binding("O", "open_pipeline", "Open pipeline", group=OPEN, id="watch.open_pipeline",
                tooltip="Open the pipeline in the browser"),
        Binding("slash", "search", "Search", id="watch.search", tooltip="Find text in the log (n: next)"),
        Binding("d", "artifacts", "Artifacts", id="watch.artifacts", show=False,
                tooltip="The selected job's artifacts with sizes; download its files into this folder (asks first)"),
        Binding("F", "follow_ref", "Follow branch", id="watch.follow_ref", show=False,
                tooltip="Keep following this branch: move to its next pipeline when one starts"),
        Binding("n", "next_match", "Next match", id="watch.next", show=False, tooltip="Next search match"),
        Binding("end", "resume", "Follow log end", id="watch.end", show=False,
                tooltip="Scroll to the end of the log and keep following it"),
        # inside the wizard its ctrl+q and ctrl+s still work here, but are not listed: the footer fits 80 columns
        Binding("ctrl+q", "app.quit", "Quit dockwright", id="watch.app_quit", show=False,
                tooltip="Quit dockwright (the pipeline goes on in GitLab)"),
        Binding("ctrl+s", "save_answers", "Save answers", id="watch.save", show=False,
                tooltip="In the wizard: save your answers to dockwright.yml"),
    ]

    def __init__(self, client: Any, project: str, pipeline_id: int | None = None, sha: str | None = None,
                 ref: str | None = None, *, schedule: Any = None, autostart: bool = True,
                 registry_kind: str = "gitlab", applied: Sequence[str] = (),
                 follow_options: dict[str, Any] | None = None, back_on_escape: bool = False,
                 notifier: Any = None, following_ref: str | None = None) -> None:
        super().__init__()
        self.download_dir = Path.cwd()  # d downloads a job's artifacts here
        self.following_ref = following_ref  # --follow-ref / F: a newer pipeline of this branch replaces this screen
        self.notifier = notifier  # wizard/notify.py: the bell and desktop notification at the end; None: quiet
        self.back_on_escape = back_on_escape  # opened from the pipelines list: Esc goes back to it
        # after the wizard's Apply: the keywords `dockwright apply` follows with (wizard/apply_watch.py): GitLab
        # gone 60 s ends the watch, a pushed commit without a pipeline gets one
        self.follow_options = dict(follow_options or {})
        self.applied = tuple(applied)  # what the wizard's Apply step did: shown beside the log until a job fails
        self.registry_kind = registry_kind  # only GitLab's registry can be listed; others get a sentence
        self.autostart = autostart  # False: events come only through apply() (a recorded watch, snapshots)
        self.client = client
        self.project = project
        self.target: _Target = {"pipeline_id": pipeline_id, "sha": sha, "ref": ref}
        self.schedule = schedule
        self.jobs: dict[int, Job] = {}
        self.polled: dict[int, float] = {}
        self.logs = JobLogs()  # what was received of each job's log; a finished one is fetched once
        self.fetching: set[int] = set()  # finished logs the screen is reading (fetch_log), not the follower
        self.pushes_from: list[int] | None = None  # after a pass: the jobs whose logs say which tags were pushed
        self.follower_done = False  # the follower has ended: a finished job's log is fetched here
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
        yield Static("", id="watch-pull", markup=False)  # after a pass: the `docker pull` lines; stays
        yield TestReportBox(id="watch-tests")  # when it ended: the JUnit summary, failed tests by name
        yield PipelineGraph(id="graph")
        with Horizontal(id="watch-body"):
            yield JobLog(id="log")
            yield Static("", id="diagnosis", markup=False)  # "[docker, gpu]" is text, not markup
            yield Static("\n".join(self.applied), id="watch-applied", markup=False)
        yield FieldInput(placeholder="search the log, Enter finds the next match, Esc closes", id="search")
        yield SteadyFooter(show_command_palette=False)

    def on_mount(self) -> None:
        if not self.query("#diagnosis"):  # the app closed while this screen was being put up (its children gone)
            return
        for quiet in ("#diagnosis", "#watch-pull", "#watch-message"):
            self.query_one(quiet).display = False
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
        options = dict(self.follow_options)  # after an apply: its schedule and the missing pipeline's creation
        if self.schedule is not None:
            options["schedule"] = self.schedule
        try:
            async for event in follow(self.client, self.project, follow_jobs=self.followed, nudge=self.nudge,
                                      **options, **self.target):
                self.apply(event)
        except Exception as exc:  # a wizard error: say it, keep the screen
            self.follower_done = True
            self.say(explain(exc), error=True)

    def followed(self) -> set[int]:
        """The job whose log the follower should send: the selected one, unless its whole log is here or the
        screen is already fetching it (one fetch per finished log, whoever asks first)."""
        job = self.selected
        return {job} if job is not None and not self.logs.complete(job) and job not in self.fetching else set()

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
            job = self.jobs.get(event.job_id)
            self.logs.add(event.job_id, event.text, finished=job is not None and job.finished)
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
        elif isinstance(event, PipelineCreated):
            self.say(event.message)  # stays until something else is said
        elif isinstance(event, Finished):
            self.finished(event)

    def job_changed(self, event: JobChanged) -> None:
        job = event.job
        retried = retry_of(job, self.jobs.values()) if job.id not in self.jobs else None
        if retried is not None:  # its new run takes its place (and its cell in the graph)
            del self.jobs[retried.id]
        self.jobs[job.id] = job
        self.polled[job.id] = time.monotonic()
        self.query_one(PipelineGraph).update_job(job)
        if job.id == self.selected:
            self.show_log_title()
            if job.finished:
                self.query_one(JobLog).flush_partial()
            self.show_diagnosis()
        if retried is not None and retried.id == self.selected:
            self.select(job.id)  # the log of the new run, under the same cell
        elif (self.follow_running and job.status == "running" and (
                self.selected is None or self.jobs.get(self.selected, job).status != "running")) or (job.status == "failed" and not job.allow_failure and not self.chosen_by_user and not self.follow_running):
            self.select(job.id)

    def finished(self, event: Finished) -> None:
        if self.recheck and self.autostart:
            self.recheck = False
            self.pipeline_id = event.pipeline_id
            self.restart_follower()
            return
        self.status = event.status
        self.result = EXIT_OK if event.status in ("success", "skipped") else EXIT_FAILED
        self.follower_done = True
        if self.selected is not None and not self.logs.complete(self.selected):
            self.fetch_log(self.selected)  # chosen while the follower was ending: it will not send it now
        self.show_title()
        if self.autostart:
            self.query_one(TestReportBox).load(self.client, self.project, event.pipeline_id)
        if self.notifier is not None:
            self.notifier.pipeline_ended(event.pipeline_id, event.status, self.ref, self.project)
        if event.status == "success":
            self.check_registry()
        elif event.yaml_errors:
            self.say(f"GitLab did not accept the .gitlab-ci.yml: {event.yaml_errors}. Fix it and push again.",
                     error=True)
        else:
            self.say(f"The pipeline {status_word(event.status)}. r retries a job, R the pipeline; {self.leave_word}.")

    def check_registry(self) -> None:
        """After a pass: which tags the jobs pushed (from their logs), and for GitLab's registry which of them
        it really has; shown as `docker pull` lines beside, not in, the message line. The logs not here yet
        are fetched through :meth:`fetch_log` (the one owner of a finished log's fetch, so selecting a job
        meanwhile does not fetch it a second time); the hint follows when the last one arrives."""
        self.pushes_from = sorted(j.id for j in self.jobs.values() if j.status == "success" and not j.bridge)
        for jid in self.pushes_from:
            self.fetch_log(jid)
        self.look_for_pushes_when_logs_are_here()

    def look_for_pushes_when_logs_are_here(self) -> None:
        jobs = self.pushes_from
        if jobs is None or not all(self.logs.complete(jid) for jid in jobs):
            return
        self.pushes_from = None
        self.look_for_pushes([self.logs.text(jid) for jid in jobs])  # in pipeline order: pushed in order

    @work(thread=True, exclusive=True, group="registry", exit_on_error=False)
    def look_for_pushes(self, logs: list[str]) -> None:
        """``logs``: each passed job's log (its kept end); then the registry's tags, read in a thread."""
        try:
            pushed = [image for log in logs for image in pushed_images(log)]
            registry = self.client.registry_tags(self.project) if self.registry_kind == "gitlab" else None
        except Exception as exc:
            self.app.call_from_thread(self.say, explain(exc), True)
            return
        self.app.call_from_thread(self.show_pull_hint, *pull_hint(pushed, registry, sha=self.sha, ref=self.ref,
                                                                   registry_kind=self.registry_kind))

    def show_pull_hint(self, text: str, ok: bool) -> None:
        widget = self.query_one("#watch-pull", Static)
        widget.update(text)
        widget.set_class(not ok, "-error")
        widget.display = True

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
        update_label(label, title.strip() + ("  · following the running job" if self.follow_running else "")
                     + (f"  · following branch {self.following_ref}" if self.following_ref else ""))
        label.set_classes(f"-{self.status}")

    def say(self, message: str, error: bool = False) -> None:
        widget = self.query_one("#watch-message", Static)
        widget.set_class(error, "-error")
        if widget.display == bool(message):  # shown and stays shown: laid out only if it takes more or fewer lines
            update_label(widget, message)
        else:  # an empty line would only push the graph down: shown or hidden, the screen is laid out for that
            widget.update(message, layout=False)
            widget.display = bool(message)

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
            found = diagnose(job, self.logs.text(job.id), self.runners)
            if job.status == "pending" and job.id not in self.stuck:
                found = None
        panel.display = found is not None
        self.query_one("#watch-applied").display = bool(self.applied) and found is None  # the why needs the room
        if found is not None:  # the panel's size is set (assets/watch.tcss): new words need no layout
            panel.update(found.as_text(), layout=False)
            panel.border_title = "Why"

    def select(self, job_id: int) -> None:
        if job_id == self.selected:
            return
        self.selected = job_id
        log = self.query_one(JobLog)
        log.show_job(job_id)
        if self.logs.complete(job_id):  # fetched once already: shown again from here
            self.show_kept_log(job_id)
        else:
            self.logs.restart(job_id)  # the follower sends it from its start
            job = self.jobs.get(job_id)
            if self.follower_done and job is not None and job.finished:
                self.fetch_log(job_id)
        self.show_log_title()
        self.show_diagnosis()
        self.nudge.set()

    def show_kept_log(self, job_id: int) -> None:
        log = self.query_one(JobLog)
        if self.logs.cut(job_id):
            log.append("(the beginning of this log is not kept here; o opens the whole log in GitLab)\n")
        log.append(self.logs.text(job_id))
        log.flush_partial()

    def fetch_log(self, job_id: int) -> None:
        """A finished job's log, once, when the follower has ended (`dockwright watch --pipeline N`): the only
        place the screen asks GitLab for a log (selecting a job and the registry hint both come here)."""
        if job_id not in self.fetching and not self.logs.complete(job_id):
            self.fetching.add(job_id)
            self.read_trace(job_id)

    @work(thread=True, group="logs", exit_on_error=False)
    def read_trace(self, job_id: int) -> None:
        try:
            data = self.client.get_job_trace(self.project, job_id)
        except Exception as exc:
            self.app.call_from_thread(self.log_fetched, job_id, None)
            self.app.call_from_thread(self.say, explain(exc), True)
            return
        self.app.call_from_thread(self.log_fetched, job_id, data)

    def log_fetched(self, job_id: int, data: bytes | None) -> None:
        self.fetching.discard(job_id)
        if data is None:
            self.pushes_from = None  # said why; no pull lines without the logs
            return
        self.logs.fetched(job_id, data)
        self.look_for_pushes_when_logs_are_here()
        if job_id == self.selected:
            self.query_one(JobLog).show_job(job_id)
            self.show_kept_log(job_id)
            self.show_log_title()
            self.show_diagnosis()

    @on(PipelineGraph.JobSelected)
    def job_selected(self, event: PipelineGraph.JobSelected) -> None:
        if event.job.id != self.selected:
            self.chosen_by_user = True
            self.select(event.job.id)

    # -- actions ----------------------------------------------------------------------------------------

    def action_leave(self) -> None:
        self.dismiss(self.result)

    def action_back(self) -> None:
        self.dismiss(self.result)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """q says Back when the pipeline was opened from the list (it goes back there), Quit otherwise."""
        if action in ("leave", "back"):
            return (action == "back") == self.back_on_escape
        return super().check_action(action, parameters)

    @property
    def leave_word(self) -> str:
        return "q goes back to the list" if self.back_on_escape else "q quits"

    def action_artifacts(self) -> None:
        if job := self.selected_job():
            self.show_artifacts(job.id)

    @work(thread=True, group="actions", exit_on_error=False)
    def show_artifacts(self, job_id: int) -> None:
        """d: what the job keeps, with sizes; its files archive is downloaded into the folder after a yes."""
        from dockwright.wizard.artifacts import archive_name, artifact_lines, has_archive

        try:
            job = self.client.get_job(self.project, job_id)
        except Exception as exc:
            self.app.call_from_thread(self.say, explain(exc), True)
            return
        lines = artifact_lines(job)
        if not has_archive(job):
            kept = "; ".join(lines) if lines else "nothing (no artifacts: in its .gitlab-ci.yml job)"
            self.app.call_from_thread(self.say, f"Job {job['name']} keeps {kept}; there are no files to download.")
            return
        question = "\n".join([f"Job {job['name']} keeps:", *("  " + line for line in lines), "",
                              f"Download its files into {self.download_dir} as {archive_name(job)}?"])

        def done(yes: bool | None) -> None:
            if yes:
                self.download(job)

        self.app.call_from_thread(self.app.push_screen, ConfirmAction(question), done)

    @work(thread=True, group="actions", exit_on_error=False)
    def download(self, job: dict[str, Any]) -> None:
        from dockwright.wizard.artifacts import download_archive, size_text

        try:
            path = download_archive(self.client, self.project, job, self.download_dir)
        except Exception as exc:
            self.app.call_from_thread(self.say, explain(exc), True)
            return
        self.app.call_from_thread(self.say, f"Saved {path} ({size_text(path.stat().st_size)}).")

    def action_follow_ref(self) -> None:
        follow_ref = getattr(self.app, "follow_ref", None)  # `dockwright watch` has it; the wizard does not
        if follow_ref is None or not self.ref:
            self.say("Following a branch works in `dockwright watch --follow-ref BRANCH`.", error=True)
            return
        self.following_ref = self.ref
        follow_ref(self.ref, from_list=self.back_on_escape, screen=self)
        self.show_title()
        self.say(f"Following branch {self.ref}: its next pipeline opens here when it starts; {self.leave_word}.")

    def action_toggle_follow(self) -> None:
        self.follow_running = not self.follow_running
        running = [j for j in self.jobs.values() if j.status == "running"]
        if self.follow_running and running:
            self.select(running[0].id)
        self.show_title()

    def confirm_then(self, question: str, what: str, action: Callable[[str | int, int], object], target: int) -> None:
        """Ask ``question``; on yes, ``action(project, target)`` (a GitLab client method) in a thread."""
        def done(yes: bool | None) -> None:
            if yes:
                self.call_gitlab(what, action, target)

        self.app.push_screen(ConfirmAction(question), done)

    @work(thread=True, group="actions", exit_on_error=False)
    def call_gitlab(self, what: str, action: Callable[[str | int, int], object], target: int) -> None:
        try:
            action(self.project, target)
        except Exception as exc:
            self.app.call_from_thread(self.say, explain(exc), True)
            return
        self.app.call_from_thread(self.say, f"Done: {what}. Watching for the change…")
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
        job = self.selected
        if job is not None and not self.logs.complete(job):  # the new follower sends its log from the start
            self.logs.restart(job)
            self.query_one(JobLog).show_job(job)
        self.target = {"pipeline_id": self.pipeline_id, "sha": None, "ref": None}
        self.query_one("#watch-pull").display = False  # said again when the pipeline passes again
        self.result = None
        self.follower_done = False
        self.nudge.clear()
        self.follow_pipeline()

    def selected_job(self) -> Job | None:
        job = self.jobs.get(self.selected) if self.selected is not None else None
        if job is None:
            self.say("Select a job first (Tab or click).", error=True)
        return job

    def action_retry_job(self) -> None:
        if job := self.selected_job():
            self.confirm_then(f"Retry job {job.name}? It runs again from the start.", "retry job",
                              self.client.retry_job, job.id)

    def action_cancel_job(self) -> None:
        if job := self.selected_job():
            self.confirm_then(f"Cancel job {job.name}?", "cancel job", self.client.cancel_job, job.id)

    def action_play_job(self) -> None:
        if (job := self.selected_job()) and job.status != "manual":
            self.say(f"{job.name} is not a manual job waiting to be played.", error=True)
        elif job:
            self.confirm_then(f"Play manual job {job.name}?", "play job", self.client.play_job, job.id)

    def action_retry_pipeline(self) -> None:
        retryable = [j for j in self.jobs.values() if j.status in ("failed", "canceled") and not j.bridge]
        if self.pipeline_id and not retryable:  # GitLab's retry would change nothing
            self.say(f"Nothing to retry: no job of pipeline #{self.pipeline_id} failed or was canceled. "
                     "r runs the selected job again.")
        elif self.pipeline_id:
            self.confirm_then(f"Retry the failed jobs of pipeline #{self.pipeline_id}?", "retry pipeline",
                              self.client.retry_pipeline, self.pipeline_id)

    def action_cancel_pipeline(self) -> None:
        if self.pipeline_id:
            self.confirm_then(f"Cancel pipeline #{self.pipeline_id}?", "cancel pipeline", self.client.cancel_pipeline,
                              self.pipeline_id)

    def action_open_job(self) -> None:
        if (job := self.selected_job()) and job.web_url:
            self.open_in_browser(job.web_url)

    def action_open_pipeline(self) -> None:
        if self.pipeline_url:
            self.open_in_browser(self.pipeline_url)

    def open_in_browser(self, url: str) -> None:
        """Open ``url``, or say where to open it when this machine has no browser to start (over SSH, in a
        container): saying "Opened" then would be untrue."""
        if self.app.is_web or has_browser():
            self.app.open_url(url)
            self.say(f"Opened {url} in the browser.")
        else:
            self.say(f"No web browser found on this machine; open this address on yours: {url}")

    def action_save_answers(self) -> None:
        save = getattr(self.app, "action_save_answers", None)  # the wizard's; `dockwright watch` has no answers
        if save is not None:
            save()

    def action_help(self) -> None:
        from dockwright.screens.widgets.help import HelpScreen
        from dockwright.wizard.steps import step

        self.app.push_screen(HelpScreen(step("watch")))

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
        elif self.back_on_escape:
            self.action_leave()

    def action_resume(self) -> None:
        self.query_one(JobLog).resume_following()
        self.show_log_title()
