"""Push to a real Distribution registry on 127.0.0.1, copy and tag there, and list what it holds."""

from __future__ import annotations

import json
from urllib.request import urlopen

from dockwright.wizard.local_registry import LocalRegistry, registry_binary
from tests.real.lane import missing


def _tiny_image(engine, folder, tag):
    (folder / "hello.txt").write_text("hello from the real lane\n")
    (folder / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /\n")
    built = engine.build(folder, tag)
    assert built.ok, built.output
    return tag


def test_push_copy_and_list_tags(engine, registry, tmp_path):
    local = _tiny_image(engine, tmp_path, "localhost/dockwright-real/pushed:build")
    repo = f"{registry.address}/group/app"
    sha = "0123abcd"
    try:
        lines: list[str] = []
        pushed = engine.push(local, f"{repo}:{sha}", lines.append)
        assert pushed.ok, pushed.output
        assert lines, "push output was not streamed"
        # the release job's retag, registry to registry (skopeo copy, or pull + push)
        assert engine.copy(f"{repo}:{sha}", f"{repo}:latest").ok
        # a local tag pushed under the branch's slug
        assert engine.tag(local, "localhost/dockwright-real/pushed:main").ok
        assert engine.push("localhost/dockwright-real/pushed:main", f"{repo}:main").ok
        assert engine.list_tags(repo) == sorted([sha, "latest", "main"])
        with urlopen(f"http://{registry.address}/v2/_catalog", timeout=10) as resp:
            assert "group/app" in json.loads(resp.read())["repositories"]
        # what the sandbox's registry pages will read: catalog, tags, digest and size
        assert "group/app" in registry.catalog()
        assert registry.tags("group/app") == sorted([sha, "latest", "main"])
        assert registry.tags("group/nothing") == []
        digest, size = registry.manifest("group/app", "latest")
        assert digest.startswith("sha256:") and digest == registry.manifest("group/app", sha)[0]
        assert size > len("hello from the real lane\n")
    finally:
        engine.remove(local, "localhost/dockwright-real/pushed:main")


def test_the_registry_ignores_registry_settings_in_the_environment(monkeypatch, tmp_path):
    # The Distribution registry reads REGISTRY_* as configuration: these would move it and turn on auth.
    monkeypatch.setenv("REGISTRY_HTTP_ADDR", "127.0.0.1:1")
    monkeypatch.setenv("REGISTRY_AUTH", "htpasswd")
    monkeypatch.setenv("REGISTRY_AUTH_HTPASSWD_PATH", str(tmp_path / "nothing"))
    if not registry_binary():
        missing("no registry binary; apt-get install docker-registry")
    with LocalRegistry(tmp_path / "reg") as reg, urlopen(f"http://{reg.address}/v2/", timeout=10) as resp:
        assert resp.status == 200
