"""`dockwright generate`: write the Dockerfile, .dockerignore and .gitlab-ci.yml of an answers file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dockwright.wizard.changes import plan_file_changes
from dockwright.wizard.checks import check_coherence, check_pipeline
from dockwright.wizard.detect import detect_plan
from dockwright.wizard.errors import EXIT_OK, BadInput
from dockwright.wizard.plan import load_answers

NAME = "generate"
HELP = "write the Dockerfile, .dockerignore and .gitlab-ci.yml that an answers file describes"
EPILOG = """\
examples:
  dockwright generate --answers dockwright.yml --dry-run      show the diffs, write nothing
  dockwright generate --answers dockwright.yml                write the files next to dockwright.yml
  dockwright generate --answers dockwright.yml --runner-config ./config.toml
                                                              also merge the runner's [[runners]] entry

An existing .gitlab-ci.yml is merged: only the jobs between the dockwright markers are replaced.
A Dockerfile dockwright did not write is left alone unless --overwrite (the old one is kept as NAME.orig).
The runner entry carries the placeholder token "<runner token>": `dockwright apply` or
`gitlab-runner register` fills in the real one, which never goes through this command.

exit codes: 0 ok, 2 bad input (the answers file says which key and line), 3 refused to overwrite
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--answers", required=True, metavar="FILE", help="the answers file (dockwright.yml)")
    parser.add_argument("--dir", metavar="DIR", help="the project folder to write into (default: the answers file's folder)")
    parser.add_argument("--dry-run", action="store_true", help="print unified diffs and write nothing")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace files dockwright cannot merge, keeping the old one as NAME.orig")
    parser.add_argument("--runner-config", metavar="PATH",
                        help="also merge the runner's entry into this config.toml (written with mode 0600)")


def run(args: argparse.Namespace) -> int:
    answers = Path(args.answers)
    directory = Path(args.dir) if args.dir else answers.resolve().parent
    if not directory.is_dir():
        raise BadInput(f"The folder {directory} does not exist.", "Give --dir an existing project folder.")
    notes: list[str] = []
    plan = load_answers(answers, defaults=detect_plan(directory), notes=notes)
    for note in notes:
        print(f"dockwright: note: {note}", file=sys.stderr)
    changes = plan_file_changes(plan, directory, overwrite=args.overwrite, runner_config_path=args.runner_config)

    pipeline = next(c for c in changes if c.path.name == ".gitlab-ci.yml")
    for finding in check_coherence(plan) + check_pipeline(pipeline.new_text):
        print(f"dockwright: {finding}", file=sys.stderr)

    if args.dry_run:
        for change in changes:
            print(f"# {change.summary}")
            print(change.preview(), end="")
        print("# dry run: nothing was written.")
        return EXIT_OK
    for change in changes:
        print(f"{change.summary}: {change.apply()}")
    return EXIT_OK
