"""Every Dockerfile variant the generator emits, built for real and run for a moment."""

from __future__ import annotations

import pytest

from dockwright.wizard.engine import free_port
from tests.real.projects import VARIANTS


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_generated_dockerfile_builds_and_runs(variant, engine, standins, tmp_path):
    plan = variant.write(tmp_path)
    spec = plan.dockerfile
    assert spec.command[0] == variant.expect_command, f"detection chose {spec.command} for {variant.name}"
    assert spec.non_root is variant.non_root
    for base in standins.from_images((tmp_path / "Dockerfile").read_text()):
        standins(base)
    tag = f"localhost/dockwright-real/{variant.name}:test"
    lines: list[str] = []
    before = engine.containers()
    built = engine.build(tmp_path, tag, lines.append)
    try:
        assert built.ok, f"{engine.name} could not build {variant.name}:\n{built.output[-3000:]}"
        assert lines, "the builder's output was not streamed"
        config = engine.inspect(tag)
        assert config is not None
        assert (config.get("User") or "") == ("10001" if variant.non_root else "")
        moved = free_port() if spec.port is not None else None
        moment = engine.run_briefly(tag, port=spec.port, move_to=moved, http_path="/" if spec.port else None)
        assert moment.ok, f"{variant.name}: {moment.what}\n{moment.output[-2000:]}"
        if variant.http_body is None:
            assert "still running" in moment.what and "worker up" in moment.output
        else:
            assert moment.status == 200 and variant.http_body.replace(" ", "") in moment.body.replace(" ", ""), moment
    finally:
        engine.remove(tag)
    assert engine.containers() == before, "the build or the run left a container behind"
