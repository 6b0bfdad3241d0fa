"""bench/standin_images.py: which stand-in each base image name gets (pure: no engine, no mmdebstrap)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _module():
    spec = importlib.util.spec_from_file_location("standin_images_under_test", ROOT / "bench" / "standin_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_stack_image_shares_one_root_file_system_and_python_keeps_its_own() -> None:
    m = _module()
    names = ("node:22-slim", "node:24-slim", "golang:1.24", "nginxinc/nginx-unprivileged:1.28-alpine",
             "gcr.io/distroless/static-debian12:nonroot")
    keys = {m.recipe_key(m.standin_for(n).recipe) for n in names}
    assert keys == {m.recipe_key(m.STACKS_RECIPE)}  # one mmdebstrap run for every stack
    assert m.standin_for("python:3.13-slim").recipe is m.PYTHON_RECIPE
    assert m.standin_for("python:3.12-alpine").recipe is m.PYTHON_RECIPE
    assert m.recipe_key(m.PYTHON_RECIPE) != m.recipe_key(m.STACKS_RECIPE)
    golang = m.standin_for("golang:1.24")
    assert golang.env["GOPATH"] == "/go" and golang.env["GOTOOLCHAIN"] == "local"  # as the official image
    assert m.image_key(golang) != m.image_key(m.standin_for("node:22-slim"))  # same files, its own config
    packages = m.STACKS_RECIPE["packages"]
    assert {"nodejs", "golang-go", "nginx"} <= set(packages) and "npm" not in packages  # npm: one checked tarball
    assert m._NPM_SHA256 in " ".join(m.STACKS_RECIPE["hooks"])
    assert "listen 8080;" in " ".join(m.STACKS_RECIPE["hooks"])


def test_from_images_leaves_out_stages() -> None:
    m = _module()
    text = "FROM golang:1.24 AS build\nRUN x\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /a /a\n"
    assert m.from_images(text) == ["golang:1.24", "gcr.io/distroless/static-debian12:nonroot"]


def test_rust_ruby_and_php_images_share_a_second_root_file_system() -> None:
    m = _module()
    names = ("rust:1.85-slim-bookworm", "ruby:3.4-slim", "composer:2.8", "php:8.4-apache",
             "gcr.io/distroless/cc-debian12:nonroot")
    assert {m.recipe_key(m.standin_for(n).recipe) for n in names} == {m.recipe_key(m.COMPILED_RECIPE)}
    assert m.standin_for("gcr.io/distroless/static-debian12:nonroot").recipe is m.STACKS_RECIPE
    assert {"rustc", "cargo", "ruby", "bundler", "php-cli", "composer", "libapache2-mod-php"} <= set(
        m.COMPILED_RECIPE["packages"])
    assert m.standin_for("rust:1.91-slim-bookworm").env["CARGO_HOME"] == "/usr/local/cargo"  # as the official image
    assert m.standin_for("ruby:3.3-slim").env["GEM_HOME"] == "/usr/local/bundle"
    assert m.standin_for("php:8.3-apache").cmd == ("apache2-foreground",)
