"""Image bytes or arrays in, an upright 8-bit grayscale array out.

Only luminance matters to the pipeline, so decoding goes straight to grayscale: for JPEG that
lets libjpeg skip the colour planes and decode at a reduced scale, which is most of the time a
phone photo costs. Other formats decode at full size, so their size is checked against a
memory budget from the header first, and the picture is shrunk before anything else copies it.
The format is told by the file's first bytes (``sniff``); HEIC/HEIF are read with pillow-heif,
AVIF and the rest with Pillow.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
import pillow_heif
from PIL import ExifTags, Image, UnidentifiedImageError

from recognizer import sniff
from recognizer.config import (
    DECODE_MEMORY_BUDGET,
    DECODE_TARGET_SIDE,
    MAX_IMAGE_ASPECT,
    MAX_IMAGE_PIXELS,
    MIN_IMAGE_SIDE,
)
from recognizer.errors import (
    ImageDecodeError,
    ImageTooLargeError,
    ImageTooSmallError,
    RecognizerError,
)

NOT_AN_IMAGE = "not an image in a format the recognizer decodes"
_BROKEN = "the image is damaged or truncated"
_AT_MOST = f"at most {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels are decoded"


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """An upright grayscale image and how it maps back to the sender's picture."""

    gray: np.ndarray
    """uint8 (H, W), upright, alpha already composited."""
    scale: float
    """Pixels of ``gray`` per pixel of the upright original (below 1 when decoded reduced)."""


def decode(image: bytes | np.ndarray) -> DecodedImage:
    """Decode encoded bytes or take an array (gray, RGB or RGBA), refusing what we cannot use."""
    if isinstance(image, np.ndarray):
        gray = array_to_gray(image)
        _check_size(gray.shape[1], gray.shape[0])
        return DecodedImage(gray, 1.0)
    if not isinstance(image, bytes | bytearray | memoryview):
        raise ImageDecodeError(NOT_AN_IMAGE)
    return _decode_bytes(bytes(image))


def _decode_bytes(data: bytes) -> DecodedImage:
    if not data:
        raise ImageDecodeError("the file is empty")
    image_format = sniff.image_format(data)
    if image_format is None:
        raise ImageDecodeError(NOT_AN_IMAGE)
    try:
        array, width = _decode_reduced(data, image_format)
    except OSError as error:
        if image_format != "JPEG" or "truncated" not in str(error):
            raise _explained(error) from None
        array, width = _decode_without_end_marker(data)
    except Exception as error:
        raise _explained(error) from None
    gray = array_to_gray(array)
    return DecodedImage(gray, gray.shape[1] / width)


def _explained(error: Exception) -> RecognizerError:
    """The user's reading of what went wrong inside Pillow (or a plugin)."""
    if isinstance(error, ImageTooLargeError | ImageTooSmallError):
        return error
    if isinstance(error, Image.DecompressionBombError):
        # Pillow's own header check fires first for the most extreme sizes.
        return ImageTooLargeError(f"the image is far too large; {_AT_MOST}")
    if isinstance(error, UnidentifiedImageError):
        return ImageDecodeError(NOT_AN_IMAGE)
    if isinstance(error, _PILLOW_FAILURES):
        # Pillow reports truncated and corrupt streams through all of these.
        return ImageDecodeError(_BROKEN)
    raise error


_PILLOW_FAILURES = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    EOFError,
    MemoryError,
    KeyError,
    RuntimeError,  # pillow-heif (libheif) reports broken files so
)


def _decode_reduced(data: bytes, image_format: str) -> tuple[np.ndarray, int]:
    """Pixels near DECODE_TARGET_SIDE, upright, and the upright original's width.

    Memory is bounded before any pixel is decoded: the header gives the size and mode, JPEG is
    decoded at a reduced scale, any other format must fit DECODE_MEMORY_BUDGET at full size
    (or is refused), and is shrunk right after decoding, before any other copy is made.
    """
    if image_format == "HEIF":
        return _decode_heif(data)
    picture = Image.open(io.BytesIO(data), formats=[image_format])
    original = picture.size
    _check_size(*original)  # a quarter turn changes neither the area nor the short side
    if picture.format == "JPEG":
        factor = max(picture.size) / DECODE_TARGET_SIDE
        target = (int(picture.width / factor), int(picture.height / factor))
        picture.draft("L", target if factor > 1 else picture.size)
    _check_memory(picture, image_format)
    picture.seek(0)  # the first frame of an animation
    picture.load()
    # Only now: a PNG's EXIF may come after its pixels, and Pillow decodes them to find it.
    orientation = _orientation(picture)
    width = original[1] if orientation in (5, 6, 7, 8) else original[0]
    small = _shrunk(picture)
    method = _TRANSPOSE.get(orientation)
    if method is not None:
        small = small.transpose(method)
    return _to_array(small), width


def _decode_heif(data: bytes) -> tuple[np.ndarray, int]:
    """HEIC/HEIF through pillow-heif's own arrays: through Pillow the picture would be held
    twice over (9 bytes a pixel instead of 5, measured), and a 12 MP phone photo not fit.
    libheif applies the file's rotation and mirroring itself."""
    heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
    width, height = heif.size
    _check_size(width, height)
    _check_budget(width * height * _HEIF_BYTES_PER_PIXEL, "HEIF", (width, height))
    pixels = np.asarray(heif)
    factor = max(1, max(width, height) // DECODE_TARGET_SIDE)
    if factor > 1:
        size = (width // factor, height // factor)
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    return pixels, width


_HEIF_BYTES_PER_PIXEL = 5.5
"""libheif's decoded planes plus the interleaved array, per pixel (measured 5.1)."""


def _decode_without_end_marker(data: bytes) -> tuple[np.ndarray, int]:
    """A JPEG cut off after its last pixel, before its 2-byte end marker (some apps and
    uploads lose it): read when its pixels are complete, refused as damaged when not.

    libjpeg fills data that ends early with flat grey; decoding once with the marker added and
    once with filler bytes before it tells them apart: filler changes only an incomplete image.
    """
    if data.endswith(_JPEG_END):
        raise ImageDecodeError(_BROKEN)
    try:
        first, width = _decode_reduced(data + _JPEG_END, "JPEG")
        second, _ = _decode_reduced(data + _JPEG_FILLER + _JPEG_END, "JPEG")
    except Exception as error:
        raise _explained(error) from None
    if not np.array_equal(first, second):
        raise ImageDecodeError(_BROKEN)
    return first, width


_JPEG_END = b"\xff\xd9"
_JPEG_FILLER = b"\x5a" * 64
"""Bytes that decode as image data (no marker, no 0xFF) if the scan still needs any."""


def _orientation(picture: Image.Image) -> int:
    try:
        return int(picture.getexif().get(ExifTags.Base.Orientation, 1))
    except (OSError, SyntaxError, ValueError, TypeError):
        return 1


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientation -> the transpose that shows the picture upright (as ImageOps does)."""


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        megapixels = width * height / 1e6
        raise ImageTooLargeError(
            f"the image is too large ({width}x{height}, {megapixels:.0f} megapixels); {_AT_MOST}"
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        raise ImageTooSmallError(
            f"the image is too small ({width}x{height}) to hold a readable digit; at least "
            f"{MIN_IMAGE_SIDE} pixels on each side are needed"
        )
    if max(width, height) > MAX_IMAGE_ASPECT * min(width, height):
        raise ImageTooSmallError(
            f"the image is too narrow ({width}x{height}) to hold a readable digit; its short "
            f"side must be at least 1/{MAX_IMAGE_ASPECT} of its long side"
        )


def decode_cost(picture: Image.Image, image_format: str) -> int:
    """Bytes the decode of an opened (not loaded) picture holds at its peak, from its header.

    Measured peaks per pixel (Pillow keeps RGB in 4 bytes, reduces RGBA through a
    premultiplied copy, turns 16-bit gray into 32-bit I to shrink it; the WebP and AVIF
    decoders hold their own copies besides), rounded up.
    """
    per_pixel = _FORMAT_BYTES_PER_PIXEL.get(image_format) or _MODE_BYTES_PER_PIXEL.get(
        picture.mode, 9
    )
    if picture.mode == "P" and "transparency" in picture.info:
        per_pixel = 5  # shrunk as LA
    return int(picture.width * picture.height * per_pixel)


_MODE_BYTES_PER_PIXEL = {
    "1": 2.5,
    "L": 1.5,
    "P": 2.5,
    "I;16": 7,
    "I;16B": 7,
    "I;16L": 7,
    "I;16N": 7,
    "I": 5,
    "F": 5,
    "RGB": 5,
    "YCbCr": 5,
}
"""Other modes (RGBA, LA, CMYK...): 9 bytes a pixel."""
_FORMAT_BYTES_PER_PIXEL = {"WEBP": 17, "AVIF": 10}


def _check_memory(picture: Image.Image, image_format: str) -> None:
    _check_budget(decode_cost(picture, image_format), image_format, picture.size)


def _check_budget(cost: float, image_format: str, size: tuple[int, int]) -> None:
    """Refuse, from the header, a decode that would hold more than DECODE_MEMORY_BUDGET."""
    if cost <= DECODE_MEMORY_BUDGET:
        return
    width, height = size
    most = DECODE_MEMORY_BUDGET / cost * width * height / 1e6
    raise ImageTooLargeError(
        f"the image is too large to decode as a {image_format} file ({width}x{height}); at most "
        f"{most:.0f} megapixels fit the decoding memory budget in {image_format}"
    )


def _shrunk(picture: Image.Image) -> Image.Image:
    """Box-average down to about DECODE_TARGET_SIDE (at least that long), in a mode
    Image.reduce accepts; the full-size picture is no longer needed after this."""
    mode = picture.mode
    if mode.startswith("I;16"):
        picture = picture.convert("I")
    elif mode in ("1", "P", "PA"):
        has_alpha = mode == "PA" or "transparency" in picture.info
        picture = picture.convert("LA" if has_alpha else "L")
    factor = max(1, max(picture.size) // DECODE_TARGET_SIDE)
    return picture.reduce(factor) if factor > 1 else picture


def _to_array(picture: Image.Image) -> np.ndarray:
    """Pixels as uint8 gray, gray+alpha, or a float array for deep images (scaled later)."""
    mode = picture.mode
    if mode in ("I", "F"):
        return np.asarray(picture, dtype=np.float32)
    if mode in ("RGBA", "LA", "RGBa", "La"):
        return np.asarray(picture.convert("LA"))
    return np.asarray(picture.convert("L"))


def array_to_gray(array: np.ndarray) -> np.ndarray:
    """Any reasonable image array to uint8 gray; transparency composited onto a sensible paper."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 2 and array.dtype == np.uint8 and array.size:
        return np.ascontiguousarray(array)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (2, 3, 4)):
        raise ImageDecodeError(NOT_AN_IMAGE)
    if array.size == 0:
        raise ImageTooSmallError("the image has no pixels")
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise ImageDecodeError(NOT_AN_IMAGE)
    values = _to_unit_range(array)
    if values.ndim == 2:
        return _to_uint8(values)
    colour, alpha = _split_alpha(values)
    luminance = colour if colour.ndim == 2 else colour @ np.array([0.299, 0.587, 0.114], np.float32)
    if alpha is None:
        return _to_uint8(luminance)
    return _to_uint8(_composite(luminance, alpha))


def _to_unit_range(array: np.ndarray) -> np.ndarray:
    """Floats in [0, 1] whatever the input depth: 8-bit, 16-bit, bool or float images."""
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255
    values = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if array.dtype == bool:
        return values
    if np.issubdtype(array.dtype, np.floating) and values.min() >= 0 and values.max() <= 1:
        return values
    low, high = float(values.min()), float(values.max())
    if np.issubdtype(array.dtype, np.integer) and low >= 0 and high <= 255:
        return values / 255
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def _split_alpha(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    channels = values.shape[2]
    if channels == 2:
        return values[:, :, 0], values[:, :, 1]
    if channels == 4:
        return values[:, :, :3], values[:, :, 3]
    return values, None


def _composite(luminance: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Fill transparency with what the visible part implies.

    Transparent canvases with opaque strokes are common for drawings, and the colour hidden
    under full transparency is arbitrary (often black, like the strokes). When little is opaque,
    the opaque part is the ink: put it on a contrasting paper. When most is opaque, it is the
    picture itself: fill the holes with its typical (paper) brightness.
    """
    opaque = alpha > 0.5
    if opaque.all():
        return luminance
    if not opaque.any():
        return np.ones_like(luminance)
    if opaque.mean() < 0.5:
        ink = float(np.average(luminance, weights=alpha))
        paper = 1.0 if ink < 0.5 else 0.0
    else:
        paper = float(np.median(luminance[opaque]))
    composite: np.ndarray = luminance * alpha + paper * (1 - alpha)
    return composite


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(values * 255 + 0.5, 0, 255).astype(np.uint8)
