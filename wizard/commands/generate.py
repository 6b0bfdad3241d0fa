"""`dockwright generate`: write the Dockerfile, .dockerignore and .gitlab-ci.yml of an answers file."""

from __future__ import annotations

import argparse
import sys

from dockwright.wizard.errors import EXIT_OK, BadInput

EPILOG = """\
examples:
  dockwright generate --answers dockwright.yml --dry-run      show the diffs, write nothing
  dockwright generate --answers dockwright.yml                write the files next to dockwright.yml
  dockwright generate --answers dockwright.yml --runner-config ./runner-template.toml
                                                              also write the runner's register template

An existing .gitlab-ci.yml is merged: only the jobs between the dockwright markers are replaced.
A Dockerfile dockwright did not write is left alone unless --overwrite (the old one is kept as NAME.orig).
The runner template has no token: `gitlab-runner register --template-config FILE` appends its own
entry with the token to config.toml and takes the settings from the template (register never fills in
a placeholder). `dockwright apply` writes the live entry itself. A file with other runners is refused.

Every file is checked before the first one is written, and either all are written or none: a link is
written through to its file in the project, and anything that is not a regular file is left alone.

exit codes: 0 ok, 2 bad input (the answers file says which key and line, or GitLab would refuse the
            result), 3 refused to overwrite (a file dockwright cannot merge or may not replace)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answers", required=True, metavar="FILE", help="the answers file (dockwright.yml)")
    parser.add_argument("--dir", metavar="DIR", help="the project folder to write into (default: the answers file's folder)")
    parser.add_argument("--dry-run", action="store_true", help="print unified diffs and write nothing")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files dockwright cannot merge, keeping the old one as NAME.orig")
    parser.add_argument("--runner-config", metavar="PATH",
                        help="also write the runner's [[runners]] entry, without token, to this file (mode 0600) as the template "
                             "for `gitlab-runner register --template-config`")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path  # not for --help

    from dockwright.wizard.answers_file import load_answers

    # imported here, not at the top: `dockwright --help` builds every subcommand's parser and needs none of them
    from dockwright.wizard.changes import apply_file_changes, plan_file_changes
    from dockwright.wizard.checks import check_coherence, check_pipeline
    from dockwright.wizard.detect import detect_plan

    if not args.answers.strip():
        raise BadInput("--answers names no file (it is empty).", "Give the path of a dockwright.yml, e.g. --answers dockwright.yml.")
    answers = Path(args.answers)
    # the folder that holds the answers file as named: a link to a shared answers file writes here, not there
    directory = Path(args.dir) if args.dir else answers.absolute().parent
    if not directory.is_dir():
        if not args.dir:
            load_answers(answers)  # says what is wrong with the path of the answers file
        problem = "is not a folder" if directory.exists() else "does not exist"
        raise BadInput(f"The project folder {directory} {problem}.", "Give --dir an existing project folder.")
    if args.runner_config is not None and not args.runner_config.strip():
        raise BadInput("--runner-config names no file (it is empty).", "Give the path of the runner's config.toml.")
    notes: list[str] = []
    plan = load_answers(answers, defaults=detect_plan(directory), notes=notes)
    for note in notes:
        print(f"dockwright: note: {note}", file=sys.stderr)
    changes = plan_file_changes(plan, directory, overwrite=args.overwrite, runner_config_path=args.runner_config)

    pipeline = next(c for c in changes if c.path.name == ".gitlab-ci.yml")
    findings = check_coherence(plan) + check_pipeline(pipeline.new_text)
    for finding in findings:
        print(f"dockwright: {finding}", file=sys.stderr)
    errors = [f for f in findings if f.level == "error"]
    refused = BadInput(
        f"GitLab would refuse the result ({len(errors)} error{'s' if len(errors) != 1 else ''} above), so dockwright "
        "wrote nothing.", "Fix what each error names (the answers file or .gitlab-ci.yml) and re-run.")

    if args.dry_run:
        for change in changes:
            print(f"# {change.summary}")
            print(change.preview(), end="")
        print("# dry run: nothing was written.")
        if errors:
            raise refused
        return EXIT_OK
    if errors:
        raise refused
    for change, result in zip(changes, apply_file_changes(changes), strict=False):
        print(f"{change.summary}: {result}")
    if plan.helm_runner:
        from dockwright.wizard.render import render_register_command

        print(f"\nInstall the runner in your cluster with the GitLab Runner Helm chart and "
              f"{plan.runner.kubernetes.helm_values_path}:\n" + render_register_command(plan, url=plan.gitlab.url), end="")
    elif args.runner_config is not None and plan.uses_own_runner:
        from dockwright.wizard.render import render_register_command

        print("\nRegister the runner with this template (register adds the entry with its token):\n"
              + render_register_command(plan, url=plan.gitlab.url, template_path=args.runner_config), end="")
    return EXIT_OK
