"""Which messages carry an image the bot should read, and which file that is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from telegram import Message

IMAGE_MIME_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp"})
"""Clients do not always fill in the MIME type of a file; the extension is the fallback."""


@dataclass(frozen=True)
class ImageRef:
    """A file to download: its id and, when Telegram told us, its size in bytes."""

    file_id: str
    size: int | None


def image_of(message: Message) -> ImageRef | None:
    """The image in a message: the largest size of a photo, or an image sent as a file."""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return ImageRef(largest.file_id, largest.file_size)
    document = message.document
    if document is None or message.animation is not None:
        return None
    extension = PurePath(document.file_name or "").suffix.lower()
    if document.mime_type in IMAGE_MIME_TYPES or extension in IMAGE_EXTENSIONS:
        return ImageRef(document.file_id, document.file_size)
    return None
