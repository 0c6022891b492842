"""Message filters that decide what the bot answers, shared by its handlers and rate limit."""

from __future__ import annotations

from telegram import Message, MessageEntity
from telegram.ext import filters

from bot.images import image_of


class _HasImage(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        return image_of(message) is not None


class _MentionsBot(filters.MessageFilter):
    """The caption or text names this bot, by @username or as a mention of its account."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        handle = f"@{bot.username}".lower()
        kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        found = {**message.parse_entities(kinds), **message.parse_caption_entities(kinds)}
        return any(
            (entity.user is not None and entity.user.id == bot.id) or text.lower() == handle
            for entity, text in found.items()
        )


class _RepliesToBot(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


HAS_IMAGE = _HasImage(name="HAS_IMAGE")
MENTIONS_BOT = _MentionsBot(name="MENTIONS_BOT")
REPLIES_TO_BOT = _RepliesToBot(name="REPLIES_TO_BOT")

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS

IMAGE_REQUEST = (PRIVATE & HAS_IMAGE) | (GROUPS & HAS_IMAGE & (MENTIONS_BOT | REPLIES_TO_BOT))
"""Images to read: any in a private chat; in groups only those addressed to the bot."""

RATE_LIMITED = PRIVATE | (GROUPS & (IMAGE_REQUEST | filters.COMMAND))
"""Messages that cost the bot work and so count against the sender's rate limit."""
