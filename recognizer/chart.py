"""The reply's picture: what the model saw, and how sure it was of each digit.

Drawn with Pillow primitives rather than a plotting library: a few milliseconds, no extra
dependency, and large type so it reads on a phone screen. PNG encoding dominates the cost and
grows with bytes per pixel, so the chart is drawn as one grayscale layer (anti-aliased text and
the model's input need only grays) with a few reserved values that the palette turns into the
bar colours: a one-byte-per-pixel palette PNG, about three times faster to encode than RGB.
"""

from __future__ import annotations

import io
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from recognizer.prediction import Prediction, Reading

_WIDTH, _HEIGHT = 720, 400
_MARGIN = 20
_SEEN_SIDE = 280
"""The 28x28 image enlarged 10x, nearest neighbour, so its pixels stay visible."""
_BAR_LEFT = _MARGIN * 2 + _SEEN_SIDE + 36
_BAR_RIGHT = _WIDTH - 86
_BARS_TOP = 60
_ROW = (_HEIGHT - _BARS_TOP - _MARGIN) / 10
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


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def render_chart(prediction: Prediction) -> bytes:
    """PNG bytes: the model's 28x28 input on the left, ten probability bars on the right."""
    canvas = _template().copy()
    draw = ImageDraw.Draw(canvas)
    highlight = _UNSURE if prediction.is_unsure else _CHOSEN
    title = f"{prediction.digit}  ({prediction.confidence:.0%})"
    # Text is anti-aliased against the background, so it must be a gray, never a palette colour.
    draw.text((_MARGIN + 90, 4), title, font=_font(34), fill=_TEXT)
    seen = Image.fromarray(prediction.image).resize(
        (_SEEN_SIDE, _SEEN_SIDE), Image.Resampling.NEAREST
    )
    seen = seen.point(lambda value: value * _BACKGROUND // 255)
    canvas.paste(seen, (_MARGIN, _HEIGHT - _SEEN_SIDE - _MARGIN))
    _draw_bars(draw, prediction, highlight)
    indexed = Image.frombytes("P", canvas.size, canvas.tobytes())
    indexed.putpalette(_palette())
    buffer = io.BytesIO()
    indexed.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@cache
def _template() -> Image.Image:
    """What every chart shares (the labels), drawn once: text rendering is the slow part."""
    canvas = Image.new("L", (_WIDTH, _HEIGHT), _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    draw.text((_MARGIN, 12), "I read:", font=_font(22), fill=_TEXT)
    for digit in range(10):
        draw.text((_BAR_LEFT - 30, _row_top(digit) + 2), str(digit), font=_font(26), fill=_TEXT)
    return canvas


def _row_top(digit: int) -> float:
    return _BARS_TOP + digit * _ROW


def _draw_bars(draw: ImageDraw.ImageDraw, prediction: Prediction, highlight: int) -> None:
    for digit, probability in enumerate(prediction.probabilities):
        y = _row_top(digit)
        colour = highlight if digit == prediction.digit else _BAR
        length = max(2.0, (_BAR_RIGHT - _BAR_LEFT) * probability)
        draw.rectangle((_BAR_LEFT, y + 5, _BAR_LEFT + length, y + _ROW - 5), fill=colour)
        draw.text((_BAR_LEFT + length + 8, y + 6), f"{probability:.0%}", font=_font(20), fill=_TEXT)


_NUMBER_WIDTH = 720
_PHOTO_HEIGHT = 300
"""The photo strip's largest height: a number is wide, so its crop is scaled to the width."""
_CROP_MARGIN = 0.35
"""Context kept around the digits' boxes, as a share of their height."""
_BAR_ROW = 150
"""Height of the probability bars drawn under the photo for each unsure digit."""
_RGB = {_CHOSEN: (25, 118, 210), _UNSURE: (245, 124, 0), _BAR: (176, 190, 197)}


def render_number(reading: Reading) -> bytes:
    """PNG bytes: the photo around the number, each digit boxed with its reading above it,
    and the ten probability bars of each unsure digit below, so a user sees what went wrong.
    """
    photo, boxes = _number_photo(reading)
    unsure = [(index, p) for index, p in enumerate(reading.digits) if p.is_unsure]
    canvas = Image.new("RGB", (_NUMBER_WIDTH, photo.height + _BAR_ROW * len(unsure)), "white")
    canvas.paste(photo.convert("RGB"))
    draw = ImageDraw.Draw(canvas)
    for prediction, (left, top, right, bottom) in zip(reading.digits, boxes, strict=True):
        colour = _RGB[_UNSURE if prediction.is_unsure else _CHOSEN]
        draw.rectangle((left, top, right, bottom), outline=colour, width=3)
        label = str(prediction.digit)
        font = _font(30)
        text_box = draw.textbbox((left, top), label, font=font, anchor="lb")
        draw.rectangle(text_box, fill=colour)
        draw.text((left, top), label, font=font, anchor="lb", fill="white")
    for row, (index, prediction) in enumerate(unsure):
        _draw_small_bars(draw, prediction, index, photo.height + row * _BAR_ROW)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _number_photo(reading: Reading) -> tuple[Image.Image, list[tuple[int, ...]]]:
    """The photo cropped around the digits and scaled to the chart, with the boxes moved too."""
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
    height, width = reading.picture.shape
    crop = (
        max(0, round(left - margin)),
        max(0, round(top - margin)),
        min(width, round(right + margin)),
        min(height, round(bottom + margin)),
    )
    factor = min(_NUMBER_WIDTH / (crop[2] - crop[0]), _PHOTO_HEIGHT / (crop[3] - crop[1]))
    size = (
        max(1, round((crop[2] - crop[0]) * factor)),
        max(1, round((crop[3] - crop[1]) * factor)),
    )
    photo = Image.fromarray(reading.picture).crop(crop).resize(size, Image.Resampling.BILINEAR)
    shown = [
        tuple(round((value - crop[i % 2]) * factor) for i, value in enumerate(box)) for box in boxes
    ]
    return photo, shown


def _draw_small_bars(
    draw: ImageDraw.ImageDraw, prediction: Prediction, index: int, top: int
) -> None:
    """One unsure digit's ten probabilities as vertical bars, its answer highlighted."""
    title = f"Digit {index + 1}: {prediction.digit}? ({prediction.confidence:.0%} sure)"
    draw.text((_MARGIN, top + 6), title, font=_font(20), fill=(33, 33, 33))
    step = (_NUMBER_WIDTH - 2 * _MARGIN) / 10
    base, tallest = top + _BAR_ROW - 28, _BAR_ROW - 66
    for digit, probability in enumerate(prediction.probabilities):
        x = _MARGIN + digit * step
        colour = _RGB[_UNSURE if digit == prediction.digit else _BAR]
        height = max(2.0, tallest * probability)
        draw.rectangle((x + 8, base - height, x + step - 8, base), fill=colour)
        draw.text(
            (x + step / 2, base + 2), str(digit), font=_font(20), anchor="mt", fill=(33, 33, 33)
        )
