"""The error handler: every failure is logged once, the user hears about it when it helps.

Expected trouble (a user who blocked the bot, Telegram asking us to slow down, the network
dropping) is logged as a warning without a traceback and nobody is messaged; the bot simply
carries on with the next update. Anything else is a bug: logged with its traceback, and the
user gets an apology instead of silence.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.inbox import keep_for_later
from bot.storage import StorageError
from bot.update_log import describe, record_outcome

_LOGGER = logging.getLogger(__name__)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    where = describe(update) if update is not None else "polling"
    record_outcome(f"error: {type(error).__name__}")
    if isinstance(error, Forbidden):
        _LOGGER.warning("%s: the user blocked the bot or left the chat (%s)", where, error)
        return
    if isinstance(error, RetryAfter):
        _LOGGER.warning("%s: Telegram flood control, retry after %s", where, error.retry_after)
        return
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        _LOGGER.warning("%s: network error talking to Telegram: %s", where, error)
        keep_for_later()  # nobody heard back: tried again at the next start
        return
    if isinstance(error, StorageError):
        _LOGGER.error("%s: storage failed: %s", where, error)
        await _tell_user(update, texts.storage_down())
        return
    _LOGGER.error("%s: unexpected error", where, exc_info=error)
    await _tell_user(update, texts.internal_error())


async def _tell_user(update: object, text: str) -> None:
    """Best effort: this runs because something already failed, so it must not raise."""
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(text)
    except TelegramError as error:
        _LOGGER.warning("could not tell the user about the error: %s", error)
