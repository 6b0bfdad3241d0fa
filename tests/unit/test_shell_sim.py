"""The sandbox's job shell (sandbox/shell_sim.py): expansion, lists, pipes, redirections, and any line
played without a crash. The runner that plays whole jobs with it is tested in test_runner_sim.py."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dockwright.sandbox.shell_sim import CommandResult, Shell
from tests.sim_helpers import drain


def run_shell(entry, env=None, commands=None):
    shell = Shell(env or {}, cwd="/builds/demo/app", commands=commands)
    gen = shell.run(entry)
    out, result = drain(gen)
    return "".join(out), result, shell


def test_expansion_quotes_and_word_splitting():
    seen = []

    def argv(inv):
        seen.append(inv.argv)
        return CommandResult()

    env = {"A": "one two", "SHA": "0123456789abcdef", "EMPTY": ""}
    run_shell('prog $A "$A" \'$A\' $UNDEFINED "$UNDEFINED" ${SHA:0:8} ${NOPE:-fallback} pre${EMPTY}post $EMPTY',
              env, {"prog": argv})
    assert seen == [["prog", "one", "two", "one two", "$A", "", "01234567", "fallback", "prepost"]]


def test_assignments_export_cd_and_pwd():
    out, code, shell = run_shell("X=1; export Y=$X-2; cd sub && pwd; echo $X $Y")
    assert out == "/builds/demo/app/sub\n1 1-2\n"
    assert shell.env["Y"] == "1-2" and code == 0


def test_and_or_lists_and_errexit():
    out, code, _ = run_shell("false || echo recovered; true && echo chained")
    assert out == "recovered\nchained\n" and code == 0
    out, code, _ = run_shell("false\necho unreachable")
    assert out == "" and code == 1
    out, code, _ = run_shell("false && echo no\necho still runs")  # set -e ignores a failure left of &&
    assert out == "still runs\n" and code == 0
    out, code, _ = run_shell("exit 4\necho no")
    assert out == "" and code == 4


def test_pipes_feed_stdin_and_pipefail():
    seen = []

    def reader(inv):
        seen.append(inv.stdin)
        return CommandResult().out("read\n")

    out, code, _ = run_shell('printf "%s" "$P" | reader', {"P": "secret"}, {"reader": reader})
    assert seen == ["secret"] and out == "read\n" and code == 0
    out, code, _ = run_shell("false | reader", {}, {"reader": reader})
    assert code == 1


def test_test_builtin_and_multiline_control_flow():
    out, code, _ = run_shell('[ -z "$NOPE" ] && echo empty; [ "$A" = "x" ] || echo differs', {"A": "y"})
    assert out == "empty\ndiffers\n"
    out, code, _ = run_shell("if [ -n \"$X\" ]; then\n  echo yes\nfi\n")
    assert out.startswith("[sandbox] not executed: if") and code == 0


def test_redirections_that_silence_or_merge_output():
    def noisy(inv):
        return CommandResult().out("to stdout\n").err("to stderr\n")

    commands = {"noisy": noisy}
    assert run_shell("noisy >/dev/null", {}, commands)[0] == "to stderr\n"
    assert run_shell("noisy > /dev/null 2>&1", {}, commands)[0] == ""
    assert run_shell("noisy 2>/dev/null", {}, commands)[0] == "to stdout\n"
    seen = []
    commands["reader"] = lambda inv: seen.append(inv.stdin) or CommandResult()
    run_shell("noisy 2>&1 | reader", {}, commands)
    assert seen == ["to stdout\nto stderr\n"]
    out, code, shell = run_shell("noisy > out.txt", {}, commands)
    assert (out, code, shell.files) == ("to stderr\n", 0, {"/builds/demo/app/out.txt": "to stdout\n"})


def test_output_redirected_to_files_is_kept_in_the_workspace():
    shell = Shell({"DIR": "reports"}, cwd="/builds/demo/app")
    for entry in ("mkdir -p reports", "echo '<testsuite>' > $DIR/junit.xml", 'echo "</testsuite>" >> "reports/junit.xml"',
                  "echo one > once.txt", "echo two > once.txt", "printf 'a\\n' 2>&1 >> log.txt", "touch empty.txt",
                  "cd reports", "echo here > here.txt", "unknown-tool --report > tool.txt"):
        out, _ = drain(shell.run(entry))
    assert shell.files == {
        "/builds/demo/app/reports/junit.xml": "<testsuite>\n</testsuite>\n", "/builds/demo/app/once.txt": "two\n",
        "/builds/demo/app/log.txt": "a\n", "/builds/demo/app/empty.txt": "",
        "/builds/demo/app/reports/here.txt": "here\n", "/builds/demo/app/reports/tool.txt": "",
    }
    assert "".join(out) == "[sandbox] not executed: unknown-tool --report > tool.txt\n"  # never into the file


_PIECES = st.sampled_from(list("ab $X{}:-0'\"\\|&;<>()`#=\n\t") + [
    "docker ", "echo ", "export ", "cd ", "exit ", "[ ", " ]", "test ", "${X:-d}", "$(", " 2>&1", "if ", "printf %s "])


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=16).map("".join))
def test_any_script_line_plays_without_crashing(entry):
    cli_calls = []
    out, code, _ = run_shell(entry, {"X": "x y"}, {"docker": lambda inv: cli_calls.append(inv) or CommandResult()})
    assert isinstance(out, str) and isinstance(code, int)


def test_the_buildkit_credentials_line_writes_the_docker_config_under_home():
    """The generated BuildKit job's line (tests/golden/pipeline/docker-buildkit-rootless-gitlab.gitlab-ci.yml): a
    command substitution in double quotes, printf with a format, base64 (wrapped at 76 columns) and tr -d '\\n'."""
    import base64
    import json

    password = "glcbt-" + "x" * 80  # long enough for base64 to wrap its output
    env = {"HOME": "/home/build", "CI_REGISTRY": "127.0.0.1:5000", "CI_REGISTRY_USER": "gitlab-ci-token",
           "CI_REGISTRY_PASSWORD": password}
    line = ('echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf \'%s:%s\' "$CI_REGISTRY_USER" '
            '"$CI_REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')\\"}}}" > ~/.docker/config.json')
    out, code, shell = run_shell(line, env)
    assert (out, code) == ("", 0)
    auth = json.loads(shell.files["/home/build/.docker/config.json"])["auths"]["127.0.0.1:5000"]["auth"]
    assert auth == base64.b64encode(f"gitlab-ci-token:{password}".encode()).decode()


def test_base64_wraps_and_decodes_and_tr_translates_and_deletes():
    out, _, _ = run_shell("printf '%s' " + "a" * 60 + " | base64")
    assert out == "YWFh" * 19 + "\n" + "YWFh" + "\n"  # GNU base64 wraps at 76 columns
    out, _, _ = run_shell("printf '%s' " + "a" * 60 + " | base64 -w 0")
    assert out == "YWFh" * 20
    out, _, _ = run_shell("echo aGVsbG8K | base64 -d | tr a-z A-Z")
    assert out == "HELLO\n"
    out, code, _ = run_shell("echo 'a b\tc' | tr -d ' \\t'; echo ~ ~/x '~/y' a~")
    assert (out, code) == ("abc\n/root /root/x ~/y a~\n", 0)
    out, code, _ = run_shell("echo x | base64 --bogus")
    assert code == 1 and "base64 --help" in out
