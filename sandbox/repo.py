"""The sandbox's bare git repositories, read and written with real git plumbing (no work tree).

Used by the REST handlers (branches, files, commits with actions), by the scheduler (read
``.gitlab-ci.yml`` and the Dockerfile at a commit) and by the demo project set-up.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ZERO_SHA = "0" * 40


class GitFailed(Exception):
    """A git plumbing command failed; ``str()`` is git's own message."""


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    if extra:
        env.update(extra)
    return env


def git(repo: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None,
        check: bool = True) -> bytes:
    proc = subprocess.run(["git", "--git-dir", str(repo), *args], input=input, capture_output=True,
                          env=_env(env))
    if check and proc.returncode != 0:
        raise GitFailed(proc.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return proc.stdout


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def env(self) -> dict[str, str]:
        return {"GIT_AUTHOR_NAME": self.name, "GIT_AUTHOR_EMAIL": self.email,
                "GIT_COMMITTER_NAME": self.name, "GIT_COMMITTER_EMAIL": self.email}


def init_bare(repo: Path, default_branch: str = "main") -> None:
    repo.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "--bare", f"--initial-branch={default_branch}", str(repo)],
                   check=True, capture_output=True, env=_env())
    git(repo, "config", "http.receivepack", "true")


def resolve(repo: Path, ref: str) -> str | None:
    """The commit SHA of a branch, tag or SHA, or None."""
    for candidate in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
        out = git(repo, "rev-parse", "--verify", "-q", f"{candidate}^{{commit}}", check=False).strip()
        if out:
            return out.decode()
    return None


def branch_sha(repo: Path, branch: str) -> str | None:
    """A branch's commit read from the ref files themselves (no git process): the loose ref, else
    packed-refs. None when there is no such branch."""
    loose = repo / "refs" / "heads" / branch
    try:
        text = loose.read_text().strip()
        if len(text) == 40:
            return text
    except (OSError, ValueError):
        pass
    try:
        packed = (repo / "packed-refs").read_text()
    except OSError:
        return None
    for line in packed.splitlines():
        sha, _, name = line.partition(" ")
        if name == f"refs/heads/{branch}" and len(sha) == 40:
            return sha
    return None


def refs(repo: Path) -> dict[str, str]:
    """Every ref (``refs/heads/main`` -> sha)."""
    out = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", check=False).decode()
    result = {}
    for line in out.splitlines():
        name, _, sha = line.partition(" ")
        result[name] = sha
    return result


def branches(repo: Path) -> list[tuple[str, str]]:
    return sorted((name[len("refs/heads/"):], sha) for name, sha in refs(repo).items()
                  if name.startswith("refs/heads/"))


def read_file(repo: Path, sha: str, path: str) -> bytes | None:
    """The file's bytes at that commit, or None when it is not there."""
    proc = subprocess.run(["git", "--git-dir", str(repo), "cat-file", "blob", f"{sha}:{path}"],
                          capture_output=True, env=_env())
    return proc.stdout if proc.returncode == 0 else None


def blob_id(repo: Path, sha: str, path: str) -> str | None:
    out = git(repo, "rev-parse", "--verify", "-q", f"{sha}:{path}", check=False).strip()
    return out.decode() or None


def list_files(repo: Path, sha: str) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", sha).decode().splitlines()


def file_exists_at(repo: Path, sha: str):
    """A ``file_exists(pattern) -> bool`` for ``rules: exists`` (globs as in GitLab, ``**`` included)."""
    files = list_files(repo, sha)

    def exists(pattern: str) -> bool:
        pattern = pattern.lstrip("/")
        if not any(ch in pattern for ch in "*?["):
            return pattern in files or any(f.startswith(pattern.rstrip("/") + "/") for f in files)
        return any(fnmatch.fnmatch(f, pattern) or fnmatch.fnmatch(f, pattern.replace("**/", "")) for f in files)

    return exists


def commit_info(repo: Path, sha: str) -> dict:
    fmt = "%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%B"
    out = git(repo, "show", "-s", f"--format={fmt}", sha).decode("utf-8", "replace")
    full, parents, an, ae, ad, cn, ce, cd, message = out.split("\x00", 8)
    message = message.rstrip("\n") + "\n" if message.strip() else ""
    return {
        "id": full, "short_id": full[:8], "created_at": cd, "parent_ids": parents.split(),
        "title": message.splitlines()[0] if message else "", "message": message,
        "author_name": an, "author_email": ae, "authored_date": ad,
        "committer_name": cn, "committer_email": ce, "committed_date": cd,
    }


def commit_files(repo: Path, branch: str, message: str, author: Author, changes: Iterable[tuple[str, str, bytes | None, str | None]],
                 *, start_sha: str | None = None) -> str:
    """Commit onto ``branch``. Each change is (action, path, content, previous_path).

    ``action`` is create, update, delete, move or chmod (chmod is recorded as an update of the mode
    executable bit; ``content`` is then ``b"+x"`` or ``b"-x"``). Returns the new commit's SHA.
    Raises GitFailed with a GitLab-style sentence when a path is missing or already there.
    """
    current = resolve(repo, f"refs/heads/{branch}")
    parent = current if start_sha is None else start_sha
    with tempfile.TemporaryDirectory(prefix="dockwright-index-") as tmp:
        index_env = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), "GIT_WORK_TREE": tmp}  # an empty work tree
        if parent:
            git(repo, "read-tree", parent, env=index_env)
        existing = set(git(repo, "ls-files", env=index_env).decode().splitlines())
        for action, path, content, previous in changes:
            if action == "create":
                if path in existing:
                    raise GitFailed("A file with this name already exists")
            elif (action in ("update", "delete", "chmod") and path not in existing) or (action == "move" and (previous or "") not in existing):
                raise GitFailed("A file with this name doesn't exist")
            if action in ("create", "update"):
                blob = git(repo, "hash-object", "-w", "--stdin", input=content or b"").decode().strip()
                git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index_env)
                existing.add(path)
            elif action == "delete":
                git(repo, "update-index", "--force-remove", path, env=index_env)
                existing.discard(path)
            elif action == "move":
                assert previous is not None
                blob = (git(repo, "hash-object", "-w", "--stdin", input=content).decode().strip()
                        if content is not None else
                        git(repo, "rev-parse", f":{previous}", env=index_env).decode().strip())  # as this commit left it
                git(repo, "update-index", "--force-remove", previous, env=index_env)
                git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index_env)
                existing.discard(previous)
                existing.add(path)
            elif action == "chmod":
                mode = "100755" if content == b"+x" else "100644"
                blob = git(repo, "rev-parse", f":{path}", env=index_env).decode().strip()
                git(repo, "update-index", "--cacheinfo", f"{mode},{blob},{path}", env=index_env)
        tree = git(repo, "write-tree", env=index_env).decode().strip()
    args = ["commit-tree", tree, "-m", message]
    if parent:
        args += ["-p", parent]
    sha = git(repo, *args, env=author.env()).decode().strip()
    git(repo, "update-ref", f"refs/heads/{branch}", sha, current or ZERO_SHA)
    return sha
