"""The per-user rate limit, checked before any other handler sees a message or button press."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import texts
from bot.services import services
from bot.update_log import record_outcome


async def enforce_rate_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Let the message through, or stop it here (telling the user once per window)."""
    user = update.effective_user
    if user is None:
        return
    limiter = services(context).rate_limiter
    verdict = await limiter.verdict(user.id)
    if verdict.allowed:
        return
    text = texts.rate_limited(limiter.limit, limiter.window, verdict.retry_in)
    if update.callback_query is not None:
        # Every press is answered (a toast, not a chat message), or its button keeps spinning.
        record_outcome("rate limited")
        await update.callback_query.answer(text)
        raise ApplicationHandlerStop
    record_outcome("rate limited" if verdict.notify else "rate limited (silently)")
    if verdict.notify and update.effective_message is not None:
        await update.effective_message.reply_text(text)
    raise ApplicationHandlerStop
