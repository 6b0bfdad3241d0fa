"""The `dockwright` console script: wizard/cli.py's commands with the full-screen UI plugged in.

This is the one place where the core and the screens meet; `wizard/` never imports `screens`. Textual is
loaded only when a full screen is actually opened, so `dockwright apply` and friends start without it.
"""

from __future__ import annotations

import sys

from dockwright.wizard import cli
from dockwright.wizard.errors import EXIT_OK, BadInput

TYPE_CHECKING = False  # as typing.TYPE_CHECKING (mypy reads it so), without importing typing for --help
if TYPE_CHECKING:  # the console script's first module: nothing --help does not need (typing's own, argparse's)
    import argparse
    from collections.abc import Sequence
    from typing import Any


class TextualScreens:
    """The FullScreen that wizard.cli asks for: the wizard and the pipeline watch."""

    def run_wizard(self, args: argparse.Namespace) -> int:
        if not sys.stdin.isatty():  # else Textual says "Input is not a terminal" and waits for nothing
            raise BadInput(
                "The full-screen wizard needs a terminal, and its input here is not one (a pipe, a file or "
                "/dev/null).",
                "Run `dockwright` in a terminal (add --plain there for line-by-line prompts); without a terminal, "
                "`dockwright apply --answers dockwright.yml` runs saved answers (--dry-run shows what it would do).")
        from dockwright.screens import frozen

        with frozen.collection_paused():  # until the first frame (DockwrightApp.on_ready)
            from dockwright.screens.app import run_wizard

            return run_wizard(args)

    def run_watch(self, client: Any, project: str, target: dict[str, Any]) -> int:
        result = _run_watch_app(client, project, **target)
        return int(result) if result is not None else EXIT_OK

    def run_watch_list(self, client: Any, project: str, options: dict[str, Any]) -> int:
        _run_watch_app(client, project, list_options=options, notify=bool(options.get("notify", True)))
        return EXIT_OK


def _run_watch_app(*args: Any, **kwargs: Any) -> int | None:
    """The WatchApp, run: as the wizard, without garbage collection until its first frame (WatchApp.on_ready)."""
    from dockwright.screens import frozen

    with frozen.collection_paused():
        from dockwright.screens.watch_app import WatchApp

        return WatchApp(*args, **kwargs).run()


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, full_screen=TextualScreens())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
