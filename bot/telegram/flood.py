"""Per-person flood protection: a burst of messages gets one polite notice, not one answer each.

A sliding window per person, in memory: it protects this process's work, it is not conversation
state (a second process counts its own share, which only makes it more lenient).
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from enum import Enum


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"  # first message over the limit: send one notice
    DROP = "drop"  # further messages in the same burst: stay silent


class FloodGuard:
    def __init__(self, limit: int, window_seconds: float, clock=time.monotonic) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._seen: dict[int, deque[float]] = defaultdict(deque)
        self._warned: dict[int, float] = {}

    def check(self, person: int) -> Verdict:
        now = self.clock()
        seen = self._seen[person]
        while seen and now - seen[0] > self.window:
            seen.popleft()
        seen.append(now)
        if len(seen) <= self.limit:
            self._warned.pop(person, None)
            return Verdict.OK
        if person in self._warned and now - self._warned[person] <= self.window:
            return Verdict.DROP
        self._warned[person] = now
        return Verdict.WARN

    def forget(self, person: int) -> None:
        self._seen.pop(person, None)
        self._warned.pop(person, None)
