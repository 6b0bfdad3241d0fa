"""dockwright.wizard.git against real git: local repos, bare remotes over file://, and a smart-HTTP remote on 127.0.0.1
(`git http-backend` behind HTTP Basic auth) to prove the token reaches git only through GIT_ASKPASS."""

import base64
import os
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dockwright.wizard.credentials import Secret
from dockwright.wizard.errors import BadInput
from dockwright.wizard.git import PushRejected, PushUnreachable, Repo, clone

TOKEN = "glpat-TOPSECRET-0123456789"


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("hello\n")
    (root / "app.py").write_text("print('v1')\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    return root


@pytest.fixture
def bare(tmp_path):
    path = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(path))
    return path


def dockwright_files(root, ci="stages: [build]\n"):
    (root / "Dockerfile").write_text("FROM python:3.13-slim\n")
    (root / ".gitlab-ci.yml").write_text(ci)
    return ["Dockerfile", ".gitlab-ci.yml"]


def test_commit_stages_exactly_the_given_paths_and_keeps_the_users_staging(project):
    (project / "README.md").write_text("hello, staged by the user\n")
    git(project, "add", "README.md")
    (project / "app.py").write_text("print('v2, not staged')\n")
    (project / "notes.txt").write_text("untracked\n")
    repo = Repo(project)
    before = repo.head_sha()

    sha = repo.commit(dockwright_files(project), "Add Dockerfile and CI", "main")

    assert sha == repo.head_sha() != before
    assert git(project, "rev-parse", "HEAD~1") == before
    assert git(project, "show", "--name-only", "--format=", sha).splitlines() == [".gitlab-ci.yml", "Dockerfile"]
    assert git(project, "log", "-1", "--format=%s") == "Add Dockerfile and CI"
    assert git(project, "diff", "--cached", "--name-only").splitlines() == ["README.md"]  # still staged
    assert git(project, "diff", "--name-only").splitlines() == ["app.py"]  # still modified, unstaged
    assert sorted(repo.status_paths()) == ["README.md", "app.py", "notes.txt"]
    assert (project / "README.md").read_text() == "hello, staged by the user\n"


def test_commit_is_idempotent_and_commits_a_later_change(project):
    repo = Repo(project)
    paths = dockwright_files(project)
    first = repo.commit(paths, "Add CI", "main")
    assert repo.commit(paths, "Add CI", "main") == first
    assert git(project, "rev-list", "--count", "HEAD") == "2"
    dockwright_files(project, ci="stages: [build, release]\n")
    second = repo.commit(paths, "Update CI", "main")
    assert second != first and git(project, "rev-list", "--count", "HEAD") == "3"
    assert repo.status_paths() == []


def test_first_commit_in_an_empty_repo_ignores_other_staged_files(tmp_path):
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "secret.env").write_text("X=1\n")
    git(root, "add", "secret.env")
    repo = Repo(root)
    assert repo.head_sha() is None and repo.current_branch() == "main"
    sha = repo.commit(dockwright_files(root), "Add CI", "main")
    assert git(root, "ls-tree", "--name-only", sha).splitlines() == [".gitlab-ci.yml", "Dockerfile"]
    assert git(root, "diff", "--cached", "--name-only").splitlines() == ["secret.env"]


def test_branch_creation_and_missing_branch(project):
    repo = Repo(project)
    paths = dockwright_files(project)
    with pytest.raises(BadInput) as info:
        repo.commit(paths, "Add CI", "add-ci")
    assert "create_branch" in info.value.next_step
    assert repo.current_branch() == "main"
    main_sha = repo.head_sha()
    sha = repo.commit(paths, "Add CI", "add-ci", create_branch=True)
    assert repo.current_branch() == "add-ci" and repo.head_sha() == sha
    assert git(project, "rev-parse", "add-ci~1") == main_sha == repo.branch_sha("main")
    with pytest.raises(BadInput):
        repo.commit(paths, "x", "bad..name")


def test_commit_on_another_existing_branch_leaves_the_checkout_alone(project):
    git(project, "branch", "ci")
    repo = Repo(project)
    sha = repo.commit(dockwright_files(project), "Add CI", "ci")
    assert repo.current_branch() == "main" and repo.branch_sha("ci") == sha != repo.head_sha()
    assert sorted(repo.status_paths()) == [".gitlab-ci.yml", "Dockerfile"]  # untracked on main, as before


def test_commit_refuses_paths_outside_and_missing(project, tmp_path):
    repo = Repo(project)
    with pytest.raises(BadInput):
        repo.commit([tmp_path / "elsewhere.txt"], "x", "main")
    with pytest.raises(BadInput):
        repo.commit(["does-not-exist.txt"], "x", "main")
    assert git(project, "rev-list", "--count", "HEAD") == "1"


def test_push_to_bare_repo_over_file_url(project, bare):
    repo = Repo(project)
    git(project, "remote", "add", "origin", f"file://{bare}")
    sha = repo.commit(dockwright_files(project), "Add CI", "main")
    result = repo.push(f"file://{bare}", "main")
    assert result.pushed and result.sha == sha and result.branch == "main"
    assert git(bare, "rev-parse", "refs/heads/main") == sha
    assert git(project, "rev-parse", "refs/remotes/origin/main") == sha  # like `git push origin`
    again = repo.push(f"file://{bare}", "main")
    assert not again.pushed and again.sha == sha


def test_non_fast_forward_is_refused_with_its_own_sentence_and_nothing_undone(project, bare, tmp_path):
    repo = Repo(project)
    repo.push(f"file://{bare}", "main")
    other = clone(f"file://{bare}", tmp_path / "other")
    (tmp_path / "other" / "CHANGELOG").write_text("someone else\n")
    other.commit(["CHANGELOG"], "Their change", "main")
    other.push(f"file://{bare}", "main")
    theirs = git(bare, "rev-parse", "main")

    mine = repo.commit(dockwright_files(project), "Add CI", "main")
    with pytest.raises(PushRejected) as info:
        repo.push(f"file://{bare}", "main")
    err = info.value
    assert err.reason == "non-fast-forward" and "non-fast-forward" in err.sentence
    assert "git pull --rebase" in err.next_step and err.exit_code == 4
    assert repo.head_sha() == mine and git(bare, "rev-parse", "main") == theirs


def test_protected_branch_hook_is_refused_with_its_own_sentence(project, bare):
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'GitLab: You are not allowed to push code to protected branches on this project.' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(PushRejected) as info:
        Repo(project).push(f"file://{bare}", "main")
    assert info.value.reason == "protected"
    assert "protected" in info.value.sentence and "not allowed to push code" in info.value.sentence
    assert "merge request" in info.value.next_step


def test_unreachable_remote(project):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(PushUnreachable) as info:
        Repo(project).push(f"http://127.0.0.1:{port}/g/app.git", "main", Secret(TOKEN))
    assert info.value.exit_code == 5 and TOKEN not in str(info.value)


def test_push_of_a_branch_that_does_not_exist(project, bare):
    with pytest.raises(BadInput):
        Repo(project).push(f"file://{bare}", "nope")


# ---------------------------------------------------------------------------------------------
# Smart HTTP with Basic auth: the token goes through GIT_ASKPASS only
# ---------------------------------------------------------------------------------------------

class _GitHTTP(BaseHTTPRequestHandler):
    root: Path
    seen_auth: list

    def log_message(self, *args):
        pass

    def do_GET(self):
        self._serve()

    def do_POST(self):
        self._serve()

    def _body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self):
        body = self._body()
        auth = self.headers.get("Authorization", "")
        self.seen_auth.append(auth)
        expected = "Basic " + base64.b64encode(f"oauth2:{TOKEN}".encode()).decode()
        if auth != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="GitLab"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = {
            "PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": str(self.root), "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path, "QUERY_STRING": query, "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""), "REMOTE_USER": "oauth2",
            "REMOTE_ADDR": "127.0.0.1", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(self.root),
        }
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        sep = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
        head, _, payload = out.partition(sep)
        status = 200
        headers = []
        for line in head.decode().splitlines():
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.strip().split()[0])
            elif key:
                headers.append((key, value.strip()))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def _serve_git(tmp_path, tls_cert=None):
    root = tmp_path / "srv"
    (root / "g").mkdir(parents=True)
    git(root / "g", "init", "-q", "--bare", "-b", "main", "app.git")
    handler = type("Handler", (_GitHTTP,), {"root": root, "seen_auth": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    scheme = "http"
    if tls_cert is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls_cert)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, (f"{scheme}://127.0.0.1:{server.server_address[1]}/g/app.git", root / "g" / "app.git", handler)


@pytest.fixture
def http_remote(tmp_path):
    server, remote = _serve_git(tmp_path)
    yield remote
    server.shutdown()
    server.server_close()


@pytest.fixture
def https_remote(tmp_path):
    """The same server behind TLS with a self-signed certificate for 127.0.0.1 (a private CA's stand-in)."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the test certificate")
    cert, key = tmp_path / "ca.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server, remote = _serve_git(tmp_path, (str(cert), str(key)))
    yield (*remote, cert)
    server.shutdown()
    server.server_close()


@pytest.fixture
def git_shim(tmp_path, monkeypatch):
    """A `git` first on PATH that records its argv and the askpass script's text, then runs the real git."""
    real = shutil.which("git")
    shim_dir = tmp_path / "shim"
    shim_dir.mkdir()
    record = tmp_path / "argv.log"
    shim = shim_dir / "git"
    shim.write_text(
        "#!/bin/sh\n"
        f"printf 'ARGV: %s\\n' \"$*\" >> '{record}'\n"
        f"if [ -n \"$GIT_ASKPASS\" ] && [ -f \"$GIT_ASKPASS\" ]; then echo \"ASKPASS FILE: $GIT_ASKPASS\" >> '{record}'; "
        f"cat \"$GIT_ASKPASS\" >> '{record}'; fi\n"
        f"exec '{real}' \"$@\"\n"
    )
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim_dir}{os.pathsep}{os.environ['PATH']}")
    return record


def _watch_process_table(stop, found):
    """Read every process's argv (what `ps` shows) until stopped; keep any that holds the token."""
    while not stop.is_set():
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if TOKEN.encode() in cmdline:
                found.append(cmdline)


def test_http_push_and_clone_take_the_token_only_through_askpass(project, http_remote, git_shim, tmp_path):
    url, bare, handler = http_remote
    repo = Repo(project)
    sha = repo.commit(dockwright_files(project), "Add CI", "main")

    stop, found = threading.Event(), []
    watcher = threading.Thread(target=_watch_process_table, args=(stop, found), daemon=True)
    watcher.start()
    try:
        result = repo.push(url, "main", Secret(TOKEN))
        cloned = clone(url.replace("http://", f"http://oauth2:{TOKEN}@"), tmp_path / "clone", TOKEN)
    finally:
        stop.set()
        watcher.join()

    assert result.pushed and git(bare, "rev-parse", "main") == sha
    assert cloned.head_sha() == sha
    assert any(a.startswith("Basic ") for a in handler.seen_auth)  # git did authenticate
    assert found == []  # no process ever had the token in its argv
    log = git_shim.read_text()
    assert "ARGV: " in log and "push" in log and "clone" in log
    assert "ASKPASS FILE:" in log and "fetch.py" in log  # the script was there, fetching over the socket
    assert TOKEN not in log  # neither argv nor the askpass script holds the token
    assert "credential.helper=" in log
    assert TOKEN not in result.output
    assert cloned.remotes() == {"origin": url}  # the saved remote has no credentials
    for folder in (project / ".git", tmp_path / "clone" / ".git"):
        for f in folder.rglob("*"):
            if f.is_file():
                assert TOKEN.encode() not in f.read_bytes(), f
    scripts = {line.split(": ", 1)[1] for line in log.splitlines() if line.startswith("ASKPASS FILE: ")}
    assert scripts and not any(Path(s).exists() for s in scripts)  # the helper is removed after use


def test_http_push_with_a_wrong_token_says_auth_failed(project, http_remote):
    url, _bare, _handler = http_remote
    with pytest.raises(PushRejected) as info:
        Repo(project).push(url, "main", Secret("glpat-wrong"))
    assert info.value.reason == "auth" and "write_repository" in info.value.next_step
    assert "glpat-wrong" not in str(info.value)
    with pytest.raises(PushRejected) as info:
        Repo(project).push(url, "main", None)
    assert info.value.reason == "auth"


def test_https_with_a_private_ca_needs_ca_file_or_insecure(project, https_remote, tmp_path):
    url, bare, _handler, cert = https_remote
    repo = Repo(project)
    with pytest.raises(PushUnreachable) as info:
        repo.push(url, "main", Secret(TOKEN))
    assert "GIT_SSL_CAINFO" in info.value.next_step and TOKEN not in str(info.value)
    assert repo.push(url, "main", Secret(TOKEN), ca_file=cert).pushed
    assert git(bare, "rev-parse", "main") == repo.head_sha()
    cloned = clone(url, tmp_path / "insecure-clone", Secret(TOKEN), insecure=True)
    assert cloned.head_sha() == repo.head_sha()
    assert "sslVerify" not in (tmp_path / "insecure-clone" / ".git" / "config").read_text()  # not saved
    with pytest.raises(BadInput):
        repo.push(url, "main", Secret(TOKEN), ca_file=tmp_path / "missing.pem")


def _hook(project, name, body):
    hook = project / ".git" / "hooks" / name
    hook.write_text("#!/bin/sh\n" + body)
    hook.chmod(0o755)


def test_commit_runs_the_users_hooks(project):
    _hook(project, "pre-commit", 'echo ran > "$(git rev-parse --git-dir)/pre-commit-ran"\n')
    _hook(project, "commit-msg", 'echo "Checked-by: commit-msg" >> "$1"\n')
    (project / "README.md").write_text("hello, staged by the user\n")
    git(project, "add", "README.md")
    repo = Repo(project)
    sha = repo.commit(dockwright_files(project), "Add CI", "main")
    assert (project / ".git" / "pre-commit-ran").exists()
    assert "Checked-by: commit-msg" in git(project, "log", "-1", "--format=%B", sha)
    assert git(project, "show", "--name-only", "--format=", sha).splitlines() == [".gitlab-ci.yml", "Dockerfile"]
    assert git(project, "diff", "--cached", "--name-only").splitlines() == ["README.md"]  # still staged


def test_a_hook_that_rejects_the_commit_is_said_clearly(project):
    _hook(project, "pre-commit", 'echo "lint: trailing whitespace in Dockerfile" >&2\nexit 1\n')
    repo = Repo(project)
    before = repo.head_sha()
    with pytest.raises(BadInput) as caught:
        repo.commit(dockwright_files(project), "Add CI", "main")
    text = str(caught.value) + " " + caught.value.next_step
    assert "pre-commit hook" in text and "trailing whitespace in Dockerfile" in text
    assert repo.head_sha() == before
    assert git(project, "diff", "--cached", "--name-only") == ""


def test_a_commit_on_a_branch_not_checked_out_says_the_hooks_did_not_run(project):
    """Issue 19 item 25: that commit goes through `git commit-tree` (no checkout), where git runs no hooks:
    said, with why and what to do, instead of skipped silently."""
    repo = Repo(project)
    git(project, "branch", "ci-setup")
    assert repo.commit(dockwright_files(project), "Add CI", "ci-setup") and repo.hooks_skipped == ""  # no hooks
    _hook(project, "pre-commit", 'echo ran > "$(git rev-parse --git-dir)/pre-commit-ran"\n')
    other = Repo(project)
    other.commit(dockwright_files(project, ci="stages: [build, test]\n"), "Change CI", "ci-setup")
    assert not (project / ".git" / "pre-commit-ran").exists()
    assert other.hooks_skipped.startswith("Your pre-commit hook did not run: the commit went on ci-setup, which is "
                                          "not checked out (main is)")
    assert "check out ci-setup and re-run apply" in other.hooks_skipped
