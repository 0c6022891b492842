"""How often admins hear about unexpected errors: a short notice now and then, never a flood.

A bug that hits every update would otherwise send admins one message per update; instead the
first error sends a notice at once, later ones within NOTICE_EVERY_SECONDS are only counted, and
the next notice says how many there were meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable

NOTICE_EVERY_SECONDS = 600.0
"""At most one notice per ten minutes: enough to know something is wrong and to read the log."""


class NoticeLimiter:
    """Decides, per unexpected error, whether admins get a notice now."""

    def __init__(
        self,
        every_seconds: float = NOTICE_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._every_seconds = every_seconds
        self._clock = clock
        self._last_notice: float | None = None
        self._unreported = 0

    def admit(self) -> int | None:
        """Record one error. Returns how many earlier errors went unreported when a notice may
        go out now (0 for the first), or None while admins heard of an error only recently."""
        now = self._clock()
        if self._last_notice is not None and now - self._last_notice < self._every_seconds:
            self._unreported += 1
            return None
        unreported, self._unreported = self._unreported, 0
        self._last_notice = now
        return unreported
