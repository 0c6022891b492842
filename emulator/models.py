"""People, chats and bot activity of the emulated world, as values tests can hold and compare."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group", "supergroup"]
ActionKind = Literal["sent", "edited", "deleted", "chat_action", "callback_answer", "commands"]


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class Chat:
    id: int
    type: ChatType
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    member_ids: tuple[int, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.type != "private"

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class SentMessage:
    """A message the bot sent, as it stood at one moment (edits produce a new snapshot).

    `photo` and `document` are the exact bytes the bot uploaded (or re-sent by file_id).
    """

    chat_id: int
    message_id: int
    raw: dict[str, Any]
    photo: bytes | None = None
    document: bytes | None = None
    deleted: bool = False

    @property
    def text(self) -> str | None:
        return self.raw.get("text")

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def content(self) -> str:
        """The text or caption: what a user reads, whatever kind of message it is."""
        return self.raw.get("text") or self.raw.get("caption") or ""

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        return self.raw.get("reply_markup")

    @property
    def reply_to_message_id(self) -> int | None:
        replied = self.raw.get("reply_to_message")
        return replied["message_id"] if replied else None

    @property
    def is_edited(self) -> bool:
        return "edit_date" in self.raw

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        """Inline keyboard rows; each button is a dict with `text` and e.g. `callback_data`."""
        markup = self.raw.get("reply_markup") or {}
        rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
        return rows

    @property
    def button_texts(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]


@dataclass(frozen=True)
class BotAction:
    """One thing the bot did that a user could see, in the order the emulator received it."""

    seq: int
    kind: ActionKind
    chat_id: int | None
    time: float
    message: SentMessage | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        if self.message is not None:
            what = self.message.content or _media_kind(self.message.raw)
            return f"#{self.seq} {self.kind} message {self.message.message_id}: {what!r}"
        return f"#{self.seq} {self.kind} {self.details}"


def _media_kind(message: dict[str, Any]) -> str:
    for kind in ("photo", "document", "sticker", "animation", "video", "voice"):
        if kind in message:
            return f"<{kind}>"
    return "<empty>"
