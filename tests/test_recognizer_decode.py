"""Decoding: whatever file a user sends becomes the upright grayscale picture they see."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from recognizer.config import DECODE_TARGET_SIDE
from recognizer.decode import array_to_gray, decode
from recognizer.errors import ImageDecodeError, ImageTooLargeError
from recognizer.sniff import image_format
from tests.conftest import SHARED_DATA


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


REPORTED = SHARED_DATA / "reported-cases"


def _png_header_only(width: int, height: int, mode: str) -> bytes:
    """The first bytes of a large PNG: its header (IHDR) and a scrap of pixel data."""
    return encoded(Image.new(mode, (width, height)), "PNG")[:200]


@pytest.mark.parametrize(("mode", "side"), [("RGBA", 7000), ("I;16", 7000), ("RGB", 5000)])
def test_images_too_large_for_memory_are_refused_from_the_header(mode: str, side: int) -> None:
    """Only the header is there: a refusal that decoded first would call it damaged."""
    with pytest.raises(ImageTooLargeError, match="too large to decode as a PNG"):
        decode(_png_header_only(side, side, mode))


def test_the_memory_limit_depends_on_what_one_pixel_costs() -> None:
    """A 9 MP gray PNG fits where the same size in RGBA does not."""
    decode(encoded(Image.fromarray(marked_page(3000, 3000)), "PNG"))
    with pytest.raises(ImageTooLargeError):
        decode(_png_header_only(3000, 3000, "RGBA"))


def test_a_large_webp_is_shrunk_right_after_decoding() -> None:
    data = encoded(Image.fromarray(marked_page(1600, 1200)).convert("RGB"), "WEBP")
    decoded = decode(data)
    assert max(decoded.gray.shape) < 2 * DECODE_TARGET_SIDE
    assert decoded.scale == pytest.approx(decoded.gray.shape[1] / 1600)


@pytest.mark.parametrize(
    "name", ["doc-iphone-7.heic", "doc-avif-7.avif", "jpeg-missing-eoi-7.jpg", "cmyk-7.jpg"]
)
def test_phone_formats_and_a_jpeg_without_end_marker_are_read(recognizer, name: str) -> None:
    assert recognizer.read((REPORTED / name).read_bytes()).number == "7"


def test_a_jpeg_cut_inside_its_pixels_is_still_damaged() -> None:
    data = (REPORTED / "jpeg-missing-eoi-7.jpg").read_bytes()
    for cut in (50, 400, len(data) // 2):
        with pytest.raises(ImageDecodeError, match="damaged"):
            decode(data[:-cut])


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heic", "HEIF"),
        (b"\x00\x00\x00\x20ftypmif1\x00\x00\x00\x00mif1avifmiaf", "AVIF"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", None),
        (b"%PDF-1.7", None),
        (b"%!PS-Adobe-3.0 EPSF-3.0", None),
    ],
)
def test_the_format_is_told_by_the_first_bytes(head: bytes, found: str | None) -> None:
    assert image_format(head + bytes(32)) == found


@pytest.mark.parametrize("name", ["doc-iphone-7.heic", "doc-avif-7.avif"])
def test_cut_phone_formats_get_a_clear_refusal(name: str) -> None:
    data = (REPORTED / name).read_bytes()
    with pytest.raises(ImageDecodeError):
        decode(data[: len(data) // 2])
