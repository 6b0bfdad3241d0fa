"""The follower against the sandbox over real HTTP: transitions, failures, stuck jobs, actions,
late pipelines, child pipelines and faults. Pipelines are created by committing a .gitlab-ci.yml."""

from __future__ import annotations

import asyncio
import io
import itertools

import pytest

from dockwright.sandbox import Faults
from dockwright.wizard.errors import GitLabRefused
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.watch import (
    Finished,
    JobChanged,
    JobStuck,
    LogText,
    PipelineStatus,
    Schedule,
    Waiting,
    collect,
    follow,
)
from dockwright.wizard.watch_plain import print_plain
from dockwright.wizard.watch_schedule import Clock
from tests.sandbox_helpers import commit_and_push

QUICK = Schedule(fast=0.1, slow=0.5, growth=1.5, trace_fast=0.1, trace_slow=0.5, appear_fast=0.1, appear_slow=0.3,
                 appear_timeout=30.0, error_first=0.1, error_max=0.5, stuck_after=1.0)
_branches = itertools.count(1)


SANDBOX_JOB_SECONDS = 0.3  # the shared `sb` fixture (tests/conftest.py) reads it



@pytest.fixture()
def client(sb):
    sb.set_faults(Faults())
    return GitLabClient.connect(sb.url, sb.token)


def push(workdir, sb, ci: str, extra: dict[str, str] | None = None, branch: str | None = None) -> tuple[str, str]:
    """Commit a .gitlab-ci.yml and push it (real git) to a new branch; the sandbox starts its pipeline."""
    branch = branch or f"watch-{next(_branches)}"
    sha = commit_and_push(workdir, {".gitlab-ci.yml": ci, **(extra or {})}, f"ci for {branch}", sb.token, branch)
    return branch, sha


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def statuses_of(events, name):
    return [e.job.status for e in events if isinstance(e, JobChanged) and e.job.name == name]


TWO_STAGES = """\
stages: [build, test]
build:
  stage: build
  script:
    - echo "building"
    - echo "built"
test:
  stage: test
  script:
    - echo "testing"
"""


def test_a_passing_pipeline_from_created_to_success(sb, client, workdir):
    _branch, sha = push(workdir, sb, TWO_STAGES)
    events = run(collect(follow(client, sb.project_path, sha=sha, schedule=QUICK)))
    assert isinstance(events[-1], Finished) and events[-1].status == "success"
    build = statuses_of(events, "build")
    test = statuses_of(events, "test")
    assert build[-1] == "success" and test[-1] == "success"
    assert "running" in build or "running" in test  # a 0.3 s job is seen running at 0.1 s polls
    assert test.index("success") > 0 and test[0] in ("created", "pending", "running")
    assert [e.status for e in events if isinstance(e, PipelineStatus)][-1] == "success"
    # nobody followed a log and nothing failed: no trace was downloaded
    assert not [e for e in events if isinstance(e, LogText)]
    finished = [e.job for e in events if isinstance(e, JobChanged) and e.job.status == "success"]
    assert all(j.duration is not None for j in finished)


FAILING = """\
stages: [build, test, deploy]
build:
  stage: build
  script:
    - echo "compiling"
    - echo "compile error in app.py" && exit 3
lint:
  stage: build
  allow_failure: true
  script:
    - exit 1
test:
  stage: test
  script:
    - echo "never runs"
"""


def test_a_failing_pipeline_skips_later_stages_and_shows_the_last_lines(sb, client, workdir):
    _branch, sha = push(workdir, sb, FAILING)
    out = io.StringIO()
    code = run(print_plain(follow(client, sb.project_path, sha=sha, schedule=QUICK), out))
    text = out.getvalue()
    assert code == 1
    assert "job build [build] failed" in text
    assert "job lint [build] failed (allowed to fail)" in text
    assert "job test [test] skipped" in text
    assert "--- last lines of build" in text and "compile error in app.py" in text
    assert text.rstrip().splitlines()[-1].endswith("failed") or " failed  http" in text.rstrip().splitlines()[-1]


def test_following_a_job_streams_only_new_text(sb, client, workdir):
    ci = "slow:\n  script:\n" + "".join(f"    - echo 'line {i}'\n" for i in range(30))
    _branch, sha = push(workdir, sb, ci)
    followed: set[int] = set()
    texts: list[str] = []

    async def watch():
        async for event in follow(client, sb.project_path, sha=sha, follow_jobs=lambda: followed, schedule=QUICK):
            if isinstance(event, JobChanged):
                followed.add(event.job.id)
            if isinstance(event, LogText):
                texts.append(event.text)
            if isinstance(event, Finished):
                return event

    assert run(watch()).status == "success"
    log = "".join(texts)
    for i in range(30):
        assert log.count(f"line {i}\n") >= 1
    # each piece is new: the echoed command and its output appear once each
    assert log.count("$ echo 'line 29'") == 1


def test_a_stuck_job_is_reported_and_explained(sb, client, workdir):
    ci = "build:\n  tags: [no-runner-has-this-tag]\n  script:\n    - echo hi\n"
    _branch, sha = push(workdir, sb, ci)

    async def watch():
        async for event in follow(client, sb.project_path, sha=sha, schedule=QUICK):
            if isinstance(event, JobStuck):
                client.cancel_pipeline(sb.project_path, event.job.pipeline_id)
                stuck = event
            if isinstance(event, Finished):
                return stuck, event

    stuck, finished = run(watch())
    assert stuck.job.tags == ("no-runner-has-this-tag",) and stuck.pending_seconds >= 1.0
    assert finished.status == "canceled"
    from dockwright.wizard.diagnose import diagnose
    # the follower read the project's runners for the explanation: the instance runner, with its tag
    assert stuck.runners is not None
    assert any("saas-linux-small-amd64" in r["tag_list"] for r in stuck.runners)
    d = diagnose(stuck.job, "", stuck.runners)
    assert d.code == "no_runner" and "no-runner-has-this-tag" in d.why and "saas-linux-small-amd64" in d.why


MANUAL = """\
stages: [build, deploy]
build:
  stage: build
  script: [echo build]
deploy:
  stage: deploy
  when: manual
  script: [echo deploy]
"""


def test_play_a_manual_job_then_retry_it(sb, client, workdir):
    # when: manual means allow_failure: true, so the pipeline passes while deploy waits; playing deploy
    # afterwards makes the pipeline run again, as on GitLab
    _branch, sha = push(workdir, sb, MANUAL)
    seen: list[str] = []

    async def watch(**target):
        played = False
        async for event in follow(client, sb.project_path, schedule=QUICK, **target):
            if isinstance(event, JobChanged) and event.job.name == "deploy":
                seen.append(event.job.status)
                if event.job.status == "manual" and not played:
                    played = True
                    await asyncio.to_thread(client.play_job, sb.project_path, event.job.id)
            if isinstance(event, Finished):
                return event

    first = run(watch(sha=sha))
    assert first.status == "success" and "manual" in seen
    deploy = next(j for j in client.list_pipeline_jobs(sb.project_path, first.pipeline_id) if j["name"] == "deploy")
    assert deploy["status"] != "manual"  # played: pending, running or already passed
    finished = run(watch(pipeline_id=first.pipeline_id))
    assert finished.status == "success" and seen[-1] == "success"
    deploy = next(j for j in client.list_pipeline_jobs(sb.project_path, first.pipeline_id) if j["name"] == "deploy")
    assert deploy["status"] == "success" and "deploy" in client.get_job_trace(sb.project_path, deploy["id"]).decode()
    # the retried job runs again; watching the same pipeline again sees it pass
    new = client.retry_job(sb.project_path, deploy["id"])
    assert new["id"] != deploy["id"]
    again = run(collect(follow(client, sb.project_path, pipeline_id=first.pipeline_id, schedule=QUICK)))
    assert again[-1].status == "success"
    assert any(isinstance(e, JobChanged) and e.job.id == new["id"] and e.job.status == "success" for e in again)


RETRY_WHILE_RUNNING = """\
stages: [build, test]
flaky:
  stage: build
  script:
    - echo "failing"
    - exit 1
report:
  stage: test
  when: always
  script:
    - echo "reporting"
"""


def test_a_job_retried_while_the_pipeline_runs_is_forgotten(sb, client, workdir):
    """GitLab lists a retried job no more; the watch kept it with its old status (failed) beside its new run (in the
    pipeline's status composed from its jobs: a child pipeline stayed failed after its retried job passed)."""
    from dockwright.wizard.watch import _Watcher

    _branch, sha = push(workdir, sb, RETRY_WHILE_RUNNING)
    watcher = _Watcher(client, sb.project_path, lambda: set(), Clock(), QUICK)
    events: list = []

    async def watch() -> None:
        retried = None
        async for event in watcher.run(None, sha, None):
            events.append(event)
            if isinstance(event, JobChanged) and event.job.name == "report" and event.job.status == "running" \
                    and retried is None:  # flaky has failed; the pipeline runs on (report: when always)
                flaky = next(j for j in watcher.jobs.values() if j.name == "flaky")
                retried = flaky.id
                await asyncio.to_thread(client.retry_job, sb.project_path, flaky.id)

    run(watch())
    runs = [e for e in events if isinstance(e, JobChanged) and e.job.name == "flaky" and e.added]
    assert len(runs) == 2 and runs[1].job.id > runs[0].job.id
    assert [j.id for j in watcher.jobs.values() if j.name == "flaky"] == [runs[1].job.id]  # the old one is gone
    assert isinstance(events[-1], Finished) and events[-1].status == "failed"  # the new run failed too


def test_cancel_a_running_job(sb, client, workdir):
    ci = "long:\n  script:\n" + "".join(f"    - echo {i}\n" for i in range(60))
    _branch, sha = push(workdir, sb, ci)

    async def watch():
        async for event in follow(client, sb.project_path, sha=sha, schedule=QUICK):
            if isinstance(event, JobChanged) and event.job.status == "running":
                await asyncio.to_thread(client.cancel_job, sb.project_path, event.job.id)
            if isinstance(event, Finished):
                return event

    assert run(watch()).status == "canceled"


def test_a_pipeline_that_appears_late(sb, client, workdir):
    async def scenario():
        sha_box: dict[str, str] = {}
        branch = f"late-{next(_branches)}"
        events = []

        async def push_later():
            await asyncio.sleep(0.8)
            sha_box["sha"] = await asyncio.to_thread(push, workdir, sb, TWO_STAGES + "# late\n", None, branch)

        pusher = asyncio.create_task(push_later())
        async for event in follow(client, sb.project_path, ref=branch, schedule=QUICK):
            events.append(event)
        await pusher
        return events

    events = run(scenario())
    waits = [e for e in events if isinstance(e, Waiting)]
    assert waits and "No pipeline for branch" in waits[0].message
    assert events[-1].status == "success"


def test_no_pipeline_ever_is_a_clear_refusal(sb, client):
    patient = Schedule(appear_fast=0.1, appear_slow=0.2, appear_timeout=0.5)
    with pytest.raises(GitLabRefused) as err:
        run(collect(follow(client, sb.project_path, sha="0" * 40, schedule=patient)))
    assert "No pipeline appeared for commit 00000000" in err.value.sentence
    assert ".gitlab-ci.yml" in err.value.next_step


def test_rate_limits_and_server_errors_do_not_end_the_watch(sb, client, workdir):
    _branch, sha = push(workdir, sb, TWO_STAGES + "# faults\n")
    start = len(sb.request_log)
    # two requests per 2-second window (GitLab's window is a minute): Retry-After says at most 2 s
    sb.set_faults(Faults(rate_limit_per_minute=2, rate_limit_window=2.0))

    def then_server_errors():  # after the first 429, half of the requests fail with 500/502 instead
        sb.wait_for(lambda: any(s == 429 for _m, _p, s, _b in sb.request_log[start:]), timeout=30)
        sb.set_faults(Faults(error_rate=0.5, seed=7))

    async def scenario():
        switch = asyncio.create_task(asyncio.to_thread(then_server_errors))
        events = await collect(follow(client, sb.project_path, sha=sha, schedule=QUICK))
        await switch
        return events

    try:
        events = run(scenario(), timeout=120)
    finally:
        sb.set_faults(Faults())
    assert events[-1].status == "success"
    codes = [status for _m, _p, status, _b in sb.request_log[start:]]
    assert 429 in codes and any(c >= 500 for c in codes)


# a manual job blocks its pipeline only with allow_failure: false (when: manual defaults to true)
BLOCKING_MANUAL = MANUAL.replace("  when: manual\n", "  when: manual\n  allow_failure: false\n")


def test_plain_output_says_what_a_blocked_pipeline_waits_for(sb, client, workdir):
    assert "allow_failure: false" in BLOCKING_MANUAL
    _branch, sha = push(workdir, sb, BLOCKING_MANUAL + "# plain\n")
    out = io.StringIO()

    async def play_when_blocked():
        while "It waits for a manual job (deploy)" not in out.getvalue():
            await asyncio.sleep(0.1)
        pipeline = (await asyncio.to_thread(client.find_pipelines, sb.project_path, sha=sha))[0]
        jobs = await asyncio.to_thread(client.list_pipeline_jobs, sb.project_path, pipeline["id"])
        deploy = next(j for j in jobs if j["name"] == "deploy")
        await asyncio.to_thread(client.play_job, sb.project_path, deploy["id"])

    async def scenario():
        player = asyncio.create_task(play_when_blocked())
        code = await print_plain(follow(client, sb.project_path, sha=sha, schedule=QUICK), out)
        await player
        return code

    assert run(scenario()) == 0
    text = out.getvalue()
    assert "■ pipeline" in text and "manual" in text
    assert "job deploy [deploy] passed" in text
    passed = [line for line in text.splitlines() if line.split("] ", 1)[-1].startswith("✔ pipeline #")]
    assert len(passed) == 1 and passed[0] == text.rstrip().splitlines()[-1], text  # said once, as the last line


PARENT_WITH_CHILD = """\
stages: [build, child]
build:
  stage: build
  script: [echo build]
kid:
  stage: child
  trigger:
    include: [{local: ci/child.yml}]
    strategy: depend
"""


def test_a_child_pipeline_is_followed_and_its_failure_fails_the_watch(sb, client, workdir):
    child = "unit:\n  script: [echo unit passed]\nintegration:\n  script: [echo broken, exit 4]\n"
    _branch, sha = push(workdir, sb, PARENT_WITH_CHILD, {"ci/child.yml": child})
    out = io.StringIO()
    events: list = []

    async def recorded():
        async for event in follow(client, sb.project_path, sha=sha, schedule=QUICK):
            events.append(event)
            yield event

    assert run(print_plain(recorded(), out)) == 1
    parent_id = next(e.pipeline_id for e in events if isinstance(e, PipelineStatus) and e.parent_id is None)
    bridge = [e.job for e in events if isinstance(e, JobChanged) and e.job.bridge]
    assert bridge and bridge[-1].name == "kid" and bridge[-1].status == "failed"
    child_id = bridge[-1].downstream_pipeline_id
    assert child_id is not None and child_id != parent_id
    assert any(isinstance(e, PipelineStatus) and e.pipeline_id == child_id and e.parent_id == parent_id
               for e in events)
    # the child pipeline's own jobs, each to its end
    child_jobs = {e.job.name: e.job.status for e in events if isinstance(e, JobChanged) and e.job.pipeline_id == child_id}
    assert child_jobs == {"unit": "success", "integration": "failed"}
    assert events[-1] == Finished("failed", parent_id, events[-1].web_url)
    text = out.getvalue()
    assert f"child pipeline #{child_id}" in text
    assert "job unit [test] passed" in text and "job integration [test] failed" in text
    assert "trigger job kid [child] failed" in text
    assert "broken" in text  # the failed child job's last lines
    assert text.rstrip().splitlines()[-1].endswith(f"pipeline #{parent_id} failed  {events[-1].web_url}")


def test_a_passing_child_pipeline_passes_the_watch(sb, client, workdir):
    _branch, sha = push(workdir, sb, PARENT_WITH_CHILD, {"ci/child.yml": "unit:\n  script: [echo fine]\n"})
    events = run(collect(follow(client, sb.project_path, sha=sha, schedule=QUICK)))
    assert events[-1].status == "success"
    assert ("unit", "success") in {(e.job.name, e.job.status) for e in events if isinstance(e, JobChanged)}
    assert ("kid", "success") in {(e.job.name, e.job.status) for e in events if isinstance(e, JobChanged)}


def test_plain_lists_jobs_that_change_together_in_pipeline_order(sb, client, workdir):
    """GitLab lists a pipeline's jobs newest first: `watch --plain` said release before build (issue 16, Texts)."""
    _branch, sha = push(workdir, sb, TWO_STAGES)
    out = io.StringIO()
    assert run(print_plain(follow(client, sb.project_path, sha=sha, schedule=QUICK), out)) == 0
    first = [line for line in out.getvalue().splitlines() if " job " in line][:2]
    assert "[build]" in first[0], first


THREE_STAGES = TWO_STAGES + """\
deploy:
  stage: deploy
  script:
    - echo "deploying"
"""


def test_after_the_first_job_list_the_created_jobs_are_left_out(sb, client, workdir):
    """Jobs still ``created`` make most of a long pipeline's job list: after the first whole list the follower
    asks for every other status (scope[]); the stages still show every change up to success."""
    _branch, sha = push(workdir, sb, THREE_STAGES.replace("stages: [build, test]", "stages: [build, test, deploy]"))
    start = len(sb.request_log)
    events = run(collect(follow(client, sb.project_path, sha=sha, schedule=QUICK)))
    assert isinstance(events[-1], Finished) and events[-1].status == "success"
    for name in ("build", "test", "deploy"):
        assert statuses_of(events, name)[-1] == "success"
    assert statuses_of(events, "deploy")[0] == "created"  # known from the first, whole list
    sizes = [size for _m, path, _s, size in sb.request_log[start:] if path.endswith("/jobs")]
    assert len(sizes) >= 3 and min(sizes[1:]) < sizes[0] / 2  # e.g. build running: one job of three listed


def test_a_finished_jobs_log_read_whole_is_not_downloaded_again(sb, client, workdir):
    """The job list carries a finished job's archived log size: when the follower already has that many bytes,
    its one fetch after the end is skipped."""
    from dockwright.wizard.watch import _Trace, _Watcher, job_from_api
    _branch, sha = push(workdir, sb, TWO_STAGES)
    run(collect(follow(client, sb.project_path, sha=sha, schedule=QUICK)))
    pipeline = client.find_pipelines(sb.project_path, sha=sha)[0]
    raw = next(j for j in client.list_pipeline_jobs(sb.project_path, pipeline["id"]) if j["name"] == "build")
    size = len(client.get_job_trace(sb.project_path, raw["id"]))
    job = job_from_api(raw, pipeline["id"])
    assert job.trace_size == size > 0

    async def last_fetch(offset: int) -> list:
        watcher = _Watcher(client, sb.project_path, lambda: {job.id}, Clock(), QUICK)
        watcher.jobs[job.id] = job
        watcher.followed_before = {job.id}
        trace = watcher.traces[job.id] = _Trace()
        trace.offset, trace.interval = offset, -1.0  # read up to offset while it ran; one last fetch due
        return [event async for event in watcher.poll_traces()]

    start = len(sb.request_log)
    assert run(last_fetch(size)) == []
    assert not [p for _m, p, _s, _b in sb.request_log[start:] if p.endswith("/trace")]
    events = run(last_fetch(size - 3))  # three bytes short: they are fetched
    assert [p for _m, p, _s, _b in sb.request_log[start:] if p.endswith("/trace")]
    assert "".join(e.text for e in events if isinstance(e, LogText)) == \
        client.get_job_trace(sb.project_path, raw["id"])[size - 3:].decode()


def test_a_log_shorter_than_what_was_read_is_read_again_from_its_start(sb, client, workdir):
    """An erased or replaced log (shorter than the offset already read): the follower starts over at byte 0
    with a fresh decoder and sends the whole log again."""
    from dockwright.wizard.watch import _Trace, _Watcher, job_from_api
    _branch, sha = push(workdir, sb, TWO_STAGES + "# the erased-log test\n")  # its own content: a commit even after another test pushed TWO_STAGES
    run(collect(follow(client, sb.project_path, sha=sha, schedule=QUICK)))
    pipeline = client.find_pipelines(sb.project_path, sha=sha)[0]
    raw = next(j for j in client.list_pipeline_jobs(sb.project_path, pipeline["id"]) if j["name"] == "build")
    whole = client.get_job_trace(sb.project_path, raw["id"])
    job = job_from_api({**raw, "artifacts": []}, pipeline["id"])  # no archived size: the log is asked for

    async def last_fetch() -> list:
        watcher = _Watcher(client, sb.project_path, lambda: {job.id}, Clock(), QUICK)
        watcher.jobs[job.id] = job
        watcher.followed_before = {job.id}
        trace = watcher.traces[job.id] = _Trace()
        trace.offset, trace.interval = len(whole) + 100, -1.0
        trace.decoder.decode(b"\xe2\x9c")  # half a character waiting from the old log: forgotten
        return [event async for event in watcher.poll_traces()]

    assert "".join(e.text for e in run(last_fetch()) if isinstance(e, LogText)) == whole.decode()
