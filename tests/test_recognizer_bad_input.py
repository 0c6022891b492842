"""Everything that is not a usable photo gets the recognizer's own error, saying why."""

from __future__ import annotations

import functools
import io
import time
import zlib
from struct import pack

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from recognizer import Reading, Recognizer, RecognizerError
from recognizer.errors import ImageDecodeError, ImageTooLargeError, ImageTooSmallError, NoDigitError
from tests.conftest import read_digit


def encode(image: np.ndarray, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def striped(width: int, height: int) -> np.ndarray:
    """A white (height, width) image with a dark stroke every 7 pixels across its long side."""
    image = np.full((height, width), 255, np.uint8)
    if width >= height:
        image[:, ::7] = 0
    else:
        image[::7] = 0
    return image


def huge_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of the given size: all-zero rows compress to almost nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def photo_without_ink() -> bytes:
    """A phone-like photo of blank paper: lighting gradient, texture, noise, JPEG."""
    rng = np.random.default_rng(5)
    ys, xs = np.mgrid[0:960, 0:1280]
    light = 200 - 50 * xs / 1280 - 25 * ys / 960
    paper = light + rng.normal(0, 3, light.shape)
    rgb = np.stack([paper, paper * 0.97, paper * 0.9], axis=2)
    return encode(np.clip(rgb, 0, 255).astype(np.uint8), "JPEG", quality=80)


def animated_gif() -> bytes:
    frames = []
    for shift in range(3):
        frame = np.full((120, 120), 255, np.uint8)
        frame[30:90, 55 + shift * 5 : 65 + shift * 5] = 0
        frames.append(Image.fromarray(frame))
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        pytest.param(b"", ImageDecodeError, "empty", id="zero-bytes"),
        pytest.param(
            np.random.default_rng(1).bytes(5000), ImageDecodeError, "image", id="random-bytes"
        ),
        pytest.param(b"Hello, this is a text file.\n" * 20, ImageDecodeError, "image", id="text"),
        pytest.param(
            encode(np.full((400, 300, 3), 200, np.uint8), "JPEG")[:600],
            ImageDecodeError,
            "damaged",
            id="truncated-jpeg",
        ),
        pytest.param(encode(np.zeros((1, 1), np.uint8)), ImageTooSmallError, "small", id="1x1"),
        # Each would shrink to a strip a pixel or two across at the working size.
        pytest.param(encode(striped(10, 10_000)), ImageTooSmallError, "narrow", id="10x10000"),
        pytest.param(encode(striped(8_000, 12)), ImageTooSmallError, "narrow", id="8000x12"),
        pytest.param(
            encode(np.full((800, 600), 255, np.uint8)), NoDigitError, "digit", id="all-white"
        ),
        pytest.param(encode(np.zeros((800, 600), np.uint8)), NoDigitError, "digit", id="all-black"),
        pytest.param(photo_without_ink(), NoDigitError, "digit", id="blank-paper-photo"),
        # Most of it reads as ink (MOSTLY_INK): once read as a sure 0, the whole frame one glyph.
        pytest.param(
            encode(np.random.default_rng(2).integers(0, 256, (960, 1280), np.uint8), "JPEG"),
            NoDigitError,
            "digit",
            id="uniform-noise-photo",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(
    recognizer: Recognizer, data: bytes, error: type[RecognizerError], words: str
) -> None:
    with pytest.raises(error) as raised:
        read_digit(recognizer, data)
    message = str(raised.value)
    assert words in message.lower()
    assert "Traceback" not in message
    words_in_it = set(message.lower().replace(",", " ").replace(";", " ").split())
    assert not words_in_it & {"please", "i", "i'm", "me", "you"}, (
        "the bot answers users with its own texts; the recognizer's messages only say why"
    )


def test_huge_image_is_refused_from_its_header(recognizer: Recognizer) -> None:
    data = huge_png(20_000, 20_000)
    assert len(data) < 1_000_000, "the test image itself stays cheap"
    started = time.perf_counter()
    with pytest.raises(ImageTooLargeError, match="too large") as raised:
        read_digit(recognizer, data)
    assert time.perf_counter() - started < 1.0, "refused without decoding 400 megapixels"
    assert "megapixels" in str(raised.value)


def test_large_image_is_refused_with_its_size(recognizer: Recognizer) -> None:
    with pytest.raises(ImageTooLargeError, match="9000x8000"):
        read_digit(recognizer, huge_png(9000, 8000))


def test_animated_gif_uses_its_first_frame(recognizer: Recognizer) -> None:
    prediction = read_digit(recognizer, animated_gif())
    assert prediction.digit == 1
    assert 50 <= prediction.box.x <= 60


@functools.cache
def shipped() -> Recognizer:
    """The shipped model, for hypothesis' tests (which cannot take function fixtures)."""
    return Recognizer.load()


def read_or_refuse(data: bytes) -> Reading | None:
    """The pipeline's reading, or None when it refused the input with its own error.

    Any other exception escapes and fails the calling test.
    """
    try:
        return shipped().read(data)
    except RecognizerError:
        return None


def assert_mnist_shaped(result: Reading | None) -> None:
    for prediction in result.digits if result is not None else ():
        assert prediction.image.shape == (28, 28)
        assert prediction.image.dtype == np.uint8


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_fuzzed_bytes_raise_only_recognizer_errors(data: bytes) -> None:
    assert_mnist_shaped(read_or_refuse(data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 120),
    st.integers(1, 120),
    st.sampled_from(["L", "RGB", "RGBA", "LA", "P", "I;16", "1"]),
    st.integers(0, 2**32 - 1),
)
def test_fuzzed_images_raise_only_recognizer_errors(
    width: int, height: int, mode: str, seed: int
) -> None:
    """Valid files with odd sizes, modes and noise content must not crash the pipeline."""
    rng = np.random.default_rng(seed)
    noise = Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8))
    buffer = io.BytesIO()
    noise.convert(mode).save(buffer, format="PNG")
    assert_mnist_shaped(read_or_refuse(buffer.getvalue()))


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=100, max_size=2000), st.integers(0, 1999))
def test_corrupted_jpegs_raise_only_recognizer_errors(noise: bytes, where: int) -> None:
    base = np.zeros((64, 64, 3), np.uint8)
    base[16:48, 28:36] = 255
    jpeg = bytearray(encode(base, "JPEG"))
    position = where % len(jpeg)
    jpeg[position : position + len(noise)] = noise
    assert_mnist_shaped(read_or_refuse(bytes(jpeg)))
