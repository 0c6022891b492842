"""The content of messages users send, shaped as a Telegram app and server would shape it.

Each function returns the message fields for one kind of message (text, photo, sticker...),
storing any file it carries so the bot can download it with getFile.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from emulator.entities import detect_entities
from emulator.media import NotAnImageError, client_photo, placeholder_image
from emulator.world import World

# Not playable media: bots are expected to turn videos and voice notes away, not decode them.
_PLACEHOLDER_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)
_PLACEHOLDER_OGG = b"OggS\x00\x02" + bytes(64)


def _with_entities(field: str, entities_field: str, text: str) -> dict[str, Any]:
    if not text:
        raise ValueError("Telegram apps don't send empty messages")
    entities = detect_entities(text)
    return {field: text, **({entities_field: entities} if entities else {})}


def text(message_text: str) -> dict[str, Any]:
    """Text with the bot_command and mention entities a Telegram app marks."""
    return _with_entities("text", "entities", message_text)


def caption(caption_text: str | None) -> dict[str, Any]:
    return _with_entities("caption", "caption_entities", caption_text) if caption_text else {}


def photo(world: World, data: bytes) -> dict[str, Any]:
    """A photo as the app uploads it (JPEG, at most 2560 px), in all of Telegram's sizes.

    Raises ValueError for bytes no app would send as a photo; those go as documents.
    """
    try:
        picture = client_photo(data)
    except NotAnImageError as exc:
        raise ValueError(f"Telegram apps send only real images as photos ({exc})") from exc
    return {"photo": world.photo_sizes(picture)}


def document(world: World, data: bytes, file_name: str, mime_type: str | None) -> dict[str, Any]:
    """A file sent "as a file", byte for byte; the MIME type is guessed from the name."""
    mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    return {"document": world.add_document(data, file_name, mime)}


def _media(
    world: World, data: bytes, path: tuple[str, str], mime_type: str | None, **fields: Any
) -> dict[str, Any]:
    folder, extension = path
    stored = world.files.add(data, folder, extension, mime_type=mime_type)
    media = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        **fields,
    }
    if mime_type:
        media["mime_type"] = mime_type
    return media


def sticker(world: World, emoji: str, data: bytes | None) -> dict[str, Any]:
    """A regular 512x512 WebP sticker."""
    image = data or placeholder_image((512, 512), "WEBP")
    fields = {"width": 512, "height": 512, "is_animated": False, "is_video": False}
    return {
        "sticker": _media(
            world, image, ("stickers", "webp"), None, type="regular", emoji=emoji, **fields
        )
    }


def voice(world: World, duration: int, data: bytes | None) -> dict[str, Any]:
    audio = data or _PLACEHOLDER_OGG
    return {"voice": _media(world, audio, ("voice", "oga"), "audio/ogg", duration=duration)}


def video(world: World, data: bytes | None) -> dict[str, Any]:
    fields = {"width": 640, "height": 360, "duration": 3, "file_name": "video.mp4"}
    clip = data or _PLACEHOLDER_MP4
    return {"video": _media(world, clip, ("videos", "mp4"), "video/mp4", **fields)}


def animation(world: World, data: bytes | None) -> dict[str, Any]:
    """A GIF: Telegram converts it to MP4 and sends it as `animation` plus a `document`."""
    fields = {"width": 320, "height": 240, "duration": 1, "file_name": "animation.gif.mp4"}
    clip = data or placeholder_image((320, 240), "GIF")
    media = _media(world, clip, ("animations", "mp4"), "video/mp4", **fields)
    as_document = {
        key: media[key]
        for key in ("file_id", "file_unique_id", "file_size", "file_name", "mime_type")
    }
    return {"animation": media, "document": as_document}
