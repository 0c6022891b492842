"""The /stats picture: the model's test accuracy for each digit as horizontal bars.

All ten digits sit near the top of a 0-100% scale, which would make every bar look full; the
axis starts at a round value below the weakest digit instead, and says so on the picture.
Sized like the recognizer's charts for a phone's chat bubble (``recognizer.chart``): every
label at least ``MIN_TEXT_PX`` CSS pixels tall when shown ``DISPLAY_WIDTH`` wide.

The picture holds digits and percentages only, no words: Pillow's built-in font has no Cyrillic
(a Russian title came out as empty boxes), and the /stats caption names the chart in the user's
language instead, so nothing is said twice.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

WIDTH = 600
LABEL_PX = 26
VALUE_PX = 25
_MARGIN = 10
_ROW = 36
_TOP = _MARGIN + 6
"""The grid lines start 6 px above the first bar, at the margin."""
_LEFT = 40
_RIGHT = 96
_BOTTOM = VALUE_PX + 14
_BAR = (52, 120, 220)
_WEAK_BAR = (220, 90, 60)
_INK = (30, 30, 30)
_GRID = (215, 215, 215)
_WEAK_BELOW = 0.97
"""Digits under this accuracy are drawn in a warning colour: where a retrain should help."""


def axis_start(values: Sequence[float]) -> float:
    """A multiple of 5% at least 5% below the lowest value, never above 90%."""
    return max(0.0, min(0.9, math.floor((min(values) - 0.05) * 20) / 20))


def render_accuracy_chart(per_digit: Sequence[float]) -> bytes:
    """PNG bytes, ``WIDTH`` px wide, of one bar per accuracy in ``per_digit`` (fractions 0-1,
    digit 0 first) with its percentage written beside it."""
    height = _TOP + _ROW * len(per_digit) + _BOTTOM
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=LABEL_PX)
    value_font = ImageFont.load_default(size=VALUE_PX)
    low = axis_start(per_digit)
    span = WIDTH - _LEFT - _RIGHT
    for fraction, anchor in ((0.0, "la"), (0.5, "ma"), (1.0, "ma")):
        x = _LEFT + fraction * span
        draw.line([(x, _TOP - 6), (x, height - _BOTTOM)], fill=_GRID)
        draw.text(
            (x, height - _BOTTOM + 4),
            f"{low + fraction * (1 - low):.1%}",
            fill=_INK,
            font=value_font,
            anchor=anchor,
        )
    for digit, value in enumerate(per_digit):
        top = _TOP + digit * _ROW
        middle = top + _ROW / 2
        draw.text((_LEFT - 12, middle), str(digit), fill=_INK, font=font, anchor="rm")
        length = max(0.0, (value - low) / (1 - low)) * span
        colour = _WEAK_BAR if value < _WEAK_BELOW else _BAR
        draw.rectangle([(_LEFT, top + 6), (_LEFT + length, top + _ROW - 6)], fill=colour)
        draw.text(
            (_LEFT + span + 6, middle), f"{value:.1%}", fill=_INK, font=value_font, anchor="lm"
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
