"""One module per `dockwright` subcommand.

Each module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
A subcommand is listed in :data:`SUBCOMMANDS` only once it works.
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

SUBCOMMANDS: tuple[str, ...] = (
    # module names in wizard/commands/, in the order `dockwright --help` lists them
    "init_answers",
    "generate",
    "apply",
    "watch",
    "sandbox",
)
