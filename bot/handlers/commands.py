"""The informational commands and /forget."""

from __future__ import annotations

import sys
import time

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.handlers.replies import reply
from bot.services import services
from bot.storage import PENDING_CROP_HOURS


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.START, "start")


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.HELP, "help")


async def on_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.privacy(PENDING_CROP_HOURS), "privacy")


async def on_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_user is None:
        return
    found = services(context)
    deleted = await found.db(found.store.forget_user, update.effective_user.id)
    await reply(update, texts.forgotten(deleted), f"forgot {deleted} samples")


async def on_debug(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Admins' view of the running process: proves in production what the tests assert."""
    found = services(context)
    if not found.is_admin(update.effective_user.id if update.effective_user else None):
        await reply(update, texts.ADMINS_ONLY, "refused: not an admin")
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
