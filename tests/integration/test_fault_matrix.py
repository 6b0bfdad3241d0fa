"""The fault matrix (issue 19): `dockwright apply` against the sandbox with one fault at a time, bounded so
that it runs in CI (about a minute on a 2-core machine).

Each scenario: a fresh clone with the user's own work in it (a job of theirs in .gitlab-ci.yml, another runner
in the runner's config.toml, an untracked file), one apply under the fault, then, the fault gone, one re-run.
It asserts that the faulted run ends with a documented exit code (wizard/errors.py; 130 for Ctrl-C) and never
a traceback, that the re-run ends with 0, and that nothing was lost or made twice: the user's job, runner
entry and file are there, the commit on the branch holds the user's job, GitLab has one runner of the
scenario, one CI/CD variable and one pipeline for the pushed commit.

Scenarios run `apply --no-watch` (the pipeline follower has its own fault tests in test_watch.py); the kill
scenarios run it as a child process and signal it when its output reaches a given step.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import tomlkit

from dockwright.sandbox import Faults, Sandbox
from dockwright.wizard.answers_file import save_answers
from dockwright.wizard.git import clone
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.plan import GitLabSpec, GitSpec, Plan, RegistrySpec, RunnerSpec, VariableSpec

USER_JOB = "# the user's own job\nunit-tests:\n  stage: test\n  script: [pytest -q]\n"
OTHER_RUNNER = '[[runners]]\nname = "Other Runner"\nurl = "https://other.example.com"\ntoken = "glrt-other0runner0token0xx"\nexecutor = "shell"\n'


@dataclass(frozen=True)
class Scenario:
    name: str
    faults: Faults | None = None  # set on the sandbox for the first run
    kill_at: str = ""  # the step line ("→ ...") at which the first run gets ``signal``
    signal: int = 0
    stop_sandbox_at: str = ""  # the step line at which the sandbox is stopped (then started again)
    codes: tuple[int, ...] = (0,)  # the faulted run's documented exit codes


SCENARIOS = [
    Scenario("5xx-30pct", Faults(error_rate=0.3, seed=7), codes=(0,)),
    Scenario("429-window", Faults(rate_limit_per_minute=8, rate_limit_window=1.0), codes=(0,)),
    Scenario("latency-50ms", Faults(latency=0.05), codes=(0,)),
    Scenario("drops-20pct", Faults(drop_rate=0.2, seed=11), codes=(0, 5)),
    # GitLab does the work, its answer is lost: every write's (the variable is created, apply gives up: 5), and
    # the runner's creation alone (seed 10: the variable's answer arrives, POST /user/runners' does not)
    Scenario("writes-lost-all", Faults(lost_answer_rate=1.0, methods=("POST", "PUT")), codes=(5,)),
    Scenario("runner-answer-lost", Faults(lost_answer_rate=0.5, methods=("POST", "PUT"), seed=10), codes=(0, 5)),
    Scenario("sigint-at-runner", kill_at="→ project runner", signal=signal.SIGINT, codes=(130,)),
    Scenario("sigkill-at-push", kill_at="→ commit and push", signal=signal.SIGKILL, codes=(-signal.SIGKILL,)),
    Scenario("sandbox-killed-at-variables", stop_sandbox_at="→ CI/CD variable", codes=(5,)),
]


class Lab:
    """The module's sandbox, which a scenario may stop and start again on the same data and URL."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.sb = Sandbox(data, job_seconds=0.05).start()
        self.token = self.sb.token  # stays valid across restarts (the store keeps it)

    def restart(self) -> None:
        self.sb.stop()
        self.sb = Sandbox(self.data, job_seconds=0.05).start()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(tmp_path_factory.mktemp("sandbox"))
    yield lab
    lab.sb.stop()


class RunnerHost:
    """Plays gitlab-runner: whenever config.toml changes, the sandbox reads it."""

    def __init__(self, lab: Lab, config: Path) -> None:
        self.lab, self.config, self.stop = lab, config, threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self) -> None:
        seen = None
        while not self.stop.wait(0.05):
            try:
                mtime = self.config.stat().st_mtime
                if mtime != seen and self.lab.sb.scheduler is not None:
                    self.lab.sb.register_runners_from_config(self.config)
                    seen = mtime
            except Exception:  # noqa: BLE001 - no file yet, or the sandbox is down for the moment
                continue

    def __enter__(self) -> RunnerHost:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def setup(lab: Lab, tmp_path: Path, name: str) -> tuple[Path, Path, Path]:
    project = Path(clone(f"{lab.sb.url}/{lab.sb.project_path}.git", tmp_path / "app", lab.token).path)
    (project / ".gitlab-ci.yml").write_text(USER_JOB)
    (project / "notes.txt").write_text("the user's notes\n")
    config = tmp_path / "runner" / "config.toml"
    config.parent.mkdir()
    config.write_text(OTHER_RUNNER)
    key = "FM_" + name.upper().replace("-", "_")
    plan = Plan(gitlab=GitLabSpec(url=lab.sb.url, project=lab.sb.project_path),
                runner=RunnerSpec(description=f"Matrix {name}", tags=("docker",), config_path=str(config)),
                variables=(VariableSpec(key=key, from_env="FM_VALUE"),),
                git=GitSpec(branch=f"fm-{name}", create_branch=True), registry=RegistrySpec(kind="gitlab"))
    save_answers(plan, project / "dockwright.yml")
    return project, config, project / "dockwright.yml"


def run_apply(lab: Lab, answers: Path, scenario: Scenario | None) -> tuple[int, str]:
    """One `dockwright apply --no-watch` in a child; the scenario's signal or sandbox stop at its step."""
    env = {**os.environ, "GITLAB_TOKEN": lab.token, "FM_VALUE": "matrix-value-1234"}
    argv = [sys.executable, "-m", "dockwright", "apply", "--answers", str(answers), "--yes", "--no-watch",
            "--runner-timeout", "30"]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if scenario is None:
            continue
        if scenario.kill_at and line.startswith(scenario.kill_at):
            proc.send_signal(scenario.signal)
            scenario = None
        elif scenario.stop_sandbox_at and line.startswith(scenario.stop_sandbox_at):
            lab.sb.stop()
            scenario = None
    return proc.wait(timeout=120), "".join(lines)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault(lab, tmp_path, scenario):
    project, config, answers = setup(lab, tmp_path, scenario.name)
    notes = (project / "notes.txt").read_bytes()
    lab.sb.set_faults(scenario.faults or Faults())
    try:
        with RunnerHost(lab, config):
            code, said = run_apply(lab, answers, scenario)
    finally:
        if lab.sb.scheduler is None:  # stopped by the scenario: GitLab comes back
            lab.restart()
        lab.sb.set_faults(Faults())
    assert code in scenario.codes, said
    assert "Traceback" not in said, said

    with RunnerHost(lab, config):
        code, said = run_apply(lab, answers, None)  # the re-run finishes the job
    assert code == 0, said
    assert "Traceback" not in said

    # nothing lost
    assert USER_JOB in (project / ".gitlab-ci.yml").read_text()
    assert (project / "notes.txt").read_bytes() == notes
    entries = [dict(e) for e in tomlkit.parse(config.read_text())["runners"]]
    assert [e["name"] for e in entries] == ["Other Runner", f"Matrix {scenario.name}"]
    assert OTHER_RUNNER.splitlines()[3] in config.read_text()  # its token too
    # nothing twice
    client = GitLabClient.connect(lab.sb.url, lab.token)
    branch = client.get_branch(lab.sb.project_path, f"fm-{scenario.name}")
    sha = branch["commit"]["id"]
    pushed = subprocess.run(["git", "show", f"{sha}:.gitlab-ci.yml"], cwd=project, capture_output=True, text=True)
    assert USER_JOB in pushed.stdout
    runners = [r for r in client.list_project_runners(lab.sb.project_path) if r["description"] == f"Matrix {scenario.name}"]
    assert len(runners) == 1 and entries[1]["id"] == runners[0]["id"]
    key = "FM_" + scenario.name.upper().replace("-", "_")
    assert [v["key"] for v in client.list_variables(lab.sb.project_path)].count(key) == 1
    assert len(client.find_pipelines(lab.sb.project_path, sha=sha)) == 1
