"""What the chat page shows: Bot API messages and bot actions turned into small JSON views.

The page never sees file ids or raw updates; it gets the few fields a chat bubble needs, with
media as URLs on the page's own file route.
"""

from __future__ import annotations

import time
from typing import Any

from emulator.models import BotAction

FILE_ROUTE = "/api/files/"
CHAT_ACTION_SECONDS = 5.0
"""Telegram shows "typing…" for five seconds after a sendChatAction, or until a message comes."""
_OTHER_MEDIA = ("sticker", "voice", "video", "animation")
"""Media the page has no player for; it shows their kind instead."""


def file_url(file_id: str) -> str:
    return FILE_ROUTE + file_id


def message_view(message: dict[str, Any], bot_id: int) -> dict[str, Any]:
    """One bubble: who sent it, its text or caption with entities, its media and buttons."""
    view: dict[str, Any] = {
        "id": message["message_id"],
        "from_bot": message["from"]["id"] == bot_id,
        "date": message["date"],
        "edited": "edit_date" in message,
        "text": message.get("text") or message.get("caption") or "",
        "entities": message.get("entities") or message.get("caption_entities") or [],
        "buttons": [
            [{"text": button["text"], "data": button.get("callback_data")} for button in row]
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
        ],
    }
    if "reply_to_message" in message:
        view["reply_to"] = message["reply_to_message"]["message_id"]
    if "photo" in message:
        view["photo"] = file_url(message["photo"][-1]["file_id"])
    if "document" in message:
        document = message["document"]
        view["document"] = {
            "name": document.get("file_name", "file"),
            "size": document.get("file_size", 0),
            "url": file_url(document["file_id"]),
        }
    other = next(
        (kind for kind in ("sticker", "voice", "video", "animation") if kind in message), None
    )
    if other is not None and "document" not in message:
        view["media"] = other
    return view


def chat_status(actions: list[BotAction], now: float | None = None) -> str | None:
    """The bot's current chat action ("typing", "upload_photo"...) if it still shows."""
    now = time.time() if now is None else now
    for action in reversed(actions):
        if action.kind in ("sent", "edited"):
            return None
        if action.kind == "chat_action":
            fresh = now - action.time < CHAT_ACTION_SECONDS
            return action.details["action"] if fresh else None
    return None


def toast_views(actions: list[BotAction]) -> list[dict[str, Any]]:
    """Callback answers with text: Telegram shows them as a toast, or an alert if asked."""
    return [
        {
            "seq": action.seq,
            "text": action.details["text"],
            "alert": bool(action.details["show_alert"]),
        }
        for action in actions
        if action.kind == "callback_answer" and action.details.get("text")
    ]
