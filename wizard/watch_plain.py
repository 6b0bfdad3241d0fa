"""Line output of a pipeline watch: for pipes, CI logs, `--plain` and `dockwright apply`.

One line per status change; when a job fails, the last lines of its log and, when dockwright
recognises the cause, what happened and what to do. No colours, no cursor movement.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import IO, Any

from dockwright.wizard.diagnose import Diagnosis, diagnose, last_lines
from dockwright.wizard.errors import EXIT_FAILED, EXIT_OK
from dockwright.wizard.watch import (
    FINAL_STATUSES,
    Finished,
    Job,
    JobChanged,
    JobStuck,
    LogText,
    PipelineCreated,
    PipelineStatus,
    Waiting,
)

# glab's glyphs (internal/commands/ci/view/view.go), one meaning each
GLYPHS = {
    "success": "✔", "failed": "✘", "running": "●", "pending": "●", "created": "○", "preparing": "●",
    "waiting_for_resource": "◔", "manual": "■", "scheduled": "◷", "canceled": "Ø", "canceling": "Ø",
    "skipped": "»",
}
WORDS = {"success": "passed", "failed": "failed", "canceled": "canceled", "skipped": "skipped"}
TAIL_KEEP = 64 * 1024  # per failed job, enough for its last lines and the diagnosis
FAILURE_LINES = 15


def glyph(status: str, allow_failure: bool = False) -> str:
    if status == "failed" and allow_failure:
        return "!"
    return GLYPHS.get(status, "?")


def status_word(status: str, allow_failure: bool = False) -> str:
    if status == "failed" and allow_failure:
        return "failed (allowed to fail)"
    return WORDS.get(status, status.replace("_", " "))


def job_line(job: Job) -> str:
    where = f" on {job.runner}" if job.runner and job.status in ("running", "success", "failed") else ""
    took = f" in {job.duration:.0f} s" if job.duration is not None and job.finished else ""
    kind = "trigger " if job.bridge else ""
    manual = " (manual: play it to run)" if job.status == "manual" else ""
    return f"{glyph(job.status, job.allow_failure)} {kind}job {job.name} [{job.stage}] {status_word(job.status, job.allow_failure)}{where}{took}{manual}"


def failure_block(job: Job, tail: str, diagnosis: Diagnosis | None) -> list[str]:
    lines = [f"--- last lines of {job.name} ({job.web_url or f'job {job.id}'}) ---"]
    lines += ["  " + line for line in last_lines(tail, FAILURE_LINES)] or ["  (the log is empty)"]
    if diagnosis and diagnosis.command:
        lines.append(f"--- failed command: $ {diagnosis.command}")
    if diagnosis and diagnosis.code != "script_failed":
        lines += [f"--- why: {diagnosis.title}", "  " + diagnosis.why, "  What to do: " + diagnosis.fix]
    if diagnosis and diagnosis.go_back:
        lines.append("  " + diagnosis.go_back)
    lines.append("---")
    return lines


async def print_plain(events: AsyncIterator[Any], out: IO[str], *,
                      runners: Sequence[Mapping[str, Any]] | None = None, notifier: Any = None,
                      project: str = "") -> int:
    """Print the watch as lines on ``out``; return 0 when the pipeline passed, 1 when it failed or was canceled.
    With a ``notifier`` (wizard/notify.py, `dockwright watch --plain` in a terminal) the end also gets a
    ``notified:`` line and the terminal's bell and desktop notification."""
    ref = ""
    started = time.monotonic()
    jobs: dict[int, Job] = {}
    tails: dict[int, str] = {}
    explained: set[int] = set()

    def say(text: str) -> None:
        elapsed = int(time.monotonic() - started)
        out.write(f"[{elapsed // 60:02d}:{elapsed % 60:02d}] {text}\n")
        out.flush()

    def explain(job_id: int) -> None:
        job = jobs[job_id]
        if job_id in explained:
            return
        explained.add(job_id)
        tail = tails.pop(job_id, "")
        for line in failure_block(job, tail, diagnose(job, tail, runners)):
            out.write(line + "\n")
        out.flush()

    async for event in events:
        if isinstance(event, PipelineStatus):
            if not event.parent_id:
                ref = event.ref or ref
            if not event.parent_id and event.status in FINAL_STATUSES:
                continue  # the pipeline's end is said once, by Finished (after the failed jobs' logs)
            name = f"child pipeline #{event.pipeline_id}" if event.parent_id else f"pipeline #{event.pipeline_id}"
            url = f"  {event.web_url}" if event.web_url else ""
            say(f"{glyph(event.status)} {name} {status_word(event.status)}{url}")
            if event.status == "manual":
                waiting = ", ".join(j.name for j in jobs.values() if j.status == "manual" and not j.allow_failure)
                out.write(f"  It waits for a manual job ({waiting or 'see GitLab'}): play it in GitLab (the ▶ button) "
                          "or in `dockwright watch` (p); this watch goes on until the pipeline ends.\n")
        elif isinstance(event, JobChanged):
            jobs[event.job.id] = event.job
            say(job_line(event.job))
        elif isinstance(event, LogText):
            job = jobs.get(event.job_id)
            tails[event.job_id] = (tails.get(event.job_id, "") + event.text)[-TAIL_KEEP:]
            if job is not None and job.status == "failed":
                explain(event.job_id)
        elif isinstance(event, JobStuck):
            d = diagnose(event.job, "", event.runners if event.runners is not None else runners)
            say(f"◔ job {event.job.name} has waited {event.pending_seconds:.0f} s for a runner")
            if d:
                out.write(f"  {d.title}\n  {d.why}\n  What to do: {d.fix}\n")
        elif isinstance(event, Waiting):
            say(f"… {event.message}")
        elif isinstance(event, PipelineCreated):
            say(f"+ {event.message}")
        elif isinstance(event, Finished):
            for job_id, job in jobs.items():
                if job.status == "failed" and not job.bridge and job_id not in explained:
                    explain(job_id)
            word = status_word(event.status)
            if event.yaml_errors:
                out.write(f"GitLab did not accept the .gitlab-ci.yml: {event.yaml_errors}\n"
                          "Fix it (dockwright generate shows a valid one; CI/CD > Editor validates) and push again.\n")
            say(f"{glyph(event.status)} pipeline #{event.pipeline_id} {word}" +
                (f"  {event.web_url}" if event.web_url else ""))
            if notifier is not None and notifier.enabled:
                notifier.pipeline_ended(event.pipeline_id, event.status, ref, project)
                if notifier.sent:
                    say(f"notified: {notifier.sent[-1]}")
            return EXIT_OK if event.status in ("success", "skipped") else EXIT_FAILED
    return EXIT_FAILED
