"""diagnose(): each failure dockwright recognises, from the messages GitLab, the runner and Docker print."""

import pytest

from dockwright.wizard.diagnose import diagnose, diagnose_stuck, last_lines, runner_can_take
from dockwright.wizard.watch import Job, composite_status


def job(status="failed", tags=("docker",), reason="script_failure", name="build-image", allow_failure=False):
    return Job(id=7, name=name, stage="build", status=status, pipeline_id=1, tags=tuple(tags),
               failure_reason=reason, allow_failure=allow_failure)


DIND_UNPRIVILEGED = """\
\x1b[0KStarting service docker:27-dind ...\x1b[0;m
*** WARNING: Service runner-abc-project-1-concurrent-0-docker-0 probably didn't start properly.
2026-11-27T20:00:01.000Z mount: permission denied (are you root?)
$ docker build -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA" .
Cannot connect to the Docker daemon at tcp://docker:2376. Is the docker daemon running?
\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m
"""

TLS_MISMATCH = """\
$ docker info
Cannot connect to the Docker daemon at tcp://docker:2375. Is the docker daemon running?
ERROR: Job failed: exit code 1
"""

HTTP_TO_HTTPS = "error during connect: Get \"https://docker:2375/v1.24/info\": http: server gave HTTP response to HTTPS client\n"

LOGIN = """\
$ echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
Error response from daemon: Get "https://registry.example.com/v2/": unauthorized: HTTP Basic: Access denied
ERROR: Job failed: exit code 1
"""

OTHER_JOB = """\
$ docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
The push refers to repository [registry.example.com/group/app]
An image does not exist locally with the tag: registry.example.com/group/app
ERROR: Job failed: exit code 1
"""

RATE = """\
$ docker build .
ERROR: failed to solve: python:3.12-slim: failed to resolve source metadata: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading
"""


@pytest.mark.parametrize("trace, code, evidence", [
    (DIND_UNPRIVILEGED, "dind_not_privileged", "mount: permission denied"),
    (TLS_MISMATCH, "docker_host_tls", "tcp://docker:2375"),
    (HTTP_TO_HTTPS, "docker_host_tls", "HTTP response to HTTPS client"),
    (LOGIN, "registry_login", "HTTP Basic: Access denied"),
    (OTHER_JOB, "image_from_other_job", "does not exist locally"),
    (RATE, "rate_limited", "pull rate limit"),
])
def test_each_failure_is_named_with_its_evidence_and_a_fix(trace, code, evidence):
    d = diagnose(job(), trace)
    assert d is not None and d.code == code
    assert evidence in d.evidence
    assert d.fix and d.why and d.title
    assert "\x1b" not in d.evidence


def test_root_cause_wins_over_its_echo():
    # the unprivileged daemon also makes the client fail to connect: the cause is the privilege
    assert diagnose(job(), DIND_UNPRIVILEGED).code == "dind_not_privileged"


def test_unknown_failure_points_at_the_last_line():
    d = diagnose(job(), "$ pytest\nE   assert 1 == 2\nERROR: Job failed: exit code 1\n")
    assert d.code == "script_failed"
    assert d.evidence == "ERROR: Job failed: exit code 1"


def test_a_passed_job_needs_no_explanation():
    assert diagnose(job(status="success", reason=None), "all good\n") is None


def test_stuck_without_runner_facts_names_the_tags():
    d = diagnose(job(status="pending", tags=("docker", "linux"), reason=None))
    assert d.code == "no_runner" and "docker, linux" in d.why


def test_stuck_with_runners_that_lack_a_tag():
    runners = [{"id": 1, "description": "laptop", "tag_list": ["docker"], "online": True, "run_untagged": False}]
    d = diagnose_stuck(job(status="pending", tags=("docker", "gpu")), runners)
    assert "no runner of this project has all" in d.why and "laptop [docker]" in d.why


def test_stuck_with_the_right_runner_offline():
    runners = [{"id": 1, "description": "laptop", "tag_list": ["docker"], "online": False, "status": "offline"}]
    d = diagnose_stuck(job(status="pending"), runners)
    assert "offline" in d.title and "laptop" in d.why


def test_untagged_job_needs_run_untagged():
    assert runner_can_take({"tag_list": ["docker"], "run_untagged": True}, ())
    assert not runner_can_take({"tag_list": ["docker"], "run_untagged": False}, ())
    d = diagnose_stuck(job(status="pending", tags=()), [{"id": 2, "tag_list": ["docker"], "run_untagged": False}])
    assert "no tags" in d.why


def test_timeout_failure_reason():
    assert diagnose(job(reason="job_execution_timeout"), "").code == "job_timeout"
    assert diagnose(job(reason="stuck_or_timeout_failure"), "").code == "no_runner"


def test_masked_text_and_colours_in_last_lines():
    log = "\x1b[32;1m$ echo $TOKEN\x1b[0;m\n[MASKED]\nsection_end:1700000000:build_script\r\x1b[0K\n\n"
    assert last_lines(log, 5) == ["$ echo $TOKEN", "[MASKED]"]


def test_last_lines_of_a_big_log_reads_only_the_end():
    log = "x" * 5_000_000 + "\nthe end\n"
    assert last_lines(log, 1) == ["the end"]


def test_pipeline_status_composed_like_gitlab():
    def jobs(*statuses, allow=()):
        return [Job(id=i, name=f"j{i}", stage="s", status=s, pipeline_id=1, allow_failure=i in allow)
                for i, s in enumerate(statuses)]
    assert composite_status(jobs("success", "success")) == "success"
    assert composite_status(jobs("success", "failed")) == "failed"
    assert composite_status(jobs("success", "failed", allow={1})) == "success"
    assert composite_status(jobs("running", "created")) == "running"
    assert composite_status(jobs("pending", "created")) == "pending"
    assert composite_status(jobs("success", "manual")) == "manual"
    assert composite_status(jobs("success", "manual", allow={1})) == "success"
    assert composite_status(jobs("success", "canceled")) == "canceled"
    assert composite_status(jobs("skipped")) == "skipped"
    assert composite_status(jobs("success", "created")) == "running"
    assert composite_status([]) is None


# ------------------------------------------------------------------ the follower's log pieces (pure parts)

def test_a_character_split_between_two_fetches_is_emitted_once_whole():
    from dockwright.wizard.watch import _Trace
    trace = _Trace()
    first = "build ✔ ok\n".encode()
    cut = first.index("✔".encode()) + 1  # GitLab's log ends in the middle of the 3-byte character
    assert list(trace.read(cut, [first[:cut]])) == ["build "]
    assert list(trace.read(cut, [])) == [] and trace.offset == cut  # nothing new yet
    assert list(trace.read(len(first), [first[cut:]])) == ["✔ ok\n"]
    assert list(trace.read(len(first) + 5, [b"more\n"])) == ["more\n"]
    trace.restart()  # erased or replaced: the next read starts at 0 with a fresh decoder
    assert trace.offset == 0 and list(trace.read(4, [b"new\n"])) == ["new\n"]


INVALID_TAG = """\
section_start:1764270002:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "step_script" stage of the job script\x1b[0;m
\x1b[32;1m$ docker build --pull -t "$IMAGE_NAME:$CI_COMMIT_SHA" .\x1b[0;m
ERROR: invalid tag "Bad Name!:0123abcd": invalid reference format
section_end:1764270003:step_script\r\x1b[0K
\x1b[32;1mRunning after_script\x1b[0;m
\x1b[32;1m$ docker logout\x1b[0;m
\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m
"""


def test_a_refused_image_name_names_the_command_and_the_step_to_go_back_to():
    d = diagnose(job(), INVALID_TAG)
    assert d.code == "invalid_image_name" and 'invalid tag "Bad Name!' in d.evidence
    assert d.command == 'docker build --pull -t "$IMAGE_NAME:$CI_COMMIT_SHA" .'
    assert (d.step, d.field) == ("registry", "Image")
    text = d.as_text()
    assert 'Failed command: $ docker build --pull -t "$IMAGE_NAME:$CI_COMMIT_SHA" .' in text
    assert "Go back to the step “Registry and variables” (Image)" in text


def test_a_refused_base_image_points_at_the_dockerfile_step():
    d = diagnose(job(), '$ docker build .\nERROR: failed to parse stage name "Python:3": invalid reference format: '
                        "repository name must be lowercase\n")
    assert (d.code, d.step, d.field) == ("invalid_image_name", "dockerfile", "Base image")


def test_an_unknown_failure_names_the_command_that_failed_not_the_after_script():
    d = diagnose(job(), "$ pip install -r requirements.txt\nERROR: No matching distribution\nRunning after_script\n"
                        "$ echo cleanup\nERROR: Job failed: exit code 1\n")
    assert d.code == "script_failed" and d.command == "pip install -r requirements.txt"
    assert d.title == "The command `pip install -r requirements.txt` failed" and not d.step


def test_the_line_after_a_section_end_is_seen_whole():
    """GitLab writes `section_end:T:NAME\\r\\x1b[0K` and the next line on the same raw line; the last line quoted as
    evidence was ': Job failed: exit code 3', its first word eaten as part of the section's name."""
    from dockwright.wizard.diagnose import diagnose, last_lines

    tail = ("\x1b[0Ksection_start:1795917601:cleanup_file_variables\r\x1b[0K\x1b[36;1mCleaning up project directory"
            "\x1b[0;m\n\x1b[0Ksection_end:1795917601:cleanup_file_variables\r\x1b[0K\x1b[31;1mERROR: Job failed: "
            "exit code 3\n\x1b[0;m\n")
    assert last_lines(tail, 2) == ["Cleaning up project directory", "ERROR: Job failed: exit code 3"]
    found = diagnose({"status": "failed", "failure_reason": "script_failure"}, "$ exit 3\n" + tail)
    assert found is not None and found.evidence == "ERROR: Job failed: exit code 3"
