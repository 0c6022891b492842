"""Per-user rate limiting of incoming messages: a sliding window of recent message times.

One person flooding the bot must not slow it down for everyone else. Refused messages are not
answered one by one (that would turn a flood into our own flood): a user hears about the limit
once per window.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.storage import Store

_SWEEP_EVERY = 1000
"""Checks between sweeps that drop idle users, so memory stays bounded by active users."""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_in: float = 0.0
    """Seconds until the user may send again (when refused)."""
    notify: bool = False
    """True for the first refusal of a window: the one the user should be told about."""


def judge(
    recent: deque[float], told_until: float, now: float, limit: int, window: float
) -> tuple[Verdict, float]:
    """The sliding window, shared by both limiters: drops times older than ``window`` from
    ``recent`` and, if allowed, appends ``now``; returns the verdict and the new
    ``told_until`` (until when the user has been told about the limit)."""
    while recent and recent[0] <= now - window:
        recent.popleft()
    if len(recent) < limit:
        recent.append(now)
        return Verdict(allowed=True), told_until
    retry_in = recent[0] + window - now
    notify = now >= told_until
    return Verdict(allowed=False, retry_in=retry_in, notify=notify), (
        now + retry_in if notify else told_until
    )


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
        verdict, told_until = judge(
            recent, self._told_until.get(user_id, 0.0), now, self.limit, self.window
        )
        self._told_until[user_id] = told_until
        return verdict

    async def verdict(self, user_id: int) -> Verdict:
        """``check`` for the handler: in memory, nothing to wait for."""
        return self.check(user_id)

    def _sweep_sometimes(self, now: float) -> None:
        self._checks += 1
        if self._checks % _SWEEP_EVERY:
            return
        cutoff = now - self.window
        idle = [user for user, times in self._recent.items() if not times or times[-1] <= cutoff]
        for user in idle:
            del self._recent[user]
            self._told_until.pop(user, None)


class SharedRateLimiter:
    """The same limit counted in the database, so replicas sharing it count each user once.

    Each check is one short transaction on the user's row (locked, so two replicas checking
    the same user at once count both messages); times are wall-clock seconds, which every
    replica shares.
    """

    def __init__(
        self, store: Store, limit: int, window: float, clock: Callable[[], float] = time.time
    ) -> None:
        self.limit = limit
        self.window = window
        self._store = store
        self._clock = clock

    def check(self, user_id: int) -> Verdict:
        """Raises StorageError when the database cannot be used."""
        return self._store.rate_check(
            user_id,
            lambda recent, told_until: judge(
                recent, told_until, self._clock(), self.limit, self.window
            ),
        )

    async def verdict(self, user_id: int) -> Verdict:
        """``check`` on a worker thread: the database may wait on a lock or the network."""
        return await asyncio.to_thread(self.check, user_id)
