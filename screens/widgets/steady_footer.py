"""The key bar at the bottom of every screen: Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.widgets import Footer


class SteadyFooter(Footer):
    """Textual's Footer rebuilds all its keys (a widget each, restyled twice) whenever the bindings *may* have
    changed: every time a step is shown again (about 100 ms a switch), and on the watch screen whenever focus or a
    binding's state moved while a log streams in (a rebuild and a layout of the whole screen). This one keeps its
    keys when the keys as shown, their descriptions and their enabled state are the same as last time."""

    _shown: tuple | None = None

    def _keys(self) -> tuple:
        return tuple((self.app.get_key_display(b), b.description, enabled, tooltip)
                     for (_node, b, enabled, tooltip) in self.screen.active_bindings.values() if b.show)

    def bindings_changed(self, screen) -> None:
        keys = self._keys() if self.is_attached and screen is self.screen else None
        if keys is not None and keys == self._shown:
            return
        self._shown = keys
        super().bindings_changed(screen)
