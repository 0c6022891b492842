"""The informational commands and /forget."""

from __future__ import annotations

import sys
import time

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.handlers.feedback import parsed_press
from bot.handlers.replies import reply
from bot.services import services
from bot.storage import PENDING_CROP_HOURS
from bot.update_log import record_outcome


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.start(), "start")


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.help_text(context.bot.username), "help")


async def on_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.privacy(PENDING_CROP_HOURS), "privacy")


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deleting is for good, so /forget asks first, with buttons only its sender may press."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None:
        return
    record_outcome("forget asked")
    await message.reply_text(
        texts.forget_question(), reply_markup=keyboards.forget_question(user.id)
    )


async def on_forget_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes deletes the presser's samples and user id; No keeps everything. Either way the
    question's buttons go, so a second press cannot act twice."""
    pressed = await parsed_press(update, context, keyboards.parse_forget)
    if pressed is None:
        return
    query, press = pressed
    if query.from_user.id != press.user_id:
        record_outcome("forget refused: not the asker")
        await query.answer(texts.forget_not_yours(), show_alert=True)
        return
    if not press.confirmed:
        record_outcome("forget declined")
        await query.answer()
        await query.edit_message_text(texts.forget_kept())
        return
    found = services(context)
    deleted = await found.db(found.store.forget_user, press.user_id)
    record_outcome(f"forgot {deleted} samples")
    await query.answer()
    await query.edit_message_text(texts.forgotten(deleted))


async def on_debug(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins' view of the running process: proves in production what the tests assert."""
    found = services(context)
    if not found.is_admin(update.effective_user.id if update.effective_user else None):
        await reply(update, texts.admins_only(), "refused: not an admin")
        return
    await reply(
        update,
        texts.debug_report(
            tensorflow_loaded=tensorflow_loaded(),
            model_dir=str(found.recognition.model_dir),
            uptime_seconds=time.monotonic() - found.started_at,
        ),
        "debug",
    )


def tensorflow_loaded() -> bool:
    """The bot must stay serve-only: TensorFlow belongs to the training subprocess.

    A ``None`` entry is how Python marks a module as not importable, not a loaded module.
    """
    return any(
        module is not None and (name == "tensorflow" or name.startswith("tensorflow."))
        for name, module in list(sys.modules.items())
    )
