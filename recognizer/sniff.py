"""Which image format a file holds, from its first bytes (its magic number), not its name.

Telegram clients label files sent "as a file" inconsistently (``image/jpg``, ``IMAGE/JPEG``, no
MIME type, ``.jfif``, no extension), so only the content is trusted. Only the formats below are
ever handed to the decoder: Pillow can open many more (EPS runs Ghostscript), none of them
something a phone or a scanner sends.
"""

from __future__ import annotations

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})


def image_format(data: bytes) -> str | None:
    """The format's Pillow name, or None when the bytes are no image we read."""
    head = bytes(data[:32])
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:2] == b"BM":
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[4:8] == b"ftyp":
        return _iso_media_format(data)
    return None


def _iso_media_format(data: bytes) -> str | None:
    """HEIF and AVIF share the ISO media file layout: a ``ftyp`` box with a major brand and a
    list of compatible brands (phones often put ``mif1`` first and ``heic``/``avif`` after)."""
    size = int.from_bytes(data[:4], "big")
    box = bytes(data[8 : min(max(size, 16), 256)])
    brands = {box[i : i + 4] for i in range(0, len(box), 4)} - {b"\x00\x00\x00\x00"}
    if brands & _AVIF_BRANDS:
        return "AVIF"
    if brands & _HEIF_BRANDS:
        return "HEIF"
    return None


def is_image(data: bytes) -> bool:
    return image_format(data) is not None
