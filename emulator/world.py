"""The emulated Telegram: users, chats, message history, files and the bot's update queue.

Everything here runs on the emulator's event loop thread; it is plain in-memory state, so the
HTTP layer and the control API stay thin.
"""

from __future__ import annotations

import copy
import itertools
import mimetypes
import time
from collections.abc import Iterator
from typing import Any

from PIL import Image

from emulator.entities import entity_text
from emulator.errors import BLOCKED_BY_USER, CHAT_NOT_FOUND, bad_request
from emulator.files import FileStore, StoredFile
from emulator.media import Picture, open_image, thumbnails
from emulator.models import Chat, SentMessage, User
from emulator.recorder import Recorder
from emulator.updates import FIRST_UPDATE_ID, UpdateQueue
from emulator.webhook import RetryPolicy, Webhook


class World:
    def __init__(
        self,
        bot: User,
        token: str,
        webhook_retry: RetryPolicy | None = None,
        first_update_id: int = FIRST_UPDATE_ID,
    ) -> None:
        self.bot = bot
        self.token = token
        self.users: dict[int, User] = {bot.id: bot}
        self.chats: dict[int, Chat] = {}
        self.files = FileStore()
        self.updates = UpdateQueue(first_update_id)
        self.webhook = Webhook(self.updates, webhook_retry)
        self.recorder = Recorder()
        self.blocked_chats: set[int] = set()
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.privacy_mode = False
        """Telegram's default for bots: in groups they get only what is addressed to them."""
        self.file_path_overrides: list[tuple[str, int | None]] = []
        """(file_path, file_size) for the next getFile answers, instead of the stored file's."""
        self._last_bot_in_group: set[int] = set()
        self._photo_sets: dict[str, list[dict[str, Any]]] = {}
        self._messages: dict[int, dict[int, dict[str, Any]]] = {}
        self._message_ids: dict[int, Iterator[int]] = {}

    # -- people and chats -------------------------------------------------------------------

    def add_user(self, user: User) -> User:
        if user.id in self.users:
            raise ValueError(f"user id {user.id} is already taken by {self.users[user.id]}")
        self.users[user.id] = user
        return user

    def add_chat(self, chat: Chat) -> Chat:
        if chat.id in self.chats:
            raise ValueError(f"chat id {chat.id} already exists")
        self.chats[chat.id] = chat
        self._messages[chat.id] = {}
        self._message_ids[chat.id] = itertools.count(1)
        return chat

    def chat(self, chat_id: int | str | None) -> Chat:
        """The chat a Bot API call names, found like Telegram does (by id or @username)."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self.chats.values():
                if chat.username and f"@{chat.username}".lower() == chat_id.lower():
                    return chat
            raise CHAT_NOT_FOUND
        try:
            return self.chats[int(chat_id)]  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            raise CHAT_NOT_FOUND from None

    # -- messages -----------------------------------------------------------------------------

    def add_message(
        self,
        chat: Chat,
        sender: User,
        content: dict[str, Any],
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids[chat.id]),
            "from": sender.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            replied = self.message(chat.id, reply_to)
            if replied is not None:
                message["reply_to_message"] = _without_reply(replied)
        message.update(content)
        self._messages[chat.id][message["message_id"]] = message
        return copy.deepcopy(message)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self._messages.get(chat_id, {}).get(message_id)

    def require_message(self, chat_id: int, message_id: int | None, missing: str) -> dict[str, Any]:
        message = self.message(chat_id, message_id) if message_id is not None else None
        if message is None:
            raise bad_request(missing)
        return message

    def delete_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self._messages.get(chat_id, {}).pop(message_id, None)

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [copy.deepcopy(m) for m in self._messages.get(chat_id, {}).values()]

    def is_from_bot(self, message: dict[str, Any]) -> bool:
        return bool(message["from"]["id"] == self.bot.id)

    def snapshot(self, message: dict[str, Any], *, deleted: bool = False) -> SentMessage:
        """A frozen view of a bot message with the bytes of its photo/document attached."""
        photo = document = None
        if "photo" in message:
            photo = self.files.get(message["photo"][-1]["file_id"]).data
        if "document" in message:
            document = self.files.get(message["document"]["file_id"]).data
        return SentMessage(
            chat_id=message["chat"]["id"],
            message_id=message["message_id"],
            raw=copy.deepcopy(message),
            photo=photo,
            document=document,
            deleted=deleted,
        )

    # -- files ----------------------------------------------------------------------------------

    def photo_sizes(self, full: Picture) -> list[dict[str, Any]]:
        """PhotoSize objects for a picture: real downscaled thumbnails, then the full size last.

        The thumbnails are JPEGs; the full size keeps the bytes sent (a bot's PNG chart stays a
        PNG, and is served as one)."""
        image = open_image(full.data)
        full_type = Image.MIME.get(image.format or "", "image/jpeg")
        pictures = [(picture, "image/jpeg") for picture in thumbnails(image)]
        sizes: list[dict[str, Any]] = []
        for picture, mime_type in [*pictures, (full, full_type)]:
            extension = mimetypes.guess_extension(mime_type) or ".jpg"
            stored = self.files.add(picture.data, "photos", extension[1:], mime_type=mime_type)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": stored.size,
                    "width": picture.width,
                    "height": picture.height,
                }
            )
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return sizes

    def photo_set(self, file_id: str) -> list[dict[str, Any]]:
        """All sizes of the photo one of whose sizes has this file_id; resending reuses them."""
        self.files.get(file_id)
        try:
            return copy.deepcopy(self._photo_sets[file_id])
        except KeyError:
            raise bad_request("wrong file identifier/HTTP URL specified") from None

    def add_document(self, data: bytes, file_name: str, mime_type: str) -> dict[str, Any]:
        extension = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self.files.add(
            data, "documents", extension, mime_type=mime_type, file_name=file_name
        )
        return document_object(stored)

    def bot_sent_last(self, chat_id: int) -> None:
        """The bot was the last bot to send a message in this chat."""
        self._last_bot_in_group.add(chat_id)

    def other_bot_sent(self, chat_id: int) -> None:
        """Another bot wrote in this chat, so this bot is no longer the last bot there."""
        self._last_bot_in_group.discard(chat_id)

    def delivered_to_bot(self, chat: Chat, message: dict[str, Any]) -> bool:
        """Whether Telegram sends the bot this user message (privacy mode, as documented in
        core.telegram.org/bots/features#privacy-mode and BotFather's /setprivacy): in private
        chats, or with privacy off, everything; in a group with privacy on, commands meant for
        the bot (``/cmd@bot``, or ``/cmd`` if it was the last bot to write there), replies to
        its messages and messages that mention its @username. An album's other photos, with
        no caption, do not reach it."""
        if not chat.is_group or not self.privacy_mode:
            return True
        replied = message.get("reply_to_message")
        if replied is not None and self.is_from_bot(replied):
            return True
        handle = f"@{self.bot.username}".lower()
        for field, entities_field in (("text", "entities"), ("caption", "caption_entities")):
            text = message.get(field) or ""
            for item in message.get(entities_field, []):
                covered = entity_text(text, item).lower()
                if item["type"] == "mention" and covered == handle:
                    return True
                if item["type"] == "bot_command" and item["offset"] == 0:
                    _, _, addressee = covered.partition("@")
                    if f"@{addressee}" == handle:
                        return True
                    if not addressee and chat.id in self._last_bot_in_group:
                        return True
        return False

    def push_update(self, kind: str, payload: dict[str, Any], chat_id: int) -> dict[str, Any]:
        """Queues an update for the bot; waits for the bot's answer start counting from here."""
        update = self.updates.push(kind, copy.deepcopy(payload))
        self.recorder.user_acted(chat_id, update["update_id"])
        return update

    def check_not_blocked(self, chat: Chat) -> None:
        if chat.id in self.blocked_chats:
            raise BLOCKED_BY_USER


def document_object(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return document


def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
    """Telegram nests a replied-to message one level deep only."""
    return {
        key: copy.deepcopy(value) for key, value in message.items() if key != "reply_to_message"
    }
