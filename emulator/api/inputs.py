"""Reading and validating what a bot sends along with a message: target chat, reply, text with
its formatting, inline keyboard and files."""

from __future__ import annotations

import mimetypes
from typing import Any

from emulator.entities import detect_entities, utf16_length
from emulator.errors import bad_request, forbidden
from emulator.formatting import format_text
from emulator.media import (
    MAX_PHOTO_BYTES,
    NotAnImageError,
    Picture,
    check_photo_dimensions,
    open_image,
)
from emulator.models import Chat
from emulator.params import Params, Upload
from emulator.world import World, document_object

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
# Formatting entities inside which Telegram does not look for commands or mentions.
_OPAQUE_ENTITIES = frozenset({"code", "pre", "text_link", "text_mention"})


def target_chat(world: World, params: Params) -> Chat:
    raw = params.raw("chat_id")
    if raw is None or raw == "":
        raise bad_request("chat_id is empty")
    if str(raw).lstrip("-").isdigit() and int(raw) in world.users and int(raw) not in world.chats:
        raise forbidden("bot can't initiate conversation with a user")
    chat = world.chat(raw)
    world.check_not_blocked(chat)
    return chat


def reply_to(world: World, params: Params, chat: Chat) -> int | None:
    """The message id to reply to, from reply_parameters or the older reply_to_message_id."""
    reply = params.json("reply_parameters", error="can't parse reply parameters JSON object")
    if reply is None:
        message_id = params.int("reply_to_message_id")
        allow_missing = params.bool("allow_sending_without_reply")
    else:
        message_id = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply"))
    if message_id is None:
        return None
    if world.message(chat.id, int(message_id)) is None:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def inline_keyboard(params: Params) -> dict[str, Any] | None:
    """The markup stored on the message: only inline keyboards are part of a Message."""
    markup = params.json("reply_markup", error="can't parse reply keyboard markup JSON object")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    keyboard = markup.get("inline_keyboard")
    if keyboard is None:
        return None
    if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    for button in (button for row in keyboard for button in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    return {"inline_keyboard": keyboard}


def _with_detected(world: World, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adds the commands/mentions Telegram detects itself and fills text mentions' users."""

    def hidden(item: dict[str, Any]) -> bool:
        start, end = item["offset"], item["offset"] + item["length"]
        return any(
            start < other["offset"] + other["length"] and other["offset"] < end
            for other in entities
            if other["type"] in _OPAQUE_ENTITIES
        )

    merged = entities + [item for item in detect_entities(text) if not hidden(item)]
    for item in merged:
        if item["type"] == "text_mention":
            user = world.users.get(item["user"]["id"])
            item["user"] = user.to_api() if user else {**item["user"], "is_bot": False}
    return sorted(merged, key=lambda item: (item["offset"], -item["length"]))


def _formatted(
    world: World, params: Params, field: str, entities_field: str
) -> tuple[str, list[dict[str, Any]]] | None:
    raw = params.str(field)
    if raw is None:
        return None
    explicit = params.json(entities_field, error="can't parse entities JSON object")
    text, entities = format_text(raw, params.str("parse_mode"), explicit)
    if not text.strip():
        return None
    return text, _with_detected(world, text, entities)


def text_fields(world: World, params: Params) -> dict[str, Any]:
    """`text` and `entities` of a text message; Telegram refuses empty or overlong text."""
    formatted = _formatted(world, params, "text", "entities")
    if formatted is None:
        raise bad_request("message text is empty")
    text, entities = formatted
    if utf16_length(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return {"text": text, **({"entities": entities} if entities else {})}


def caption_fields(world: World, params: Params) -> dict[str, Any]:
    """`caption` and `caption_entities` of a media message; both may be absent."""
    formatted = _formatted(world, params, "caption", "caption_entities")
    if formatted is None:
        return {}
    caption, entities = formatted
    if utf16_length(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    fields: dict[str, Any] = {"caption": caption}
    if entities:
        fields["caption_entities"] = entities
    if params.bool("show_caption_above_media"):
        fields["show_caption_above_media"] = True
    return fields


def input_file(params: Params, name: str, value: Any) -> Upload | str:
    """An uploaded file (a part named `name` or an attach:// reference) or a file_id string."""
    upload = params.upload(name)
    if upload is None and isinstance(value, str):
        upload = params.attachment(value)
    if upload is not None:
        return upload
    if not value:
        raise bad_request(f"there is no {name} in the request")
    if not isinstance(value, str):
        raise bad_request(f"wrong type of the {name} field")
    if value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    return value


def photo_sizes(world: World, source: Upload | str) -> list[dict[str, Any]]:
    """A new photo's sizes (the upload kept byte for byte as the largest), or a resent one's."""
    if isinstance(source, str):
        return world.photo_set(source)
    if len(source.data) > MAX_PHOTO_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    try:
        image = open_image(source.data)
        check_photo_dimensions(image)
    except NotAnImageError:
        raise bad_request("IMAGE_PROCESS_FAILED") from None
    return world.photo_sizes(Picture(image.width, image.height, source.data))


def document(world: World, source: Upload | str) -> dict[str, Any]:
    if isinstance(source, str):
        return document_object(world.files.get(source))
    name = source.filename or "document"
    declared = source.content_type if source.content_type != "application/octet-stream" else None
    mime = declared or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return world.add_document(source.data, name, mime)
