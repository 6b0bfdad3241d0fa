"""Where URL and token come from, in which order, and that a token never shows in a repr or a source."""

import pickle
import subprocess

import pytest

from dockwright.wizard.credentials import (
    BadToken,
    Secret,
    normalize_url,
    redact_url,
    resolve_token,
    resolve_url,
    token_problem,
    url_problem,
)
from dockwright.wizard.errors import BadInput
from dockwright.wizard.gitlab import GitLabClient

TOKEN = "glpat-abcdefghijklmnop1234"


def test_secret_never_shows_its_value():
    s = Secret(TOKEN)
    assert repr(s) == "Secret('****')" and str(s) == "****" and f"{s}" == "****" and f"{s!r}" == "Secret('****')"
    assert TOKEN not in repr([s, {"t": s}])
    assert s.reveal() == TOKEN and Secret(s).reveal() == TOKEN
    assert s == Secret(TOKEN) and s != Secret("other") and bool(s) and not Secret("")
    with pytest.raises(TypeError):
        pickle.dumps(s)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("gitlab.example.com", "https://gitlab.example.com"), ("https://gitlab.com/", "https://gitlab.com"),
     ("http://127.0.0.1:8080", "http://127.0.0.1:8080"), ("https://host.example/gitlab/", "https://host.example/gitlab"),
     ("HTTPS://GitLab.Example.com", "https://gitlab.example.com"), ("http://[::1]:8929/", "http://[::1]:8929"),
     ("localhost:8080", "https://localhost:8080"), ("https://gitlab.example.com:443", "https://gitlab.example.com:443")],
)
def test_normalize_url(given, expected):
    assert url_problem(given) is None
    assert normalize_url(given) == expected


def test_normalize_url_refuses_other_schemes_without_echoing_credentials():
    with pytest.raises(BadInput) as info:
        normalize_url("ftp://u:secretpw@host")
    assert "secretpw" not in str(info.value)
    assert redact_url("https://u:secretpw@host/x") == "https://****@host/x"


@pytest.mark.parametrize("url", ["https://u:p@host.example/gitlab/", "http://oauth2:glpat-abcdefghij0123456789@h:8080",
                                 "https://alice@gitlab.example.com"])
def test_credentials_in_a_url_are_refused_with_the_reason(url):
    """A user name or password in the URL would be written into dockwright.yml, git remotes and config.toml."""
    assert "user name or password" in url_problem(url)
    with pytest.raises(BadInput) as info:
        normalize_url(url, "GitLab URL from --url")
    assert info.value.exit_code == 2 and "GITLAB_TOKEN or --token-env" in str(info.value)
    assert "glpat-abcdefghij" not in str(info.value) and ":p@" not in str(info.value)


@pytest.mark.parametrize(("value", "problem"), [
    ("glpat-abc\ndef0123456789", "has a line break in it"), ("glpat-abc def0123456789", "has a space in it"),
    ("glpat-abc\x00def0123456789", "has a control character in it"),
    ("glpat-abc\u2019def0123456789", "has a character that is not plain ASCII"),
    ("glpat-abc\u00e9def0123456789", "has a character that is not plain ASCII"),
    ("glpat-" + "a" * 2000, "is 2006 characters long"),
])
def test_a_token_that_cannot_be_one_is_refused_before_it_is_sent(value, problem):
    assert token_problem(value).startswith(problem)
    with pytest.raises(BadToken) as info:
        resolve_token("https://gitlab.example.com", env={"GITLAB_TOKEN": value})
    assert info.value.exit_code == 2 and problem in info.value.sentence
    assert "from the GITLAB_TOKEN environment variable" in info.value.sentence
    assert "abc" not in str(info.value)
    with pytest.raises(BadToken):
        GitLabClient.connect("https://gitlab.example.com", value)  # the client checks it too, before any header


def test_token_env_must_name_a_variable():
    with pytest.raises(BadInput) as info:
        resolve_token("https://gitlab.com", "NOT=VALID", {"NOT=VALID": "glpat-x0123456789"})
    assert "--token-env takes the name of an environment variable" in info.value.sentence
    with pytest.raises(BadInput) as info:
        resolve_token("https://gitlab.com", "glpat-pasted0the0token01", {})  # the token itself, by mistake
    assert "glpat-pasted" not in str(info.value) and "looks like a token" in str(info.value)


def test_url_precedence():
    env = {"GITLAB_HOST": "gl-host.example", "CI_SERVER_URL": "https://ci.example"}
    assert resolve_url("https://plan.example", "https://flag.example", env) == ("https://flag.example", "--url")
    assert resolve_url("https://plan.example", None, env) == ("https://plan.example", "the answers file (gitlab.url)")
    assert resolve_url(None, None, env) == ("https://gl-host.example", "GITLAB_HOST environment variable")
    assert resolve_url(None, None, {"CI_SERVER_URL": "https://ci.example/"}) == ("https://ci.example", "CI_SERVER_URL environment variable")
    assert resolve_url(None, None, {})[0] == "https://gitlab.com"


def test_url_from_git_remote(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "ssh://git@gitlab.corp.example:2222/a/b.git"], check=True)
    assert resolve_url(None, None, {}, repo_path=tmp_path) == ("https://gitlab.corp.example", "git remote 'origin'")
    assert resolve_url(None, None, {"CI_SERVER_URL": "https://ci.example"}, repo_path=tmp_path)[0] == "https://ci.example"


def write_python_gitlab_cfg(path, url, token):
    path.write_text(
        "[global]\ndefault = other\n\n[other]\nurl = https://other.example\nprivate_token = nope-not-this\n\n"
        f"[mine]\nurl = {url}/\nprivate_token = {token}\napi_version = 4\n"
    )


def write_glab_cfg(path, host, token):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "git_protocol: ssh\nhosts:\n    gitlab.com:\n        token: glpat-gitlabcom\n"
        f"    {host}:\n        api_protocol: https\n        token: {token}\n"
    )


def test_token_precedence(tmp_path):
    url = "https://gitlab.example.com"
    cfg = tmp_path / "pg.cfg"
    write_python_gitlab_cfg(cfg, url, "glpat-from-python-gitlab")
    glab_dir = tmp_path / "glab"
    write_glab_cfg(glab_dir / "config.yml", "gitlab.example.com", "glpat-from-glab")
    env = {"MY_TOKEN": "glpat-from-flag", "GITLAB_TOKEN": "glpat-from-env",
           "PYTHON_GITLAB_CFG": str(cfg), "GLAB_CONFIG_DIR": str(glab_dir), "HOME": str(tmp_path)}

    def prompt(message):
        return "glpat-typed"

    steps = [
        ("MY_TOKEN", "glpat-from-flag", "MY_TOKEN environment variable (--token-env)"),
        (None, "glpat-from-env", "GITLAB_TOKEN environment variable"),
        (None, "glpat-from-python-gitlab", f"python-gitlab config {cfg} [mine]"),
        (None, "glpat-from-glab", f"glab config {glab_dir / 'config.yml'} (hosts.gitlab.example.com.token)"),
        (None, "glpat-typed", "typed at the prompt"),
    ]
    for token_env, value, source in steps:
        token, got_source = resolve_token(url, token_env, env, prompt)
        assert isinstance(token, Secret) and token.reveal() == value and got_source == source
        assert value not in got_source
        # take the winning source away; the next one must win
        if "GITLAB_TOKEN" in got_source:
            del env["GITLAB_TOKEN"]
        elif "python-gitlab" in got_source:
            cfg.unlink()
        elif "glab" in got_source:
            (glab_dir / "config.yml").unlink()


def test_python_gitlab_default_file_and_url_match(tmp_path):
    write_python_gitlab_cfg(tmp_path / ".python-gitlab.cfg", "http://127.0.0.1:9999", "glpat-local")
    env = {"HOME": str(tmp_path)}
    assert resolve_token("http://127.0.0.1:9999", env=env)[0].reveal() == "glpat-local"
    with pytest.raises(BadInput) as info:
        resolve_token("http://127.0.0.1:1111", env=env)
    assert "GITLAB_TOKEN" in info.value.next_step and "glpat" not in str(info.value)


def test_glab_default_location_with_port_host(tmp_path):
    write_glab_cfg(tmp_path / ".config" / "glab-cli" / "config.yml", "gl.example:8443", "glpat-port")
    env = {"HOME": str(tmp_path)}
    assert resolve_token("https://gl.example:8443", env=env)[0].reveal() == "glpat-port"
    assert resolve_token("https://gitlab.com", env=env)[0].reveal() == "glpat-gitlabcom"


def test_token_env_that_is_not_set_is_refused():
    with pytest.raises(BadInput) as info:
        resolve_token("https://gitlab.com", "NOT_SET_ANYWHERE", {"GITLAB_TOKEN": "glpat-x"})
    assert "NOT_SET_ANYWHERE" in info.value.sentence and "export NOT_SET_ANYWHERE" in info.value.next_step


def test_empty_prompt_is_refused_and_broken_glab_file_explained(tmp_path):
    with pytest.raises(BadInput):
        resolve_token("https://gitlab.com", env={"HOME": str(tmp_path)}, prompt=lambda m: "  ")
    bad = tmp_path / "g" / "config.yml"
    bad.parent.mkdir()
    bad.write_text("hosts: [unclosed\n")
    with pytest.raises(BadInput) as info:
        resolve_token("https://gitlab.com", env={"HOME": str(tmp_path), "GLAB_CONFIG_DIR": str(bad.parent)})
    assert "glab" in info.value.sentence


@pytest.mark.parametrize("url", ["http://127.0.0.1:8929", "http://localhost:8080", "http://[::1]:9000"])
def test_no_token_for_a_sandbox_says_where_the_sandbox_prints_it(tmp_path, url):
    with pytest.raises(BadInput) as info:
        resolve_token(url, env={"HOME": str(tmp_path)})
    assert "No GitLab token found" in info.value.sentence
    assert "dockwright sandbox --show" in info.value.next_step and "printed" not in info.value.next_step
    assert "keep it out of any file" in info.value.next_step


def test_no_token_for_a_real_gitlab_does_not_mention_the_sandbox(tmp_path):
    with pytest.raises(BadInput) as info:
        resolve_token("https://gitlab.example.com", env={"HOME": str(tmp_path)})
    assert "GITLAB_TOKEN" in info.value.next_step and "sandbox" not in info.value.next_step
