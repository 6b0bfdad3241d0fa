"""`dockwright watch`: follow a pipeline, full screen in a terminal, line by line otherwise."""

from __future__ import annotations

import argparse
import os
import sys

from dockwright.wizard.errors import BadInput

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing for --help
if TYPE_CHECKING:
    from typing import Any

EPILOG = """\
examples:
  dockwright watch                         in a terminal: this project's pipelines, live (Enter opens one);
                                           piped or --plain: the pipeline of HEAD (waits for it to appear)
  dockwright watch --list --plain          this project's recent pipelines, one line each (--json: one JSON
                                           object per line); --failed, --mine, --merge-requests, --ref R filter
  dockwright watch --list --group fleet    the recent pipelines of every project of group fleet (and its
                                           subgroups) in one list, with a project column; --max-projects N
  dockwright watch --list --project a/one --project a/two
                                           the recent pipelines of several projects in one list
  dockwright watch --ref main              the newest pipeline of branch main
  dockwright watch --follow-ref main       keep following main: each new pipeline of it when it starts
  dockwright watch --project group/app --pipeline 1234 --plain
                                           one pipeline, as lines (also what happens when output is piped)
  dockwright watch --sandbox               the newest pipeline of the sandbox running on this machine (the
                                           one `dockwright sandbox` or `dockwright --sandbox` started)

The token comes from --token-env NAME, GITLAB_TOKEN, python-gitlab's or glab's config; it is never
printed or written. For a sandbox on this machine, the running sandbox gives it (over a socket only your
user can open), so nothing needs to be exported. exit codes: 0 passed, 1 failed or canceled, 2 bad input, 4 GitLab refused, 5 network
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", metavar="P", action="append",
                        help="project path, e.g. group/app (default: from the git remote); with --list it may repeat: "
                             "one list of several projects")
    parser.add_argument("--group", metavar="G",
                        help="with --list: the pipelines of the group's projects (those the token can see, subgroups "
                             "too), asked often while a pipeline runs and rarely while idle; slower (and said) when "
                             "GitLab's rate limit is near")
    parser.add_argument("--max-projects", metavar="N", type=int, default=20,
                        help="with --group: poll at most the N most recently active projects (default 20)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--pipeline", metavar="N", type=int, help="pipeline id")
    which.add_argument("--sha", metavar="S", help="commit SHA whose newest pipeline to follow (default: HEAD)")
    which.add_argument("--ref", metavar="R", help="branch or tag whose newest pipeline to follow")
    which.add_argument("--follow-ref", metavar="R",
                       help="keep following branch R: its newest pipeline, then each new one when it starts, "
                            "until you quit (Ctrl-C with --plain)")
    parser.add_argument("--url", metavar="U", help="GitLab URL (default: GITLAB_HOST, CI_SERVER_URL or the git remote)")
    parser.add_argument("--token-env", metavar="NAME", help="environment variable that holds the token")
    parser.add_argument("--plain", action="store_true", help="print lines instead of the full-screen view")
    parser.add_argument("--sandbox", action="store_true",
                        help="watch the sandbox running on this machine: its URL, token and project come from it")
    parser.add_argument("--data-dir", metavar="D", help="with --sandbox: the state folder of the sandbox to watch")
    parser.add_argument("--no-notify", action="store_true",
                        help="no bell or desktop notification when a followed pipeline ends")
    parser.add_argument("--list", action="store_true",
                        help="the project's recent pipelines, newest first (default in a terminal without a target)")
    parser.add_argument("--json", action="store_true", help="with --list: one JSON object per pipeline, per line")
    parser.add_argument("--mine", action="store_true", help="with --list: only pipelines you started")
    parser.add_argument("--failed", action="store_true", help="with --list: only failed pipelines")
    parser.add_argument("--merge-requests", action="store_true", help="with --list: only merge request pipelines")
    parser.add_argument("--mr", metavar="N", nargs="?", type=int, const=0,
                        help="the pipelines of merge request !N (without N: the current branch's open merge request)")


def _repo_defaults(path: str) -> tuple[str | None, str | None]:
    """(project path from the GitLab remote, HEAD sha) of the repository at ``path``, when there is one."""
    project = sha = None
    try:
        from dockwright.wizard.git import Repo

        repo = Repo(path)
        if repo.is_repo():
            sha = repo.head_sha()
    except Exception:  # not a repository, no git: the flags must say it
        return None, None
    try:
        from dockwright.wizard.detect import gitlab_remote

        found = gitlab_remote(path)
        if found is not None:
            project = found[3]
    except ImportError:
        pass
    return project, sha


def resolve_target(args: argparse.Namespace, cwd: str) -> tuple[str, dict[str, Any]]:
    """The project and the pipeline selector (pipeline_id / sha / ref) the flags and the repository give."""
    project, head = (args.project, None)
    if not project or not (args.pipeline or args.sha or args.ref):
        repo_project, head = _repo_defaults(cwd)
        project = project or repo_project
    if not project:
        raise BadInput("No GitLab project to watch was found: this folder has no GitLab git remote.",
                       "Pass --project group/app (and --url for a self-managed GitLab).")
    if args.pipeline:
        return project, {"pipeline_id": args.pipeline}
    if args.sha:
        return project, {"sha": args.sha}
    if args.ref:
        return project, {"ref": args.ref}
    if not head:
        raise BadInput("This folder is not a git repository with a commit, so there is no HEAD to watch.",
                       "Pass --pipeline N, --sha S or --ref BRANCH.")
    return project, {"sha": head}


def run(args: argparse.Namespace) -> int:
    from dockwright.wizard.gitlab import GitLabClient

    cwd = os.getcwd()
    full_screen = getattr(args, "full_screen", None)
    terminal = full_screen is not None and not args.plain and not args.json and sys.stdout.isatty() \
        and sys.stdin.isatty()
    projects = several_projects(args)
    listing = wants_list(args, terminal)
    if projects:
        return run_several(args, projects, cwd, full_screen if terminal else None)
    if getattr(args, "sandbox", False):
        url, token, project, target = sandbox_target(args, cwd)
    elif listing or args.follow_ref:
        found = args.project or _repo_defaults(cwd)[0]
        if not found:
            raise BadInput("No GitLab project to watch was found: this folder has no GitLab git remote.",
                           "Pass --project group/app (and --url for a self-managed GitLab).")
        project, target = found, {}
        url, token = connection(args, cwd)
    else:
        project, target = resolve_target(args, cwd)
        url, token = connection(args, cwd)
    client = GitLabClient.connect(url, token)
    if listing:
        filters = list_filter(args)
        if args.mr is not None:
            from dataclasses import replace  # here: `dockwright --help` builds this parser, and needs none of it

            filters = replace(filters, mr=args.mr or branch_merge_request(client, project, cwd))
        if not terminal:
            import asyncio  # ~35 ms, not for `--help`

            return asyncio.run(print_list(client, project, filters, sys.stdout, as_json=args.json))
        assert full_screen is not None
        return int(full_screen.run_watch_list(client, project, {"filters": filters, "notify": not args.no_notify}))
    if args.follow_ref:
        return follow_ref(args, client, project, full_screen if terminal else None)
    if not terminal or full_screen is None:
        import asyncio

        return asyncio.run(watch_plain(client, project, target, sys.stdout, notify=not args.no_notify))
    return full_screen.run_watch(client, project, {**target, "notify": not args.no_notify})


def several_projects(args: argparse.Namespace) -> list[str]:
    """--group G or --project given more than once: the list of several projects (the projects, or [] for one
    project); refuses what picks a single pipeline. Leaves ``args.project`` a single path (or None)."""
    given = list(dict.fromkeys(args.project or []))
    args.project = given[0] if given else None
    group = getattr(args, "group", None)
    if not group and len(given) < 2:
        return []
    what = f"--group {group}" if group else "several --project"
    if group and given:
        raise BadInput("--group lists the group's projects; --project names projects itself.",
                       "Use one of them: --group G, or --project A --project B.")
    picked = [flag for flag, value in (("--pipeline", args.pipeline), ("--sha", args.sha),
                                       ("--follow-ref", args.follow_ref), ("--mr", args.mr)) if value is not None]
    if picked:
        raise BadInput(f"{what} shows a list of many projects' pipelines; {picked[0]} picks one pipeline of one "
                       "project.", f"Drop {picked[0]} to list them, or pass a single --project P with {picked[0]}.")
    if args.max_projects < 1:
        raise BadInput(f"--max-projects {args.max_projects} polls no project.", "Give 1 or more (default 20).")
    return [group] if group else given


def run_several(args: argparse.Namespace, projects: list[str], cwd: str, full_screen: Any) -> int:
    """The list of several projects' pipelines (wizard/watch_group.py): full screen, or once as lines / JSON."""
    from dockwright.wizard.gitlab import GitLabClient
    from dockwright.wizard.watch_group import GroupSchedule

    if getattr(args, "sandbox", False):
        url, token, _project, _target = sandbox_target(args, cwd)
    else:
        url, token = connection(args, cwd)
    # a 429 reaches the list's poller after a short wait (it says so and waits as GitLab asked), not after
    # python-gitlab slept up to three times Retry-After in silence
    client = GitLabClient.connect(url, token, max_rate_limit_wait=5.0)
    group = args.group or None
    paths = [] if group else projects
    schedule = GroupSchedule(max_projects=args.max_projects)
    filters = list_filter(args)
    if full_screen is None:
        import asyncio

        return asyncio.run(print_several(client, paths, group, filters, schedule, sys.stdout, as_json=args.json))
    options = {"filters": filters, "notify": not args.no_notify, "projects": paths, "group": group,
               "group_schedule": schedule}
    return int(full_screen.run_watch_list(client, group or paths[0], options))


async def print_several(client: Any, projects: list[str], group: str | None, filters: Any, schedule: Any, out: Any,
                        *, as_json: bool = False) -> int:
    """``--list --plain`` / ``--json`` of several projects: their pipelines once, newest first (a project word
    on each line; the JSON objects carry ``project``); a sentence about the projects goes to stderr."""
    from dockwright.wizard.watch_group import ListNote, watch_projects
    from dockwright.wizard.watch_list import ListUpdate, write_rows

    async for event in watch_projects(client, projects, group=group, filters=lambda: filters, schedule=schedule,
                                      once=True):
        if isinstance(event, ListUpdate):
            write_rows(event.rows, out, as_json=as_json, empty=f"No pipelines ({filters.describe()}).",
                       show_project=True)
        elif isinstance(event, ListNote) and event.text:
            print(event.text, file=sys.stderr)
    out.flush()
    return 0


def follow_ref(args: argparse.Namespace, client: Any, project: str, full_screen: Any) -> int:
    """--follow-ref R: full screen in a terminal, else lines until Ctrl-C (then the last pipeline's exit code)."""
    if full_screen is not None:
        return int(full_screen.run_watch(client, project, {"follow_ref": args.follow_ref, "notify": not args.no_notify}))
    import asyncio

    from dockwright.wizard.notify import Notifier
    from dockwright.wizard.watch_ref import follow_ref_plain

    notifier = Notifier(sys.stdout, not args.no_notify and sys.stdout.isatty())
    try:
        return asyncio.run(follow_ref_plain(client, project, args.follow_ref, sys.stdout, notifier=notifier))
    except KeyboardInterrupt:
        print(f"Stopped following {args.follow_ref}.", file=sys.stderr)
        return 0


def wants_list(args: argparse.Namespace, terminal: bool) -> bool:
    """--list (or --json, a list filter) asks for the list; in a terminal, so does no target at all: the list
    opens on the project's pipelines (HEAD's is one Enter away). Piped without a target, HEAD's pipeline is
    followed as before, so scripts keep their exit code."""
    if args.list or args.json or args.mine or args.failed or args.merge_requests or args.mr is not None:
        if args.pipeline or args.sha or args.follow_ref:
            raise BadInput("--list shows many pipelines; --pipeline, --sha and --follow-ref pick one.",
                           "Drop --list to follow that pipeline, or drop --pipeline/--sha to list (--ref R filters; "
                           "F in the list follows a branch).")
        return True
    explicit = args.pipeline or args.sha or args.ref or args.follow_ref
    return terminal and not explicit


def branch_merge_request(client: Any, project: str, cwd: str) -> int:
    """``--mr`` without a number: the iid of the current branch's open merge request."""
    from dockwright.wizard.git import Repo

    try:
        branch = Repo(cwd).current_branch()
    except Exception:  # not a repository: said below
        branch = None
    if not branch:
        raise BadInput("--mr without a number takes the current branch's merge request, and this folder is not on "
                       "a branch of a git repository.", "Pass the merge request's number: --mr 12.")
    found = client.open_merge_request(project, branch)
    if found is None:
        raise BadInput(f"Branch {branch} has no open merge request in {project}.",
                       "Open one (git push -o merge_request.create), or pass its number: --mr 12.")
    return int(found["iid"])


def list_filter(args: argparse.Namespace) -> Any:
    from dockwright.wizard.watch_list import ListFilter

    return ListFilter(mine=args.mine, ref=args.ref or "", merge_requests=args.merge_requests, failed=args.failed)


async def print_list(client: Any, project: str, filters: Any, out: Any, *, as_json: bool = False) -> int:
    """``--list --plain`` / ``--json``: the list once, newest first; exit 0 whatever the pipelines' statuses."""
    from dockwright.wizard.watch_list import ListUpdate, watch_list, write_rows

    async for event in watch_list(client, project, filters=lambda: filters, once=True):
        if isinstance(event, ListUpdate):
            write_rows(event.rows, out, as_json=as_json, empty=f"No pipelines ({filters.describe()}).")
    out.flush()
    return 0


def connection(args: argparse.Namespace, cwd: str) -> tuple[str, Any]:
    """URL and token from the flags, environment and configs; for a sandbox on this machine without a token
    anywhere, the running sandbox at that URL gives its own."""
    from dockwright.wizard.credentials import is_loopback_url, resolve_token, resolve_url
    from dockwright.wizard.sandbox_link import ask_running_sandbox

    url, _source = resolve_url(flag=args.url, repo_path=cwd)
    try:
        token, _where = resolve_token(url, args.token_env)
    except BadInput:
        running = ask_running_sandbox(getattr(args, "data_dir", None)) if is_loopback_url(url) else None
        if args.token_env or running is None or running.url.rstrip("/") != url.rstrip("/"):
            raise
        token = running.token
    return url, token


def sandbox_target(args: argparse.Namespace, cwd: str) -> tuple[str, Any, str, dict[str, Any]]:
    """``--sandbox``: url, token and project from the running sandbox; the pipeline from the flags, else HEAD of
    this folder when it is a clone of the sandbox's project, else the project's newest pipeline."""
    from dockwright.wizard.sandbox_link import ask_running_sandbox, default_data_dir

    running = ask_running_sandbox(args.data_dir)
    if running is None:
        raise BadInput(f"No sandbox is running with the state in {args.data_dir or default_data_dir()}.",
                       "Start it first: `dockwright sandbox` in another terminal, or `dockwright --sandbox` for "
                       "the wizard with one inside (give --data-dir when it keeps its state elsewhere).")
    project = args.project or running.project
    if args.pipeline:
        return running.url, running.token, project, {"pipeline_id": args.pipeline}
    if args.sha or args.ref:
        return running.url, running.token, project, {"sha": args.sha} if args.sha else {"ref": args.ref}
    repo_project, head = _repo_defaults(cwd)
    if head and repo_project == project:
        return running.url, running.token, project, {"sha": head}
    return running.url, running.token, project, {}  # the newest pipeline, whichever branch


async def watch_plain(client: Any, project: str, target: dict[str, Any], out: Any, *, notify: bool = True) -> int:
    """The watch as lines; in a terminal (not a pipe) its end rings the bell and says so (wizard/notify.py)."""
    from dockwright.wizard.notify import Notifier
    from dockwright.wizard.watch import follow
    from dockwright.wizard.watch_plain import print_plain

    notifier = Notifier(out, notify and out.isatty())
    return await print_plain(follow(client, project, **target), out, notifier=notifier, project=project)
