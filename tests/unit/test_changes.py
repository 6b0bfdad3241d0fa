"""dockwright.wizard.changes: file changes planned from real folders, applied atomically and idempotently."""

from __future__ import annotations

import stat

import pytest
import tomlkit

from dockwright.wizard.changes import Change, FileChange, Outcome, hide_secrets, plan_file_changes
from dockwright.wizard.errors import EXIT_REFUSED_OVERWRITE, RefusedOverwrite
from dockwright.wizard.plan import Plan
from dockwright.wizard.render import render_dockerfile


def names(changes) -> list[str]:
    return [c.path.name for c in changes]


def test_new_project_gets_three_files(tmp_path) -> None:
    changes = plan_file_changes(Plan(), tmp_path)
    assert names(changes) == ["Dockerfile", ".dockerignore", ".gitlab-ci.yml"]
    assert all(isinstance(c, Change) for c in changes)
    assert [c.summary for c in changes] == ["create Dockerfile", "create .dockerignore", "create .gitlab-ci.yml"]
    assert list(tmp_path.iterdir()) == []  # planning writes nothing
    assert changes[0].preview().startswith("--- /dev/null\n+++ b/Dockerfile\n")
    assert [c.apply() for c in changes] == [Outcome.DONE] * 3
    assert (tmp_path / "Dockerfile").read_text() == render_dockerfile(Plan())
    assert [c.apply() for c in changes] == [Outcome.ALREADY] * 3  # idempotent
    again = plan_file_changes(Plan(), tmp_path)
    assert [c.changed for c in again] == [False] * 3
    assert again[0].preview() == "Dockerfile: no change\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dockerignore", ".gitlab-ci.yml", "Dockerfile"]


def test_hand_written_dockerfile_is_refused_and_left_alone(tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM node:22\n")
    with pytest.raises(RefusedOverwrite) as info:
        plan_file_changes(Plan(), tmp_path)
    assert info.value.exit_code == EXIT_REFUSED_OVERWRITE
    assert "--overwrite" in str(info.value) and "Dockerfile.orig" in str(info.value)
    assert (tmp_path / "Dockerfile").read_text() == "FROM node:22\n"


def test_overwrite_keeps_the_old_file_as_orig(tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM node:22\n")
    change = plan_file_changes(Plan(), tmp_path, overwrite=True)[0]
    assert "Dockerfile.orig" in change.summary
    assert "-FROM node:22" in change.preview()
    assert change.apply() == Outcome.DONE
    assert (tmp_path / "Dockerfile.orig").read_text() == "FROM node:22\n"
    assert (tmp_path / "Dockerfile").read_text() == render_dockerfile(Plan())
    assert change.apply() == Outcome.ALREADY


def test_dockwrights_own_dockerfile_is_regenerated(tmp_path) -> None:
    old = render_dockerfile(Plan()).replace("EXPOSE 8000", "EXPOSE 9000")
    (tmp_path / "Dockerfile").write_text(old)
    change = plan_file_changes(Plan(), tmp_path)[0]
    assert change.summary == "update Dockerfile" and not change.backup
    assert "-EXPOSE 9000\n+EXPOSE 8000" in change.preview()


def test_unparsable_pipeline_is_refused_unless_overwrite(tmp_path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text("test: [unclosed\n")
    with pytest.raises(RefusedOverwrite, match="not valid YAML"):
        plan_file_changes(Plan(), tmp_path)
    change = plan_file_changes(Plan(), tmp_path, overwrite=True)[2]
    assert change.backup and change.apply() == Outcome.DONE
    assert (tmp_path / ".gitlab-ci.yml.orig").read_text() == "test: [unclosed\n"


def test_existing_pipeline_is_merged(tmp_path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text("# ours\ntest:\n  script: [pytest]\n")
    change = plan_file_changes(Plan(), tmp_path)[2]
    assert change.summary == "update .gitlab-ci.yml"
    assert "# ours" in change.new_text and "dockwright-build:" in change.new_text


def test_the_review_says_where_the_stages_went_and_what_became_of_workflow(tmp_path) -> None:
    """Issue 17 items 7 and 18: a merge that moves dockwright's stages before the user's deploy, or that keeps
    (or does not add) a workflow:, says so above the diff, not only in it."""
    (tmp_path / ".gitlab-ci.yml").write_text("stages: [test, deploy]\ntest:\n  stage: test\n  script: [pytest]\n")
    preview = plan_file_changes(Plan(), tmp_path)[2].preview()
    notes = [line for line in preview.splitlines() if line.startswith("note: ")]
    assert preview.startswith("note: ") and len(notes) == 2
    assert "`build` and `release` added before `deploy`, giving test, build, release, deploy" in notes[1]
    assert "no `workflow:`" in notes[0] and "merge request pipelines" in notes[0]
    (tmp_path / ".gitlab-ci.yml").write_text("workflow:\n  rules:\n    - if: $CI_COMMIT_BRANCH\ntest:\n  script: [x]\n")
    notes = [line for line in plan_file_changes(Plan(), tmp_path)[2].preview().splitlines() if line.startswith("note")]
    assert len(notes) == 2 and "Your `workflow:` is kept as it is" in notes[0]
    assert "your file had no `stages:`" in notes[1]
    (tmp_path / "new").mkdir()
    assert "note: " not in plan_file_changes(Plan(), tmp_path / "new")[2].preview()  # a new file: nothing merged


def test_runner_config_is_a_0600_register_template(tmp_path) -> None:
    """Issue 17.4: generate writes the template for `register --template-config`: one entry, no token."""
    config = tmp_path / "runner" / "template.toml"
    config.parent.mkdir()
    changes = plan_file_changes(Plan(), tmp_path / "app", runner_config_path=config)
    change = changes[-1]
    assert change.mode == 0o600 and "mode 600" in change.summary
    (tmp_path / "app").mkdir()
    assert change.apply() == Outcome.DONE
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text()
    assert "token" not in tomlkit.parse(text)["runners"][0] and "<runner token>" not in text
    assert plan_file_changes(Plan(), tmp_path / "app", runner_config_path=config)[-1].apply() == Outcome.ALREADY


def test_runner_config_refuses_a_live_config_toml(tmp_path) -> None:
    """A config.toml with other runners is not merged into: register.go wants exactly one [[runners]] in a
    template, and the other runner's token must not end up in a second file."""
    config = tmp_path / "config.toml"
    live = ('concurrent = 1\n[[runners]]\n  name = "other"\n  url = "https://x"\n  token = "glrt-secret-1"\n'
            '  executor = "shell"\n')
    config.write_text(live)
    with pytest.raises(RefusedOverwrite, match=r"already holds other runners \(other\).*--template-config"):
        plan_file_changes(Plan(), tmp_path / "app", runner_config_path=config)
    assert config.read_text() == live


def test_runner_config_skipped_for_hosted(tmp_path) -> None:
    import dataclasses
    plan = dataclasses.replace(Plan(), executor="hosted")
    assert names(plan_file_changes(plan, tmp_path, runner_config_path=tmp_path / "c.toml")) == [
        "Dockerfile", ".dockerignore", ".gitlab-ci.yml"]


def test_apply_refuses_a_file_changed_after_planning(tmp_path) -> None:
    change = plan_file_changes(Plan(), tmp_path)[1]
    (tmp_path / ".dockerignore").write_text("edited meanwhile\n")
    with pytest.raises(RefusedOverwrite, match="changed after dockwright read it"):
        change.apply()
    assert (tmp_path / ".dockerignore").read_text() == "edited meanwhile\n"


def test_secrets_given_to_a_change_never_show_in_its_preview(tmp_path) -> None:
    change = FileChange(tmp_path / "x.txt", "password=hunter2hunter2\n", None, secrets=("hunter2hunter2",))
    assert "hunter2" not in change.preview() and "[hidden]" in change.preview()
    assert hide_secrets("token = 'abc'\n") == "token = '[hidden]'\n"


def test_the_runner_change_names_its_executor_and_calls_its_tags_tags(tmp_path) -> None:
    """The newcomer run read 'project runner "My Docker Runner" (docker)' for a shell runner: the tags."""
    from dockwright.wizard.changes import RunnerChange
    from dockwright.wizard.plan import replace_in

    plan = replace_in(Plan(executor="shell"), "runner", tags=("docker",))
    change = RunnerChange(None, plan, "demo/app", "http://127.0.0.1", tmp_path / "config.toml")
    assert '"My Docker Runner" (shell executor, tags: docker)' in change.summary
    untagged = replace_in(Plan(), "runner", tags=())
    assert "(docker executor, no tags)" in RunnerChange(None, untagged, "demo/app", "u", tmp_path / "c").summary
