"""Faults the sandbox can inject into its REST API, so every client's retry and error paths get tested
against real HTTP: added latency, 500/502 answers, 429 with ``Retry-After`` after N requests a minute,
dropped connections, and answers lost after the work was done. All off by default; random choices come from a seeded generator so a test
that sets ``seed`` sees the same sequence every run. Git over HTTP is never faulted.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Faults:
    latency: float = 0.0  # seconds added before every API answer
    error_rate: float = 0.0  # share of API requests answered 500 or 502
    rate_limit_per_minute: int | None = None  # after N requests in a window: 429 + Retry-After
    rate_limit_window: float = 60.0  # the window's length in seconds (GitLab's is a minute; tests shorten it)
    drop_rate: float = 0.0  # share of API requests whose connection is closed without an answer
    # share of API requests that are carried out, then their connection closed before the answer: the work is
    # done but the client never hears of it (a proxy or a network that drops GitLab's answer)
    lost_answer_rate: float = 0.0
    methods: tuple[str, ...] = ()  # drops, lost answers and errors only for these HTTP methods (empty: all)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate", "lost_answer_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"Faults.{name} must be between 0 and 1, got {value}.")
        if self.latency < 0:
            raise ValueError(f"Faults.latency must be 0 or more seconds, got {self.latency}.")
        if self.rate_limit_per_minute is not None and self.rate_limit_per_minute < 1:
            raise ValueError("Faults.rate_limit_per_minute must be 1 or more, or None for no limit.")
        if not 0 < self.rate_limit_window <= 3600:
            raise ValueError(f"Faults.rate_limit_window must be more than 0 and at most 3600 seconds, "
                             f"got {self.rate_limit_window}.")


@dataclass(frozen=True)
class Verdict:
    """What to do with one request: ``kind`` is "pass", "drop", "lose" (carry it out, drop the answer), "error"
    or "throttle"."""

    kind: str
    status: int = 200
    retry_after: int = 0
    observed: int = 0
    limit: int = 0
    reset_at: int = 0


DEFAULT_LIMIT = 2000  # GitLab.com's authenticated API limit per minute, shown in RateLimit-* headers


class FaultInjector:
    """Decides, request by request, which fault (if any) applies. Thread-safe."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.set(faults or Faults())

    def set(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._random = random.Random(faults.seed)
            self._window_start = time.time()
            self._count = 0

    def decide(self, method: str = "GET") -> Verdict:
        with self._lock:
            f = self.faults
            now = time.time()
            if now - self._window_start >= f.rate_limit_window:
                self._window_start = now
                self._count = 0
            self._count += 1
            limit = f.rate_limit_per_minute or DEFAULT_LIMIT
            window_end = self._window_start + f.rate_limit_window
            reset_at = int(window_end)
            base = dict(observed=self._count, limit=limit, reset_at=reset_at)
            if f.rate_limit_per_minute is not None and self._count > f.rate_limit_per_minute:
                return Verdict("throttle", 429, retry_after=max(1, math.ceil(window_end - now)), **base)
            if f.methods and method.upper() not in f.methods:
                return Verdict("pass", 200, **base)
            if f.drop_rate and self._random.random() < f.drop_rate:
                return Verdict("drop", 0, **base)
            if f.lost_answer_rate and self._random.random() < f.lost_answer_rate:
                return Verdict("lose", 0, **base)
            if f.error_rate and self._random.random() < f.error_rate:
                return Verdict("error", self._random.choice((500, 502)), **base)
            return Verdict("pass", 200, **base)

    @property
    def latency(self) -> float:
        return self.faults.latency
