"""Decoding: whatever file a user sends becomes the upright grayscale picture they see."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from recognizer.config import DECODE_TARGET_SIDE
from recognizer.decode import array_to_gray, decode


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def marked_page(width: int = 400, height: int = 300) -> np.ndarray:
    """A light page with a dark square near its top-left corner, to tell orientations apart."""
    page = np.full((height, width), 230, np.uint8)
    page[20:80, 30:90] = 20
    return page


@pytest.mark.parametrize(("orientation", "corner"), [(1, "top-left"), (3, "bottom-right")])
def test_exif_orientation_is_applied(orientation: int, corner: str) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encoded(Image.fromarray(marked_page()), "JPEG", exif=exif.tobytes())
    gray = decode(data).gray
    dark = np.argwhere(gray < 100).mean(axis=0)
    height, width = gray.shape
    top_left = dark[0] < height / 2 and dark[1] < width / 2
    assert top_left == (corner == "top-left")


def test_quarter_turn_swaps_width_and_height() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held upright: rotate 90 degrees clockwise to view
    data = encoded(Image.fromarray(marked_page(400, 300)), "JPEG", exif=exif.tobytes())
    decoded = decode(data)
    assert decoded.gray.shape == (400, 300)
    dark = np.argwhere(decoded.gray < 100).mean(axis=0)
    assert dark[0] < 200 < dark[1], "top-left corner turned to the top-right"


def test_large_jpeg_is_decoded_reduced() -> None:
    data = encoded(Image.fromarray(marked_page(4000, 3000)), "JPEG", quality=80)
    decoded = decode(data)
    assert DECODE_TARGET_SIDE <= max(decoded.gray.shape) <= 2 * DECODE_TARGET_SIDE
    assert decoded.scale == pytest.approx(decoded.gray.shape[1] / 4000)


def test_transparent_background_with_dark_strokes_becomes_dark_on_white() -> None:
    """Drawing apps often save black strokes on a fully transparent (also black) canvas."""
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[20:80, 45:55] = (0, 0, 0, 255)
    gray = decode(encoded(Image.fromarray(rgba, "RGBA"), "PNG")).gray
    assert gray[50, 50] < 30
    assert gray[5, 5] > 225


def test_transparent_background_with_light_strokes_becomes_light_on_black() -> None:
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[20:80, 45:55] = (255, 255, 255, 255)
    gray = decode(encoded(Image.fromarray(rgba, "RGBA"), "PNG")).gray
    assert gray[50, 50] > 225
    assert gray[5, 5] < 30


def test_sixteen_bit_images_keep_their_contrast() -> None:
    deep = np.full((60, 60), 50_000, np.uint16)
    deep[10:50, 25:35] = 2_000
    gray = decode(encoded(Image.fromarray(deep), "PNG")).gray
    assert gray[30, 30] < 60
    assert gray[5, 5] > 200


def test_arrays_of_any_depth_become_uint8_gray() -> None:
    rgb = np.zeros((20, 20, 3), np.float64)
    rgb[:, :, 1] = 1.0
    gray = array_to_gray(rgb)
    assert gray.dtype == np.uint8
    assert gray[0, 0] == round(0.587 * 255)
    assert array_to_gray(np.ones((5, 5), bool)).max() == 255
