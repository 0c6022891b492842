"""Friendly replies to everything that is not a photo of a digit (private chats only).

Each callback answers one kind of message with a hint that points back to what works, so a
user who sent the wrong thing learns what to send instead.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.handlers.replies import reply


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.TEXT_HINT, "hint: text")


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.UNKNOWN_COMMAND, "hint: unknown command")


async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.STICKER, "hint: sticker")


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.VOICE, "hint: voice")


async def on_video(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.VIDEO, "hint: video")


async def on_animation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.ANIMATION, "hint: animation")


async def on_other_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.NOT_AN_IMAGE_FILE, "hint: not an image file")


async def on_anything_else(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await reply(update, texts.OTHER, "hint: other")
