"""What the bot did, in order, and waiting for it: the observation side of the emulator.

Every action gets a sequence number from one counter that also stamps each update a user
causes, so "what did the bot do after the user's last message" is a simple comparison.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from emulator.models import ActionKind, BotAction, SentMessage

ActionPredicate = Callable[[BotAction], bool]


class WaitTimeoutError(AssertionError):
    """The bot did not do what a test waited for; the message lists what it did instead."""


@dataclass
class Latencies:
    """Time from each update's creation to the bot's first message or edit in the same chat."""

    by_update: dict[int, float] = field(default_factory=dict)
    _waiting: dict[int, list[tuple[int, float]]] = field(default_factory=dict)

    def update_created(self, chat_id: int, update_id: int) -> None:
        self._waiting.setdefault(chat_id, []).append((update_id, time.monotonic()))

    def bot_replied(self, chat_id: int) -> None:
        now = time.monotonic()
        for update_id, created in self._waiting.pop(chat_id, []):
            self.by_update[update_id] = now - created


class Recorder:
    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self._last_seq = 0
        self.actions: list[BotAction] = []
        self.latencies = Latencies()
        self._last_user_mark: dict[int, int] = {}
        self._changed = asyncio.Event()

    def mark(self) -> int:
        """A cursor: actions recorded later have a higher seq."""
        return self._last_seq

    def user_acted(self, chat_id: int, update_id: int) -> None:
        self._last_user_mark[chat_id] = self.mark()
        self.latencies.update_created(chat_id, update_id)

    def record(
        self,
        kind: ActionKind,
        chat_id: int | None,
        message: SentMessage | None = None,
        **details: Any,
    ) -> BotAction:
        self._last_seq = next(self._seq)
        action = BotAction(self._last_seq, kind, chat_id, time.time(), message, details)
        self.actions.append(action)
        if chat_id is not None and kind in ("sent", "edited"):
            self.latencies.bot_replied(chat_id)
        self._changed.set()
        self._changed = asyncio.Event()
        return action

    def select(
        self,
        chat_id: int | None = None,
        kinds: Iterable[ActionKind] | None = None,
        since: int = 0,
    ) -> list[BotAction]:
        wanted = set(kinds) if kinds is not None else None
        return [
            action
            for action in self.actions[since:]  # seq numbers are list positions + 1
            if (chat_id is None or action.chat_id == chat_id)
            and (wanted is None or action.kind in wanted)
        ]

    def default_since(self, chat_id: int | None) -> int:
        """By default a wait looks at what the bot did after the user's latest update there."""
        if chat_id is None:
            return 0
        return self._last_user_mark.get(chat_id, 0)

    async def wait_for(
        self,
        chat_id: int | None,
        predicate: ActionPredicate | None,
        *,
        kinds: Iterable[ActionKind],
        seconds: float,
        since: int | None,
        description: str,
    ) -> BotAction:
        kinds = tuple(kinds)
        start = self.default_since(chat_id) if since is None else since
        checked = start
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            for action in self.select(chat_id, kinds, checked):
                if predicate is None or predicate(action):
                    return action
            checked = self.mark()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise WaitTimeoutError(
                    self._timeout_message(chat_id, kinds, start, seconds, description)
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _timeout_message(
        self,
        chat_id: int | None,
        kinds: tuple[ActionKind, ...],
        since: int,
        seconds: float,
        description: str,
    ) -> str:
        seen = self.select(chat_id, None, since)
        where = f"chat {chat_id}" if chat_id is not None else "any chat"
        lines = [
            f"timed out after {seconds:g}s waiting for {description} "
            f"({'/'.join(kinds)}) in {where}; the bot did {len(seen)} thing(s) there since:"
        ]
        lines.extend(f"  {action.describe()}" for action in seen)
        return "\n".join(lines)
