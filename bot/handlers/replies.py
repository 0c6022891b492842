"""The one way handlers answer with plain text: reply and say how the update ended."""

from __future__ import annotations

from telegram import Update

from bot.update_log import record_outcome


async def reply(update: Update, text: str, outcome: str) -> None:
    record_outcome(outcome)
    if update.effective_message is not None:
        await update.effective_message.reply_text(text)
