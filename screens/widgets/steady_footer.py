"""The key bar at the bottom of every screen: Textual's Footer, rebuilt only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

_KEYS_OF: ContextVar[Screen | None] = ContextVar("dockwright_keys_of", default=None)


def keys_screen(app: App) -> Screen:
    """The screen whose keys are being worked out: a SteadyFooter's own while it works out its keys (shown or not:
    a step built ahead, a step just left), else the one on screen. App.get_key_display is given only the binding."""
    return _KEYS_OF.get() or app.screen


class SteadyFooter(Footer):
    """Textual's Footer rebuilds all its keys (a widget each, restyled twice) whenever the bindings *may* have
    changed: every time a step is shown again (about 100 ms a switch), and on the watch screen whenever focus or a
    binding's state moved while a log streams in (a rebuild and a layout of the whole screen). This one keeps its
    keys when the keys as shown, their descriptions and their enabled state are the same as last time.

    Its keys are worked out for its own screen (keys_screen), also when that screen is not the one shown: a step
    built ahead, or one just left (its bindings are refreshed as it goes), got the keys of the step on screen
    (help's "f1" or "f1 ?", DockwrightApp.get_key_display), and was rebuilt and laid out again when it was shown."""

    _shown: tuple | None = None

    @contextmanager
    def _own_keys(self) -> Iterator[None]:
        token = _KEYS_OF.set(self.screen)
        try:
            yield
        finally:
            _KEYS_OF.reset(token)

    def _keys(self) -> tuple:
        with self._own_keys():
            return tuple((self.app.get_key_display(b), b.description, enabled, tooltip)
                         for (_node, b, enabled, tooltip) in self.screen.active_bindings.values() if b.show)

    def compose(self) -> ComposeResult:
        with self._own_keys():  # Textual runs a compose to its end at once (textual._compose.compose)
            yield from super().compose()

    def bindings_changed(self, screen) -> None:
        keys = self._keys() if self.is_attached and screen is self.screen else None
        if keys is not None and keys == self._shown:
            return
        self._shown = keys
        super().bindings_changed(screen)
