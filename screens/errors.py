"""One place that turns a failure in a worker into a sentence with the fix, never a traceback."""

from __future__ import annotations

from textual.widget import Widget
from textual.worker import Worker, WorkerState

from dockwright.wizard.errors import DockwrightError
from dockwright.wizard.secret_text import scrub


def explain(error: BaseException) -> str:
    """The sentence to show for ``error``: a wizard error as it is, anything else with a way forward."""
    if isinstance(error, DockwrightError):
        return str(error)
    if isinstance(error, (ConnectionError, TimeoutError, OSError)):
        return scrub(f"Could not reach the other side ({error.__class__.__name__}: {error}). "
                     "Check the URL and your network, then try again.")
    return scrub(f"Something unexpected went wrong ({error.__class__.__name__}: {error}). "
                 "Nothing was changed by this step; try again, and report it if it repeats.")


class ScrubbedCrashReport:
    """Mixed into an App: Textual's report of a crash, without the local variables it shows by default (a
    frame's locals can hold the token or a request's headers), and with any remembered secret as ``****``."""

    def _fatal_error(self) -> None:  # overrides textual.app.App._fatal_error
        import rich
        from rich.segment import Segment, Segments
        from rich.traceback import Traceback

        app = self  # type: ignore[assignment]
        app.bell()  # type: ignore[attr-defined]
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        lines = app.console.render(traceback, app.console.options)  # type: ignore[attr-defined]
        segments = [Segment(scrub(seg.text), seg.style, seg.control) for seg in lines]
        app._exit_renderables.append(Segments(segments))  # type: ignore[attr-defined]
        app._close_messages_no_wait()  # type: ignore[attr-defined]


def handle_worker_state(node: Widget, event: Worker.StateChanged, *, notify: bool = True) -> str | None:
    """Call from ``on_worker_state_changed``: the error sentence (None if no error), also as a notification
    unless ``notify`` is False (the caller shows it in place, and a toast would only cover it)."""
    if event.state != WorkerState.ERROR or event.worker.error is None:
        return None
    sentence = explain(event.worker.error)
    if notify:
        node.notify(sentence, title="That did not work", severity="error", timeout=12)
    return sentence
