"""Editing the runner in the answers file and re-running apply (issue 19 items 9 and 14): the runner
dockwright created is updated in place (PUT /runners/:id), its config.toml entry follows (executor too), a
replace says so and deletes the old one, and runners dockwright created that no config.toml holds are found.
Real sandbox over HTTP, real git, real config.toml."""

from __future__ import annotations

import tomlkit
from test_apply import RunnerHost, answers_for, project, run_cli, sandbox  # noqa: F401  (fixtures)

from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.plan import load_answers, replace_in, save_answers


def edit(answers, section: str, **changes) -> None:
    plan = load_answers(answers)
    if section == "plan":
        from dataclasses import replace

        save_answers(replace(plan, **changes), answers)
    else:
        save_answers(replace_in(plan, section, **changes), answers)


def entries(config) -> list[dict]:
    return [dict(e) for e in tomlkit.parse(config.read_text()).get("runners", [])]


def dockwrights_runners(sandbox) -> list[dict]:
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    return [r for r in client.list_project_runners(sandbox.project_path)
            if str(r.get("maintenance_note") or "").startswith("Created by dockwright")]


def apply(answers, *more: str) -> tuple[int, str, str]:
    return run_cli(["apply", "--answers", str(answers), "--yes", "--no-watch", *more])


def test_edited_tags_description_flags_and_executor_update_the_same_runner(sandbox, project, monkeypatch):
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    answers = answers_for(sandbox, project, description="Edit Me Runner")
    config = project.parent / "runner" / "config.toml"
    with RunnerHost(sandbox, config):
        code, out, err = apply(answers)
        assert code == 0, out[-3000:] + err
        (first,) = [e["id"] for e in entries(config)]

        edit(answers, "runner", description="Edited Runner", tags=("docker", "gpu"), run_untagged=True)
        code, out, err = apply(answers)
        assert code == 0, out[-3000:] + err
        assert f"Runner #{first} updated in GitLab (same runner, same token)" in out, out
        assert "tags docker → docker, gpu" in out and "description 'Edit Me Runner' → 'Edited Runner'" in out
        client = GitLabClient.connect(sandbox.url, sandbox.token)
        runner = client.get_runner(first)
        assert (runner["description"], sorted(runner["tag_list"]), runner["run_untagged"]) == (
            "Edited Runner", ["docker", "gpu"], True)
        assert [(e["id"], e["name"]) for e in entries(config)] == [(first, "Edited Runner")]  # renamed, not added
        assert [r["id"] for r in dockwrights_runners(sandbox) if r["id"] >= first] == [first]  # none orphaned

        edit(answers, "plan", executor="shell")
        code, out, err = apply(answers)
        assert code == 0, out[-3000:] + err
        assert f"Runner #{first}'s entry in {config}: executor docker → shell" in out, out
        assert [(e["id"], e["executor"]) for e in entries(config)] == [(first, "shell")]
        assert [r["id"] for r in dockwrights_runners(sandbox) if r["id"] >= first] == [first]
        assert client.runner_status(first) == "online"

        code, out, err = apply(answers)  # nothing changed: nothing updated
        assert code == 0 and "updated in GitLab" not in out and "executor" not in out.split("Summary")[0]


def test_a_runner_gitlab_will_not_update_is_replaced_and_the_old_one_deleted(sandbox, project, monkeypatch):
    from dockwright.wizard.errors import gitlab_error

    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    answers = answers_for(sandbox, project, description="Replace Me Runner")
    config = project.parent / "runner" / "config.toml"
    with RunnerHost(sandbox, config):
        code, out, err = apply(answers)
        assert code == 0, out[-3000:] + err
        (old,) = [e["id"] for e in entries(config)]

        def refused(self, runner_id, **fields):  # what GitLab answers a runner it will not change: 403
            raise gitlab_error("role_too_low", url=sandbox.url, project=sandbox.project_path,
                               action="update the runner", role="Maintainer")

        monkeypatch.setattr(GitLabClient, "update_runner", refused)
        edit(answers, "runner", tags=("docker", "arm64"))
        code, out, err = apply(answers)
        assert code == 0, out[-3000:] + err
        (new,) = [e["id"] for e in entries(config)]
        assert new != old
        assert f"Runner #{new} created to replace runner #{old}, which GitLab would not update" in out, out
        assert f"Runner #{old} deleted in GitLab (replaced by #{new})" in out
        mine = [r["id"] for r in dockwrights_runners(sandbox)]
        assert new in mine and old not in mine
        assert GitLabClient.connect(sandbox.url, sandbox.token).runner_status(new) == "online"
