"""dockwright's data files (TCSS, teaching pages, templates), shipped inside the package."""

from importlib.resources import files


def asset_text(relative: str) -> str:
    """Return the text of an asset, e.g. ``asset_text("help/executor.md")``.

    Works from a checkout and from an installed wheel alike.
    """
    return files(__name__).joinpath(relative).read_text(encoding="utf-8")
