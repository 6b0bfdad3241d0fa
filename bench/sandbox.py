"""How fast the sandbox answers, so that tests and the wizard's watch loop stay quick.

1. Start-up: Sandbox(...).start() on a fresh data dir (creates the SQLite state and the demo repository).
2. REST: median latency of GET /projects/:id and GET .../pipelines/:id/jobs with python-gitlab over
   one keep-alive session (N requests each), and requests per second.
3. git: `git clone` of the demo project (token through GIT_ASKPASS), and `git push` of one commit.
4. Pipeline: from the push that brings .gitlab-ci.yml to the pipeline listed, and to it finished, with
   job_seconds=0.2 (two stages, build-and-push job through the simulated docker).

Loopback only; bounded loops; stops by itself. Run: .venv/bin/python bench/sandbox.py [--requests N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gitlab

from dockwright.sandbox import Sandbox

CI = """stages: [build, test]
build:
  stage: build
  image: docker:27
  services: [docker:27-dind]
  script:
    - docker build -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA" .
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"
check:
  stage: test
  script: [echo ok]
"""
ASKPASS = "#!/bin/sh\necho \"$BENCH_GIT_PASSWORD\"\n"
ASKPASS_PATH = [""]


def git(args, cwd, token):
    env = dict(os.environ, GIT_ASKPASS=ASKPASS_PATH[0], BENCH_GIT_PASSWORD=token,
               GIT_TERMINAL_PROMPT="0", GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="b@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="b@example.invalid")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def timed(fn, n):
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        sb = Sandbox(tmp / "data", job_seconds=0.2).start()
        print(f"start-up (fresh data dir): {1000 * (time.perf_counter() - t):.0f} ms")
        try:
            gl = gitlab.Gitlab(sb.url, private_token=sb.token)
            project = gl.projects.get(sb.project_path)
            samples = timed(lambda: gl.projects.get(sb.project_path), args.requests)
            print(f"GET /projects/:id: median {1000 * statistics.median(samples):.1f} ms, "
                  f"{len(samples) / sum(samples):.0f} requests/s over {len(samples)}")

            (tmp / "askpass.sh").write_text(ASKPASS)
            (tmp / "askpass.sh").chmod(0o700)
            ASKPASS_PATH[0] = str(tmp / "askpass.sh")
            t = time.perf_counter()
            git(["clone", "-q", f"{sb.url}/{sb.project_path}.git", "work"], tmp, sb.token)
            print(f"git clone: {1000 * (time.perf_counter() - t):.0f} ms")
            work = tmp / "work"
            (work / ".gitlab-ci.yml").write_text(CI)
            (work / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\nCMD [\"python\", \"/app/app.py\"]\n")
            git(["add", "."], work, sb.token)
            git(["commit", "-q", "-m", "bench"], work, sb.token)
            t = time.perf_counter()
            git(["push", "-q", "origin", "HEAD:main"], work, sb.token)
            pushed = time.perf_counter()
            print(f"git push: {1000 * (pushed - t):.0f} ms")
            while not project.pipelines.list(get_all=True):
                time.sleep(0.01)
            listed = time.perf_counter()
            pipeline = project.pipelines.list(get_all=True)[0]
            deadline = time.monotonic() + 60
            while project.pipelines.get(pipeline.id).status not in ("success", "failed") and time.monotonic() < deadline:
                time.sleep(0.02)
            done = time.perf_counter()
            print(f"pipeline listed {1000 * (listed - pushed):.0f} ms after the push; finished "
                  f"({project.pipelines.get(pipeline.id).status}) {1000 * (done - pushed):.0f} ms after it "
                  f"(2 jobs x job_seconds 0.2)")
            jobs = project.pipelines.get(pipeline.id, lazy=True)
            samples = timed(lambda: jobs.jobs.list(get_all=True), min(args.requests, 100))
            print(f"GET .../pipelines/:id/jobs: median {1000 * statistics.median(samples):.1f} ms")
        finally:
            sb.stop()


if __name__ == "__main__":
    main()
