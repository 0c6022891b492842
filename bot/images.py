"""Which messages carry an image the bot should read, and which file that is.

A file sent "as a file" may be an image whatever its MIME type or name say (``image/jpg``,
``IMAGE/JPEG``, none, ``.jfif``, no extension): every file is a candidate, and its first bytes
decide once downloaded (``recognizer.sniff``).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message


@dataclass(frozen=True)
class ImageRef:
    """A file to download: its id and, when Telegram told us, its size in bytes."""

    file_id: str
    size: int | None


def image_of(message: Message) -> ImageRef | None:
    """The image in a message: the largest size of a photo, or a file that may be an image."""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return ImageRef(largest.file_id, largest.file_size)
    document = message.document
    if document is None or message.animation is not None:
        return None
    return ImageRef(document.file_id, document.file_size)
