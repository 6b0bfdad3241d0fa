"""Local git, through ``git`` itself (subprocess, argument lists, never a shell string).

- :class:`Repo` reads a working copy (remotes, branch, HEAD, changed paths) and commits exactly the
  files dockwright wrote: it builds the commit in a private index, so whatever else the user had staged
  or modified stays as it was, staged or not. A commit that would change nothing is not made.
- :meth:`Repo.push` and :func:`clone` hand the token to git through ``GIT_ASKPASS``: a tiny script (it
  holds no secret) fetches it from dockwright over a Unix socket in a private folder while git runs. The
  token is in no argv, no file, no environment and no URL that git saves; ``-c credential.helper=`` keeps
  stored helpers out of the way.
- git and what it runs (hooks) get only git's part of the environment (:func:`git_environment`), so
  GITLAB_TOKEN and the values of CI/CD variables cannot be read in ``/proc/<pid>/environ``.
- A refused push raises :class:`PushRejected` (non-fast-forward, protected branch or hook, auth, not found)
  or :class:`PushUnreachable`, each with a sentence and the next step; nothing already done is undone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dockwright.wizard.credentials import Secret, redact_url
from dockwright.wizard.errors import BadInput, DockwrightError, GitLabRefused, NetworkError

GIT_TIMEOUT = 30  # seconds for local commands
NETWORK_TIMEOUT = 300  # seconds for push and clone
USERNAME_ENV = "DOCKWRIGHT_GIT_USERNAME"
ASKPASS_SCRIPT = """#!/bin/sh
# dockwright's GIT_ASKPASS helper. It holds no secret: the user name comes from git's environment, the token
# from dockwright itself over a socket in this private folder, only while dockwright waits for git.
case "$1" in
  Username*|username*) printf '%s\\n' "${{DOCKWRIGHT_GIT_USERNAME:-oauth2}}" ;;
  *) exec {python} -I -S {fetch} ;;
esac
"""
ASKPASS_FETCH = """import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(os.path.join(os.path.dirname(os.path.abspath(__file__)), "token.sock"))
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
sys.stdout.buffer.write(data + b"\\n")
"""

# What git and the programs it starts (hooks, credential and ssh helpers, gpg) get of dockwright's
# environment: git's own variables and the basics, never GITLAB_TOKEN, --token-env or variable values.
_GIT_ENV_NAMES = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ", "LANG", "LANGUAGE", "TERM",
    "SSH_AUTH_SOCK", "SSH_AGENT_PID", "GNUPGHOME", "GPG_AGENT_INFO", "GPG_TTY",
    "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR",
    "http_proxy", "https_proxy", "no_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
    "SYSTEMROOT", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "COMSPEC", "PATHEXT",
})
_GIT_ENV_PREFIXES = ("GIT_", "LC_")


class GitError(DockwrightError):
    """A local git command failed."""


class PushRejected(GitLabRefused):
    """The remote refused the push. ``reason``: non-fast-forward, protected, auth, forbidden, not-found, other."""

    def __init__(self, sentence: str, next_step: str, reason: str) -> None:
        super().__init__(sentence, next_step)
        self.reason = reason


class PushUnreachable(NetworkError):
    """The remote could not be reached (DNS, connection refused, TLS, timeout)."""


@dataclass(frozen=True)
class PushResult:
    remote: str  # the URL without credentials
    branch: str
    sha: str  # what the remote branch points at now
    pushed: bool  # False when the remote already had this commit
    output: str  # git's own report, token-free


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "****")
    return text


def _strip_userinfo(url: str) -> str:
    """An http(s) URL without ``user:password@``: the credentials come from askpass instead."""
    if "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    if scheme not in ("http", "https"):
        return url
    hostpart, sep, tail = rest.partition("/")
    if "@" in hostpart:
        hostpart = hostpart.rsplit("@", 1)[1]
    return f"{scheme}://{hostpart}{sep}{tail}"


def git_environment(source: Mapping[str, str] | None = None) -> dict[str, str]:
    """The part of ``source`` (os.environ) that git needs: its own GIT_* variables, locale, paths, the ssh
    agent, gpg and proxies. Nothing else reaches git or what it runs (hooks can read /proc/<pid>/environ)."""
    source = os.environ if source is None else source
    return {k: v for k, v in source.items() if k in _GIT_ENV_NAMES or k.startswith(_GIT_ENV_PREFIXES)}


def _base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = git_environment()
    env.update({"LC_ALL": "C", "LANGUAGE": "", "GIT_TERMINAL_PROMPT": "0"})
    if extra:
        env.update(extra)
    return env


def _run(args: list[str], cwd: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None,
         timeout: float = GIT_TIMEOUT, input: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, env=dict(env) if env is not None else _base_env(),
            capture_output=True, text=True, timeout=timeout, input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH.", "Install git (2.30 or newer) and run dockwright again.") from None


# AF_UNIX takes at most 107 bytes of path: $XDG_RUNTIME_DIR + "/dockwright/askpass-<pid>-<8>/token.sock" (up to
# 48 more) fits below this; a deeper one (a test's tmp folder, a long home) uses <tmp>/dockwright-<uid> instead,
# where the push failed with "AF_UNIX path too long" (exit 70) before.
MAX_RUNTIME_DIR = 56


def private_temp_dir(prefix: str) -> Path:
    """A new folder for one git call (askpass helper, private index), removed by the caller.

    It is made under a per-user folder (``$XDG_RUNTIME_DIR/dockwright`` or ``<tmp>/dockwright-<uid>``, mode
    0700) whose leftovers of dockwright runs that are no longer alive (killed with SIGKILL, say) are removed
    first: each folder's name carries the process id that made it.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    short = runtime is not None and len(os.fsencode(runtime)) <= MAX_RUNTIME_DIR  # the socket's path must fit
    base = Path(runtime) / "dockwright" if runtime and short and Path(runtime).is_dir() else \
        Path(tempfile.gettempdir()) / f"dockwright-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        info = base.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
            raise PermissionError(f"{base} is not a private folder of this user")
    except OSError:  # someone else's, a link, or not writable: a fresh private folder of its own
        return Path(tempfile.mkdtemp(prefix=f"dockwright-{prefix}{os.getpid()}-"))
    _remove_leftovers(base)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=base))


def _remove_leftovers(base: Path) -> None:
    for entry in base.iterdir():
        match = re.fullmatch(r"[a-z]+-(\d+)-\w+", entry.name)
        if match is None or int(match.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(match.group(1)), 0)
            continue  # that dockwright still runs
        except ProcessLookupError:
            shutil.rmtree(entry, ignore_errors=True)
        except PermissionError:
            continue  # a live process of someone else


class _TokenServer:
    """Hands the token to the askpass helper over a Unix socket in the private folder, one connection at a
    time, until closed: the token is in no file, no argv and no environment of git or its hooks."""

    def __init__(self, path: Path, token: str) -> None:
        self.data = token.encode("utf-8")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(4)
        self.sock.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="dockwright-askpass", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                try:
                    conn.settimeout(5)
                    conn.sendall(self.data)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


class _Askpass:
    """A temporary GIT_ASKPASS helper and git's environment for one network command."""

    def __init__(self, token: Secret | str | None, extra: Mapping[str, str] | None = None) -> None:
        self.token = token.reveal() if isinstance(token, Secret) else token
        self.extra = dict(extra or {})
        self.dir: Path | None = None
        self.server: _TokenServer | None = None

    def __enter__(self) -> dict[str, str]:
        extra = {"GIT_ASKPASS": "", "SSH_ASKPASS": "", **self.extra}
        if not os.environ.get("GIT_SSH_COMMAND"):
            extra["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
        if self.token:
            self.dir = private_temp_dir("askpass-")
            try:
                fetch = self.dir / "fetch.py"
                fetch.write_text(ASKPASS_FETCH, encoding="utf-8")
                script = self.dir / "askpass.sh"
                script.write_text(ASKPASS_SCRIPT.format(python=shlex.quote(sys.executable),
                                                        fetch=shlex.quote(str(fetch))), encoding="utf-8")
                script.chmod(stat.S_IRWXU)
                self.server = _TokenServer(self.dir / "token.sock", self.token)
            except BaseException:
                self.__exit__()
                raise
            extra["GIT_ASKPASS"] = str(script)
        return _base_env(extra)

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


NETWORK_OPTIONS = ["-c", "credential.helper=", "-c", "core.askPass="]


def _tls_env(ca_file: str | os.PathLike[str] | None, insecure: bool) -> dict[str, str]:
    """git's environment for ``--ca-file`` (a private certificate authority) and ``--insecure``.

    Environment rather than ``-c http.sslCAInfo``: an inherited GIT_SSL_CAINFO would override the config.
    """
    env: dict[str, str] = {}
    if ca_file:
        if not Path(ca_file).is_file():
            raise BadInput(f"The CA file {ca_file} does not exist.", "Give the path of the PEM file of your GitLab's certificate authority.")
        env["GIT_SSL_CAINFO"] = str(Path(ca_file).resolve())
    if insecure:
        env["GIT_SSL_NO_VERIFY"] = "1"
    return env


def _network_failure(stderr: str, url: str, what: str) -> DockwrightError | None:
    """A refusal or a connection failure in git's stderr, as a dockwright error; None when unknown."""
    low = stderr.lower()
    shown = redact_url(url)
    if any(s in low for s in ("authentication failed", "http basic: access denied", "could not read username",
                              "could not read password", "invalid username or password", "returned error: 401",
                              "permission denied (publickey")):
        return PushRejected(
            f"GitLab did not accept the credentials for {what} to {shown}.",
            "Check that the token is valid and not expired or revoked, and that it has the write_repository "
            "scope (read_repository for a clone); for an SSH remote, check your SSH key.",
            "auth",
        )
    if "returned error: 403" in low or "you are not allowed to download code" in low:
        return PushRejected(
            f"GitLab refused {what} to {shown}: the token's user may not do that.",
            "Give the token the write_repository scope and the user at least the Developer role in the project.",
            "forbidden",
        )
    if re.search(r"repository '[^']*' not found", low) or any(
            s in low for s in ("repository not found", "returned error: 404", "does not appear to be a git repository",
                               "project you were looking for could not be found")):
        return PushRejected(
            f"No repository was found at {shown}.",
            "Check the project path in the remote URL and that the token's user can see the project.",
            "not-found",
        )
    if any(s in low for s in ("could not resolve host", "failed to connect", "connection refused", "timed out",
                              "connection reset", "ssl certificate problem", "unable to access", "ssl_connect",
                              "gnutls", "empty reply from server", "could not connect")):
        first = next((line.strip() for line in stderr.splitlines() if line.strip().startswith("fatal")), "")
        return PushUnreachable(
            f"git could not reach {shown} for {what}" + (f" ({first.removeprefix('fatal: ')})." if first else "."),
            "Check the URL, your network or VPN, and for a private certificate authority set "
            "GIT_SSL_CAINFO to its certificate file.",
        )
    return None


class Repo:
    """A git working copy at ``path`` (a folder inside it is fine)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.hooks_skipped = ""  # after commit(): why the user's hooks did not run, to be said ("" = they ran)

    def _git(self, *args: str, check: bool = True, env: Mapping[str, str] | None = None,
             timeout: float = GIT_TIMEOUT) -> subprocess.CompletedProcess[str]:
        proc = _run(list(args), cwd=self.path, env=env, timeout=timeout)
        if check and proc.returncode != 0:
            message = (proc.stderr.strip() or proc.stdout.strip()).splitlines()
            raise GitError(
                f"git {args[0]} failed in {self.path}: {message[-1] if message else 'exit ' + str(proc.returncode)}.",
                "Run `git status` there to see what git needs.",
            )
        return proc

    # ---- reading ----

    def is_repo(self) -> bool:
        if not self.path.is_dir():
            return False
        proc = self._git("rev-parse", "--is-inside-work-tree", check=False)
        return proc.returncode == 0 and proc.stdout.strip() == "true"

    def toplevel(self) -> Path:
        return Path(self._git("rev-parse", "--show-toplevel").stdout.strip())

    def remotes(self) -> dict[str, str]:
        """Remote name -> fetch URL, in the order of the config (URLs as written, credentials included)."""
        proc = self._git("config", "-z", "--get-regexp", r"^remote\..*\.url$", check=False)
        out: dict[str, str] = {}
        for record in proc.stdout.split("\0"):
            if not record:
                continue
            key, _, value = record.partition("\n")
            name = key[len("remote."):-len(".url")]
            out.setdefault(name, value)
        return out

    def current_branch(self) -> str | None:
        """The checked-out branch (also on a repo with no commit yet); None when HEAD is detached."""
        proc = self._git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def head_sha(self) -> str | None:
        """The commit HEAD points at; None before the first commit."""
        proc = self._git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def branch_sha(self, branch: str) -> str | None:
        proc = self._git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}", check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def remote_default_branch(self, remote: str = "origin") -> str | None:
        """The branch ``refs/remotes/<remote>/HEAD`` points at (set by clone or `git remote set-head`)."""
        proc = self._git("symbolic-ref", "--quiet", f"refs/remotes/{remote}/HEAD", check=False)
        ref = proc.stdout.strip()
        prefix = f"refs/remotes/{remote}/"
        return ref[len(prefix):] if proc.returncode == 0 and ref.startswith(prefix) else None

    def status_paths(self) -> list[str]:
        """Paths (relative to the top level) that are staged, modified or untracked."""
        proc = self._git("status", "--porcelain=v1", "-z", "--untracked-files=all")
        paths: list[str] = []
        records = proc.stdout.split("\0")
        i = 0
        while i < len(records):
            rec = records[i]
            i += 1
            if len(rec) < 4:
                continue
            paths.append(rec[3:])
            if rec[0] in "RC":
                i += 1  # the original path of a rename or copy follows
        return paths

    # ---- committing ----

    def check_branch(self, branch: str, create_branch: bool = False) -> str | None:
        """Raise :class:`BadInput` unless ``branch`` is a valid name that exists (or may be created); return its
        sha (None when it is to be created)."""
        top = self.toplevel()
        check = _run(["check-ref-format", "--branch", branch], cwd=top)
        if check.returncode != 0 or not branch:
            raise BadInput(f"{branch!r} is not a valid git branch name.", "Use a name such as main or add-ci.")
        parent = self.branch_sha(branch)
        current = self.current_branch()
        if branch != current and parent is None and not create_branch:
            raise BadInput(
                f"The branch {branch!r} does not exist in {top}" + (f" (you are on {current!r})." if current else "."),
                "Set git.create_branch: true to create it, or choose an existing branch.",
            )
        return parent

    def commit(self, paths: Iterable[str | os.PathLike[str]], message: str, branch: str,
               create_branch: bool = False) -> str:
        """Commit exactly ``paths`` (as they are in the working tree) on ``branch``; return the branch's sha.

        Nothing else the user staged or modified is committed, and their staging stays as it was. When the
        paths already match the branch, no commit is made and the branch's current sha is returned.
        A branch other than the checked-out one gets the commit without a checkout; a missing branch is
        created from HEAD and checked out (like ``git checkout -b``, nothing in the tree changes) when
        ``create_branch`` is true. On the checked-out branch the commit is git's own (``git commit --only``), so
        the user's pre-commit/commit-msg hooks and commit signing apply; a commit on another branch goes
        through ``git commit-tree`` (no checkout), where git runs no hooks: :attr:`hooks_skipped` then says so
        (when the user has hooks) for the caller to show.
        """
        if not self.is_repo():
            raise BadInput(f"{self.path} is not inside a git repository.", "Run `git init` there first, or pick the project's folder.")
        top = self.toplevel()
        rel = self._relative_paths(paths, top)
        current = self.current_branch()
        parent = self.check_branch(branch, create_branch)
        if branch != current and parent is None:
            head = self.head_sha()
            if head is not None:
                self._git("update-ref", "-m", "dockwright: create branch", f"refs/heads/{branch}", head, "")
            self._git("symbolic-ref", "-m", f"dockwright: switch to {branch}", "HEAD", f"refs/heads/{branch}")
            current, parent = branch, head
        tmpdir = private_temp_dir("index-")
        try:
            env = _base_env({"GIT_INDEX_FILE": str(Path(tmpdir) / "index")})
            if parent is not None:
                _ok(_run(["read-tree", parent], cwd=top, env=env), "read-tree")
            else:
                _ok(_run(["read-tree", "--empty"], cwd=top, env=env), "read-tree")
            added = _run(["add", "--force", "--all", "--", *rel], cwd=top, env=env)
            if added.returncode != 0:
                raise BadInput(
                    f"git could not stage {', '.join(rel)}: {added.stderr.strip().splitlines()[-1] if added.stderr.strip() else 'unknown error'}.",
                    "Check that the files exist in the project folder.",
                )
            tree = _ok(_run(["write-tree"], cwd=top, env=env), "write-tree").stdout.strip()
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        if parent is not None:
            parent_tree = self._git("rev-parse", f"{parent}^{{tree}}").stdout.strip()
            if parent_tree == tree:
                return parent  # nothing changed: idempotent
        if branch == current:
            return self._commit_porcelain(top, rel, message)
        # another branch, not checked out: no porcelain commits there, so no hooks run; said to the caller
        hooks = self._hooks(top)
        if hooks:
            self.hooks_skipped = (
                f"Your {', '.join(hooks)} hook{'s' if len(hooks) > 1 else ''} did not run: the commit went on "
                f"{branch}, which is not checked out ({current or 'detached HEAD'} is), so it was made without a "
                "checkout with `git commit-tree`, where git runs no hooks (commit signing still applies). "
                f"To have them run, check out {branch} and re-run apply.")
        args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
        made = _run(args, cwd=top)
        if made.returncode != 0:
            _raise_commit_failed(made, "commit-tree")
        sha = made.stdout.strip()
        self._git("update-ref", "-m", f"commit: {message.splitlines()[0] if message else 'dockwright'}",
                  f"refs/heads/{branch}", sha, parent or "")
        return sha

    def _commit_porcelain(self, top: str | os.PathLike[str], rel: list[str], message: str) -> str:
        """``git commit --only -- rel``: the user's hooks and commit signing apply, and what else they staged
        stays staged and out of the commit. A hook's refusal is said with its own words."""
        tracked = set(_ok(_run(["ls-files", "-z", "--", *rel], cwd=top), "ls-files").stdout.split("\0"))
        new = [p for p in rel if p not in tracked]
        if new:  # known to git (intent to add), so that --only takes them; nothing else is staged
            _ok(_run(["add", "--force", "--intent-to-add", "--", *new], cwd=top), "add")
        made = _run(["commit", "--only", "--quiet", "-m", message, "--", *rel], cwd=top)
        if made.returncode != 0:
            if new:  # leave the index as it was
                _run(["rm", "--cached", "--quiet", "--ignore-unmatch", "--", *new], cwd=top)
            _raise_commit_failed(made, "commit", self._hooks(top))
        return self._git("rev-parse", "HEAD").stdout.strip()

    def _hooks(self, top: str | os.PathLike[str]) -> list[str]:
        """The commit hooks the user has (in core.hooksPath or .git/hooks), by name."""
        where = _run(["rev-parse", "--git-path", "hooks"], cwd=top).stdout.strip()
        folder = Path(top) / where if where else None
        names = ("pre-commit", "prepare-commit-msg", "commit-msg")
        return [n for n in names if folder is not None and os.access(folder / n, os.X_OK)]

    def _update_tracking_ref(self, url: str, branch: str, sha: str) -> None:
        """After a push to a URL, move ``refs/remotes/<name>/<branch>`` of the remote with that URL, as
        ``git push <name>`` would, so ``git status`` does not say the branch is ahead."""
        for name, remote_url in self.remotes().items():
            if _strip_userinfo(remote_url).rstrip("/") == url.rstrip("/"):
                self._git("update-ref", "-m", "dockwright: push", f"refs/remotes/{name}/{branch}", sha, check=False)

    def _relative_paths(self, paths: Iterable[str | os.PathLike[str]], top: Path) -> list[str]:
        rel: list[str] = []
        base = self.path.resolve()
        for p in paths:
            full = (base / p).resolve() if not Path(p).is_absolute() else Path(p).resolve()
            try:
                rel.append(full.relative_to(top.resolve()).as_posix())
            except ValueError:
                raise BadInput(f"{p} is outside the git repository {top}.", "Only files inside the project can be committed.") from None
        if not rel:
            raise BadInput("No files were given to commit.", "Generate the files first.")
        return rel

    # ---- pushing ----

    def push(self, remote_url: str, branch: str, token: Secret | str | None = None, *,
             ca_file: str | os.PathLike[str] | None = None, insecure: bool = False) -> PushResult:
        """Push ``branch`` to the same branch at ``remote_url`` (never force); raise on a refusal.

        ``ca_file``/``insecure`` mirror the GitLab client's ``--ca-file``/``--insecure`` for this one push.
        """
        url = _strip_userinfo(remote_url)
        shown = redact_url(remote_url)
        sha = self.branch_sha(branch)
        if sha is None:
            raise BadInput(f"There is no local branch {branch!r} to push.", "Commit on that branch first.")
        secret = token.reveal() if isinstance(token, Secret) else token
        with _Askpass(token, _tls_env(ca_file, insecure)) as env:
            try:
                proc = _run([*NETWORK_OPTIONS, "push", "--porcelain", url, f"refs/heads/{branch}:refs/heads/{branch}"],
                            cwd=self.path, env=env, timeout=NETWORK_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise PushUnreachable(f"git push to {shown} did not finish within {NETWORK_TIMEOUT} s.",
                                      "Check your network; then run the same command again, nothing is lost.") from None
        out = _scrub(proc.stdout, secret)
        err = _scrub(proc.stderr, secret)
        report = (out + err).strip()
        flag, summary = _porcelain_status(out, branch)
        if proc.returncode == 0 and flag in ("=", " ", "*", "+", None):
            self._update_tracking_ref(url, branch, sha)
            return PushResult(shown, branch, sha, pushed=flag != "=", output=report)
        if flag == "!":
            low = (summary + err).lower()
            if "non-fast-forward" in low or "fetch first" in low:
                raise PushRejected(
                    f"The branch {branch!r} on {shown} has commits that your local branch does not have, "
                    "so git refused to overwrite them (non-fast-forward).",
                    f"Run `git pull --rebase {shown} {branch}` (or merge), then push again; dockwright never force-pushes.",
                    "non-fast-forward",
                )
            if "protected branch" in low or "pre-receive hook declined" in low or "hook declined" in low:
                reason_line = next((line.strip()[len("remote:"):].strip() for line in err.splitlines()
                                    if line.strip().startswith("remote:") and "protected" in line.lower()), "")
                raise PushRejected(
                    f"GitLab refused the push to {branch!r}: the branch is protected or a server hook declined it"
                    + (f" ({reason_line})" if reason_line else "") + ".",
                    "Push to another branch (set git.branch and git.create_branch: true) and open a merge request, "
                    "or ask a Maintainer to allow your role to push under Settings > Repository > Protected branches.",
                    "protected",
                )
        failure = _network_failure(err, remote_url, "the push")
        if failure is not None:
            raise failure
        last = err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}"
        raise PushRejected(f"git push to {shown} failed: {last}", "Read git's message above, fix the cause and push again.", "other")


def _raise_commit_failed(made: subprocess.CompletedProcess[str], command: str, hooks: Sequence[str] = ()) -> None:
    said = (made.stderr.strip() + "\n" + made.stdout.strip()).strip()
    if "tell me who you are" in said.lower() or "empty ident" in said.lower():
        raise BadInput(
            "git does not know who you are, so it cannot make the commit.",
            'Run: git config --global user.name "Your Name" && git config --global user.email you@example.com',
        )
    tail = " / ".join(said.splitlines()[-5:]) or f"exit {made.returncode}"
    if hooks:
        raise BadInput(f"Your git {' or '.join(h + ' hook' for h in hooks)} rejected the commit: {tail}",
                       "Fix what the hook names (or commit the files yourself), then re-run; nothing was committed.")
    raise GitError(f"git {command} failed: {tail}", "Run `git status` to see what git needs.")


def _porcelain_status(stdout: str, branch: str) -> tuple[str | None, str]:
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1].endswith(f":refs/heads/{branch}"):
            return parts[0][:1], parts[2]
    return None, ""


def _ok(proc: subprocess.CompletedProcess[str], what: str) -> subprocess.CompletedProcess[str]:
    if proc.returncode != 0:
        raise GitError(f"git {what} failed: {proc.stderr.strip()}", "Run `git status` to see what git needs.")
    return proc


def clone(url: str, dest: str | os.PathLike[str], token: Secret | str | None = None, *,
          ca_file: str | os.PathLike[str] | None = None, insecure: bool = False) -> Repo:
    """``git clone`` with the token given through askpass (the saved ``origin`` URL has no credentials)."""
    clean = _strip_userinfo(url)
    secret = token.reveal() if isinstance(token, Secret) else token
    with _Askpass(token, _tls_env(ca_file, insecure)) as env:
        try:
            proc = _run([*NETWORK_OPTIONS, "clone", "--quiet", "--", clean, str(dest)], env=env, timeout=NETWORK_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise PushUnreachable(f"git clone of {redact_url(url)} did not finish within {NETWORK_TIMEOUT} s.",
                                  "Check your network and try again.") from None
    if proc.returncode != 0:
        err = _scrub(proc.stderr, secret)
        failure = _network_failure(err, url, "the clone")
        if failure is not None:
            raise failure
        last = err.strip().splitlines()[-1] if err.strip() else f"exit {proc.returncode}"
        raise GitError(f"git clone of {redact_url(url)} failed: {last}", "Read git's message, fix the cause and try again.")
    return Repo(dest)
