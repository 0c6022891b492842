"""The bot's pending updates and getUpdates long polling, with Telegram's confirmation rules.

An update stays pending until a getUpdates call passes an offset above its id, or until the bot's
webhook answers its POST with 2xx; a second poller cuts the first off with 409 Conflict, which is
how Telegram reveals two running bot instances, and while a webhook is set getUpdates is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

from emulator.errors import ApiError

CONFLICT = ApiError(
    409,
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
)
WEBHOOK_ACTIVE = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first",
)
# Telegram never sends these kinds unless they are asked for explicitly in allowed_updates.
OPT_IN_KINDS = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
FIRST_UPDATE_ID = 500_000_001
MAX_LIMIT = 100


class UpdateQueue:
    def __init__(self, first_id: int = FIRST_UPDATE_ID) -> None:
        self._pending: list[dict[str, Any]] = []
        self._ids = itertools.count(first_id)
        self._allowed: frozenset[str] | None = None
        self._wakeup = asyncio.Event()
        self._poll_generation = 0
        self._delivered_ids: set[int] = set()
        self._in_flight: set[int] = set()
        self._closed = False
        self.webhook_active = False
        self.created = 0
        self.polls = 0

    @property
    def delivered(self) -> int:
        """How many distinct updates the bot has received (redeliveries count once)."""
        return len(self._delivered_ids)

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def allowed(self) -> frozenset[str] | None:
        """The kinds last asked for with allowed_updates (getUpdates or setWebhook)."""
        return self._allowed

    def allow(self, allowed_updates: list[str] | None) -> None:
        """Telegram keeps the last allowed_updates given; None leaves it as it was."""
        if allowed_updates is not None:
            self._allowed = frozenset(allowed_updates) or None

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._ids), kind: payload}
        self._pending.append(update)
        self.created += 1
        self.wake()
        return update

    def drop_pending(self) -> None:
        self._pending = [u for u in self._pending if u["update_id"] in self._in_flight]

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` wanted updates for webhook delivery, oldest first, not already sent."""
        chosen = self._available(limit, skip=self._in_flight)
        self._in_flight.update(update["update_id"] for update in chosen)
        return chosen

    def acknowledge(self, update_id: int) -> None:
        """The webhook answered 2xx: the update is confirmed, as an offset past it would."""
        self._in_flight.discard(update_id)
        self._delivered_ids.add(update_id)
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        self.wake()

    def release(self, update_id: int) -> None:
        """A delivery was abandoned (webhook changed or deleted): the update is pending again."""
        self._in_flight.discard(update_id)
        self.wake()

    async def wait_for_change(self) -> None:
        """Returns after the next push, confirmation or release."""
        await self._wakeup.wait()

    def close(self) -> None:
        """Ends every long poll at once, so the server can shut down without waiting them out."""
        self._closed = True
        self.wake()

    def wake(self) -> None:
        """Wakes every waiter: long polls, the webhook dispatcher and `wait_for_poll`."""
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _available(self, limit: int, skip: set[int] | None = None) -> list[dict[str, Any]]:
        allowed = self._allowed
        chosen: list[dict[str, Any]] = []
        if limit <= 0:
            return chosen
        for update in self._pending:
            if skip and update["update_id"] in skip:
                continue
            kind = next(key for key in update if key != "update_id")
            wanted = kind in allowed if allowed else kind not in OPT_IN_KINDS
            if wanted:
                chosen.append(update)
            if len(chosen) == limit:
                break
        return chosen

    async def wait_for_poll(self, after: int, seconds: float) -> bool:
        """True once getUpdates has been called more than `after` times; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.polls <= after:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)
        return True

    async def poll(
        self,
        offset: int | None,
        limit: int | None,
        wait_seconds: float,
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        """One getUpdates call: answers at once if anything is pending, else long-polls."""
        if self.webhook_active:
            raise WEBHOOK_ACTIVE
        self._confirm(offset)
        self.allow(allowed_updates)
        size = MAX_LIMIT if not limit or limit > MAX_LIMIT else max(limit, 1)
        self.polls += 1
        self._poll_generation += 1
        generation = self._poll_generation
        self.wake()  # an older poller, if any, notices it was superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(wait_seconds, 0)
        while True:
            if generation != self._poll_generation:
                raise CONFLICT
            if self.webhook_active:
                raise WEBHOOK_ACTIVE
            chosen = self._available(size)
            remaining = deadline - loop.time()
            if chosen or remaining <= 0 or self._closed:
                self._delivered_ids.update(update["update_id"] for update in chosen)
                return chosen
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)
