"""What a pipeline watch keeps of each job's log, so a finished job's log is fetched once and shown again.

The follower streams the log of the job someone looks at while it runs, and fetches a failed or looked-at
job once when it finishes. :class:`JobLogs` keeps the last :data:`LOG_KEEP` characters of each job (bounded
memory for a 50 MB log; the screen shows 5,000 lines anyway) and knows whether that text is the whole log
of a finished job. Only then can it be shown again without asking GitLab; otherwise the caller asks the
follower (or, once the follower has ended, GitLab itself, once) for the log from its start.
UI-free.
"""

from __future__ import annotations

import codecs

LOG_KEEP = 512 * 1024  # characters kept per job: the diagnosis reads the last 200,000


def decode_tail(data: bytes, keep: int = LOG_KEEP) -> tuple[str, bool]:
    """The last ``keep`` bytes of a log, decoded from a line start; and whether anything was left out."""
    if len(data) <= keep:
        return codecs.decode(data, "utf-8", "replace"), False
    start = data.find(b"\n", len(data) - keep, len(data) - 1)
    start = len(data) - keep if start == -1 else start + 1
    return codecs.decode(data[start:], "utf-8", "replace"), True


class JobLogs:
    """Per job: the text received so far (its end, bounded), and whether it is the finished job's whole log."""

    def __init__(self, keep: int = LOG_KEEP) -> None:
        self.keep = keep
        self._text: dict[int, str] = {}
        self._complete: set[int] = set()
        self._cut: set[int] = set()

    def add(self, job_id: int, text: str, *, finished: bool) -> None:
        """New text from the follower. Text that arrives for a finished job is the follower's one fetch after
        the end (or the rest of a log it streamed from the start): after it, the log is complete."""
        whole = self._text.get(job_id, "") + text
        if len(whole) > self.keep:
            cut = whole.find("\n", len(whole) - self.keep)
            whole = whole[cut + 1:] if cut != -1 else whole[-self.keep:]
            self._cut.add(job_id)
        self._text[job_id] = whole
        if finished:
            self._complete.add(job_id)

    def fetched(self, job_id: int, data: bytes) -> str:
        """A finished job's whole log, fetched once; returns the text kept (its end)."""
        text, cut = decode_tail(data, self.keep)
        self._text[job_id] = text
        self._cut.discard(job_id)
        if cut:
            self._cut.add(job_id)
        self._complete.add(job_id)
        return text

    def restart(self, job_id: int) -> None:
        """Forget what was received: the follower sends this job's log again from its start."""
        self._text.pop(job_id, None)
        self._cut.discard(job_id)
        self._complete.discard(job_id)

    def text(self, job_id: int) -> str:
        return self._text.get(job_id, "")

    def complete(self, job_id: int) -> bool:
        return job_id in self._complete

    def cut(self, job_id: int) -> bool:
        """Only the end of the log is kept (the beginning is in GitLab)."""
        return job_id in self._cut
