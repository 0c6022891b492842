"""The reply's picture: what the model saw, and how sure it was of each digit.

Designed for the size a chat shows it: a phone's message bubble is about ``DISPLAY_WIDTH`` CSS
pixels wide, so a picture ``w`` pixels wide is shown at ``DISPLAY_WIDTH / w`` of its size, and
every label is drawn at least ``MIN_TEXT_PX`` CSS pixels tall at that scale. The pictures hold
no words, only digits and percentages (the caption beside them speaks the user's language and
says what the picture does not), and they fill their frame: no blank strips.

Drawn with Pillow primitives rather than a plotting library: a few milliseconds and no extra
dependency. PNG encoding dominates the cost and grows with bytes per pixel, so the digit chart is
drawn as one grayscale layer (anti-aliased text and the model's input need only grays) with a
few reserved values that the palette turns into the bar colours: a one-byte-per-pixel palette
PNG, about three times faster to encode than RGB. A number's picture is mostly the photo, whose
grays and coloured, anti-aliased labels no palette holds: as an RGB PNG it cost 7 ms of every
answer (PNG's per-row filtering, even at zlib level 0), as a JPEG it costs under 1 ms. Telegram
turns every photo a bot sends into a JPEG anyway.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from functools import cache
from itertools import pairwise

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from recognizer.prediction import Prediction, Reading

DISPLAY_WIDTH = 300
"""CSS pixels a phone's chat bubble gives a picture: on a 360-400 px wide phone a bubble's
picture is about 300-330 px wide (the playground's, at a 390 px viewport: 311)."""
MIN_TEXT_PX = 12
"""The smallest font size, in CSS pixels at display size, that any label may have."""


def font_px(size: int, image_width: int) -> float:
    """A font of ``size`` image pixels, in CSS pixels once the picture is shown in a bubble."""
    return size * DISPLAY_WIDTH / image_width


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


# -- one digit: the model's input and ten probability bars -----------------------------------

DIGIT_WIDTH = 600
_MARGIN = 12
_SEEN_SIDE = 252
"""The 28x28 image enlarged 9x, nearest neighbour, so its pixels stay visible."""
_ROW = 32
_DIGIT_HEIGHT = 2 * _MARGIN + 10 * _ROW
DIGIT_LABEL_PX = 28
PERCENT_PX = 25
_LABELS_LEFT = _MARGIN * 2 + _SEEN_SIDE
_BAR_LEFT = _LABELS_LEFT + 28
_BACKGROUND = 250
"""The lightest gray drawn; the palette shows it as white, values above it are colours."""
_TEXT = 33
_BAR, _CHOSEN, _UNSURE = 251, 252, 253
_COLOURS = {_BAR: (176, 190, 197), _CHOSEN: (25, 118, 210), _UNSURE: (245, 124, 0)}


@cache
def _palette() -> list[int]:
    grays = [round(value * 255 / _BACKGROUND) for value in range(_BACKGROUND + 1)]
    entries = [(gray, gray, gray) for gray in grays]
    entries += [_COLOURS.get(value, (255, 255, 255)) for value in range(_BACKGROUND + 1, 256)]
    return [channel for entry in entries for channel in entry]


def render_chart(prediction: Prediction) -> bytes:
    """PNG bytes, DIGIT_WIDTH wide: the model's 28x28 input on the left, ten probability bars
    with their percentages on the right, the answer's bar highlighted (orange when unsure).
    The answer itself is the caption's job, so the picture has no headline."""
    canvas = _template().copy()
    draw = ImageDraw.Draw(canvas)
    highlight = _UNSURE if prediction.is_unsure else _CHOSEN
    seen = Image.fromarray(prediction.image).resize(
        (_SEEN_SIDE, _SEEN_SIDE), Image.Resampling.NEAREST
    )
    seen = seen.point(lambda value: value * _BACKGROUND // 255)
    canvas.paste(seen, (_MARGIN, (_DIGIT_HEIGHT - _SEEN_SIDE) // 2))
    _draw_bars(draw, prediction, highlight)
    indexed = Image.frombytes("P", canvas.size, canvas.tobytes())
    indexed.putpalette(_palette())
    buffer = io.BytesIO()
    indexed.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@cache
def _template() -> Image.Image:
    """What every chart shares (the digit labels), drawn once: text is the slow part."""
    canvas = Image.new("L", (DIGIT_WIDTH, _DIGIT_HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for digit in range(10):
        middle = _row_top(digit) + _ROW / 2
        draw.text(
            (_LABELS_LEFT, middle), str(digit), font=_font(DIGIT_LABEL_PX), fill=_TEXT, anchor="lm"
        )
    return canvas


def _row_top(digit: int) -> float:
    return _MARGIN + digit * _ROW


def _bar_span(longest: float) -> float:
    """The longest bar's length: up to where its percentage still fits inside the margin."""
    label = _font(PERCENT_PX).getlength(f"{longest:.0%}")
    return DIGIT_WIDTH - _MARGIN - label - 6 - _BAR_LEFT


def _draw_bars(draw: ImageDraw.ImageDraw, prediction: Prediction, highlight: int) -> None:
    """The longest bar spans the chart, the others in proportion to it (each says its own
    percentage), so an unsure answer's bars fill the picture as a sure one's do."""
    # Text is anti-aliased against the background, so it must be a gray, never a palette colour.
    longest = max(prediction.probabilities)
    span = _bar_span(longest)
    for digit, probability in enumerate(prediction.probabilities):
        top = _row_top(digit)
        colour = highlight if digit == prediction.digit else _BAR
        right = _BAR_LEFT + max(2.0, span * probability / longest)
        draw.rectangle((_BAR_LEFT, top + 4, right, top + _ROW - 4), fill=colour)
        draw.text(
            (right + 6, top + _ROW / 2),
            f"{probability:.0%}",
            font=_font(PERCENT_PX),
            fill=_TEXT,
            anchor="lm",
        )


# -- a number: the photo with each digit boxed, and each reading with its confidence ----------

NUMBER_WIDTH = 720
_PHOTO_MAX_HEIGHT = 320
"""The photo strip's largest height; a narrower crop is widened with more of the photo."""
_CROP_MARGIN = 0.35
"""Context kept around the digits' boxes, as a share of their height."""
NUMBER_DIGIT_PX = 52
NUMBER_PERCENT_PX = 29
_CELL_GAP = 10
_LINK = 18
"""Height of the strip where each box is joined to its reading by a line."""
_CELL_HEIGHT = NUMBER_DIGIT_PX + NUMBER_PERCENT_PX + _CELL_GAP
_INK = (33, 33, 33)
_RGB = {_CHOSEN: (25, 118, 210), _UNSURE: (245, 124, 0)}
NUMBER_JPEG_QUALITY = 92
"""High enough that the box lines and labels' edges carry no visible ringing."""


def render_number(reading: Reading) -> bytes:
    """JPEG bytes, NUMBER_WIDTH wide: the photo around the number with each digit boxed, and under
    it each digit's reading and confidence, joined to its box (orange when unsure). When the
    readings are too many for one line at a readable size, they alternate between two lines.

    A photo of several rows is cut between its rows, each band followed by the strip of that
    row's readings, left to right: with one strip under the whole photo, the upper row's lines
    crossed the lower row and the other lines, and the rows' readings were mixed in one strip.
    """
    photo, boxes = _number_photo(reading)
    in_order = iter(boxes)
    by_row = [[next(in_order) for _ in row.digits] for row in reading.rows]
    bands = _row_bands(by_row, photo.height)
    lines = [1 if _fits(len(row.digits), 1) else 2 for row in reading.rows]
    height = photo.height + sum(_strip_height(count) for count in lines)
    canvas = Image.new("RGB", (NUMBER_WIDTH, height), "white")
    draw = ImageDraw.Draw(canvas)
    band_top = 0
    for row, row_boxes, (top, bottom), count in zip(
        reading.rows, by_row, bands, lines, strict=True
    ):
        canvas.paste(photo.crop((0, top, NUMBER_WIDTH, bottom)), (0, band_top))
        shift = band_top - top
        shifted = [
            (left, max(box_top + shift, band_top), right, box_bottom + shift)
            for left, box_top, right, box_bottom in row_boxes
        ]
        strip_top = band_top + bottom - top
        _draw_row(draw, row.digits, shifted, strip_top, count)
        band_top = strip_top + _strip_height(count)
    buffer = io.BytesIO()
    # Full-resolution colour (no 4:2:0 subsampling): the boxes' 3 px coloured lines stay crisp.
    canvas.save(buffer, format="JPEG", quality=NUMBER_JPEG_QUALITY, subsampling=0)
    return buffer.getvalue()


def _strip_height(lines: int) -> int:
    """The joining lines and ``lines`` lines of readings under one row's band of the photo."""
    return _LINK + lines * _CELL_HEIGHT - _CELL_GAP // 2


def _row_bands(by_row: list[list[tuple[int, ...]]], height: int) -> list[tuple[int, int]]:
    """Each row's band of the photo, top and bottom in the photo's pixels, for each row's boxes:
    the photo cut halfway between one row's lowest box and the next row's highest; one row
    keeps the whole photo."""
    cuts = [0]
    for upper, lower in pairwise(by_row):
        middle = (max(box[3] for box in upper) + min(box[1] for box in lower)) // 2
        cuts.append(min(max(middle, cuts[-1] + 1), height - 1))
    cuts.append(height)
    return list(pairwise(cuts))


def _draw_row(
    draw: ImageDraw.ImageDraw,
    digits: tuple[Prediction, ...],
    boxes: Sequence[tuple[int, ...]],
    strip_top: int,
    lines: int,
) -> None:
    """One row's boxes on its band of the photo (which ends at ``strip_top``) and its readings
    under it, in ``lines`` lines, each joined to its box."""
    cells = [
        (centre, strip_top + _LINK + (index % lines) * _CELL_HEIGHT)
        for index, centre in enumerate(_cell_centres(len(digits)))
    ]
    # Lines first, then the readings over them with a white halo: with two lines, a line to the
    # lower one passes between the upper one's readings and must not cross out their figures.
    for prediction, box, (centre, cell_top) in zip(digits, boxes, cells, strict=True):
        colour = _RGB[_UNSURE if prediction.is_unsure else _CHOSEN]
        left, top, right, bottom = box
        bottom = min(bottom, strip_top - 1)
        draw.rectangle((left, top, right, bottom), outline=colour, width=3)
        draw.line((((left + right) / 2, bottom), (centre, cell_top)), fill=colour, width=2)
    for prediction, (centre, cell_top) in zip(digits, cells, strict=True):
        colour = _RGB[_UNSURE if prediction.is_unsure else _CHOSEN]
        below = (centre, cell_top + NUMBER_DIGIT_PX + 2)
        _haloed(draw, (centre, cell_top), str(prediction.digit), colour, NUMBER_DIGIT_PX)
        _haloed(draw, below, f"{prediction.confidence:.0%}", _INK, NUMBER_PERCENT_PX)


def _haloed(
    draw: ImageDraw.ImageDraw,
    top_centre: tuple[float, float],
    text: str,
    colour: tuple[int, int, int],
    size: int,
) -> None:
    """Text hung from its top centre, with a white halo so a line under it never crosses it."""
    draw.text(
        top_centre,
        text,
        fill=colour,
        font=_font(size),
        anchor="mt",
        stroke_width=4,
        stroke_fill="white",
    )


def _cell_centres(count: int) -> list[float]:
    """Evenly spread in reading order, never so close to an edge that "100%" is cut off."""
    half = _font(NUMBER_PERCENT_PX).getlength("100%") / 2 + 2
    step = NUMBER_WIDTH / count
    return [min(max(step * (i + 0.5), half), NUMBER_WIDTH - half) for i in range(count)]


def _fits(count: int, rows: int) -> bool:
    """Whether ``count`` readings ("100%" the widest) fit side by side in ``rows`` rows."""
    widest = _font(NUMBER_PERCENT_PX).getlength("100%") + _CELL_GAP
    return NUMBER_WIDTH * rows / count >= widest


def _number_photo(reading: Reading) -> tuple[Image.Image, list[tuple[int, ...]]]:
    """The photo cropped around the digits, widened to the chart's shape (with more of the
    photo, or its edge repeated where the photo ends), scaled to the chart's width; the boxes
    moved along."""
    scale = reading.picture_scale
    boxes = [
        (
            p.box.x * scale,
            p.box.y * scale,
            (p.box.x + p.box.width) * scale,
            (p.box.y + p.box.height) * scale,
        )
        for p in reading.digits
    ]
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    margin = _CROP_MARGIN * (bottom - top)
    top, bottom = math.floor(top - margin), math.ceil(bottom + margin)
    left, right = math.floor(left - margin), math.ceil(right + margin)
    narrowest = (bottom - top) * NUMBER_WIDTH / _PHOTO_MAX_HEIGHT
    if right - left < narrowest:
        extra = (narrowest - (right - left)) / 2
        left, right = math.floor(left - extra), math.ceil(right + extra)
    photo = _padded_crop(reading.picture, left, top, right, bottom)
    factor = NUMBER_WIDTH / photo.shape[1]
    size = (NUMBER_WIDTH, max(1, round(photo.shape[0] * factor)))
    resized = Image.fromarray(photo).resize(size, Image.Resampling.BILINEAR)
    shown = [
        tuple(round((value - (left, top)[i % 2]) * factor) for i, value in enumerate(box))
        for box in boxes
    ]
    return resized, shown


def _padded_crop(picture: np.ndarray, left: int, top: int, right: int, bottom: int) -> np.ndarray:
    """``picture[top:bottom, left:right]``, its edge pixels repeated where the box leaves it."""
    height, width = picture.shape
    inside = picture[max(0, top) : min(height, bottom), max(0, left) : min(width, right)]
    return cv2.copyMakeBorder(
        inside,
        max(0, -top),
        max(0, bottom - height),
        max(0, -left),
        max(0, right - width),
        cv2.BORDER_REPLICATE,
    )
