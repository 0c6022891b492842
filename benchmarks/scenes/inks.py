"""Pens and inks: a glyph's size, slant and stroke width on the page, and how its ink looks.

A pen's tip has a physical width (mm) and a person writes digits of a physical height, so the
stroke width relative to the digit varies the way it does on paper: a big digit written with a
ballpoint has thin strokes, a small one in marker nearly fills in.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from benchmarks.scenes.grain import white_noise
from benchmarks.scenes.strokes import Strokes


@dataclass(frozen=True)
class Pen:
    name: str
    colours: tuple[tuple[float, float, float], ...]
    """RGB reflectance of the ink where it fully covers the paper (0 black, 1 white)."""
    tip_mm: tuple[float, float]
    """Range of the stroke width in millimetres."""
    opacity: tuple[float, float]
    grain: float
    """Near 0 for even ink; up to 1 for pencil graphite, which leaves paper showing through."""


PENS = {
    "ballpoint-blue": Pen(
        "ballpoint-blue", ((0.12, 0.18, 0.55), (0.18, 0.22, 0.62)), (0.35, 0.7), (0.75, 0.95), 0.25
    ),
    "ballpoint-black": Pen(
        "ballpoint-black", ((0.12, 0.12, 0.14), (0.2, 0.2, 0.24)), (0.35, 0.7), (0.8, 0.95), 0.25
    ),
    "felt-tip": Pen(
        "felt-tip",
        ((0.08, 0.08, 0.1), (0.1, 0.15, 0.45), (0.1, 0.32, 0.18)),
        (0.6, 1.3),
        (0.9, 1.0),
        0.05,
    ),
    "pencil": Pen("pencil", ((0.38, 0.38, 0.4), (0.48, 0.48, 0.5)), (0.4, 0.8), (0.55, 0.85), 0.6),
    "marker": Pen(
        "marker",
        ((0.06, 0.06, 0.08), (0.1, 0.12, 0.5), (0.55, 0.1, 0.1)),
        (1.8, 4.0),
        (0.9, 1.0),
        0.05,
    ),
}
"""The whiteboard gets the marker; other papers draw any pen (``scene.PEN_WEIGHTS``)."""

DIGIT_HEIGHT_MM = {"paper": (5.0, 30.0), "whiteboard": (40.0, 160.0)}
"""How tall people write digits on paper and on a whiteboard."""

SUBPIXEL_BITS = 4
"""Segments' end points carry this many fractional bits when drawn (OpenCV's ``shift``)."""

MAX_STROKE_RATIO = 0.16
"""The thickest stroke, as a share of the digit height: a marker on a small digit."""


def stroke_ratio(pen: Pen, surface: str, rng: np.random.Generator) -> float:
    """Stroke width as a share of the digit height, for one writer with ``pen`` on ``surface``
    (``"paper"`` or ``"whiteboard"``); at least a pixel is drawn whatever the size."""
    tip = rng.uniform(*pen.tip_mm)
    height_mm = np.exp(rng.uniform(*np.log(DIGIT_HEIGHT_MM[surface])))
    return float(min(tip / height_mm, MAX_STROKE_RATIO))


def shape_glyph(
    strokes: Strokes, height: float, stretch: float, shear: float, stroke: float
) -> np.ndarray:
    """The pen path written ``height`` px tall, ``stretch`` times as wide as its source,
    slanted by ``shear`` (x per y, rightwards at the top), with a ``stroke`` px wide tip.

    Returns float32 coverage in [0, 1] with a margin of about a stroke width all round. Thin
    strokes are drawn at 4x and averaged down, so their width keeps sub-pixel precision.
    """
    supersample = 4 if height < 150 else 2 if height < 400 else 1
    scale = height * supersample
    points = strokes.segments.copy()
    points[..., 0] = points[..., 0] * stretch + shear * (1 - points[..., 1])
    pad = stroke / height + 2 / height
    points[..., 0] += pad - min(0.0, float(points[..., 0].min()))
    points[..., 1] += pad
    size_x = int(np.ceil((points[..., 0].max() + pad) * scale / supersample)) * supersample
    size_y = int(np.ceil((1 + 2 * pad) * scale / supersample)) * supersample
    canvas = np.zeros((size_y, size_x), np.uint8)
    fixed = np.round(points * scale * (1 << SUBPIXEL_BITS)).astype(np.int32)
    thickness = max(1, round(stroke * supersample))
    for (x0, y0), (x1, y1) in fixed:
        cv2.line(canvas, (x0, y0), (x1, y1), 255, thickness, cv2.LINE_AA, SUBPIXEL_BITS)
    coverage: np.ndarray = canvas.astype(np.float32) / 255
    if supersample > 1:
        coverage = cv2.resize(
            coverage, (size_x // supersample, size_y // supersample), interpolation=cv2.INTER_AREA
        )
    return coverage


def filled_glyph(crop: np.ndarray, height: float, width: float) -> np.ndarray:
    """A printed glyph keeps its own strokes: the crop scaled to ``height`` x ``width`` px with
    a two-pixel margin."""
    size = (max(1, round(width)), max(1, round(height)))
    scaled = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(scaled, 2, 2, 2, 2, cv2.BORDER_CONSTANT, value=0)


def ink_alpha(coverage: np.ndarray, pen: Pen, rng: np.random.Generator) -> np.ndarray:
    """How much each pixel of the pen layer hides the paper: opacity, streaks and grain."""
    opacity = rng.uniform(*pen.opacity)
    h, w = coverage.shape
    streaks = cv2.resize(
        rng.random((max(2, h // 24), max(2, w // 24)), np.float32),
        (w, h),
        interpolation=cv2.INTER_CUBIC,
    )
    grain = np.clip(0.5 + 0.3 * white_noise((h, w), rng), 0, 1)
    texture = 1 - pen.grain * (0.5 * np.clip(streaks, 0, 1) + 0.5 * grain)
    return coverage * opacity * texture
