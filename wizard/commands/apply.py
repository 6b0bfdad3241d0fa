"""`dockwright apply`: run the answers file against GitLab, without a screen."""

from __future__ import annotations

import argparse
import os
import sys

from dockwright.wizard.commands import seconds
from dockwright.wizard.errors import EXIT_BAD_INPUT, BadInput, DockwrightError

EPILOG = """\
examples:
  dockwright apply --answers dockwright.yml --dry-run
                                 list every change (files as diffs, API calls with secrets hidden)
  GITLAB_TOKEN=... dockwright apply --answers dockwright.yml --yes
                                 do it all and follow the pipeline to the end
  dockwright apply --answers dockwright.yml --no-push
                                 write files, variables and runner, commit locally, do not push
  dockwright apply --answers dockwright.yml --preflight --dry-run
                                 build the image here and run it for a moment first (docker, podman or
                                 buildah; never pushed), then list the changes
  dockwright apply --answers dockwright.yml --yes --retry-pipeline
                                 after a failed pipeline: finish what is missing and retry its failed jobs

Values of CI/CD variables come from the environment variable each one names (from_env), or are asked
without echo. The GitLab token (--token-env NAME, GITLAB_TOKEN, python-gitlab's or glab's config, or a
hidden prompt) is never written anywhere. A re-run after a failure finishes the job and duplicates nothing.

exit codes: 0 pipeline succeeded and image tags present, 1 pipeline failed, 2 bad input,
            3 an existing file dockwright cannot merge (--overwrite replaces it, kept as .orig),
            4 GitLab refused (auth, scope, role), 5 network, 70 a bug in dockwright (traceback printed),
            75 another apply is running on this repository or runner config.toml (nothing changed; re-run later),
            130 interrupted (Ctrl-C): a re-run finishes the job
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answers", metavar="F", required=True, help="the answers file (dockwright.yml)")
    parser.add_argument("--url", metavar="U", help="GitLab URL (default: the answers file, GITLAB_HOST, CI_SERVER_URL)")
    parser.add_argument("--token-env", metavar="NAME", help="environment variable that holds the GitLab token")
    parser.add_argument("--dry-run", action="store_true", help="list every change and do nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask before changing things in GitLab")
    parser.add_argument("--no-push", dest="push", action="store_false", help="commit locally but do not push")
    parser.add_argument("--watch", dest="watch", action=argparse.BooleanOptionalAction, default=True,
                        help="follow the pipeline after the push (default: yes)")
    parser.add_argument("--preflight", action="store_true",
                        help="first build the image on this machine and run it for a moment (docker, podman or "
                             "buildah; nothing is pushed; no engine: said, and apply goes on)")
    parser.add_argument("--overwrite", action="store_true", help="replace files dockwright cannot merge (kept as .orig)")
    parser.add_argument("--ca-file", metavar="PEM", help="CA certificate(s) to trust for a self-managed GitLab")
    parser.add_argument("--insecure", action="store_true", help="do not verify GitLab's TLS certificate (warned)")
    parser.add_argument("--runner-timeout", metavar="S", type=seconds, default=120.0,
                        help="seconds to wait for the runner to come online (default 120)")
    parser.add_argument("--retry-pipeline", action="store_true",
                        help="when the pushed commit's pipeline failed before (a re-run), retry its failed jobs "
                             "(asked in a terminal without --yes; otherwise said)")
    parser.add_argument("--delete-orphan-runners", action="store_true",
                        help="delete the runners dockwright created for the project that the runner's config.toml "
                             "does not hold (asked one by one in a terminal without --yes; otherwise only listed)")
    parser.add_argument("--gitlab-wait", metavar="S", type=seconds,
                        help="while following the pipeline, seconds GitLab may stay unreachable before apply "
                             "stops with exit 5 (default 60, or $DOCKWRIGHT_GITLAB_WAIT)")


def _gitlab_wait(given: float | None) -> float:
    if given is not None:
        return given
    text = os.environ.get("DOCKWRIGHT_GITLAB_WAIT") or "60"
    try:
        return seconds(text)
    except argparse.ArgumentTypeError as exc:
        raise BadInput(f"DOCKWRIGHT_GITLAB_WAIT: {exc}.", "Set it to a number of seconds, or unset it.") from None


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _hidden_prompt(message: str) -> str:
    import getpass  # not for --help

    return getpass.getpass(f"{message}: ")


def _confirm(message: str) -> bool:
    answer = input(f"{message} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path  # not for --help

    from dockwright.wizard.answers_file import load_answers
    from dockwright.wizard.apply import run_apply
    from dockwright.wizard.apply_changes import ApplyOptions, dry_run
    from dockwright.wizard.credentials import resolve_token, resolve_url
    from dockwright.wizard.plan import GitLabSpec, check_plan, replace_in
    from dockwright.wizard.session import Session

    answers = Path(args.answers)
    if not answers.exists():
        raise BadInput(f"The answers file {answers} does not exist.",
                       "Create one with `dockwright` (the wizard saves it) or `dockwright generate`.")
    notes: list[str] = []
    plan = load_answers(answers, notes=notes)
    for note in notes:
        print(f"dockwright: note: {note}", file=sys.stderr)
    problems = check_plan(plan)
    if problems:
        key, problem, allowed = problems[0]
        raise BadInput(f"{answers}: `{key}` {problem}.", f"Allowed: {allowed}.")
    from dockwright.wizard.checks import secret_env_findings

    for finding in secret_env_findings(plan):  # it would land in git and in the image
        print(f"dockwright: {finding}", file=sys.stderr)
    if not plan.gitlab.project:
        raise BadInput(f"{answers}: `gitlab.project` is empty.", "Set it to the project path, e.g. group/app.")
    directory = answers.absolute().parent  # the folder holding the answers file as named, even through a link
    interactive = _interactive()
    options = ApplyOptions(dry_run=args.dry_run, push=args.push, watch=args.watch, overwrite=args.overwrite,
                           runner_online_timeout=args.runner_timeout, gitlab_wait=_gitlab_wait(args.gitlab_wait),
                           prompt=_hidden_prompt if interactive else None,
                           confirm=(lambda m: True) if args.yes else (_confirm if interactive else None),
                           retry_pipeline=(lambda m: True) if args.retry_pipeline else (
                               _confirm if interactive and not args.yes else None),
                           delete_orphan=(lambda m: True) if args.delete_orphan_runners else (
                               _confirm if interactive and not args.yes else None))
    session = Session(workdir=directory, answers_path=answers, ca_file=args.ca_file, insecure=args.insecure)
    plan_url = plan.gitlab.url if plan.gitlab.url != GitLabSpec().url else None
    url, session.url_source = resolve_url(plan_url, args.url, repo_path=directory)
    plan = replace_in(plan, "gitlab", url=url)
    if args.preflight:
        from dockwright.wizard.preflight_build import preflight_build

        preflight_build(plan, directory, lambda line: print(line, flush=True), overwrite=args.overwrite)
    if args.dry_run:
        return dry_run(plan, session, options, sys.stdout)
    session.token, session.token_source = resolve_token(url, args.token_env,
                                                        prompt=_hidden_prompt if interactive else None)
    session.client = session.connect(url)
    print(f"GitLab {url}, token from the {session.token_source}.")
    if not args.yes and interactive and not _confirm(f"Apply {answers} to {plan.gitlab.project} on {url}?"):
        print("Nothing done.")
        return EXIT_BAD_INPUT
    try:
        report = run_apply(plan, session, options, sys.stdout)
    except DockwrightError as exc:
        partial = getattr(exc, "report", None)
        if partial is not None:
            print("\n".join(partial.summary_lines()))
        print(f"\ndockwright: {exc}", file=sys.stderr)
        return exc.exit_code
    print("\n".join(report.summary_lines()))
    return report.exit_code
