"""Editing the runner in the answers file and re-running apply (issue 19 items 9 and 14): the runner
dockwright created is updated in place (PUT /runners/:id), its config.toml entry follows (executor too), a
replace says so and deletes the old one, and runners dockwright created that no config.toml holds are found.
Real sandbox over HTTP, real git, real config.toml."""

from __future__ import annotations

import os

import tomlkit

from dockwright.wizard.answers_file import load_answers, save_answers
from dockwright.wizard.gitlab import GitLabClient
from dockwright.wizard.plan import replace_in
from tests.integration.test_apply import RunnerHost, _no_faults, answers_for, project, run_cli, sandbox  # noqa: F401  (fixtures)


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
        assert code == 0 and "updated in GitLab" not in out and f"{config}: executor" not in out


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


def test_a_runner_dockwright_created_that_no_config_holds_is_listed_then_deleted_on_request(
        sandbox, project, monkeypatch):
    from dockwright.wizard.runner_setup import DOCKWRIGHT_NOTE

    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    # what a second apply running at the same moment left behind: created, then its config.toml entry lost
    orphan = int(client.create_runner(sandbox.project_path, description="Orphan Runner", tags=["docker"],
                                      note=DOCKWRIGHT_NOTE)["id"])
    users = int(client.create_runner(sandbox.project_path, description="Not Ours", tags=["docker"])["id"])
    answers = answers_for(sandbox, project, description="Orphan Finder Runner")
    config = project.parent / "runner" / "config.toml"
    with RunnerHost(sandbox, config):
        code, out, err = apply(answers)  # no terminal, no flag: listed with the way to delete it
        assert code == 0, out[-3000:] + err
        assert (f"Runner #{orphan} \"Orphan Runner\" (docker; never_contacted) was created by dockwright, but "
                f"{config} does not hold it; kept: `dockwright apply --delete-orphan-runners` deletes it") in out, out
        assert f"#{users}" not in out  # a runner without dockwright's note is the user's own: never offered
        ids = [r["id"] for r in client.list_project_runners(sandbox.project_path)]
        assert orphan in ids and users in ids

        code, out, err = apply(answers, "--delete-orphan-runners")
        assert code == 0, out[-3000:] + err
        assert f"Runner #{orphan} \"Orphan Runner\" (docker; never_contacted) deleted." in out, out
        ids = [r["id"] for r in client.list_project_runners(sandbox.project_path)]
        assert orphan not in ids and users in ids
        assert [e["name"] for e in entries(config)] == ["Orphan Finder Runner"]  # its own runner kept


def test_two_applies_at_once_on_a_slow_gitlab_create_one_runner(sandbox, project, monkeypatch, tmp_path):
    """Two processes, GitLab answering slowly: the second waits for the first's lock (then finds its runner)
    or stops with exit 75 having changed nothing; never a second runner."""
    import os
    import subprocess
    import sys

    from dockwright.sandbox import Faults

    answers = answers_for(sandbox, project, description="Race Runner")
    config = project.parent / "runner" / "config.toml"
    sandbox.set_faults(Faults(latency=0.05))
    env = {**os.environ, "GITLAB_TOKEN": sandbox.token}
    argv = [sys.executable, "-m", "dockwright", "apply", "--answers", str(answers), "--yes", "--no-watch"]
    with RunnerHost(sandbox, config):
        procs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  stdin=subprocess.DEVNULL) for _ in range(2)]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    sandbox.set_faults(Faults())
    codes = sorted(code for code, _out, _err in results)
    assert codes in ([0, 0], [0, 75]), results
    if codes == [0, 75]:
        busy = next(err for code, _out, err in results if code == 75)
        assert "Another dockwright apply is running on" in busy and "changed nothing" in busy, busy
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    assert len([r for r in client.list_project_runners(sandbox.project_path)
                if r["description"] == "Race Runner"]) == 1


def test_a_held_lock_makes_apply_wait_then_exit_75_having_changed_nothing(sandbox, project, monkeypatch):
    from dockwright.wizard import apply_lock

    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    monkeypatch.setattr(apply_lock, "LOCK_WAIT", 0.5)
    answers = answers_for(sandbox, project, description="Locked Out Runner")
    before = (project / ".gitlab-ci.yml").exists(), sorted(p.name for p in project.iterdir())
    with apply_lock.apply_lock({"the test": project}):  # what a running apply holds
        code, out, err = apply(answers)
    assert code == 75, out + err
    assert f"Another dockwright apply is running on the repository {project} (process {os.getpid()})" in err, err
    assert ((project / ".gitlab-ci.yml").exists(), sorted(p.name for p in project.iterdir())) == before
    client = GitLabClient.connect(sandbox.url, sandbox.token)
    assert not [r for r in client.list_project_runners(sandbox.project_path) if r["description"] == "Locked Out Runner"]


def test_a_runner_from_before_the_note_is_marked_then_updated_when_edited(sandbox, project, monkeypatch):
    """Runners dockwright created before it wrote its maintenance note: the config.toml entry it wrote (by id)
    tells it is dockwright's; the next apply marks it, so an edit updates it instead of orphaning it."""
    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    answers = answers_for(sandbox, project, description="Old Style Runner")
    config = project.parent / "runner" / "config.toml"
    with RunnerHost(sandbox, config):
        code, out, err = apply(answers)
        assert code == 0, out[-3000:] + err
        (rid,) = [e["id"] for e in entries(config)]
        client = GitLabClient.connect(sandbox.url, sandbox.token)
        client.update_runner(rid, maintenance_note="")  # as runners created before the note were

        code, out, err = apply(answers)
        assert code == 0, out[-3000:] + err
        assert f"Runner #{rid} updated in GitLab (same runner, same token): marked as dockwright's" in out, out
        edit(answers, "runner", tags=("docker", "old-style"))
        code, out, err = apply(answers)
        assert code == 0, out[-3000:] + err
        assert f"Runner #{rid} updated in GitLab" in out and "tags docker → docker, old-style" in out
        assert [e["id"] for e in entries(config)] == [rid]
