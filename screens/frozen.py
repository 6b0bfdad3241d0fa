"""Objects that live as long as the app or a pane, kept out of Python's full garbage collections.

A full collection walks every object there is: with Textual, python-gitlab and the wizard's steps that took
40-360 ms on a 2-core machine, wherever it happened to be due (a key waited for it, a streaming log stalled).
Two holders move what exists at a moment out of that walk (``gc.freeze``): the wizard once a step is built ahead
(screens/app.py), a job log pane after its first paint (screens/widgets/job_log.py). ``gc.unfreeze`` gives back
everything frozen by anyone, so it waits for the last holder: a pane closing must not give back the wizard's
steps, nor the wizard's end a pane's objects while the pane is still up.
"""

from __future__ import annotations

import gc
from collections.abc import Hashable

_holders: set[Hashable] = set()


def hold(holder: Hashable) -> None:
    """Freeze what exists now (again, for a holder already holding: what was made since is frozen too)."""
    gc.freeze()
    _holders.add(holder)


def release(holder: Hashable) -> None:
    """``holder`` is done; when no one holds any more, everything frozen is collectable again."""
    if holder in _holders:
        _holders.discard(holder)
        if not _holders:
            gc.unfreeze()


def holding(holder: Hashable) -> bool:
    return holder in _holders
