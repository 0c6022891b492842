"""Friendly replies to everything that is not a photo of a digit (private chats only).

Each kind of message gets a hint that points back to what works, so a user who sent the wrong
thing learns what to send instead.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update
from telegram.ext import ContextTypes

from bot.handlers import Callback
from bot.handlers.replies import reply


def hint(text: Callable[[], str], outcome: str) -> Callback:
    """A callback answering one kind of message with ``text()`` (in the sender's language);
    ``outcome`` names it in the log."""

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply(update, text(), outcome)

    return answer
