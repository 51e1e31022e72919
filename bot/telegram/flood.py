"""A per-user flood limit: so many messages a minute, then one polite warning, then silence."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

WINDOW_SECONDS = 60.0
# Idle users are forgotten every so many messages, so memory follows the
# users active in the last minute, not everyone ever seen.
SWEEP_EVERY = 1000


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the first message over the limit: say so once
    DROP = "drop"


class FloodGate:
    """Sliding one-minute window of message times per user."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic, window: float = WINDOW_SECONDS) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._times: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        """Count one message from `user_id` and say whether to handle it."""
        self._checks += 1
        if self._checks % SWEEP_EVERY == 0:
            self.forget_idle()
        now = self._clock()
        times = self._times.setdefault(user_id, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) < self.limit:
            times.append(now)
            self._warned.discard(user_id)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def forget_idle(self) -> None:
        """Drop users with no message in the window."""
        now = self._clock()
        for user_id in [u for u, t in self._times.items() if not t or now - t[-1] >= self.window]:
            del self._times[user_id]
            self._warned.discard(user_id)
