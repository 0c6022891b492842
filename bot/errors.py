"""The error handler: every failure is logged once, the user hears about it when it helps.

Expected trouble (a user who blocked the bot, Telegram asking us to slow down, the network
dropping) is logged as a warning without a traceback and nobody is messaged; the bot simply
carries on with the next update. Anything else is a bug: logged with its traceback, the user
gets an apology instead of silence, and the admins get a short notice (rate-limited by
``bot.admin_notices``) so they look at the log. The notice names the exception's type, where in
the code it was raised and what kind of update or job hit it: never its message, which may hold
what a user sent, nor anything with the token.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot import texts
from bot.inbox import keep_for_later
from bot.services import services
from bot.storage import StorageError
from bot.update_log import describe, kind, record_outcome

_LOGGER = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parent


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    where = describe(update) if update is not None else _job_name(context)
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
    await _tell_admins(update, context, error)


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


async def _tell_admins(
    update: object, context: ContextTypes.DEFAULT_TYPE, error: BaseException | None
) -> None:
    """A short notice to each admin, unless one went out recently (then it is only counted)."""
    found = services(context)
    if not found.settings.admin_ids:
        return
    unreported = found.admin_notices.admit()
    if unreported is None:
        return
    source = f"update: {kind(update)}" if isinstance(update, Update) else _job_name(context)
    notice = texts.error_notice(type(error).__name__, _raised_at(error), source, unreported)
    for admin_id in sorted(found.settings.admin_ids):
        try:
            await context.bot.send_message(admin_id, notice)
        except TelegramError as failure:
            _LOGGER.warning("could not send the error notice to admin %s: %s", admin_id, failure)


def _raised_at(error: BaseException | None) -> str | None:
    """``bot/handlers/photo.py:92 in answer_image``: the innermost frame in the bot's own code
    (else the innermost at all), where to start looking, without any values; None without a
    traceback."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    ours = [frame for frame in frames if Path(frame.filename).is_relative_to(_PACKAGE)]
    if not (ours or frames):
        return None
    frame = (ours or frames)[-1]
    path = Path(frame.filename)
    shown = path.relative_to(_PACKAGE.parent) if path.is_relative_to(_PACKAGE) else path.name
    return f"{shown}:{frame.lineno} in {frame.name}"


def _job_name(context: ContextTypes.DEFAULT_TYPE) -> str:
    return f"job: {context.job.name}" if context.job is not None else "polling"
