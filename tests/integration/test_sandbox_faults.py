"""Fault options, observed by real clients: 500/502 answers, 429 with Retry-After, dropped connections,
answers lost after the work was done, added latency. Git over HTTP is never faulted."""

from __future__ import annotations

import time

import gitlab
import pytest
import requests

from dockwright.sandbox import Faults, Sandbox
from tests.sandbox_helpers import git


@pytest.fixture
def sb(tmp_path):
    with Sandbox(tmp_path / "data", job_seconds=0.1) as sandbox:
        yield sandbox
        assert sandbox.internal_errors == []


def get_version(sb):
    return requests.get(f"{sb.url}/api/v4/version", headers={"PRIVATE-TOKEN": sb.token}, timeout=5)


def test_error_rate_answers_500_or_502_and_a_retrying_client_gets_through(sb, tmp_path):
    sb.set_faults(Faults(error_rate=1.0, seed=3))
    statuses = {get_version(sb).status_code for _ in range(12)}
    assert statuses == {500, 502}
    sb.set_faults(Faults(error_rate=0.4, seed=3))  # this seed never fails more than twice in a row
    gl = gitlab.Gitlab(sb.url, private_token=sb.token, retry_transient_errors=True)
    for _ in range(4):
        assert gl.projects.get(sb.project_path).path_with_namespace == "demo/app"
    answered = [s for m, p, s, _ in sb.request_log if p == "/api/v4/projects/demo%2Fapp"]
    assert 200 in answered and any(s in (500, 502) for s in answered)
    sb.set_faults(Faults(error_rate=1.0))
    ls = git(["ls-remote", f"{sb.url}/{sb.project_path}.git"], cwd=tmp_path, token=sb.token)
    assert "refs/heads/main" in ls.stdout


def test_rate_limit_answers_429_with_retry_after(sb):
    sb.set_faults(Faults(rate_limit_per_minute=3))
    answers = [get_version(sb) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    limited = answers[3]
    assert limited.text == "Retry later\n" and limited.headers["Content-Type"].startswith("text/plain")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["RateLimit-Limit"] == "3" and limited.headers["RateLimit-Remaining"] == "0"
    assert "GMT" in limited.headers["RateLimit-ResetTime"]
    assert answers[1].headers["RateLimit-Remaining"] == "1"
    sb.set_faults(Faults())
    assert get_version(sb).status_code == 200


def test_a_shorter_rate_limit_window_says_so_in_retry_after_and_ends(sb):
    sb.set_faults(Faults(rate_limit_per_minute=1, rate_limit_window=1.0))
    try:
        assert get_version(sb).status_code == 200
        limited = get_version(sb)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
        time.sleep(int(limited.headers["Retry-After"]))  # what a client does; the window has ended by then
        assert get_version(sb).status_code == 200
    finally:
        sb.set_faults(Faults())


def test_dropped_connections(sb):
    sb.set_faults(Faults(drop_rate=1.0))
    with pytest.raises(requests.exceptions.ConnectionError):
        get_version(sb)
    gl = gitlab.Gitlab(sb.url, private_token=sb.token, retry_transient_errors=False)
    with pytest.raises(requests.exceptions.ConnectionError):
        gl.projects.get(sb.project_path)
    assert sb.request_log[-1][2] == 0  # logged as dropped, with no answer


def test_a_lost_answer_comes_after_the_work_is_done(sb):
    """A proxy that drops GitLab's answer: the variable is created, the client hears nothing."""
    url = f"{sb.url}/api/v4/projects/{sb.project_path.replace('/', '%2F')}/variables"
    sb.set_faults(Faults(lost_answer_rate=1.0))
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(url, headers={"PRIVATE-TOKEN": sb.token}, data={"key": "LOST_ANSWER", "value": "v"}, timeout=5)
    assert sb.request_log[-1][:3] == ("POST", url.split("/api/v4", 1)[1], 0)  # logged with no answer
    sb.set_faults(Faults())
    found = requests.get(f"{url}/LOST_ANSWER", headers={"PRIVATE-TOKEN": sb.token}, timeout=5)
    assert found.status_code == 200 and found.json()["value"] == "v"  # the work was done


def test_faults_can_be_limited_to_some_methods(sb):
    sb.set_faults(Faults(error_rate=1.0, methods=("POST",)))
    assert get_version(sb).status_code == 200  # a GET is not faulted
    posted = requests.post(f"{sb.url}/api/v4/projects/{sb.project_path.replace('/', '%2F')}/variables",
                           headers={"PRIVATE-TOKEN": sb.token}, data={"key": "NEVER", "value": "v"}, timeout=5)
    assert posted.status_code in (500, 502)


def test_added_latency(sb):
    sb.set_faults(Faults(latency=0.3))
    started = time.monotonic()
    assert get_version(sb).status_code == 200
    assert time.monotonic() - started >= 0.3  # a lower bound: the sandbox waited before answering


def test_fault_values_are_checked():
    with pytest.raises(ValueError):
        Faults(error_rate=1.5)
    with pytest.raises(ValueError, match="lost_answer_rate"):
        Faults(lost_answer_rate=-0.1)
    with pytest.raises(ValueError):
        Faults(rate_limit_per_minute=0)
    with pytest.raises(ValueError):
        Faults(latency=-1)
    for window in (0, -1.0, 3601):
        with pytest.raises(ValueError, match="rate_limit_window"):
            Faults(rate_limit_per_minute=5, rate_limit_window=window)
