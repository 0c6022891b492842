"""One log line per update: who, what kind, the outcome and how long it took.

The line is written by the update processor, which wraps the whole handling of an update, so
it is written exactly once even when a handler fails. Handlers only state their outcome with
``record_outcome``; a context variable carries it from the handler to the processor, which
works because python-telegram-bot awaits blocking handlers and error handlers inside the
processor's own task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from contextvars import ContextVar
from dataclasses import dataclass

from telegram import Update
from telegram.ext import BaseUpdateProcessor
from telegram.helpers import effective_message_type

_LOGGER = logging.getLogger("bot.updates")


@dataclass
class _Outcome:
    text: str = "ignored"


_current: ContextVar[_Outcome | None] = ContextVar("update_outcome", default=None)


def record_outcome(text: str) -> None:
    """Say how the update being handled ended, e.g. ``answered 7`` or ``rate limited``."""
    outcome = _current.get()
    if outcome is not None:
        outcome.text = text


def describe(update: object) -> str:
    """Ids and the kind of content, never the content itself (it is the users' data)."""
    if not isinstance(update, Update):
        return f"kind={type(update).__name__}"
    user = update.effective_user.id if update.effective_user else "-"
    chat = update.effective_chat.id if update.effective_chat else "-"
    return f"id={update.update_id} user={user} chat={chat} kind={kind(update)}"


def kind(update: Update) -> str:
    """What the update carries: ``photo``, ``command``, ``button``, ``text``, ``sticker``..."""
    if update.callback_query:
        return "button"
    message = update.effective_message
    if message is None:
        return "other"
    kind = effective_message_type(message) or "other"
    if kind == "text" and message.text and message.text.startswith("/"):
        return "command"
    return kind


class LoggedUpdateProcessor(BaseUpdateProcessor):
    """Processes updates concurrently (up to a bound) and logs each one as it finishes."""

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        outcome = _Outcome()
        context_token = _current.set(outcome)
        started = time.perf_counter()
        try:
            await coroutine
        finally:
            _current.reset(context_token)
            _LOGGER.info(
                "update %s outcome=%s latency_ms=%.0f",
                describe(update),
                outcome.text,
                (time.perf_counter() - started) * 1000,
            )

    async def initialize(self) -> None:
        """Nothing to set up: the processor holds no resources."""

    async def shutdown(self) -> None:
        """Nothing to release."""
