"""The reply pictures at the size a phone's chat shows them: readable labels, no blank margins.

Every measure is taken on the rendered PNG: ink heights of the labels, scaled to a bubble
``DISPLAY_WIDTH`` CSS pixels wide, must reach the height the same glyph has in a 12 px font.
"""

from __future__ import annotations

import io
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from bot import stats_chart
from recognizer import Prediction, Reading, Recognizer, Row, chart
from tests.botharness import digit_photo
from tests.conftest import SHARED_DATA, read_digit
from tests.test_numbers import number_page
from training.mnist import Mnist

PAPER_MARGIN_PX = 16
"""The widest empty border a picture may keep (about 10 CSS pixels once shown)."""


def _gray(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("L"))


def _min_glyph_height() -> float:
    """How tall "0%" is in a 12 px font, measured as the labels are (rows of dark ink): what a
    label must at least measure once shown. Measured at ten times the size and scaled down,
    as hinting makes small sizes' glyphs relatively taller; half a pixel for anti-aliasing."""
    font = ImageFont.load_default(size=chart.MIN_TEXT_PX * 10)
    image = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(image).text((10, 10), "0%", font=font, fill=0)
    return _ink_height(np.asarray(image)) / 10 - 0.5


def _ink_height(pixels: np.ndarray, dark: int = 128) -> int:
    rows = np.flatnonzero((pixels < dark).any(axis=1))
    return int(rows[-1] - rows[0] + 1) if len(rows) else 0


def _at_display(height: int, width: int) -> float:
    return height * chart.DISPLAY_WIDTH / width


def _margins(pixels: np.ndarray, background: int = 245) -> tuple[int, int, int, int]:
    """Empty rows/columns at the left, top, right and bottom (anything darker is content)."""
    rows = np.flatnonzero((pixels < background).any(axis=1))
    columns = np.flatnonzero((pixels < background).any(axis=0))
    height, width = pixels.shape
    return (
        int(columns[0]),
        int(rows[0]),
        int(width - 1 - columns[-1]),
        int(height - 1 - rows[-1]),
    )


@pytest.fixture(scope="module")
def seven(recognizer: Recognizer, mnist: Mnist) -> Prediction:
    return read_digit(recognizer, digit_photo(mnist.x_test[0]))


@pytest.fixture(scope="module")
def numbers(recognizer: Recognizer, mnist: Mnist) -> dict[int, Reading]:
    return {
        count: recognizer.read(number_page([mnist.x_test[i] for i in range(count)]))
        for count in (2, 4, 12)
    }


def test_digit_chart_labels_are_readable_in_a_bubble(seven: Prediction) -> None:
    pixels = _gray(chart.render_chart(seven))
    height, width = pixels.shape
    assert chart.font_px(chart.PERCENT_PX, width) >= chart.MIN_TEXT_PX
    top, row = chart._MARGIN, (height - 2 * chart._MARGIN) / 10
    for digit in range(10):
        band = pixels[round(top + digit * row) : round(top + (digit + 1) * row)]
        label = _ink_height(band[:, chart._LABELS_LEFT : chart._BAR_LEFT])
        assert _at_display(label, width) >= _min_glyph_height(), f"digit label {digit}"
        if digit != seven.digit:  # other bars are light; the percentage is the dark ink there
            percent = _ink_height(band[:, chart._BAR_LEFT + 4 :])
            assert _at_display(percent, width) >= _min_glyph_height(), f"percentage {digit}"


def test_digit_chart_has_no_blank_margins(seven: Prediction) -> None:
    unsure = replace(seven, digit=4, confidence=0.5, probabilities=(0, 0, 0, 0, 0.5) + (0.1,) * 5)
    for prediction in (seven, unsure):
        assert max(_margins(_gray(chart.render_chart(prediction)))) <= PAPER_MARGIN_PX


def test_number_picture_fills_its_width_and_shows_each_reading(
    numbers: dict[int, Reading],
) -> None:
    for count, reading in numbers.items():
        pixels = _gray(chart.render_number(reading))
        _height, width = pixels.shape
        assert width == chart.NUMBER_WIDTH
        assert chart.font_px(chart.NUMBER_PERCENT_PX, width) >= chart.MIN_TEXT_PX
        top_rows = pixels[:8]
        assert (top_rows < 250).all(), f"{count} digits: a blank strip beside the photo"
        assert max(_margins(pixels)) <= PAPER_MARGIN_PX, f"{count} digits: blank margin"
        photo_bottom = int(np.flatnonzero((pixels == 255).any(axis=1))[0])  # paper is 235
        readings = pixels[photo_bottom:]
        # One column of ink per reading, evenly spread: each holds a digit and its percentage.
        step = width / count
        for index in range(count):
            centre = round(step * (index + 0.5))
            cell = readings[:, max(0, centre - 8) : centre + 8]
            assert _ink_height(cell, dark=200) > 0, f"{count} digits: reading {index} missing"
        percents = _ink_height(readings[-chart.NUMBER_PERCENT_PX - 12 :, :])
        assert _at_display(percents, width) >= _min_glyph_height()


def test_unsure_number_digit_is_drawn_in_the_warning_colour(
    numbers: dict[int, Reading],
) -> None:
    """Only an unsure digit brings the warning colour in (its box, line and label); the picture
    is a JPEG, so a pixel counts when it is within a few levels of that colour."""
    reading = numbers[4]
    sure = [replace(digit, confidence=0.99) for digit in reading.digits]
    hedged = replace(reading.digits[1], confidence=0.5)
    for digits, unsure in ((sure, False), ([sure[0], hedged, *sure[2:]], True)):
        picture = chart.render_number(replace(reading, rows=(Row(tuple(digits)),)))
        with Image.open(io.BytesIO(picture)) as image:
            rgb = np.asarray(image.convert("RGB")).astype(int)
        warning = np.abs(rgb - chart._RGB[chart._UNSURE]).max(axis=2) <= 24
        assert (warning.sum() > 200) == unsure, warning.sum()


def test_stats_chart_is_readable_and_tight() -> None:
    values = [0.99, 0.995, 0.98, 0.97, 0.96, 0.99, 0.99, 0.95, 1.0, 0.96]
    pixels = _gray(stats_chart.render_accuracy_chart(values))
    _height, width = pixels.shape
    for size in (stats_chart.LABEL_PX, stats_chart.VALUE_PX):
        assert chart.font_px(size, width) >= chart.MIN_TEXT_PX
    axis = pixels[-stats_chart.VALUE_PX - 14 :, :]
    assert _at_display(_ink_height(axis), width) >= _min_glyph_height()
    labels = pixels[:, :30]
    rows = np.flatnonzero((labels < 128).any(axis=1))
    assert len(rows) > 10
    assert max(_margins(pixels)) <= PAPER_MARGIN_PX


def _glyph(text: str, size: int) -> np.ndarray:
    """``text``'s ink in the charts' font, cropped to it: a template to read a label with."""
    image = Image.new("L", (size * 2, size * 2), 255)
    ImageDraw.Draw(image).text((size // 2, size // 2), text, font=chart._font(size), fill=0)
    ink = np.asarray(image) < 128
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return ink[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


def _read_glyph(ink: np.ndarray) -> str:
    """The digit whose template overlaps ``ink`` (a glyph's mask, cropped) the most."""
    scores = {}
    for digit in "0123456789":
        template = _glyph(digit, chart.NUMBER_DIGIT_PX)
        shaped = cv2.resize(ink.astype(np.uint8), template.shape[::-1]) > 0
        scores[digit] = (shaped & template).sum() / (shaped | template).sum()
    return max(scores, key=lambda digit: scores[digit])


def _runs(flags: np.ndarray, gap: int = 1) -> list[tuple[int, int]]:
    """Start and end (exclusive) of each run of true values, runs ``gap`` or less apart joined."""
    runs: list[tuple[int, int]] = []
    for index in np.flatnonzero(flags):
        if runs and index - runs[-1][1] <= gap:
            runs[-1] = (runs[-1][0], int(index) + 1)
        else:
            runs.append((int(index), int(index) + 1))
    return runs


def test_a_two_row_photo_gets_one_strip_of_readings_under_each_row(
    recognizer: Recognizer,
) -> None:
    """Each row's band of the photo is followed by its own strip of readings, left to right,
    so no line crosses another row: read back from the picture with the chart's own font."""
    photo = SHARED_DATA / "real-numbers" / "two-rows-six-digits.jpg"
    reading = recognizer.read(photo.read_bytes())
    assert [row.number for row in reading.rows] == ["134678", "912532"]
    with Image.open(io.BytesIO(chart.render_number(reading))) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    gray = rgb.mean(axis=2)
    assert max(_margins(gray)) <= PAPER_MARGIN_PX
    # The photo's paper is gray to its edge; the strips under it are white there (to within
    # the JPEG's rounding: a white row beside the photo's last one may come out at 254).
    strips = _runs(np.asarray((rgb[:, :3] >= 250).all(axis=(1, 2))))
    assert strips[0][0] > 0, "the picture starts with the photo"
    assert len(strips) == len(reading.rows), strips
    coloured = rgb.max(axis=2) - rgb.min(axis=2) > 80
    for row, (top, bottom) in zip(reading.rows, strips, strict=True):
        digit_line = coloured[top + chart._LINK + 4 : top + chart._LINK + chart.NUMBER_DIGIT_PX]
        glyphs = _runs(digit_line.any(axis=0), gap=3)
        read = ""
        for left, right in glyphs:
            ink = digit_line[:, left:right]
            ink_rows = np.flatnonzero(ink.any(axis=1))
            read += _read_glyph(ink[ink_rows[0] : ink_rows[-1] + 1])
        assert read == row.number
        labels = gray[top + chart._LINK + chart.NUMBER_DIGIT_PX : bottom]
        assert _at_display(_ink_height(labels), chart.NUMBER_WIDTH) >= _min_glyph_height()
