"""Message filters that decide what the bot answers, shared by its handlers and rate limit."""

from __future__ import annotations

import time
from collections import OrderedDict

from telegram import Message, MessageEntity, Update
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


class _AddressedAlbum(filters.MessageFilter):
    """A photo of an album (media group) whose first photo was addressed to the bot.

    Telegram apps put an album's caption, and so the @mention, on its first photo only; the
    others arrive as separate messages sharing its ``media_group_id``, right after it and in
    order. ``remember`` notes the albums whose photo mentions or replies to the bot, and the
    filter matches their other photos. Updates are handled concurrently and may reach the
    filters out of order, so the update processor calls ``remember`` as each update arrives,
    in the order Telegram sent them: the first photo is noted before the second is looked at.
    """

    def __init__(self) -> None:
        super().__init__(name="ADDRESSED_ALBUM")
        self._albums: OrderedDict[str, float] = OrderedDict()

    def remember(self, update: Update) -> None:
        """Note the album of an addressed photo; called for every update as it arrives."""
        message = update.effective_message
        if message is None or message.media_group_id is None:
            return
        now = time.monotonic()
        while self._albums and (
            len(self._albums) > _ALBUMS_KEPT
            or next(iter(self._albums.values())) < now - _ALBUM_SECONDS
        ):
            self._albums.popitem(last=False)
        if MENTIONS_BOT.filter(message) or REPLIES_TO_BOT.filter(message):
            self._albums.setdefault(message.media_group_id, now)

    def filter(self, message: Message) -> bool:
        return message.media_group_id is not None and message.media_group_id in self._albums


_ALBUMS_KEPT = 1000
_ALBUM_SECONDS = 300.0
"""An album's photos arrive within seconds; remembered albums are forgotten after this."""


HAS_IMAGE = _HasImage(name="HAS_IMAGE")
MENTIONS_BOT = _MentionsBot(name="MENTIONS_BOT")
REPLIES_TO_BOT = _RepliesToBot(name="REPLIES_TO_BOT")
ADDRESSED_ALBUM = _AddressedAlbum()

PRIVATE = filters.ChatType.PRIVATE
GROUPS = filters.ChatType.GROUPS

IMAGE_REQUEST = (PRIVATE & HAS_IMAGE) | (
    GROUPS & HAS_IMAGE & (ADDRESSED_ALBUM | MENTIONS_BOT | REPLIES_TO_BOT)
)
"""Images to read: any in a private chat; in groups those addressed to the bot, and every photo
of an album whose first photo is (ADDRESSED_ALBUM first: it must see that first photo)."""

RATE_LIMITED = PRIVATE | (GROUPS & (IMAGE_REQUEST | filters.COMMAND))
"""Messages that cost the bot work and so count against the sender's rate limit."""
