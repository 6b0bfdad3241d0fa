"""`dockwright` without a subcommand: what the wizard starts from (answers file, detection, sandbox, credentials)."""

from __future__ import annotations

import argparse

from dockwright.screens.app import build_services
from dockwright.wizard.cli import build_parser
from dockwright.wizard.plan import replace_in, save_answers
from tests.ui.helpers import flask_repo


def args_for(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_the_wizard_flags_parse_without_a_subcommand(tmp_path):
    args = args_for("--sandbox", "--dir", str(tmp_path), "--answers", "a.yml")
    assert args.sandbox and args.dir == str(tmp_path) and args.answers == "a.yml" and not args.plain
    assert getattr(args, "_run", None) is None  # main() hands over to the wizard


def test_reopening_a_folder_with_dockwright_yml_starts_from_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", "glpat-from-env-0000")
    repo = flask_repo(tmp_path / "app")
    plan, services, sandbox = build_services(args_for("--dir", str(repo)), repo)
    assert sandbox is None and plan.dockerfile.port == 8000  # detection: gunicorn serves the Flask app
    save_answers(replace_in(replace_in(plan, "dockerfile", port=9000), "gitlab", url="https://gitlab.example.com"),
                 repo / "dockwright.yml")
    again, services, _ = build_services(args_for("--dir", str(repo)), repo)
    assert again.dockerfile.port == 9000 and again.gitlab.url == "https://gitlab.example.com"
    assert services.token.reveal() == "glpat-from-env-0000" and "GITLAB_TOKEN" in services.token_source
    assert "glpat" not in (repo / "dockwright.yml").read_text()


def test_no_token_anywhere_leaves_it_to_the_connect_step(tmp_path):
    repo = flask_repo(tmp_path / "app")
    _plan, services, _ = build_services(args_for("--dir", str(repo)), repo)
    assert services.token is None and services.url_source  # where the URL came from is always said


def test_sandbox_mode_practises_on_a_clone_of_the_demo_project(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    plan, services, sandbox = build_services(args_for("--sandbox"), tmp_path)
    try:
        assert services.sandbox and services.token.reveal() == sandbox.token
        assert plan.gitlab.url == sandbox.url and plan.gitlab.project == sandbox.project_path
        assert (services.workdir / ".git").is_dir() and services.workdir != tmp_path
        assert str(tmp_path / "state") in plan.runner.config_path  # not /etc/gitlab-runner when practising
    finally:
        sandbox.stop()
