"""The engine layer's choices that need no engine: which one is found and why others are refused, names, ports."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from dockwright.wizard.engine import NoEngine, find_engine, move_port, qualified

ROOT = Path(__file__).resolve().parent.parent.parent


def test_no_engine_names_each_one_tried_and_what_to_install(monkeypatch):
    monkeypatch.delenv("DOCKWRIGHT_ENGINE", raising=False)
    with pytest.raises(NoEngine) as caught:
        find_engine(which=lambda name: None)
    text = str(caught.value)
    assert "docker: not installed; podman: not installed; buildah: not installed" in text
    assert "apt-get install buildah skopeo" in text


def test_a_docker_whose_daemon_is_down_is_refused_with_its_own_words(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKWRIGHT_ENGINE", raising=False)
    docker = tmp_path / "docker"  # a client that cannot reach its daemon prints this and exits 1
    docker.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2\n"
                      "exit 1\n")
    docker.chmod(0o755)
    with pytest.raises(NoEngine) as caught:
        find_engine(which=lambda name: str(docker) if name == "docker" else None)
    assert "docker: its daemon is not reachable (Cannot connect to the Docker daemon" in str(caught.value)


def test_an_engine_asked_for_by_name_is_the_only_one_tried(monkeypatch):
    monkeypatch.setenv("DOCKWRIGHT_ENGINE", "podman")
    with pytest.raises(NoEngine) as caught:
        find_engine(which=lambda name: None)
    assert caught.value.sentence == "No usable container engine (podman: not installed)."
    with pytest.raises(NoEngine, match="Unknown container engine 'rkt'"):
        find_engine("rkt", which=lambda name: None)


@pytest.mark.parametrize(("command", "port", "moved"), [
    (("gunicorn", "--bind", "0.0.0.0:8000", "app:app"), 8000, ("gunicorn", "--bind", "127.0.0.1:9001", "app:app")),
    (("uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"), 8000,
     ("uvicorn", "main:app", "--host", "127.0.0.1", "--port", "9001")),
    (("flask", "--app", "app", "run", "--host", "0.0.0.0", "--port", "5000"), 5000,
     ("flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", "9001")),
    (("python", "app.py"), 8000, ("python", "app.py")),
])
def test_move_port_moves_only_the_listening_port(command, port, moved):
    assert move_port(command, port, 9001) == moved


def test_short_names_are_qualified_as_docker_means_them():
    assert qualified("python:3.13-slim") == "docker.io/library/python:3.13-slim"
    assert qualified("bitnami/python:3.12") == "docker.io/bitnami/python:3.12"
    assert qualified("registry.example.com:5000/x/y:1") == "registry.example.com:5000/x/y:1"
    assert qualified("localhost/app:1") == "localhost/app:1"
    assert qualified("python") == "docker.io/library/python:latest"


def test_standin_script_reads_the_base_images_of_a_dockerfile():
    spec = importlib.util.spec_from_file_location("standin_images", ROOT / "bench" / "standin_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = ("FROM --platform=linux/amd64 python:3.12-slim AS build\nRUN true\nFROM build\n"
            "FROM scratch\nfrom python:3.13-slim\n")
    assert module.from_images(text) == ["python:3.12-slim", "python:3.13-slim"]


def test_a_command_that_hangs_silently_is_stopped_at_its_timeout():
    from dockwright.wizard.engine import run_streamed

    lines: list[str] = []
    ran = run_streamed(["sh", "-c", "echo started; sleep 30"], lines.append, timeout=1.0)
    assert lines[0] == "started" and not ran.ok
    assert ran.output.endswith("dockwright: stopped after 1 s\n")


def test_a_podman_whose_containers_cannot_start_is_refused_with_the_runtimes_words(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCKWRIGHT_ENGINE", raising=False)
    podman = tmp_path / "podman"  # `podman info` works, `podman run` fails as runc does on our machines
    seen = tmp_path / "argv"
    podman.write_text(f"#!/bin/sh\necho \"$@\" >> {seen}\n"
                      "[ \"$1\" = info ] && exit 0\n"
                      "echo 'Error: runc: runc create failed: unable to start container process: error setting "
                      "rlimit type 7: operation not permitted: OCI permission denied' >&2\nexit 126\n")
    podman.chmod(0o755)
    with pytest.raises(NoEngine) as caught:
        find_engine("podman", which=lambda name: str(podman) if name == "podman" else None)
    assert "podman: its containers cannot start (Error: runc: runc create failed" in str(caught.value)
    assert "containers.conf" in str(caught.value)
    run = seen.read_text().split()
    assert run[:3] == ["run", "--rm", "--network=none"] and run[3] == "--rootfs"  # a container really started
