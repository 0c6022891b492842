"""Image bytes or arrays in, an upright 8-bit grayscale array out.

Only luminance matters to the pipeline, so decoding goes straight to grayscale: for JPEG that
lets libjpeg skip the colour planes and decode at a reduced scale, which is most of the time a
phone photo costs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from recognizer.config import DECODE_TARGET_SIDE, MAX_IMAGE_PIXELS, MIN_IMAGE_SIDE
from recognizer.errors import ImageDecodeError, ImageTooLargeError, ImageTooSmallError

NOT_AN_IMAGE = "This doesn't look like an image I can read. Please send a JPEG or PNG photo."
_BROKEN = "The image seems damaged or cut short. Please send it again."
_SEND_SMALLER = f"Please send one under {MAX_IMAGE_PIXELS / 1e6:.0f} megapixels."


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
        raise ImageDecodeError("The file is empty. Please send a photo of a digit.")
    try:
        picture = Image.open(io.BytesIO(data))
        width, height = _upright_size(picture)
        _check_size(width, height)
        reduced = _reduce_while_decoding(picture)
        upright = ImageOps.exif_transpose(reduced)
        array = _to_array(upright)
    except (ImageTooLargeError, ImageTooSmallError):
        raise
    except Image.DecompressionBombError:
        # Pillow's own header check fires first for the most extreme sizes.
        raise ImageTooLargeError(f"The image is far too large. {_SEND_SMALLER}") from None
    except UnidentifiedImageError:
        raise ImageDecodeError(NOT_AN_IMAGE) from None
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, MemoryError, KeyError):
        # Pillow reports truncated and corrupt streams through all of these.
        raise ImageDecodeError(_BROKEN) from None
    gray = array_to_gray(array)
    return DecodedImage(gray, gray.shape[1] / width)


def _upright_size(picture: Image.Image) -> tuple[int, int]:
    """The size after EXIF rotation: boxes are reported in the picture as the sender sees it."""
    width, height = picture.size
    try:
        orientation = picture.getexif().get(ExifTags.Base.Orientation, 1)
    except (OSError, SyntaxError, ValueError):
        orientation = 1
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        megapixels = width * height / 1e6
        raise ImageTooLargeError(
            f"The image is too large ({width}x{height}, {megapixels:.0f} megapixels). "
            + _SEND_SMALLER
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        raise ImageTooSmallError(
            f"The image is too small ({width}x{height}) to hold a readable digit. "
            f"Please send one at least {MIN_IMAGE_SIDE} pixels on each side."
        )


def _reduce_while_decoding(picture: Image.Image) -> Image.Image:
    """Let libjpeg decode only luminance at a reduced scale (DCT scaling costs nothing extra)."""
    if picture.format == "JPEG" and picture.mode in ("RGB", "L", "YCbCr"):
        width, height = picture.size
        factor = max(width, height) / DECODE_TARGET_SIDE
        if factor > 1:
            picture.draft("L", (int(width / factor), int(height / factor)))
        else:
            picture.draft("L", picture.size)
    picture.seek(0)  # the first frame of an animation
    picture.load()
    return picture


def _to_array(picture: Image.Image) -> np.ndarray:
    """Pixels as uint8 gray, gray+alpha, or a float array for deep images (scaled later)."""
    mode = picture.mode
    if mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return np.asarray(picture, dtype=np.float32)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in picture.info
    if has_alpha:
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
        raise ImageTooSmallError("The image is empty. Please send a photo of a digit.")
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
