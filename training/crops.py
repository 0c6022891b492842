"""Synthetic crops rendered exactly as the recognizer renders a piece of a photo.

Everything training makes up (pieces of printed paper, fragments of digits, digits in writing
styles MNIST lacks) is drawn as an *ink strength* image, the recognizer's own intermediate
(float32 in [0, 1], how much darker than the paper each pixel is), and then passed through the
recognizer's rendering: crop with its anti-aliased halo, stroke width brought toward MNIST's,
fitted into 20x20 and centred by mass in 28x28. The model thus learns on what it will be shown,
not on what a shortcut would make of the same shape.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.config import MIN_INK_CONTRAST
from recognizer.errors import NoDigitError
from recognizer.render import render as render_glyph
from recognizer.segmentation import Glyph

UPSCALE = 4
"""MNIST digits are drawn on at four times their size: strokes added there stay smooth."""

STICK_RATIO = 0.3
"""A rendering whose ink spreads less than this across its main axis is a straight stroke."""

STICK_TILT_DEGREES = 40.0
"""Straight strokes within this angle of vertical read as a 1 whatever they came from."""


def render(ink: np.ndarray) -> np.ndarray | None:
    """Ink strength (H, W) float32 in [0, 1] -> uint8 (28, 28) white on black, or None.

    None when nothing in ``ink`` reaches the recognizer's ink threshold (it would see no piece).
    """
    mask = ink >= MIN_INK_CONTRAST
    if not mask.any():
        return None
    x, y, width, height = cv2.boundingRect(mask.astype(np.uint8))
    glyph = Glyph(mask[y : y + height, x : x + width], (x, y, width, height))
    try:
        image, _ = render_glyph(ink, glyph)
    except NoDigitError:
        return None
    return image


def upscaled(digit: np.ndarray) -> np.ndarray:
    """An MNIST uint8 (28, 28) digit as ink strength at ``UPSCALE`` times its size."""
    side = digit.shape[0] * UPSCALE
    return cv2.resize(digit.astype(np.float32) / 255.0, (side, side), interpolation=cv2.INTER_CUBIC)


def stroke_width(ink: np.ndarray) -> float:
    """Typical stroke width (px) of the ink: twice the median distance to the paper along the
    strokes' middle lines (the ridges of the distance transform)."""
    binary = (ink >= 0.5).astype(np.uint8)
    distance = cv2.distanceTransform(binary, cv2.DIST_L2, 5)
    ridges = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    return 2.0 * float(np.median(distance[ridges])) if ridges.any() else 0.0


def draw_polyline(
    ink: np.ndarray, points: np.ndarray, thickness: float, strength: float = 1.0
) -> None:
    """Draw an anti-aliased open stroke through ``points`` (x, y in px) onto ``ink`` in place."""
    layer = np.zeros_like(ink)
    shift = 4  # sub-pixel positions: cv2 takes fixed-point coordinates
    coordinates = np.round(np.asarray(points, np.float64) * (1 << shift)).astype(np.int32)
    cv2.polylines(
        layer,
        [coordinates.reshape(-1, 1, 2)],
        isClosed=False,
        color=strength,
        thickness=max(1, round(thickness)),
        lineType=cv2.LINE_AA,
        shift=shift,
    )
    np.maximum(ink, layer, out=ink)


def is_stick(image: np.ndarray) -> bool:
    """Whether a 28x28 rendering is one straight, near-vertical stroke: indistinguishable from
    a 1, so it can never be taught as "not a digit" (a lone grid line, half of a 4 or a 7)."""
    weights = image.astype(np.float64)
    total = weights.sum()
    if total <= 0:
        return False
    rows, columns = np.indices(image.shape)
    mean_y, mean_x = (rows * weights).sum() / total, (columns * weights).sum() / total
    dy, dx = rows - mean_y, columns - mean_x
    covariance = np.array(
        [
            [(dx * dx * weights).sum(), (dx * dy * weights).sum()],
            [(dx * dy * weights).sum(), (dy * dy * weights).sum()],
        ]
    )
    values, vectors = np.linalg.eigh(covariance / total)
    minor, major = np.sqrt(np.maximum(values, 0.0))
    if major <= 0 or minor / major >= STICK_RATIO:
        return False
    axis_x, axis_y = vectors[:, 1]
    tilt = np.degrees(np.arctan2(abs(axis_x), abs(axis_y)))
    return bool(tilt <= STICK_TILT_DEGREES)


def schedule(shares: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Which kind (index into ``shares``) each of ``count`` made-up crops is, shuffled.

    In proportion to ``shares``, and every kind present at least once as soon as ``count``
    reaches the number of kinds (so a short run still sees them all).
    """
    fractions = shares / shares.sum()
    counts = np.maximum(1, np.floor(fractions * count)).astype(np.int64)
    kinds = rng.permutation(np.repeat(np.arange(len(shares)), counts))[:count]
    extra = count - len(kinds)
    if extra > 0:
        kinds = np.concatenate([kinds, rng.choice(len(shares), extra, p=fractions)])
    return rng.permutation(kinds)
