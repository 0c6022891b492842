"""Per-user rate limiting of incoming messages: a sliding window of recent message times.

One person flooding the bot must not slow it down for everyone else. Refused messages are not
answered one by one (that would turn a flood into our own flood): a user hears about the limit
once per window.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

_SWEEP_EVERY = 1000
"""Checks between sweeps that drop idle users, so memory stays bounded by active users."""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_in: float = 0.0
    """Seconds until the user may send again (when refused)."""
    notify: bool = False
    """True for the first refusal of a window: the one the user should be told about."""


class UserRateLimiter:
    """Allows each user ``limit`` messages in any ``window`` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._told_until: dict[int, float] = {}
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        now = self._clock()
        self._sweep_sometimes(now)
        recent = self._recent.setdefault(user_id, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) < self.limit:
            recent.append(now)
            return Verdict(allowed=True)
        retry_in = recent[0] + self.window - now
        notify = now >= self._told_until.get(user_id, 0.0)
        if notify:
            self._told_until[user_id] = now + retry_in
        return Verdict(allowed=False, retry_in=retry_in, notify=notify)

    def _sweep_sometimes(self, now: float) -> None:
        self._checks += 1
        if self._checks % _SWEEP_EVERY:
            return
        cutoff = now - self.window
        idle = [user for user, times in self._recent.items() if not times or times[-1] <= cutoff]
        for user in idle:
            del self._recent[user]
            self._told_until.pop(user, None)
