"""Shared test set-up: git that works the same on every machine, and never the user's own config."""

import signal

import pytest

# Several tests stop a child (the sandbox, the wizard under a pty, an installed wheel) with SIGINT, as Ctrl-C does.
# A shell that starts the suite in the background (`cmd &` without job control) makes it ignore SIGINT, and an
# ignored signal stays ignored in every child: Python then installs no KeyboardInterrupt handler, the children
# never stop, and those tests fail after their timeouts. A handler (not SIG_IGN) here is reset to the default in
# each child at exec, so the children see Ctrl-C as in a terminal however the suite was started.
signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _hermetic_git(monkeypatch, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in {
        "GIT_AUTHOR_NAME": "Dockwright Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Dockwright Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_TERMINAL_PROMPT": "0",
        # `dockwright sandbox` builds for real when it finds a container engine (--engine auto); the default
        # suite stays simulated and fast. Real builds are tested in tests/real/ (they ask for an engine).
        "DOCKWRIGHT_SANDBOX_ENGINE": "sim",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("GITLAB_TOKEN", "GITLAB_HOST", "CI_SERVER_URL", "PYTHON_GITLAB_CFG", "NO_COLOR"):
        monkeypatch.delenv(key, raising=False)
    yield


@pytest.fixture(scope="module")
def sb(request, tmp_path_factory):
    """One sandbox GitLab per test module; a module sets ``SANDBOX_JOB_SECONDS`` to pace its jobs."""
    from dockwright.sandbox import Sandbox

    seconds = getattr(request.module, "SANDBOX_JOB_SECONDS", 0.1)
    with Sandbox(tmp_path_factory.mktemp("sandbox"), job_seconds=seconds) as sandbox:
        yield sandbox
        assert sandbox.internal_errors == [], "the sandbox hit internal errors"


@pytest.fixture(scope="module")
def workdir(sb, tmp_path_factory):
    """A real git clone of the sandbox's demo project, shared by the module's tests."""
    from tests.sandbox_helpers import clone

    return clone(sb, tmp_path_factory.mktemp("clone") / "app")


@pytest.fixture(scope="module")
def gl(sb):
    """python-gitlab on the module's sandbox, as root, without python-gitlab's own retries."""
    import gitlab

    return gitlab.Gitlab(sb.url, private_token=sb.token, retry_transient_errors=False)
