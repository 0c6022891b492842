"""Telegram's flood limits for sending, opt-in: a bot that sends faster gets 429 like in production.

The documented limits are about 30 messages a second overall and 20 a minute per group;
private chats tolerate bursts, so they are not limited here. Each limit is a leaky bucket, the
model python-telegram-bot's AIORateLimiter uses with the same numbers, so a bot that uses it
never sees a 429 it could not have avoided.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from emulator.errors import too_many_requests

# Methods that put or change a message in a chat: what Telegram counts against the limits.
LIMITED_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "editmessagetext",
        "editmessagecaption",
        "editmessagemedia",
        "editmessagereplymarkup",
    }
)


@dataclass(frozen=True)
class Limit:
    calls: int
    seconds: float


OVERALL = Limit(30, 1.0)
PER_GROUP = Limit(20, 60.0)


class _Bucket:
    """Fills by one per call and drains at `limit.calls / limit.seconds` per second."""

    def __init__(self, limit: Limit) -> None:
        self.limit = limit
        self._level = 0.0
        self._updated = time.monotonic()

    def wait_needed(self, now: float) -> float:
        """Seconds until one more call fits; 0 if it fits now."""
        rate = self.limit.calls / self.limit.seconds
        self._level = max(0.0, self._level - (now - self._updated) * rate)
        self._updated = now
        return max(0.0, (self._level + 1 - self.limit.calls) / rate)

    def add(self) -> None:
        self._level += 1


class FloodControl:
    def __init__(self) -> None:
        self._overall = _Bucket(OVERALL)
        self._groups: dict[int, _Bucket] = {}

    def check(self, method: str, chat_id: int | None) -> None:
        """Counts a call, or raises 429 with the seconds until it would be allowed."""
        if method.lower() not in LIMITED_METHODS:
            return
        now = time.monotonic()
        buckets = [self._overall]
        if chat_id is not None and chat_id < 0:
            buckets.append(self._groups.setdefault(chat_id, _Bucket(PER_GROUP)))
        wait = max(bucket.wait_needed(now) for bucket in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.add()
