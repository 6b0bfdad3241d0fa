"""After `dockwright apply` (and --plain) pushed: follow the commit's pipeline, then look for the image tags.

The wizard's watch after Apply follows the same way (:func:`after_apply_follow`): GitLab unreachable for
``gitlab_wait`` seconds in a row ends it (exit 5, issue 19 item 19), and a pushed commit that has no pipeline
after :data:`PIPELINE_APPEAR_WAIT` seconds gets one through ``POST /projects/:id/pipeline`` (item 17). A re-run
that finds the commit's pipeline failed offers to retry it (``--retry-pipeline``) instead of only saying so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import IO, Any

from dockwright.wizard.apply import ApplyReport, expected_tags, other_registry_note
from dockwright.wizard.changes import Outcome
from dockwright.wizard.errors import EXIT_FAILED, EXIT_OK, PipelineFailed
from dockwright.wizard.plan import Plan
from dockwright.wizard.render.registry import image_name
from dockwright.wizard.session import Session
from dockwright.wizard.watch_schedule import Schedule

PIPELINE_APPEAR_WAIT = 15.0  # seconds a push's pipeline may take to appear before one is created
GITLAB_WAIT = 60.0  # default bound on GitLab being unreachable while following (ApplyOptions.gitlab_wait)
APPEAR_TIMEOUT = 120.0  # after the create: no pipeline by then ends the watch with a sentence
RETRYABLE = ("failed", "canceled")


def after_apply_follow(commit_message: str, gitlab_wait: float = GITLAB_WAIT) -> dict[str, Any]:
    """The ``follow()`` keywords of the watch after an apply's push, for `apply`, --plain and the wizard alike."""
    schedule = Schedule(give_up_after=gitlab_wait, error_max=max(1.0, min(Schedule.error_max, gitlab_wait / 4)),
                        appear_timeout=max(APPEAR_TIMEOUT, PIPELINE_APPEAR_WAIT + gitlab_wait))
    return {"schedule": schedule, "create_missing_after": PIPELINE_APPEAR_WAIT, "commit_message": commit_message}


def offer_retry(client: Any, project: str, sha: str, branch: str, out: IO[str],
                retry: Callable[[str], bool] | None) -> int | None:
    """The commit's newest pipeline failed or was canceled (a re-run after a failure): retry it when agreed
    and return its id; otherwise say how and return None (the watch then shows the failure, exit 1)."""
    pipelines = client.find_pipelines(project, sha=sha, ref=branch)
    if not pipelines or pipelines[0]["status"] not in RETRYABLE:
        return None
    found = pipelines[0]
    question = (f"Pipeline #{found['id']} of {sha[:8]} {found['status']} before. Retry its failed and canceled "
                "jobs now")
    if retry is None:
        out.write(f"  ! {question.split('. ')[0]}; `dockwright apply --retry-pipeline` retries it (R in "
                  "`dockwright watch` too).\n")
        return None
    if not retry(question + "?"):
        return None
    client.retry_pipeline(project, int(found["id"]))
    out.write(f"  retried pipeline #{found['id']}\n")
    out.flush()
    return int(found["id"])


def follow_and_check(plan: Plan, session: Session, report: ApplyReport, out: IO[str], *,
                     gitlab_wait: float = GITLAB_WAIT, retry: Callable[[str], bool] | None = None) -> int:
    """Follow the pushed commit's pipeline to its end, then look for the image tags in the registry.
    GitLab unreachable for ``gitlab_wait`` seconds in a row ends it with the :class:`NetworkError` (exit 5)."""
    from dockwright.wizard.watch import follow
    from dockwright.wizard.watch_plain import print_plain

    assert session.client is not None and report.sha is not None
    client, project, sha, branch = session.client, plan.gitlab.project, report.sha, plan.git.branch
    out.write(f"→ following the pipeline of {sha[:8]} on {branch}\n")
    retried = offer_retry(client, project, sha, branch, out, retry)
    target: dict[str, Any] = {"pipeline_id": retried} if retried is not None else {"sha": sha, "ref": branch}
    events = follow(client, project, **target, **after_apply_follow(plan.git.commit_message, gitlab_wait))
    code = asyncio.run(print_plain(events, out))
    pipelines = client.find_pipelines(project, sha=sha, ref=branch)
    if pipelines:
        report.pipeline_id = pipelines[0]["id"]
        report.pipeline_status = pipelines[0]["status"]
    if code != EXIT_OK:
        return EXIT_FAILED
    return check_registry(plan, session, report, sha, out)


def check_registry(plan: Plan, session: Session, report: ApplyReport, sha: str, out: IO[str]) -> int:
    """After a green pipeline: the tags it pushed, found in GitLab's registry (or named, for another registry)."""
    client, project = session.client, plan.gitlab.project
    # named in full: the pipeline pushes the full SHA
    wanted = expected_tags(plan, sha, session.access.default_branch if session.access else None)
    if plan.registry.kind != "gitlab":
        report.notes.append(other_registry_note(plan.registry.kind) + " The pipeline pushed "
                            + ", ".join(f"{image_name(plan)}:{t}" for t in wanted) + ".")
        return EXIT_OK
    assert client is not None
    out.write(f"→ registry: looking for tags {', '.join(wanted)}\n")
    repos = client.registry_tags(project)
    location, tags = next(((loc, tags) for loc, tags in repos.items() if sha in tags), (None, []))
    missing = [t for t in wanted if t not in tags]
    report.tags = [t for t in wanted if t in tags]
    if location is None or missing:
        report.record("image tags in the container registry", Outcome.FAILED)
        raise PipelineFailed(
            f"The pipeline passed but the registry lacks the tags {', '.join(missing)}.",
            "Open the build job's log: the push step may have gone to another image name.")
    report.record(f"image tags in {location}: {', '.join(wanted)}", Outcome.CHECKED)
    report.pull_command = f"docker pull {location}:{wanted[-1] if wanted[-1] == 'latest' else sha}"
    out.write(f"  present; {report.pull_command}\n")
    out.flush()
    return EXIT_OK


