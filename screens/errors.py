"""One place that turns a failure in a worker into a sentence with the fix, never a traceback."""

from __future__ import annotations

from textual.widget import Widget
from textual.worker import Worker, WorkerState

from dockwright.wizard.errors import DockwrightError


def explain(error: BaseException) -> str:
    """The sentence to show for ``error``: a wizard error as it is, anything else with a way forward."""
    if isinstance(error, DockwrightError):
        return str(error)
    if isinstance(error, (ConnectionError, TimeoutError, OSError)):
        return (f"Could not reach the other side ({error.__class__.__name__}: {error}). "
                "Check the URL and your network, then try again.")
    return (f"Something unexpected went wrong ({error.__class__.__name__}: {error}). "
            "Nothing was changed by this step; try again, and report it if it repeats.")


def handle_worker_state(node: Widget, event: Worker.StateChanged, *, notify: bool = True) -> str | None:
    """Call from ``on_worker_state_changed``: the error sentence (None if no error), also as a notification
    unless ``notify`` is False (the caller shows it in place, and a toast would only cover it)."""
    if event.state != WorkerState.ERROR or event.worker.error is None:
        return None
    sentence = explain(event.worker.error)
    if notify:
        node.notify(sentence, title="That did not work", severity="error", timeout=12)
    return sentence
