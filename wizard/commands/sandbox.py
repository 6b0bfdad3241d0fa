"""`dockwright sandbox`: a practice GitLab on 127.0.0.1, in the foreground; and `register-runner`."""

from __future__ import annotations

import argparse
import os
import sys

from dockwright.wizard.commands import port, seconds
from dockwright.wizard.errors import EXIT_OK, BadInput, NetworkError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing for --help
if TYPE_CHECKING:
    import threading

EPILOG = """\
examples:
  dockwright sandbox                       start it; prints url, token and project, then serves until Ctrl-C
  dockwright sandbox --json --port 8929    the same three facts as one JSON object, on a fixed port
  dockwright sandbox --reset               forget every pipeline, runner and variable and start over
  dockwright sandbox --demo node           the demo project starts over as a small Node.js app (also: python,
                                           the default, go, static, rust, ruby, php, java, dotnet), to practise with your own stack; then
                                           `dockwright --sandbox` works in a fresh clone of it
  dockwright sandbox --show                url, token and project of the sandbox running now (also the one
                                           `dockwright --sandbox` runs inside the wizard)
  dockwright sandbox --group-projects 20   a group "fleet" of 20 projects, each with a pipeline, to monitor
  dockwright sandbox --error-rate 0.2 --latency 0.5
                                           practise against a slow GitLab that sometimes answers 500/502
  dockwright sandbox register-runner --config ~/.gitlab-runner/config.toml
                                           the runners in that file whose token the sandbox issued go online

The token is new at every start and is never written to disk: copy it from this output, or ask the
running sandbox with --show (it answers on a socket only your user can open). `dockwright watch --sandbox`
finds it by itself.
State (pipelines, runners, variables, the git repository) stays in --data-dir between runs.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=port, default=0, help="port (default 0: any free port)")
    parser.add_argument("--data-dir", metavar="D", help="where state is kept (default $XDG_STATE_HOME/dockwright/sandbox)")
    parser.add_argument("--reset", action="store_true", help="delete the state in --data-dir first")
    parser.add_argument("--demo", metavar="STACK",
                        help="start the demo project over as STACK's small app: python (default), node, go, static, rust, ruby, php, java, dotnet")
    parser.add_argument("--json", action="store_true", help="print url, token and project as one JSON object")
    parser.add_argument("--show", action="store_true",
                        help="print url, token and project of the sandbox running with --data-dir's state, and exit")
    parser.add_argument("--engine", choices=("auto", "sim", "docker", "podman", "buildah"),
                        default=None,
                        help="what builds jobs' images: auto (the container engine found, with a real registry on "
                             "127.0.0.1; else the simulation), sim, docker, podman or buildah (default auto; "
                             "$DOCKWRIGHT_SANDBOX_ENGINE)")
    parser.add_argument("--job-seconds", type=seconds, default=1.5, help="how long each job plays (default 1.5)")
    parser.add_argument("--group-projects", type=int, default=0, metavar="N",
                        help="also make a group of N practice projects, each with a pipeline (see --group)")
    parser.add_argument("--group", default="fleet", metavar="G",
                        help="the group --group-projects fills (default fleet; a/b makes a subgroup)")
    faults = parser.add_argument_group("faults (off by default)")
    faults.add_argument("--latency", type=float, default=0.0, metavar="S", help="seconds added to every API answer")
    faults.add_argument("--error-rate", type=float, default=0.0, metavar="R", help="share of API answers that are 500/502")
    faults.add_argument("--rate-limit", type=int, default=None, metavar="N",
                        help="answer 429 with Retry-After after N API requests a minute")
    faults.add_argument("--drop-rate", type=float, default=0.0, metavar="R", help="share of API connections dropped")
    faults.add_argument("--fault-seed", type=int, default=0, metavar="N", help="seed of the fault dice")
    sub = parser.add_subparsers(dest="sandbox_command", metavar="ACTION")
    reg = sub.add_parser("register-runner", help="bring online the runners of a gitlab-runner config.toml",
                         description="Bring online the sandbox runners whose token is in a gitlab-runner config.toml, "
                                     "as a starting gitlab-runner would; they take its executor, privileged and volumes.")
    reg.add_argument("--config", metavar="PATH", required=True, help="the config.toml")
    where = reg.add_mutually_exclusive_group()
    where.add_argument("--data-dir", dest="reg_data_dir", metavar="D", help="the sandbox's data directory")
    where.add_argument("--url", metavar="U", help="a running sandbox's URL, e.g. http://127.0.0.1:8929")
    reg.add_argument("--host-has-docker", action="store_true",
                     help="the shell executor's machine has Docker installed (docker commands then work)")


def serve(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    import json  # here, not at the top: `dockwright --help` builds this parser
    from pathlib import Path  # not for --help

    from dockwright.wizard.practice import start_sandbox

    if args.data_dir:
        data_dir = Path(args.data_dir).expanduser()
        existing = next((p for p in (data_dir, *data_dir.parents) if p.exists()), data_dir)
        if existing.exists() and not existing.is_dir():
            raise BadInput(f"--data-dir {data_dir} cannot be a folder: {existing} is a file.",
                           "Give a folder (it is made when missing), or leave --data-dir out for the default.")
    import signal  # not for --help
    import threading

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        # `kill` stops it as cleanly as Ctrl-C; set before the facts are printed, which tell a caller it may stop it
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sandbox = start_sandbox(args.data_dir, host=args.host, port=args.port, job_seconds=args.job_seconds,
                            reset=args.reset, latency=args.latency, error_rate=args.error_rate,
                            rate_limit=args.rate_limit, drop_rate=args.drop_rate, fault_seed=args.fault_seed,
                            demo=args.demo,
                            engine=args.engine or os.environ.get("DOCKWRIGHT_SANDBOX_ENGINE") or "auto")
    try:
        if args.group_projects:
            made = sandbox.create_group_projects(args.group, args.group_projects)
            print(f"dockwright sandbox: group {args.group} holds {len(made)} practice projects "
                  f"({made[0]} ... {made[-1]})", file=sys.stderr, flush=True)
        facts = {"url": sandbox.url, "token": sandbox.token, "project": sandbox.project_path}
        engine = getattr(sandbox, "engine", "sim")
        if args.json:
            print(json.dumps({**facts, "engine": engine, "registry": getattr(sandbox, "registry_host", "")}),
                  flush=True)
        else:
            from dockwright.wizard.sandbox_link import facts_lines

            print("\n".join(facts_lines(**facts)), flush=True)
        print(f"dockwright sandbox: builds: {getattr(sandbox, 'engine_note', '') or engine}", file=sys.stderr)
        print(f"dockwright sandbox: serving {sandbox.url} (state in {sandbox.data_dir}); Ctrl-C stops it.\n"
              f"  clone it: git clone {sandbox.url}/{sandbox.project_path}.git  (any user name; the token is the "
              "password)\n"
              f"  API:      curl -H \"PRIVATE-TOKEN: <token>\" {sandbox.url}/api/v4/projects/"
              f"{sandbox.project_path.replace('/', '%2F')}",
              file=sys.stderr, flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return EXIT_OK


def register_runner(args: argparse.Namespace) -> int:
    import json  # here, not at the top: `dockwright --help` builds this parser
    from pathlib import Path  # not for --help

    from dockwright.wizard import practice

    path = Path(args.config).expanduser()
    text = practice.read_runner_config(path)
    if args.url:
        import urllib.error  # with http.client ~40 ms: here, not for `--help`
        import urllib.request

        url = args.url.rstrip("/")
        query = "?host_has_docker=true" if args.host_has_docker else ""
        request = urllib.request.Request(f"{url}/-/sandbox/register-runners{query}", data=text.encode("utf-8"),
                                         method="POST", headers={"Content-Type": "application/toml"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                ids = json.loads(answer.read().decode("utf-8"))["registered"]
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise BadInput(f"The sandbox at {url} refused the configuration ({exc.code}): {detail}",
                           "Check that the URL is a dockwright sandbox and the file is a gitlab-runner config.toml.") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise NetworkError(f"No sandbox answers at {url} ({exc}).",
                               "Start it with `dockwright sandbox`, or give its --data-dir instead.") from None
    else:
        chosen = args.reg_data_dir or args.data_dir
        data_dir = Path(chosen).expanduser() if chosen else practice.default_data_dir()
        if not (data_dir / "sandbox.sqlite3").exists():
            raise BadInput(f"There is no sandbox state in {data_dir}.",
                           "Start one with `dockwright sandbox --data-dir D`, or pass --url of a running one.")
        ids = practice.register_runners_in_data_dir(data_dir, text, path.resolve(),
                                                    host_has_docker=args.host_has_docker)
    if not ids:
        print(f"dockwright sandbox: no runner in {path} has a token this sandbox issued (or its url is another "
              "GitLab); create the runner first (POST /user/runners) and put its glrt- token in the file.",
              file=sys.stderr)
        return 2
    print(json.dumps({"registered": ids}) if getattr(args, "json", False)
          else "online: " + ", ".join(f"runner {i}" for i in ids))
    return EXIT_OK


def show(args: argparse.Namespace) -> int:
    """``--show``: ask the running sandbox (its socket answers only this user) for url, token and project."""
    import json  # here, not at the top: `dockwright --help` builds this parser

    from dockwright.wizard.sandbox_link import ask_running_sandbox, default_data_dir, facts_lines

    facts = ask_running_sandbox(args.data_dir)
    if facts is None:
        raise BadInput(f"No sandbox is running with the state in {args.data_dir or default_data_dir()}.",
                       "Start one with `dockwright sandbox` (or `dockwright --sandbox` for the wizard with one "
                       "inside), or give --data-dir the folder of the one you started.")
    if args.json:
        print(json.dumps({"url": facts.url, "token": facts.token.reveal(), "project": facts.project}), flush=True)
    else:
        print("\n".join(facts_lines(facts.url, facts.token, facts.project)), flush=True)
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if getattr(args, "sandbox_command", None) == "register-runner":
        return register_runner(args)
    if getattr(args, "show", False):
        return show(args)
    return serve(args)
