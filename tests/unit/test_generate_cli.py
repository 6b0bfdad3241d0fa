"""`dockwright generate` and `dockwright init-answers` end to end, on real folders and files."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from dockwright.wizard.cli import main
from dockwright.wizard.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED_OVERWRITE

ROOT = Path(__file__).resolve().parents[2]

ANSWERS = """\
# my answers
version: 1
gitlab: {url: https://gitlab.example.com, project: team/app}
executor: docker-socket
registry: {kind: dockerhub, image: me/app}
dockerfile: {port: 8080, command: [python, app.py]}
"""


def project(tmp_path: Path, answers: str = ANSWERS) -> Path:
    (tmp_path / "app.py").write_text("print('hi')\n")
    (tmp_path / "requirements.txt").write_text("requests==2.32.3\n")
    (tmp_path / "dockwright.yml").write_text(answers)
    return tmp_path / "dockwright.yml"


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in folder.iterdir() if p.is_file()}


def test_generate_writes_the_files(tmp_path, capsys) -> None:
    answers = project(tmp_path)
    assert main(["generate", "--answers", str(answers)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "create Dockerfile: done" in out and "create .gitlab-ci.yml: done" in out
    assert "EXPOSE 8080" in (tmp_path / "Dockerfile").read_text()
    ci = (tmp_path / ".gitlab-ci.yml").read_text()
    assert "DOCKERHUB_TOKEN" in ci and "dind" not in ci
    assert main(["generate", "--answers", str(answers)]) == EXIT_OK
    assert "already in place" in capsys.readouterr().out


def test_dry_run_prints_diffs_and_writes_nothing(tmp_path, capsys) -> None:
    answers = project(tmp_path)
    before = snapshot(tmp_path)
    assert main(["generate", "--answers", str(answers), "--dry-run"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "+++ b/Dockerfile" in out and "+++ b/.gitlab-ci.yml" in out and "nothing was written" in out
    assert snapshot(tmp_path) == before


def test_dir_flag_and_runner_config(tmp_path, capsys) -> None:
    (tmp_path / "answers").mkdir()
    answers = project(tmp_path / "answers")
    target = tmp_path / "repo"
    target.mkdir()
    config = tmp_path / "config.toml"
    assert main(["generate", "--answers", str(answers), "--dir", str(target), "--runner-config", str(config)]) == 0
    assert (target / "Dockerfile").exists() and not (answers.parent / "Dockerfile").exists()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert "/var/run/docker.sock:/var/run/docker.sock" in config.read_text()
    # issue 17.4: a template without token, and the register command that uses it (token never in argv)
    assert "token" not in config.read_text().split("[[runners]]", 1)[1]
    out = capsys.readouterr().out
    assert f"--template-config {config}" in out and "read -rs CI_SERVER_TOKEN" in out and "--token" not in out


def test_hand_written_dockerfile_exits_3_and_changes_nothing(tmp_path, capsys) -> None:
    answers = project(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM node:22\n")
    before = snapshot(tmp_path)
    assert main(["generate", "--answers", str(answers)]) == EXIT_REFUSED_OVERWRITE
    err = capsys.readouterr().err
    assert "Dockerfile" in err and "--overwrite" in err
    assert snapshot(tmp_path) == before
    assert main(["generate", "--answers", str(answers), "--overwrite"]) == EXIT_OK
    assert (tmp_path / "Dockerfile.orig").read_text() == "FROM node:22\n"


def test_bad_answers_exit_2_with_key_line_and_allowed(tmp_path, capsys) -> None:
    answers = project(tmp_path, ANSWERS.replace("executor: docker-socket", "executor: kubernetes"))
    before = snapshot(tmp_path)
    assert main(["generate", "--answers", str(answers)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{answers}:4" in err and "`executor`" in err and "docker-dind-tls" in err
    assert snapshot(tmp_path) == before


def test_missing_answers_file_exit_2(tmp_path, capsys) -> None:
    assert main(["generate", "--answers", str(tmp_path / "nope.yml")]) == EXIT_BAD_INPUT
    assert "init-answers" in capsys.readouterr().err


def test_init_answers_then_generate(tmp_path, capsys) -> None:
    (tmp_path / "requirements.txt").write_text("flask==3.1.0\n")
    (tmp_path / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    assert main(["init-answers", "--dir", str(tmp_path)]) == EXIT_OK
    text = (tmp_path / "dockwright.yml").read_text()
    assert text.startswith("# dockwright answers file") and "never a secret" in text
    assert main(["init-answers", "--dir", str(tmp_path)]) == EXIT_REFUSED_OVERWRITE
    assert main(["generate", "--answers", str(tmp_path / "dockwright.yml"), "--dry-run"]) == EXIT_OK
    assert "flask" in capsys.readouterr().out.lower()


def test_readme_first_command_on_the_example() -> None:
    """The README's first command: the example project, through the installed entry point's module."""
    before = sorted(p.name for p in (ROOT / "examples/flask-app").iterdir())
    proc = subprocess.run(
        [sys.executable, "-m", "dockwright.wizard.cli", "generate", "--answers", "examples/flask-app/dockwright.yml", "--dry-run"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert 'CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]' in proc.stdout
    assert "dockwright-build:" in proc.stdout
    assert sorted(p.name for p in (ROOT / "examples/flask-app").iterdir()) == before


def test_kubernetes_executor_writes_the_helm_values_and_prints_the_helm_commands(tmp_path, capsys) -> None:
    """Issue 14: a Kubernetes executor gets the GitLab Runner Helm chart's values in the repository (no token)
    and the commands that install it, where the register command is shown for the others."""
    answers = project(tmp_path, ANSWERS.replace("executor: docker-socket", "executor: kubernetes-buildah"))
    assert main(["generate", "--answers", str(answers)]) == EXIT_OK
    values = (tmp_path / "gitlab-runner-values.yaml").read_text()
    assert values.startswith("# gitlab-runner-values.yaml: generated by dockwright")
    assert 'executor = "kubernetes"' in values and "glrt-" not in values
    assert "buildah build" in (tmp_path / ".gitlab-ci.yml").read_text()
    out = capsys.readouterr().out
    assert "helm upgrade --install gitlab-runner gitlab/gitlab-runner --namespace gitlab-runner -f " \
           "gitlab-runner-values.yaml" in out and "gitlab-runner register" not in out
    # a re-run replaces its own file; a hand-written one is refused (exit 3) and kept
    assert main(["generate", "--answers", str(answers)]) == EXIT_OK
    (tmp_path / "gitlab-runner-values.yaml").write_text("runners: {}\n")
    assert main(["generate", "--answers", str(answers)]) == EXIT_REFUSED_OVERWRITE
    assert (tmp_path / "gitlab-runner-values.yaml").read_text() == "runners: {}\n"
