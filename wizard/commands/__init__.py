"""One module per `dockwright` subcommand.

Each module defines ``add_arguments(parser)`` and ``run(args) -> int`` (and may define ``EPILOG``); its name
and one-line help are in :data:`SUBCOMMANDS`, so that `dockwright --help` lists every subcommand without
importing one. A subcommand is listed there only once it works.
"""

import argparse
import math


def seconds(text: str) -> float:
    """argparse ``type=`` for a duration: a finite number of seconds, 0 or more (not -1, nan or inf)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 or more), e.g. 120")
    return value


def port(text: str) -> int:
    """argparse ``type=`` for a TCP port to listen on: 0 (any free port) to 65535."""
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: 1 to 65535, or 0 for any free one")
    return int(text)

SUBCOMMANDS: dict[str, tuple[str, str]] = {
    # the command's name: (its module in wizard/commands/, its help), in the order `dockwright --help` lists them
    "init-answers": ("init_answers", "write a commented dockwright.yml with the answers detected in a project folder"),
    "generate": ("generate", "write the Dockerfile, .dockerignore and .gitlab-ci.yml that an answers file describes"),
    "apply": ("apply", "run the onboarding from an answers file: files, variables, runner, lint, commit, push, watch"),
    "watch": ("watch", "follow a GitLab pipeline live and explain why a job failed"),
    "sandbox": ("sandbox", "run a practice GitLab on 127.0.0.1 (REST API, git over HTTP, runners, pipelines, "
                "registry)"),
}
