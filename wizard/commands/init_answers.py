"""`dockwright init-answers`: write a commented dockwright.yml from what the project folder tells."""

from __future__ import annotations

import argparse

from dockwright.wizard.errors import EXIT_OK, BadInput, RefusedOverwrite

EPILOG = """\
examples:
  dockwright init-answers                      detect this folder and write ./dockwright.yml
  dockwright init-answers --dir ../my-app      the same for another folder

Edit the file, then run `dockwright generate --answers dockwright.yml --dry-run`.
It never holds a secret: variables name the environment variable their value comes from.

exit codes: 0 ok, 2 bad input, 3 dockwright.yml exists (give --overwrite to replace it)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default=".", metavar="DIR", help="the project folder (default: this one)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing dockwright.yml")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path  # not for --help

    from dockwright.wizard.answers_file import dump_answers

    # imported here, not at the top: `dockwright --help` builds every subcommand's parser and needs none of them
    from dockwright.wizard.detect import detect, detect_plan
    from dockwright.wizard.files import write_atomic
    from dockwright.wizard.plan import ANSWERS_FILE

    directory = Path(args.dir)
    if not directory.is_dir():
        raise BadInput(f"The folder {directory} does not exist.", "Give --dir an existing project folder.")
    target = directory / ANSWERS_FILE
    if target.exists() and not args.overwrite:
        raise RefusedOverwrite(f"{target} already exists, so it was left alone.",
                               "Edit it, or give --overwrite to write a fresh one from detection.")
    found = detect(directory)
    plan = detect_plan(directory)
    write_atomic(target, dump_answers(plan))
    print(f"wrote {target}")
    for note in found.notes:
        print(f"  {note}")
    print(f"next: dockwright generate --answers {target} --dry-run")
    return EXIT_OK
