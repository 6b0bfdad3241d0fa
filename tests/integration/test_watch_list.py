"""The pipelines list core (wizard/watch_list.py) against a live sandbox: rows, details, the failure
reason, filters, the end nudge, and one list request per quiet tick."""

from __future__ import annotations

import asyncio
import itertools

from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch_list import ListFilter, ListUpdate, PipelineEnded, watch_list
from dockwright.wizard.watch_schedule import ListSchedule
from tests.sandbox_helpers import commit_and_push

SANDBOX_JOB_SECONDS = 0.2
QUICK = ListSchedule(fast=0.1, slow=0.4, error_first=0.1, error_max=0.4)
_branches = itertools.count(1)
FAILING = "build:\n  script:\n    - echo building\n    - exit 3\n"
PASSING = "build:\n  script: [echo ok]\n"


def push(sb, workdir, ci: str, branch: str | None = None) -> str:
    n = next(_branches)  # each push a new commit, also when the CI file is the same
    return commit_and_push(workdir, {".gitlab-ci.yml": f"# {n}\n{ci}"}, "ci", sb.token, branch or f"list-{n}")


def client(sb) -> GitLabClient:
    return GitLabClient.connect(sb.url, sb.token)


async def first_list(sb, filters: ListFilter | None = None) -> ListUpdate:
    filters = filters or ListFilter()
    async for event in watch_list(client(sb), sb.project_path, filters=lambda: filters, schedule=QUICK, once=True):
        if isinstance(event, ListUpdate):
            return event
    raise AssertionError("no list")


async def until_finished(sb, sha: str) -> None:
    gl = client(sb)
    for _ in range(400):
        found = gl.find_pipelines(sb.project_path, sha=sha)
        if found and found[0]["status"] in ("success", "failed", "canceled"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the pipeline did not finish")


async def test_rows_newest_first_with_who_duration_and_why_it_failed(sb, workdir):
    good = push(sb, workdir, PASSING, "list-good")
    bad = push(sb, workdir, FAILING, "list-bad")
    await until_finished(sb, good)
    await until_finished(sb, bad)
    rows = (await first_list(sb)).rows
    assert [r.id for r in rows] == sorted((r.id for r in rows), reverse=True)
    top = rows[0]
    assert (top.ref, top.status, top.source, top.user) == ("list-bad", "failed", "push", "root")
    assert top.duration is not None and top.sha == bad
    assert top.reason.startswith("build: ") and "exit 3" in top.reason
    passed = next(r for r in rows if r.ref == "list-good")
    assert passed.status == "success" and passed.reason == ""


async def test_filters_go_to_gitlab_and_search_to_the_refs(sb, workdir):
    push(sb, workdir, FAILING, "list-filter-a")
    sha = push(sb, workdir, PASSING, "list-filter-b")
    await until_finished(sb, sha)
    failed = (await first_list(sb, ListFilter(failed=True))).rows
    assert failed and all(r.status == "failed" for r in failed)
    branch = (await first_list(sb, ListFilter(ref="list-filter-b"))).rows
    assert [r.ref for r in branch] == ["list-filter-b"]
    mine = (await first_list(sb, ListFilter(mine=True))).rows
    assert mine and all(r.user == "root" for r in mine)
    searched = (await first_list(sb, ListFilter(search="FILTER-A"))).rows
    assert {r.ref for r in searched} == {"list-filter-a"}
    assert (await first_list(sb, ListFilter(merge_requests=True))).rows == ()
    assert ListFilter(mine=True, failed=True, search="x").describe() == "mine, failed, ref contains “x”"


async def test_a_running_pipeline_that_ends_is_announced_once(sb, workdir):
    sb.job_seconds = 1.5
    try:
        push(sb, workdir, PASSING, "list-nudge")
        ended: list[PipelineEnded] = []
        events = watch_list(client(sb), sb.project_path, filters=lambda: ListFilter(ref="list-nudge"), schedule=QUICK)
        async for event in events:
            if isinstance(event, PipelineEnded):
                ended.append(event)
                break
        await events.aclose()
    finally:
        sb.job_seconds = SANDBOX_JOB_SECONDS
    assert ended[0].row.ref == "list-nudge" and ended[0].row.status == "success"


def test_list_plain_and_json_from_the_command_line_exit_0(sb, workdir):
    import json
    import os
    import subprocess
    import sys

    sha = push(sb, workdir, FAILING, "list-cli")
    asyncio.run(until_finished(sb, sha))
    env = {k: v for k, v in os.environ.items() if k not in ("GITLAB_TOKEN", "GITLAB_HOST")} | {"GITLAB_TOKEN": sb.token}

    def watch(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dockwright.wizard.cli", "watch", *args], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=90)

    plain = watch("--list", "--plain", "--failed")
    assert plain.returncode == 0, plain.stderr  # a failed pipeline listed is not a failed command
    first = plain.stdout.splitlines()[0]
    assert first.startswith("✘ #") and " failed list-cli push root " in first and "exit 3" in first
    as_json = watch("--json", "--ref", "list-cli")
    assert as_json.returncode == 0, as_json.stderr
    objects = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [o["ref"] for o in objects] == ["list-cli"] and objects[0]["sha"] == sha and objects[0]["user"] == "root"
    both = watch("--list", "--sha", sha)
    assert both.returncode == 2 and "--list shows many pipelines" in both.stderr, both.stderr
    assert sb.token not in plain.stdout + plain.stderr + as_json.stdout


MR_CI = """workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS
      when: never
    - if: $CI_COMMIT_BRANCH
unit:
  script: [echo unit]
"""


def test_a_merge_requests_pipelines_by_number_and_from_the_current_branch(sb, workdir, gl):
    import json
    import os
    import subprocess
    import sys

    from tests.sandbox_helpers import git

    git(["checkout", "-q", "-b", "list-mr"], cwd=workdir)
    push(sb, workdir, MR_CI, "list-mr")
    project = gl.projects.get(sb.project_path)
    mr = project.mergerequests.create({"source_branch": "list-mr", "target_branch": "main", "title": "List me"})
    env = {k: v for k, v in os.environ.items() if k not in ("GITLAB_TOKEN", "GITLAB_HOST")} | {"GITLAB_TOKEN": sb.token}

    def watch(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dockwright.wizard.cli", "watch", *args], cwd=workdir, env=env,
                              capture_output=True, text=True, timeout=90)

    by_number = watch("--mr", str(mr.iid), "--json")
    assert by_number.returncode == 0, by_number.stderr
    rows = [json.loads(line) for line in by_number.stdout.splitlines()]
    assert [r["source"] for r in rows] == ["merge_request_event", "push"]
    assert {r["id"] for r in rows} == {p.id for p in mr.pipelines.list(get_all=True)}
    # --mine on a merge request's list: GitLab's list does not say who started a pipeline, so the details do
    alice = sb.run_pipeline(sb.project_path, "list-mr", source="merge_request_event", user="alice")
    everyone = [json.loads(line) for line in watch("--mr", str(mr.iid), "--json").stdout.splitlines()]
    assert alice in {r["id"] for r in everyone}
    mine = watch("--mr", str(mr.iid), "--mine", "--json")
    assert mine.returncode == 0, mine.stderr
    assert {json.loads(line)["id"] for line in mine.stdout.splitlines()} == {r["id"] for r in rows}
    rows = everyone
    from_branch = watch("--mr", "--plain")
    assert from_branch.returncode == 0, from_branch.stderr
    assert [line.split()[1] for line in from_branch.stdout.splitlines()] == [f"#{r['id']}" for r in rows]
    git(["checkout", "-q", "-b", "list-no-mr"], cwd=workdir)
    none = watch("--mr")
    assert none.returncode == 2 and "Branch list-no-mr has no open merge request" in none.stderr
    git(["checkout", "-q", "-"], cwd=workdir)
