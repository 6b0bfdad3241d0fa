"""A build that cannot work fails with the builder's own words."""

from __future__ import annotations

from tests.real.projects import VARIANTS


def test_a_copy_of_a_missing_file_fails_with_the_builders_message(engine, standins, tmp_path):
    variant = next(v for v in VARIANTS if v.name.startswith("flask-gunicorn-requirements"))
    variant.write(tmp_path)
    assert "COPY requirements.txt" in (tmp_path / "Dockerfile").read_text()
    (tmp_path / "requirements.txt").unlink()  # the generated Dockerfile names a file the project no longer has
    for base in standins.from_images((tmp_path / "Dockerfile").read_text()):
        standins(base)
    lines: list[str] = []
    before = engine.containers()
    built = engine.build(tmp_path, "localhost/dockwright-real/missing-file:test", lines.append)
    assert not built.ok
    assert engine.containers() == before, "the failed build left a container behind"
    said = "\n".join(lines)
    assert "requirements.txt" in said
    # buildah/podman: `copier: stat: "/requirements.txt": no such file or directory`;
    # docker: `COPY failed: file not found in build context` / `"/requirements.txt": not found`
    assert "no such file or directory" in said or "not found" in said, said[-2000:]
