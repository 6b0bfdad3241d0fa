"""One module per `dockwright` subcommand.

Each module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``.
A subcommand is listed in :data:`SUBCOMMANDS` only once it works.
"""

SUBCOMMANDS: tuple[str, ...] = (
    # module names in wizard/commands/, in the order `dockwright --help` lists them
    "init_answers",
    "generate",
    "apply",
    "watch",
    "sandbox",
)
