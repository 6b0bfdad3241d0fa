"""A nudge when a pipeline ends: the terminal bell and the desktop-notification escape sequences that common
terminals understand, so someone working in another window hears and sees it.

- BEL (``\\a``): every terminal; tmux and screen pass it on as an alert on the window;
- OSC 9 (``ESC ] 9 ; text BEL``): iTerm2, Windows Terminal, WezTerm, kitty, foot, ConEmu, Ghostty show it;
- OSC 777 (``ESC ] 777 ; notify ; title ; body BEL``): VTE terminals (GNOME Terminal, Tilix), urxvt, foot,
  WezTerm, Ghostty.

A terminal that knows neither ignores them. ``--no-notify`` turns the nudge off. The text is cleaned of
control characters (a branch name can hold almost anything) and of ``;`` in the OSC 777 title.
"""

from __future__ import annotations

import re
from typing import IO

from dockwright.wizard.watch_plain import status_word

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _clean(text: str, limit: int = 200) -> str:
    return _CONTROL.sub(" ", text)[:limit]


def ended_text(pipeline_id: int, status: str, ref: str = "", project: str = "") -> tuple[str, str]:
    """(title, body) of the nudge: ``dockwright: pipeline failed`` / ``demo/app #42 (main) failed``."""
    where = " ".join(part for part in (project, f"#{pipeline_id}", f"({ref})" if ref else "") if part)
    word = status_word(status)
    return f"dockwright: pipeline {word}", f"{where} {word}"


def sequences(title: str, body: str) -> str:
    """BEL, then OSC 9 with the body, then OSC 777 with title and body (each ended by BEL, as terminals expect)."""
    title, body = _clean(title).replace(";", ","), _clean(body)
    return f"\a\x1b]9;{title}: {body}\a\x1b]777;notify;{title};{body}\a"


class Notifier:
    """Writes the nudge to ``stream`` (the terminal); ``enabled`` False (``--no-notify``) writes nothing."""

    def __init__(self, stream: IO[str] | None, enabled: bool = True) -> None:
        self.stream = stream
        self.enabled = enabled and stream is not None
        self.sent: list[str] = []  # bodies, for the screen's message and tests
        self.told: set[tuple[int, str]] = set()  # (pipeline, status) nudged once, whoever saw it end first

    def pipeline_ended(self, pipeline_id: int, status: str, ref: str = "", project: str = "") -> None:
        if not self.enabled or self.stream is None or (pipeline_id, status) in self.told:
            return
        self.told.add((pipeline_id, status))
        title, body = ended_text(pipeline_id, status, ref, project)
        try:
            self.stream.write(sequences(title, body))
            self.stream.flush()
        except OSError:  # the terminal went away: the nudge is not worth a crash
            self.enabled = False
            return
        self.sent.append(body)


def terminal_notifier(enabled: bool = True) -> Notifier:
    """A Notifier on the controlling terminal (/dev/tty), where a full-screen app's own output also goes;
    none without a terminal."""
    if not enabled:
        return Notifier(None, False)
    try:
        stream = open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115  # kept open for the whole watch
    except OSError:
        return Notifier(None, False)
    return Notifier(stream)
