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
