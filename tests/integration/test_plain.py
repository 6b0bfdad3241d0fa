"""`dockwright --plain` driven end to end: questionary fed through prompt_toolkit's test pipes, a real
sandbox GitLab on 127.0.0.1, real git. Keys are typed exactly as a person would (Enter keeps a default).
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from dockwright.sandbox import Sandbox
from dockwright.wizard.answers_file import load_answers
from dockwright.wizard.git import clone
from dockwright.wizard.plain import EXIT_INTERRUPTED, PlainWizard

ENTER, UP, DOWN, CTRL_C = "\r", "\x1b[A", "\x1b[B", "\x03"
CLEAR = "\x15"  # Ctrl-U: clear the pre-filled default before typing


@pytest.fixture
def sandbox(tmp_path):
    """A fresh sandbox per test (about 0.2 s to start), so no test sees another's pushes or runners."""
    with Sandbox(tmp_path / "sandbox", job_seconds=0.05) as sb:
        yield sb


@pytest.fixture
def project(sandbox, tmp_path) -> Path:
    """A fresh clone of the sandbox's demo project (a Flask app without Dockerfile or CI file)."""
    clone(f"{sandbox.url}/{sandbox.project_path}.git", tmp_path / "app", sandbox.token)
    return tmp_path / "app"


def drive(directory: Path, keys: list[str], *, env: dict[str, str] | None = None, sandbox=None,
          connect=None) -> tuple[int, str, PlainWizard]:
    """Run the plain wizard with ``keys`` typed; the input ends after them (like closing the terminal)."""
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("".join(keys))
        pipe.close()
        with create_app_session(input=pipe, output=DummyOutput()):
            wizard = PlainWizard(directory, out=out, env=env or {}, sandbox=sandbox, connect=connect)
            code = wizard.run()
    return code, out.getvalue(), wizard


def flat(text: str) -> str:
    """The transcript with its line wrapping undone, for checking whole sentences."""
    return " ".join(text.split())


def git_status(directory: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=directory, capture_output=True, text=True,
                          check=True).stdout


# The answers up to the review, keeping every default: the token typed at the hidden prompt, or
# (token=None, sandbox mode) the sandbox's own token accepted.
def keys_to_review(token: str | None) -> list[str]:
    return [
        ENTER,                       # GitLab URL: detected from the git remote
        ENTER if token is None else token + ENTER,  # "use the sandbox's token?" yes / the token, hidden
        ENTER,                       # project path: detected
        ENTER, ENTER,                # executor: Docker; build method: DinD with TLS (defaults)
        ENTER,                       # runner workflow: authentication token
        ENTER, ENTER, "n", "n",      # description, tags, untagged, protected
        "n",                         # restricted privilege (only the dind service privileged)? no
        ENTER, ENTER,                # image, config.toml path
        ENTER,                       # registry: GitLab's own
        "n",                         # another variable? no
        ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, "y",  # Dockerfile fields, non-root
        ENTER, ENTER, ENTER, "y",    # pipeline: version, stages, latest
        "n",                         # the group's Dependency Proxy? no (demo/app is in the demo group)
        "n",                         # GitLab's Container Scanning? no
        "n",                         # the build cache in the registry? no
    ]


def test_ctrl_c_half_way_writes_nothing_sends_nothing_and_saves_answers_without_secrets(sandbox, project):
    config = project.parent / "runner" / "config.toml"
    keys = [
        ENTER, sandbox.token + ENTER, ENTER,
        UP + ENTER,                                     # executor: shell (one above the recommended one)
        ENTER, CLEAR + "Team runner" + ENTER, CLEAR + "build, docker" + ENTER, "n", "n",
        "y",                                            # the shell host set-up is done
        CLEAR + str(config) + ENTER,                    # clear the field, type the config.toml path
        CTRL_C,                                         # at the registry question
        "y",                                            # save the answers? yes
    ]
    before = git_status(project)
    code, transcript, _ = drive(project, keys)

    assert code == EXIT_INTERRUPTED
    assert "Interrupted: nothing was written and nothing was sent to GitLab." in flat(transcript)
    saved = load_answers(project / "dockwright.yml")
    assert saved.executor == "shell"
    assert saved.runner.description == "Team runner" and saved.runner.tags == ("build", "docker")
    assert saved.runner.config_path == str(config)
    text = (project / "dockwright.yml").read_text()
    assert sandbox.token not in text and "token" not in text.lower().replace("authentication-token", "")
    assert git_status(project) == before + "?? dockwright.yml\n"  # only the answers file is new
    assert not (project / "Dockerfile").exists() and not config.exists()


def test_wrong_token_and_unknown_project_are_refused_with_a_sentence_and_asked_again(sandbox, project):
    keys = [ENTER, "glpat-not-a-real-token" + ENTER, ENTER,   # connect, then the project test refuses it
            sandbox.token + ENTER,                             # the token again...
            CLEAR + "nobody/nothing" + ENTER,                  # ...a project that does not exist: only it is re-asked
            ENTER,                                             # the detected project
            CTRL_C, "n"]                                        # stop at the executor; do not save
    code, transcript, wizard = drive(project, keys)

    assert "did not accept the token (401 Unauthorized)" in flat(transcript)
    assert flat(transcript).count("The token was refused; type another one.") == 1
    assert "has no project nobody/nothing that this token can see (404)" in flat(transcript)
    assert f"as root; token scopes: api, create_runner, write_repository; your role in {sandbox.project_path}" \
        in flat(transcript)
    assert "glpat-not-a-real-token" not in transcript and sandbox.token not in transcript
    assert code == EXIT_INTERRUPTED and not (project / "dockwright.yml").exists()
    assert wizard.access.username == "root"


def test_question_mark_and_help_choice_print_the_steps_teaching_page(sandbox, project):
    keys = [ENTER, sandbox.token + ENTER,
            CLEAR + "?" + ENTER, ENTER,                           # ? at the project path, then keep the default
            *[DOWN] * 2, ENTER,                                # the Help choice under the four executors
            ENTER,                                             # then the recommended executor
            CTRL_C, "n"]
    code, transcript, _ = drive(project, keys)

    assert "YOUR PROJECT\n============" in transcript
    assert "HOW JOBS RUN DOCKER\n===================" in transcript
    assert "https://docs.gitlab.com/ci/docker/docker_in_docker/" in flat(transcript)
    assert "**" not in transcript and "```" not in transcript
    assert code == EXIT_INTERRUPTED


def test_question_mark_at_a_yes_no_question_prints_the_page_and_asks_again(sandbox, project):
    keys = [ENTER, sandbox.token + ENTER, ENTER, ENTER, ENTER,      # connect, project, executor, method
            ENTER, ENTER, ENTER,                           # runner workflow, description, tags
            "?", "n",                                      # ? at "Also run jobs without tags", then no
            CTRL_C, "n"]
    code, transcript, _ = drive(project, keys)

    untagged = transcript.index("why: off keeps other projects' untagged jobs away")  # said before the Y/n
    page = transcript.index("YOUR RUNNER\n===========")
    protected = transcript.index("why: on means pipelines of unprotected branches never reach this runner")
    assert untagged < page < protected  # the page at that question, then the next question
    assert code == EXIT_INTERRUPTED


def test_a_masked_value_gitlab_would_refuse_is_caught_before_sending_and_asked_again(sandbox, project):
    keys = [
        ENTER, sandbox.token + ENTER, ENTER, ENTER, ENTER,            # connect, project, executor, method
        ENTER, ENTER, ENTER, "n", "n", "n", ENTER, ENTER,      # runner
        DOWN + ENTER, "alice/app" + ENTER,                     # registry: Docker Hub, image
        # DOCKERHUB_USERNAME: not masked, not protected, typed (the source defaults to its env var)
        "n", "n", UP + ENTER, "alice" + ENTER,
        # DOCKERHUB_TOKEN: masked, not hidden, not protected, typed: a value with spaces, then a good one
        "y", "n", "n", UP + ENTER, "short one" + ENTER, "dckr_pat_0123456789abcdef" + ENTER,
        CTRL_C, "n",
    ]
    code, transcript, wizard = drive(project, keys)

    refusal = [line for line in transcript.splitlines() if line.startswith("  ! CI/CD variable DOCKERHUB_TOKEN:")]
    assert len(refusal) == 1 and "mask" in refusal[0], transcript  # said once, then the good value passed
    assert set(wizard.values) == {"DOCKERHUB_USERNAME", "DOCKERHUB_TOKEN"}
    assert wizard.values["DOCKERHUB_TOKEN"].reveal() == "dckr_pat_0123456789abcdef"
    assert "dckr_pat_0123456789abcdef" not in transcript and "short one" not in transcript
    assert code == EXIT_INTERRUPTED
    # The check matches GitLab: the sandbox refuses to mask the same value, and nothing was created before.
    from dockwright.wizard.errors import DockwrightError
    from dockwright.wizard.gitlab import GitLabClient
    from dockwright.wizard.plan import VariableSpec

    client = GitLabClient.connect(sandbox.url, sandbox.token)
    assert client.find_variable(sandbox.project_path, "DOCKERHUB_TOKEN") is None
    with pytest.raises(DockwrightError, match="400: value is invalid"):
        client.upsert_variable(sandbox.project_path, VariableSpec(key="PLAIN_PROBE", masked=True), "short one")


def test_a_variable_you_add_starts_masked(sandbox, project):
    keys = [
        ENTER, sandbox.token + ENTER, ENTER, ENTER, ENTER,            # connect, project, executor, method
        ENTER, ENTER, ENTER, "n", "n", "n", ENTER, ENTER,      # runner
        ENTER, "y", "APP_SECRET" + ENTER,                      # GitLab's registry; add a variable of your own
        ENTER, ENTER, ENTER, ENTER,                            # masked (the default), not hidden, not protected, typed
        "short" + ENTER, "s3cr3t_value_1" + ENTER,             # too short to mask, then a good one
        CTRL_C, "n",
    ]
    code, transcript, wizard = drive(project, keys)

    refusal = [line for line in transcript.splitlines() if line.startswith("  ! CI/CD variable APP_SECRET:")]
    assert len(refusal) == 1 and "masked value needs at least 8" in refusal[0], transcript
    assert wizard.values["APP_SECRET"].reveal() == "s3cr3t_value_1"
    assert code == EXIT_INTERRUPTED


def test_a_rerun_starts_from_the_saved_answers(sandbox, project):
    first = [ENTER, sandbox.token + ENTER, ENTER, UP + ENTER,   # connect, project, executor: shell
             CTRL_C, "y"]                                      # stop at the runner; save
    code, _, _ = drive(project, first)
    assert code == EXIT_INTERRUPTED and load_answers(project / "dockwright.yml").executor == "shell"

    second = [ENTER, sandbox.token + ENTER, ENTER, ENTER,       # Enter keeps every default...
              ENTER, ENTER, ENTER, "n", "n", CTRL_C, "n"]      # runner questions; stop at config.toml
    code, transcript, _ = drive(project, second)
    assert f"Starting from the answers in {project / 'dockwright.yml'}." in flat(transcript)
    assert "Shell executor host set-up" in flat(transcript)            # ...so the runner step is the shell one


def test_stopping_at_the_review_writes_nothing_and_sends_nothing(sandbox, project):
    from dockwright.wizard.gitlab import GitLabClient

    client = GitLabClient.connect(sandbox.url, sandbox.token)

    def gitlab_state():
        runners = client._project(sandbox.project_path).runners.list(get_all=True)
        return sorted(r.id for r in runners), client.find_pipelines(sandbox.project_path)

    before, gitlab_before = git_status(project), gitlab_state()
    code, transcript, _ = drive(project, keys_to_review(sandbox.token) + [ENTER, ENTER, DOWN + DOWN + ENTER])

    assert code == 0
    assert "• create Dockerfile" in flat(transcript) and "+FROM python:" in transcript  # the diff was shown
    assert "Stopped: nothing was written and nothing was sent to GitLab." in flat(transcript)
    assert git_status(project) == before
    assert gitlab_state() == gitlab_before


def test_the_cli_hands_plain_to_run_plain_with_dir(sandbox, project, monkeypatch):
    from dockwright.wizard.cli import main

    monkeypatch.setenv("GITLAB_TOKEN", sandbox.token)
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    # the pipe below stands for the terminal: stdin says it is one, as a terminal's does (without one, --plain
    # refuses with exit 2: test_bad_inputs)
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    with create_pipe_input() as pipe:
        pipe.send_text("".join([ENTER, ENTER, ENTER, CTRL_C, "n"]))  # URL, use GITLAB_TOKEN, project, stop
        with create_app_session(input=pipe, output=DummyOutput()):
            code = main(["--plain", "--dir", str(project)])
    assert code == EXIT_INTERRUPTED
    assert "as root; token scopes: api, create_runner, write_repository" in flat(out.getvalue())
    assert sandbox.token not in flat(out.getvalue())


def test_plain_sandbox_practises_in_a_clone_of_the_demo_project(tmp_path):
    from dockwright.wizard.plain import run_with_sandbox

    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("".join([ENTER, ENTER, ENTER, CTRL_C, "n"]))
        with create_app_session(input=pipe, output=DummyOutput()):
            import contextlib

            with contextlib.redirect_stdout(out):
                code = run_with_sandbox(None, None, data_dir=tmp_path / "sandbox")
    text = out.getvalue()
    assert code == EXIT_INTERRUPTED
    assert "SANDBOX: practising against the local sandbox GitLab at http://127.0.0.1:" in flat(text)
    assert "your role in demo/app: Owner" in flat(text)
    assert (tmp_path / "practice" / "demo-app" / "app.py").is_file()


def _files_under(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file() and ".git" not in p.parts]


def test_end_to_end_to_a_green_pipeline_and_the_image_in_the_registry_then_an_idempotent_rerun(sandbox, project):
    keys = keys_to_review(None) + [ENTER, ENTER, ENTER]  # branch, commit message, Apply
    code, transcript, wizard = drive(project, keys, sandbox=sandbox)

    assert code == 0, transcript[-3000:]
    assert "✔ pipeline #" in flat(transcript) and "passed" in transcript
    assert "present; docker pull" in flat(transcript)
    config = Path(load_answers(project / "dockwright.yml").runner.config_path)
    assert config.stat().st_mode & 0o777 == 0o600
    tags = wizard.client.registry_tags(sandbox.project_path)
    assert any("latest" in t for t in tags.values())
    # The personal access token reached no file: not the repository, not the answers, not config.toml.
    for path in _files_under(project, config.parent):
        assert sandbox.token not in path.read_text(errors="replace"), path
    assert sandbox.token not in transcript

    # Running again with the same answers finds everything in place and creates nothing twice.
    code, transcript, _ = drive(project, keys, sandbox=sandbox)
    assert code == 0, transcript[-3000:]
    assert "already in place:" in flat(transcript) and "  done:             create" not in transcript
    runners = wizard.client._project(sandbox.project_path).runners.list(get_all=True, type="project_type")
    assert [r.description for r in runners].count("My Docker Runner") == 1


class _CtrlCDuring:
    """The real client, with Ctrl-C pressed while one of its calls runs (as a person would, mid-apply)."""

    def __init__(self, client, method: str) -> None:
        self._client, self._method = client, method

    def __getattr__(self, name):
        if name == self._method:
            def interrupted(*args, **kwargs):
                raise KeyboardInterrupt
            return interrupted
        return getattr(self._client, name)


def test_ctrl_c_during_apply_leaves_nothing_a_rerun_cannot_finish(sandbox, project):
    from dockwright.wizard.gitlab import GitLabClient

    keys = keys_to_review(None) + [ENTER, ENTER, ENTER]
    code, transcript, _ = drive(project, keys + ["n"], sandbox=sandbox,
                                connect=lambda url, token: _CtrlCDuring(GitLabClient.connect(url, token), "lint"))
    assert code == EXIT_INTERRUPTED
    assert "Interrupted while applying." in flat(transcript) and "finishes what is left" in flat(transcript)
    assert (project / "Dockerfile").is_file() and "Dockerfile" in git_status(project)  # written, not committed

    code, transcript, wizard = drive(project, keys, sandbox=sandbox)
    assert code == 0, transcript[-3000:]
    assert "already in place: Dockerfile" in flat(transcript)
    assert git_status(project) == ""
    assert wizard.client.find_pipelines(sandbox.project_path)[0]["status"] == "success"


def test_values_typed_hidden_reach_gitlab_through_apply_and_no_file(sandbox, project):
    keys = [ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, "n", "n", "n", ENTER, ENTER,  # to the registry
            DOWN + ENTER, "alice/app" + ENTER,                                       # Docker Hub
            "n", "n", UP + ENTER, "alice" + ENTER,                                   # user name, typed
            "y", "n", "n", UP + ENTER, "dckr_pat_0123456789abcdef" + ENTER,          # token, masked, typed
            "n", ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, ENTER, "y",  # no more; Dockerfile
            ENTER, ENTER, ENTER, "y", "n", "n", ENTER, ENTER, ENTER]                 # pipeline; review; apply
    code, transcript, wizard = drive(project, keys, sandbox=sandbox)

    assert code == 0, transcript[-3000:]
    token = wizard.client.find_variable(sandbox.project_path, "DOCKERHUB_TOKEN")
    assert token["value"] == "dckr_pat_0123456789abcdef" and token["masked"] is True
    assert wizard.client.find_variable(sandbox.project_path, "DOCKERHUB_USERNAME")["value"] == "alice"
    answers = (project / "dockwright.yml").read_text()
    assert "DOCKERHUB_TOKEN" in answers and "dckr_pat" not in answers
    for path in _files_under(project):
        assert "dckr_pat_0123456789abcdef" not in path.read_text(errors="replace"), path
    assert "dckr_pat_0123456789abcdef" not in transcript


def test_hosted_runners_skip_the_runner_step_and_still_end_green(sandbox, project):
    sandbox.set_instance_runners(sandbox.project_path, True)
    keys = [ENTER, ENTER, ENTER, UP + UP + ENTER,                 # connect, project, executor: hosted
            ENTER, "n", *[ENTER] * 9, "y", *[ENTER] * 3, "y", "n", "n", "n",  # registry, Dockerfile, pipeline
            ENTER, ENTER, ENTER]                                   # review, apply
    code, transcript, _ = drive(project, keys, sandbox=sandbox)

    assert code == 0, transcript[-3000:]
    assert "[4/10] Your runner" not in transcript and "[5/10] Registry and variables" in transcript
    assert "project runner" not in transcript
    assert "✔ pipeline #" in transcript and "present; docker pull" in flat(transcript)


def test_shell_without_the_host_set_up_is_told_why_and_can_switch_to_docker_in_docker(sandbox, project):
    keys = [ENTER, sandbox.token + ENTER, ENTER, UP + ENTER,      # connect, project, executor: shell
            ENTER, ENTER, ENTER, "n", "n",                        # workflow, description, tags, untagged, protected
            "n",                                                  # host set-up done? no (a newcomer's slip)
            ENTER,                                                # what now: the default, Docker-in-Docker
            "n",                                                  # ...which asks about restricted privilege
            ENTER, ENTER,                                         # the Docker image and config.toml questions
            CTRL_C, "y"]                                          # stop at the registry; save the answers
    code, transcript, wizard = drive(project, keys)

    assert code == EXIT_INTERRUPTED
    assert "the build job would fail at its first docker command" in flat(transcript)
    assert load_answers(project / "dockwright.yml").executor == "docker-dind-tls"
    assert wizard.host_has_docker is False


def test_shell_executor_with_the_host_set_up_confirmed_ends_green(sandbox, project):
    keys = [ENTER, ENTER, ENTER, UP + ENTER,                      # connect, project, executor: shell
            ENTER, ENTER, ENTER, "n", "n", "y", ENTER,            # runner; host set-up done; config.toml
            ENTER, "n", *[ENTER] * 9, "y", *[ENTER] * 2, "y", "n", "n",  # registry, Dockerfile, pipeline (stages;
            # no Docker version: the shell runner builds with the host's own Docker)
            ENTER, ENTER, ENTER]                                   # review, apply
    code, transcript, wizard = drive(project, keys, sandbox=sandbox)

    assert code == 0, transcript[-3000:]
    assert wizard.host_has_docker is True
    assert "✔ pipeline #" in transcript and "present; docker pull" in flat(transcript)


def test_an_empty_docker_hub_image_or_token_is_refused_at_its_own_prompt(sandbox, project):
    keys = [
        ENTER, sandbox.token + ENTER, ENTER, ENTER, ENTER,            # connect, project, executor, method
        ENTER, ENTER, ENTER, "n", "n", "n", ENTER, ENTER,      # runner
        DOWN + ENTER, ENTER, "alice/app" + ENTER,              # Docker Hub; Enter on the empty image, then one
        "n", "n", UP + ENTER, "alice" + ENTER,                 # DOCKERHUB_USERNAME typed
        "y", "n", "n", UP + ENTER, ENTER,                      # DOCKERHUB_TOKEN typed... as nothing
        "dckr_pat_0123456789abcdef" + ENTER,                   # then the real one
        CTRL_C, "n",
    ]
    code, transcript, wizard = drive(project, keys)

    assert code == EXIT_INTERRUPTED
    said = flat(transcript)
    assert "! Image name (without tag) is empty: use a Docker Hub repository such as user/app." in said
    assert said.index("Image name (without tag) is empty") < said.index("CI/CD variable DOCKERHUB_USERNAME")  # at its prompt
    assert wizard.values["DOCKERHUB_TOKEN"].reveal() == "dckr_pat_0123456789abcdef"
    assert "! Nothing was typed: DOCKERHUB_TOKEN needs a value, or the pipeline's login fails." in said


def test_the_commands_port_follows_a_new_port(sandbox, project):
    """gunicorn's --bind named the detected 8000; answering 9091 at the port makes 9091 the command's default."""
    keys = keys_to_review(sandbox.token)
    at = len(keys) - 7 - 4                               # the Dockerfile's port: before command, ENV, non-root
    assert keys[at:at + 4] == [ENTER, ENTER, ENTER, "y"]
    keys = keys[:at] + [CLEAR + "9091" + ENTER] + keys[at + 1:] + [CTRL_C, "y"]
    code, transcript, _ = drive(project, keys)

    assert code == EXIT_INTERRUPTED, transcript[-2000:]
    assert load_answers(project / "dockwright.yml").dockerfile.command[:3] == ("gunicorn", "--bind", "0.0.0.0:9091")


def test_a_bad_docker_version_is_refused_at_its_prompt_with_a_sentence(sandbox, project):
    keys = keys_to_review(sandbox.token)
    at = len(keys) - 7                                   # the pipeline's first question: the Docker version
    keys = keys[:at] + [CLEAR + "27y" + ENTER, CLEAR + "29" + ENTER] + keys[at + 1:] + [CTRL_C, "n"]
    code, transcript, _ = drive(project, keys)

    assert code == EXIT_INTERRUPTED
    said = flat(transcript)
    assert "! Docker version is '27y', not a version: use a Docker version with docker:VERSION-cli" in said
    assert "pipeline.docker_version" not in said
    assert "end of life" not in said  # 29 is the supported Docker


def test_an_end_of_life_docker_version_is_allowed_with_a_warning(sandbox, project):
    """Issue 17 item 12: Docker 27 still has images but no security fixes; said at its prompt."""
    keys = keys_to_review(sandbox.token)
    at = len(keys) - 7                                   # the pipeline's first question: the Docker version
    keys = keys[:at] + [CLEAR + "27" + ENTER] + keys[at + 1:] + [CTRL_C, "y"]
    code, transcript, _ = drive(project, keys)

    assert code == EXIT_INTERRUPTED
    assert "Docker 27 is end of life" in flat(transcript)
    assert load_answers(project / "dockwright.yml").pipeline.docker_version == "27"


def test_predefined_names_and_bad_image_names_are_refused_for_docker_hub_too(sandbox, project):
    """Issue 16 items 5 and 6: `Bad Name!` as the image, CI_REGISTRY_USER as a new variable with Docker Hub."""
    keys = [
        ENTER, sandbox.token + ENTER, ENTER, ENTER, ENTER,            # connect, project, executor, method
        ENTER, ENTER, ENTER, "n", "n", "n", ENTER, ENTER,      # runner
        DOWN + ENTER, "Bad Name!" + ENTER, CLEAR + ":Latest Tag" + ENTER, CLEAR + "alice/app" + ENTER,
        "n", "n", UP + ENTER, "alice" + ENTER,                 # DOCKERHUB_USERNAME typed
        "y", "n", "n", UP + ENTER, "dckr_pat_0123456789abcdef" + ENTER,
        "y", "CI_REGISTRY_USER" + ENTER, CLEAR + "GITLAB_USER" + ENTER, CLEAR + "APP_SECRET" + ENTER,
        CTRL_C, "n",
    ]
    code, transcript, _wizard = drive(project, keys)

    assert code == EXIT_INTERRUPTED
    said = flat(transcript)
    assert "! Image name (without tag) is 'Bad Name!', which has a space" in said
    assert "! Image name (without tag) is ':Latest Tag', which has a space" in said
    assert "The name is CI_REGISTRY_USER, a name GitLab predefines in every job" in said
    assert "The name is GITLAB_USER, a name GitLab predefines" in said
    assert "CI/CD variable APP_SECRET" in said  # the third name passed


def test_the_interactive_review_does_not_call_itself_a_dry_run(sandbox, project):
    """`--plain` Review opened with "Dry run: nothing is written", though Apply is one choice away (issue 16)."""
    code, transcript, _ = drive(project, keys_to_review(sandbox.token) + [ENTER, ENTER, DOWN + DOWN + ENTER])

    assert code == 0
    said = flat(transcript)
    assert "Dry run" not in said
    assert "Nothing is written or sent until you choose Apply below." in said
    assert said.index("Nothing is written or sent until you choose Apply") < said.index("• create Dockerfile")


def test_ctrl_c_says_how_to_quit_without_saving_and_a_second_ctrl_c_does(sandbox, project):
    """Ctrl-C asks whether to save the answers (on purpose); the question must say how to leave without."""
    keys = [ENTER, sandbox.token + ENTER, ENTER, CTRL_C, CTRL_C]  # at the executor question; again at "save?"
    code, transcript, _ = drive(project, keys)

    assert code == EXIT_INTERRUPTED
    assert "n or Ctrl-C quits without saving" in flat(transcript)
    assert not (project / "dockwright.yml").exists()


def test_a_hand_written_dockerfile_is_replaced_only_when_asked_and_kept_as_orig(sandbox, project):
    """--plain ended with "Give --overwrite", a flag it does not take; it asks instead (issue 16, confusion f)."""
    mine = "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n"
    (project / "Dockerfile").write_text(mine)
    keys = keys_to_review(sandbox.token) + [ENTER, ENTER, "n"]  # replace it? no
    code, transcript, _ = drive(project, keys)
    said = flat(transcript)
    assert code == 3 and "--overwrite" not in said
    assert "renamed Dockerfile.orig" in said and (project / "Dockerfile").read_text() == mine

    keys = keys_to_review(sandbox.token) + [ENTER, ENTER, "y", DOWN + DOWN + ENTER]  # yes; then stop at the list
    code, transcript, _ = drive(project, keys)
    assert code == 0, transcript[-2000:]
    assert "• replace Dockerfile (the old one is kept as Dockerfile.orig)" in flat(transcript)
    assert (project / "Dockerfile").read_text() == mine  # nothing written before Apply is chosen


def test_restricted_privilege_and_the_dependency_proxy_are_asked_where_they_apply(sandbox, project):
    """--plain asked neither runner.privileged_services_only nor pipeline.dependency_proxy (the wizard has
    both): a dind runner is asked the first, a project in a group the second, with the wizard's words."""
    keys = keys_to_review(sandbox.token)
    at = keys.index("n") + 2                          # after untagged and protected: restricted privilege
    assert keys[at - 2:at + 1] == ["n", "n", "n"]
    keys[at] = "y"
    assert keys[-3:] == ["n", "n", "n"]
    keys[-3:] = ["y", "y", "y"]                       # Dependency Proxy, Container Scanning, the build cache
    code, transcript, _ = drive(project, keys + [CTRL_C, "y"])

    assert code == EXIT_INTERRUPTED
    said = flat(transcript)
    assert "why: the job's own container then cannot reach the host as root" in said
    assert "why: the runner pulls docker: images through your group's cache" in said
    saved = load_answers(project / "dockwright.yml")
    assert saved.runner.privileged_services_only is True and saved.pipeline.dependency_proxy is True
    assert saved.pipeline.container_scanning is True and saved.pipeline.build_cache is True
    assert "why: each job's Docker daemon starts empty" in said
    assert "why: known vulnerabilities in the base image and packages are listed" in said


def test_a_project_in_a_user_namespace_is_not_asked_about_the_dependency_proxy(sandbox, tmp_path):
    from dockwright.wizard.gitlab import GitLabClient

    client = GitLabClient.connect(sandbox.url, sandbox.token)
    made = client._gl.projects.create({"name": "mine"})       # in root's own namespace, like a personal project
    clone(f"{sandbox.url}/{made.path_with_namespace}.git", tmp_path / "mine", sandbox.token)
    (tmp_path / "mine" / "app.py").write_text("print('hi')\n")
    keys = keys_to_review(sandbox.token)
    del keys[-3]                                       # the Dependency Proxy is not asked (scanning still is)
    code, transcript, _ = drive(tmp_path / "mine", keys + [CTRL_C, "y"])

    assert code == EXIT_INTERRUPTED, transcript[-2000:]
    assert "Dependency Proxy" not in transcript
    assert load_answers(tmp_path / "mine" / "dockwright.yml").pipeline.dependency_proxy is False


def test_ecr_offers_oidc_first_and_asks_the_role_not_aws_keys(sandbox, project):
    """Issue 17 "go further": choosing ECR proposes OIDC (recommended); the role ARN is checked at its prompt, and
    no AWS key is asked for or saved."""
    role = "arn:aws:iam::123456789012:role/gitlab-ecr-push"
    keys = [ENTER, sandbox.token + ENTER, ENTER, ENTER, ENTER,     # connect, project, executor, build method
            ENTER, ENTER, ENTER, "n", "n", "n", ENTER, ENTER,      # runner
            DOWN + DOWN + ENTER, "123456789012" + ENTER, ENTER,     # ECR, account, region (eu-west-1)
            "flask-app" + ENTER,                                   # repository
            ENTER,                                                 # how jobs log in: OIDC (the default)
            "gitlab-ecr-push" + ENTER, CLEAR + role + ENTER,       # a bare name is refused, then the ARN
            "n", CTRL_C, "y"]                                      # no other variable; stop and save
    code, transcript, _ = drive(project, keys)

    assert code == EXIT_INTERRUPTED, transcript[-2000:]
    said = flat(transcript)
    assert "! Use the role's ARN, such as arn:aws:iam::123456789012:role/gitlab-ecr-push." in said
    assert "why: with OIDC no AWS key is stored in GitLab" in said
    assert "its value is the role ARN above (protected, not masked); nothing to type." in said
    saved = load_answers(project / "dockwright.yml")
    assert saved.registry.ecr.auth == "oidc" and saved.registry.ecr.role_arn == role
    assert "AWS_ACCESS_KEY_ID" not in (project / "dockwright.yml").read_text() and "AWS_ACCESS_KEY_ID" not in said

# Issue 14: the executor, then the build method; a method's own runner questions. From the registry on, as above,
# but no Docker version is asked: a daemonless job runs its tool's image, not docker:<version>.
AFTER_RUNNER = [ENTER, "n", *[ENTER] * 9, "y", ENTER, ENTER, "y", "n", "n", "n", ENTER, ENTER, DOWN + DOWN + ENTER]


def test_buildkit_rootless_on_the_docker_executor_is_two_choices_and_asks_no_privilege(sandbox, project):
    keys = [ENTER, sandbox.token + ENTER, ENTER,
            ENTER, *[DOWN] * 3 + [ENTER],                      # executor: Docker; method: BuildKit rootless
            ENTER, ENTER, ENTER, "n", "n",                     # workflow, description, tags, untagged, protected
            ENTER, ENTER,                                      # image, config.toml (no restricted-privilege question)
            *AFTER_RUNNER]
    code, transcript, _ = drive(project, keys)

    assert code == 0, transcript[-3000:]
    said = flat(transcript)
    assert "BuildKit rootless (no daemon) (recommended)" not in said
    assert "Only the dind service is privileged" not in said
    assert "buildctl-daemonless.sh build" in transcript and "name: moby/buildkit:rootless" in transcript
    assert "the docker CLI and the dind service must match" not in said  # the Docker version is not asked
    assert "Stopped: nothing was written" in said
    assert "services:" not in transcript.split("• create .gitlab-ci.yml")[1].split("•")[0]  # no dind service


def test_buildah_on_kubernetes_asks_the_namespace_and_values_file_and_shows_helm(sandbox, project):
    keys = [ENTER, sandbox.token + ENTER, ENTER,
            DOWN + ENTER, DOWN + DOWN + ENTER,                 # executor: Kubernetes; method: Buildah
            ENTER, ENTER, ENTER, "n", "n",                     # workflow, description, tags, untagged, protected
            CLEAR + "ci-builds" + ENTER, CLEAR + "deploy/runner-values.yaml" + ENTER,  # namespace, values file
            *AFTER_RUNNER]
    code, transcript, _ = drive(project, keys)

    assert code == 0, transcript[-3000:]
    said = flat(transcript)
    assert "Path of the runner's config.toml" not in said and "Default image for jobs" not in said
    assert "helm upgrade --install" in said and "--namespace ci-builds -f deploy/runner-values.yaml" in said
    assert "read -rs CI_SERVER_TOKEN" in said  # the token from a prompt into a secret, never in argv
    assert "Apply writes the values file and commits it (no token in it). Then create a project runner" in said
    assert "• create deploy/runner-values.yaml" in said and "buildah build" in transcript
    assert not (project / "deploy").exists()
    assert "config.toml" not in said.split("• lint:")[0].split("• create .gitlab-ci.yml")[1]  # none for Kubernetes


def test_switching_ecr_from_keys_to_oidc_drops_the_aws_keys_of_the_answers_file(sandbox, project):
    """An answers file with ECR access keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY read from the environment);
    the person now picks OIDC: the keys are neither asked for, nor saved, nor created at apply (the wizard's
    registry step already dropped them; --plain kept them as 'other' variables)."""
    from dockwright.wizard.answers_file import save_answers
    from dockwright.wizard.plan import EcrSpec, GitLabSpec, Plan, RegistrySpec, VariableSpec

    keys_plan = Plan(gitlab=GitLabSpec(url=sandbox.url, project=sandbox.project_path),
                     registry=RegistrySpec(kind="ecr", account="123456789012", region="eu-west-1", image="flask-app",
                                           ecr=EcrSpec(auth="keys")),
                     variables=(VariableSpec(key="AWS_ACCESS_KEY_ID", from_env="MY_AWS_KEY", protected=True),
                                VariableSpec(key="AWS_SECRET_ACCESS_KEY", from_env="MY_AWS_SECRET", masked=True,
                                             protected=True)))
    save_answers(keys_plan, project / "dockwright.yml")
    role = "arn:aws:iam::123456789012:role/gitlab-ecr-push"
    keys = [ENTER, sandbox.token + ENTER, ENTER, ENTER, ENTER,     # connect, project, executor, build method
            ENTER, ENTER, ENTER, "n", "n", "n", ENTER, ENTER,      # runner
            ENTER, ENTER, ENTER, ENTER,                            # ECR kept, account, region, repository
            UP + ENTER, role + ENTER,                              # how jobs log in: keys -> OIDC; the role
            "n", CTRL_C, "y"]                                      # no other variable; stop and save
    code, transcript, _ = drive(project, keys)

    assert code == EXIT_INTERRUPTED, transcript[-3000:]
    saved = load_answers(project / "dockwright.yml")
    assert saved.registry.ecr.auth == "oidc" and saved.registry.ecr.role_arn == role, transcript[-3000:]
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} & {v.key for v in saved.variables}
    assert "CI/CD variable AWS_SECRET_ACCESS_KEY" not in transcript
