"""`python -m dockwright.sandbox`: the same as `dockwright sandbox`."""

import argparse
import sys

from dockwright.wizard.commands import SUBCOMMANDS
from dockwright.wizard.commands import sandbox as command
from dockwright.wizard.errors import DockwrightError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dockwright.sandbox", description=SUBCOMMANDS["sandbox"][1],
                                     epilog=command.EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return command.run(args)
    except DockwrightError as exc:
        print(f"dockwright: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
