"""dockwright.wizard.git against the sandbox GitLab over real smart HTTP: clone, commit, push with a token through
GIT_ASKPASS, and GitLab's refusals (bad token, missing scope, unknown project, non-fast-forward)."""

import subprocess

import pytest

from dockwright.wizard.credentials import Secret
from dockwright.wizard.git import PushRejected, clone

SANDBOX_JOB_SECONDS = 0.05  # the shared `sb` fixture (tests/conftest.py) reads it


def test_clone_commit_push_to_the_sandbox(sb, tmp_path):
    url = f"{sb.url}/{sb.project_path}.git"
    repo = clone(url, tmp_path / "work", Secret(sb.token))
    assert repo.remotes() == {"origin": url}
    branch = repo.current_branch()
    (tmp_path / "work" / "dockwright-note.txt").write_text("pushed by the git test\n")
    sha = repo.commit(["dockwright-note.txt"], "Add a note", branch)
    result = repo.push(url, branch, Secret(sb.token))
    assert result.pushed and result.sha == sha
    assert sb.token not in result.output
    assert subprocess.run(["git", "rev-parse", f"origin/{branch}"], cwd=tmp_path / "work",
                          capture_output=True, text=True).stdout.strip() == sha
    again = clone(url, tmp_path / "again", sb.token)
    assert again.head_sha() == sha
    assert not repo.push(url, branch, Secret(sb.token)).pushed
    config = (tmp_path / "work" / ".git" / "config").read_text()
    assert sb.token not in config


def test_sandbox_refusals_each_get_their_sentence(sb, tmp_path):
    url = f"{sb.url}/{sb.project_path}.git"
    repo = clone(url, tmp_path / "work", Secret(sb.token))
    branch = repo.current_branch()
    (tmp_path / "work" / "refused.txt").write_text("x\n")
    mine = repo.commit(["refused.txt"], "Refused change", branch)

    for token, reason in (
        (sb.create_token(scopes=("read_api",)), "forbidden"),
        (sb.create_token(scopes=("api",), revoked=True), "auth"),
        (sb.create_token(scopes=("api",), expired=True), "auth"),
        ("glpat-not-a-real-token", "auth"),
    ):
        with pytest.raises(PushRejected) as info:
            repo.push(url, branch, Secret(token))
        assert info.value.reason == reason, info.value
        assert token not in str(info.value)

    with pytest.raises(PushRejected) as info:
        repo.push(f"{sb.url}/nobody/nothing.git", branch, Secret(sb.token))
    assert info.value.reason == "not-found"

    other = clone(url, tmp_path / "other", Secret(sb.token))
    (tmp_path / "other" / "theirs.txt").write_text("someone else\n")
    other.commit(["theirs.txt"], "Their change", branch)
    other.push(url, branch, Secret(sb.token))
    with pytest.raises(PushRejected) as info:
        repo.push(url, branch, Secret(sb.token))
    assert info.value.reason == "non-fast-forward"
    assert repo.head_sha() == mine  # nothing undone locally
    log = subprocess.run(["git", "log", "--format=%s", "-1"], cwd=tmp_path / "work", capture_output=True, text=True)
    assert log.stdout.strip() == "Refused change"
