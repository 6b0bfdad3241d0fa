"""Objects that live as long as the app or a pane, kept out of Python's full garbage collections.

A full collection walks every object there is: with Textual, python-gitlab and the wizard's steps that took
40-360 ms on a 2-core machine, wherever it happened to be due (a key waited for it, a streaming log stalled).
Holders move what exists at a moment out of that walk (``gc.freeze``): an app at its first frame (the wizard and
`dockwright watch`), the wizard again once a step is built ahead (screens/app.py), a job log pane after its first
paint (screens/widgets/job_log.py). ``gc.unfreeze`` gives back everything frozen by anyone, so it waits for the last
holder: a pane closing must not give back the wizard's steps, nor the wizard's end a pane's objects while the pane
is still up.

From the command line to an app's first frame there is no collection at all (``collection_paused``): importing
Textual and composing the first screen make ~200,000 long-lived objects and almost no garbage (under 1,500 objects
found in all of a start's collections), and the start's young and full collections took 80-90 ms of the ~690 ms to
the wizard's first frame (a full one alone 41-47 ms: gc.callbacks, through a pty at 120x40). The app's first frame
(Textual's Ready) freezes what the start made, held by the app, and turns the collector on.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Hashable, Iterator

_holders: set[Hashable] = set()
_paused = False  # collection_paused turned the collector off, and no first frame turned it on again yet


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


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No garbage collection until :func:`resume_collection` (an app's first frame) or the end of the block."""
    global _paused
    _paused = gc.isenabled()  # a collector someone else turned off stays off
    gc.disable()
    try:
        yield
    finally:
        resume_collection()


def resume_collection(holder: Hashable | None = None) -> None:
    """The first frame is up: what exists now lives as long as the app and is frozen, held by ``holder`` (which
    releases it when it ends); then the collector runs again. Nothing to do if it was not paused."""
    global _paused
    if _paused:
        _paused = False
        if holder is not None:
            hold(holder)
        gc.enable()
