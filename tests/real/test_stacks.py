"""Node.js, Go, static-site, Rust, Ruby and PHP fixture projects (tests/fixtures/stacks/): the Dockerfile the
generator writes for each is built for real with the stand-in base images (two shared Debian trixie file systems,
see bench/standin_images.py) and run for a moment; its page must answer. No third-party dependency is downloaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dockwright.wizard.detect import detect_plan
from dockwright.wizard.engine import free_port
from dockwright.wizard.render.dockerfile import render_dockerfile, render_dockerignore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stacks"

# fixture, what its page says, the final image's user, whether the app reads PORT (else it keeps its own)
STACKS = (
    ("node-npm", "Hello from Node.js", "10001", True),
    ("node-build-npm", "built at image build time", "10001", True),  # build stage, then pruned
    ("go-root", "Hello from Go", "65532:65532", True),
    ("go-cmd", "hello", "65532:65532", True),  # ./cmd/api of a module with an internal package
    ("static-plain", "Hello from a static site", "101", False),  # nginx: port 8080, as the unprivileged image
    # Rust, Ruby and PHP share a second stand-in file system (rustc/cargo, ruby/bundler, php/composer/Apache).
    # Java needs Maven Central (its build tools fetch their plugins), .NET is not in Debian: neither is built here.
    ("rust-toolchain", "hello", "65532:65532", True),  # std only: the stub step builds no dependency
    ("ruby-script", "hello", "10001", True),  # a Gemfile without gems; Ruby's standard library serves
    ("php-plain", "Hello from PHP", "33:33", False),  # composer without packages, Apache on 8080 as www-data
)


@pytest.mark.parametrize(("name", "body", "user", "reads_port"), STACKS, ids=[s[0] for s in STACKS])
def test_stack_fixture_builds_and_answers(name, body, user, reads_port, engine, standins, tmp_path):
    project = tmp_path / name
    shutil.copytree(FIXTURES / name, project)
    plan = detect_plan(project)
    text = render_dockerfile(plan)
    (project / "Dockerfile").write_text(text)
    (project / ".dockerignore").write_text(render_dockerignore(plan))
    for base in standins.from_images(text):
        standins(base)
    tag = f"localhost/dockwright-real/stack-{name}:test"
    before = engine.containers()
    built = engine.build(project, tag, lambda line: None)
    try:
        assert built.ok, f"{engine.name} could not build {name}:\n{built.output[-3000:]}"
        config = engine.inspect(tag)
        assert config is not None and (config.get("User") or "") == user
        port = free_port() if reads_port else plan.dockerfile.port
        moment = engine.run_briefly(tag, port=port, http_path="/",
                                    container_env={"PORT": str(port)} if reads_port else None)
        assert moment.ok, f"{name}: {moment.what}\n{moment.output[-2000:]}"
        assert moment.status == 200 and body in moment.body, moment
    finally:
        engine.remove(tag)
    assert engine.containers() == before, "the build or the run left a container behind"
