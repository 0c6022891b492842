"""Each update is answered in its sender's language: the first handler any update meets."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import i18n


async def use_senders_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram sends the user's app language as ``language_code`` ("ru", "en", "pt-br"...)."""
    user = update.effective_user
    i18n.use(user.language_code if user else None)
