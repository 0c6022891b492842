"""Image work done by Telegram (and its client apps) that the bot relies on.

A photo reaches a bot as several JPEG sizes of the same picture, largest last; bots that take
`photo[0]` get a 90-pixel thumbnail. Making the sizes real keeps that mistake visible in tests.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()  # phones' HEIC photos: apps send them as JPEG photos

# Longest side of the sizes Telegram generates (its "s", "m", "x", "y" and "w" sizes).
PHOTO_SIDES = (90, 320, 800, 1280, 2560)
JPEG_QUALITY = 87
# Telegram rejects photos whose sides add up to more than this, or that are too elongated.
MAX_PHOTO_SIDES_SUM = 10_000
MAX_PHOTO_RATIO = 20
MAX_PHOTO_BYTES = 10 * 1024 * 1024


class NotAnImageError(ValueError):
    """The bytes are not a picture Telegram could show as a photo."""


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    data: bytes


def open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise NotAnImageError(f"not a decodable image: {exc}") from exc
    return image


def check_photo_dimensions(image: Image.Image) -> None:
    width, height = image.size
    if width + height > MAX_PHOTO_SIDES_SUM or max(width, height) > MAX_PHOTO_RATIO * min(
        width, height
    ):
        raise NotAnImageError(f"photo dimensions {width}x{height} are not allowed")


def _as_rgb(image: Image.Image) -> Image.Image:
    """Flattens transparency onto white, as Telegram's apps do when they send a PNG as a photo."""
    if image.mode.startswith("I"):
        image = _eight_bit(image)
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _eight_bit(image: Image.Image) -> Image.Image:
    """A 16- or 32-bit gray picture (a 16-bit PNG from a scanner) as 8-bit gray, its range kept.

    An app shows such a picture as it looks and sends that; Pillow's own conversion clips every
    value above 255, which turns a 16-bit picture white.
    """
    values = np.asarray(image, np.float64)
    top = 255.0 if values.max() <= 255 else 65535.0
    return Image.fromarray(np.clip(values * (255 / top), 0, 255).round().astype(np.uint8))


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _scaled(image: Image.Image, side: int) -> Image.Image:
    ratio = side / max(image.size)
    size = (max(1, round(image.width * ratio)), max(1, round(image.height * ratio)))
    return image.resize(size, Image.Resampling.LANCZOS)


def thumbnails(image: Image.Image) -> list[Picture]:
    """The smaller sizes Telegram adds below a photo's full size, smallest first."""
    rgb = _as_rgb(image)
    pictures = []
    for side in PHOTO_SIDES:
        if side >= max(rgb.size):
            break
        scaled = _scaled(rgb, side)
        pictures.append(Picture(scaled.width, scaled.height, _jpeg(scaled)))
    return pictures


def client_photo(data: bytes) -> Picture:
    """What a Telegram app uploads when a user sends `data` as a photo: a JPEG, at most 2560 px.

    Apps shrink any picture before sending it, so no size, file size or shape stops one: a
    50 MP camera JPEG, a 12000 px wide panorama or an iPhone HEIC all go as a photo. Raises
    NotAnImageError only for bytes that are no picture (the app sends those as a file).
    """
    image = _open_reduced(data, PHOTO_SIDES[-1])
    rgb = _as_rgb(image)
    if max(rgb.size) > PHOTO_SIDES[-1]:
        rgb = _scaled(rgb, PHOTO_SIDES[-1])
    return Picture(rgb.width, rgb.height, _jpeg(rgb))


def _open_reduced(data: bytes, side: int) -> Image.Image:
    """The picture, a JPEG decoded at the smallest DCT scale still above ``side``."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.format == "JPEG":
            image.draft("RGB", (side, side))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise NotAnImageError(f"not a decodable image: {exc}") from exc
    return ImageOps.exif_transpose(image)


def placeholder_image(size: tuple[int, int], image_format: str) -> bytes:
    """A small real image for sticker/animation messages whose content a test doesn't care about."""
    image = Image.new("RGBA" if image_format == "WEBP" else "RGB", size, (30, 144, 255))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()
