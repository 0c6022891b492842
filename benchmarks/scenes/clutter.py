"""What else is near the numbers: printed answer lines, boxes, comb fields and cells, and
words, printed or handwritten. None of it is a digit; a reader must not read it as one.
"""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.scenes.layout import DIGIT_WIDTH, Glyph, Layout
from benchmarks.scenes.papers import Rect

STRUCTURES = ("answer-line", "box", "comb", "cells")
WORDS_NEAR = ("printed-word", "handwritten-word")
WORDS = (
    "Nr.", "Ex.", "Tel:", "cm", "km", "mm", "Name", "Date", "Price", "Answer", "Room",
    "Prix", "Ward", "Max", "Ave", "Total:", "Code", "Page", "Kasse", "hour",
)  # fmt: skip
"""Labels people write next to numbers."""

PRINT_COLOURS = ((0.12, 0.12, 0.12), (0.35, 0.35, 0.35), (0.3, 0.42, 0.78), (0.85, 0.35, 0.3))
"""Black, grey, blue and the red of forms' printed fields."""


def structure(
    kind: str, layout: Layout, size: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """Printed lines as coverage (H, W) float32 for one of ``STRUCTURES``."""
    width, height = size
    h = layout.digit_height
    thickness = max(1, round(h * rng.uniform(0.015, 0.04)))
    mask = np.zeros((height, width), np.uint8)
    rows = _row_boxes(layout.glyphs)
    if kind == "answer-line":
        for row, (x0, _, x1, y1) in rows.items():
            y = round(max(y1, layout.baselines[row]) + h * rng.uniform(0.04, 0.3))
            left = round(x0 - DIGIT_WIDTH * h * rng.uniform(0.2, 1.5))
            right = round(x1 + DIGIT_WIDTH * h * rng.uniform(0.2, 2.5))
            cv2.line(mask, (left, y), (right, y), 255, thickness, cv2.LINE_AA)
    elif kind == "box":
        boxes = np.array(list(rows.values()))
        margin = h * rng.uniform(0.2, 0.6)
        cv2.rectangle(
            mask,
            (round(boxes[:, 0].min() - margin), round(boxes[:, 1].min() - margin)),
            (round(boxes[:, 2].max() + margin), round(boxes[:, 3].max() + margin)),
            255,
            thickness,
            cv2.LINE_AA,
        )
    else:
        _cells(mask, kind, layout, rows=rows, thickness=thickness, rng=rng)
    return mask.astype(np.float32) / 255


def print_colour(rng: np.random.Generator) -> np.ndarray:
    return np.array(PRINT_COLOURS[rng.integers(len(PRINT_COLOURS))], np.float32)


def word_place(
    crop_shape: tuple[int, int], layout: Layout, sheet: Rect, rng: np.random.Generator
) -> tuple[int, int] | None:
    """Top-left corner for a word of ``crop_shape`` next to the number, clear of every digit
    by at least one digit width, inside the sheet; None when no side has room."""
    h = layout.digit_height
    word_h, word_w = crop_shape
    boxes = np.array([g.box for g in layout.glyphs])
    left, top = boxes[:, :2].min(axis=0)
    right, bottom = boxes[:, 2:].max(axis=0)
    first_row = [g.box for g in layout.glyphs if g.row == 0]
    row_top = min(b[1] for b in first_row)
    row_bottom = max(b[3] for b in first_row)
    middle = (row_top + row_bottom) / 2
    gap = DIGIT_WIDTH * h * rng.uniform(1.2, 2.5)
    candidates = [
        (left - gap - word_w, middle - word_h / 2),
        (right + gap, middle - word_h / 2),
        (left + rng.uniform(-0.5, 0.5) * h, top - 0.6 * h - word_h),
        (left + rng.uniform(-0.5, 0.5) * h, bottom + 0.6 * h),
    ]
    x0, y0, x1, y1 = sheet
    clear = DIGIT_WIDTH * h
    for index in rng.permutation(len(candidates)):
        x, y = (round(v) for v in candidates[index])
        inside = x >= x0 + 4 and y >= y0 + 4 and x + word_w <= x1 - 4 and y + word_h <= y1 - 4
        apart = all(
            x + word_w + clear <= b[0]
            or b[2] + clear <= x
            or y + word_h + clear <= b[1]
            or b[3] + clear <= y
            for b in boxes
        )
        if inside and apart:
            return x, y
    return None


def _cells(
    mask: np.ndarray,
    kind: str,
    layout: Layout,
    *,
    rows: dict[int, Rect],
    thickness: int,
    rng: np.random.Generator,
) -> None:
    """A comb (a base line with ticks between cells) or closed cells, one digit per cell."""
    h, cell = layout.digit_height, layout.cell
    for row, (_, y0, _, y1) in rows.items():
        count = sum(1 for g in layout.glyphs if g.row == row)
        start = layout.cell_starts[row]
        base = round(max(y1, layout.baselines[row]) + h * rng.uniform(0.06, 0.22))
        top = round(min(y0, layout.baselines[row] - h) - h * rng.uniform(0.08, 0.25))
        tick = round(base - h * rng.uniform(0.3, 0.6))
        left, right = round(start), round(start + count * cell)
        cv2.line(mask, (left, base), (right, base), 255, thickness, cv2.LINE_AA)
        if kind == "cells":
            cv2.line(mask, (left, top), (right, top), 255, thickness, cv2.LINE_AA)
        for index in range(count + 1):
            x = round(start + index * cell)
            cv2.line(
                mask, (x, base), (x, top if kind == "cells" else tick), 255, thickness, cv2.LINE_AA
            )


def _row_boxes(glyphs: tuple[Glyph, ...]) -> dict[int, Rect]:
    rows: dict[int, Rect] = {}
    for glyph in glyphs:
        x0, y0, x1, y1 = glyph.box
        if glyph.row in rows:
            a0, b0, a1, b1 = rows[glyph.row]
            x0, y0, x1, y1 = min(a0, x0), min(b0, y0), max(a1, x1), max(b1, y1)
        rows[glyph.row] = (x0, y0, x1, y1)
    return rows
