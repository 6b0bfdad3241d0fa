"""Creates pipelines when a push or an API commit brings a .gitlab-ci.yml, and plays their jobs."""

from __future__ import annotations

import threading


class Scheduler:
    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self._wake = threading.Event()

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def wake(self) -> None:
        self._wake.set()

    def on_ref_moved(self, project, ref, before, after, *, user_id) -> None:
        pass

    def job_for_token(self, secret):
        return None
