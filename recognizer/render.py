"""The render stage: one digit's ink in, the 28x28 image an MNIST model expects out.

An MNIST model only works on what MNIST looks like: a white digit on black, its strokes about
2 px wide, fitted into a 20x20 box keeping its aspect ratio and placed by centre of mass in a
28x28 field. This stage crops the digit's ink, brings its stroke width toward MNIST's and fits
it the MNIST way.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.config import (
    CANVAS,
    DIGIT_BOX,
    MAX_LEAN,
    MIN_INK_CONTRAST,
    MNIST_BOX_SIDES,
    MNIST_CENTRE,
    MNIST_CENTRE_SLACK,
    MNIST_STROKE_WIDTH,
    STROKE_SCALE,
    STROKE_TOLERANCE,
)
from recognizer.errors import NO_DIGIT, NoDigitError
from recognizer.percentiles import percentiles
from recognizer.segmentation import Glyph
from recognizer.stages import Stages, record


def render(
    strength: np.ndarray, glyph: Glyph, stages: Stages | None = None
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The glyph as the model sees it: uint8 (28, 28) white on black, and its box (x, y, width,
    height) in pixels of ``strength`` (the working image), anti-aliased edge included.

    Raises NoDigitError when the glyph holds no ink.
    """
    digit, box = crop(strength, glyph)
    record(stages, "crop", digit)
    image = fit_mnist(deslant(normalise_stroke(digit, stages)))
    record(stages, "mnist", image)
    return image, box


def crop(strength: np.ndarray, glyph: Glyph) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The glyph's ink with a one-pixel anti-aliased edge, scaled so its strokes' core reads 1."""
    height, width = strength.shape
    x, y, w, h = glyph.box
    left, top = max(x - 1, 0), max(y - 1, 0)
    right, bottom = min(x + w + 1, width), min(y + h + 1, height)
    mask = np.zeros((bottom - top, right - left), np.uint8)
    mask[y - top : y - top + h, x - left : x - left + w] = glyph.mask
    if not mask.any():
        raise NoDigitError(NO_DIGIT)
    halo = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    window = strength[top:bottom, left:right]
    digit = np.where(halo > 0, window, 0)
    core = stroke_strength(strength, glyph)
    digit = np.clip(digit / max(core, MIN_INK_CONTRAST), 0, 1).astype(np.float32)
    inner_left, inner_top, inner_width, inner_height = cv2.boundingRect(halo)
    window_of_halo = np.s_[
        inner_top : inner_top + inner_height, inner_left : inner_left + inner_width
    ]
    return digit[window_of_halo], (left + inner_left, top + inner_top, inner_width, inner_height)


def stroke_strength(strength: np.ndarray, glyph: Glyph) -> float:
    """How dark a glyph's strokes are in ``strength`` (float32 (H, W) in [0, 1]): the 90th
    percentile of its ink's strength, the middle of its strokes rather than their blurred rim.
    The glyph holds ink."""
    x, y, width, height = glyph.box
    return float(percentiles(strength[y : y + height, x : x + width][glyph.mask], (90,))[0])


def as_mnist(gray: np.ndarray) -> np.ndarray | None:
    """A 28x28 picture that already is an MNIST digit, white on black; None for anything else.

    Re-fitting a true MNIST digit would only blur it, so it passes untouched (inverted when it
    is black on white) if it is laid out as MNIST lays digits out: an empty border, the ink's
    long side about the 20 px box, its centre of mass at the middle. Anything else on a 28x28
    canvas (a small or off-centre drawing) goes through the whole pipeline like a photo.
    """
    if gray.shape != (CANVAS, CANVAS):
        return None
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if border.mean() > 127:
        gray = 255 - gray
        border = 255 - border
    if border.mean() > 40 or gray.max() < 128:
        return None
    ink = gray.astype(np.float64)
    rows, columns = np.nonzero(ink > 0.1 * ink.max())
    long_side = max(np.ptp(rows), np.ptp(columns)) + 1
    if not MNIST_BOX_SIDES[0] <= long_side <= MNIST_BOX_SIDES[1]:
        return None
    weights = ink[rows, columns]
    centre = np.array([np.average(rows, weights=weights), np.average(columns, weights=weights)])
    if np.abs(centre - MNIST_CENTRE).max() > MNIST_CENTRE_SLACK:
        return None
    return gray.copy()


def normalise_stroke(digit: np.ndarray, stages: Stages | None) -> np.ndarray:
    """Bring hairlines and fat marker strokes toward MNIST's stroke width.

    The digit is resized so its long side is a fixed multiple of the 20 px box, the stroke width
    is estimated as 2 * area / perimeter (exact for long strokes), and a round dilation or erosion
    makes up the difference.
    """
    height, width = digit.shape
    factor = STROKE_SCALE * DIGIT_BOX / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    large = cv2.resize(digit, size, interpolation=interpolation)
    target = MNIST_STROKE_WIDTH * STROKE_SCALE
    width_now = _stroke_width(large >= 0.5)
    if width_now == 0 or target / STROKE_TOLERANCE <= width_now <= target * STROKE_TOLERANCE:
        return large
    change = round(min(abs(target - width_now), target))
    if change < 1:
        return large
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (change + 1, change + 1))
    if width_now < target:
        adjusted = cv2.dilate(large, kernel)
    else:
        adjusted = cv2.erode(large, kernel)
        if (adjusted >= 0.5).sum() < 0.3 * (large >= 0.5).sum():
            return large
    record(stages, "stroke", adjusted)
    return adjusted


def deslant(digit: np.ndarray) -> np.ndarray:
    """Shear a digit that leans right further than MAX_LEAN back to it: float32 (H, W) in,
    float32 (H, W') out, wider by the shear.

    The lean is the slant of the ink's second moments (x shift per row, ``mu11 / mu02``).
    MNIST's 0s lean right as far as its 8s; written in italics, an 8's narrow waist leaning
    further is read as a 0. Only the right lean is bounded: a 7's stem gives a left lean of
    its own, and a 7 sheared upright reads as 1.
    """
    mass = cv2.moments(digit)
    if mass["mu02"] <= 0:
        return digit
    excess = mass["mu11"] / mass["mu02"] + MAX_LEAN
    if excess >= 0:
        return digit
    height, width = digit.shape
    spread = round(-excess * height)
    centre = mass["m01"] / mass["m00"]
    shear = np.array([[1, -excess, excess * centre + spread], [0, 1, 0]], np.float32)
    return np.asarray(cv2.warpAffine(digit, shear, (width + 2 * spread, height)))


def _stroke_width(binary: np.ndarray) -> float:
    contours, _ = cv2.findContours(binary.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, closed=True) for contour in contours)
    return 2 * float(binary.sum()) / perimeter if perimeter else 0.0


def fit_mnist(digit: np.ndarray) -> np.ndarray:
    """Fit into 20x20 keeping the aspect ratio, then centre the mass in 28x28, as MNIST did."""
    ys, xs = np.nonzero(digit > 0.05)
    if ys.size == 0:
        raise NoDigitError(NO_DIGIT)
    digit = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    height, width = digit.shape
    factor = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    boxed = cv2.resize(digit, size, interpolation=interpolation)
    canvas = np.zeros((CANVAS, CANVAS), np.float32)
    top, left = (CANVAS - size[1]) // 2, (CANVAS - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = boxed
    mass = cv2.moments(canvas)
    if mass["m00"] <= 0:
        raise NoDigitError(NO_DIGIT)
    shift_y = round(MNIST_CENTRE - mass["m01"] / mass["m00"])
    shift_x = round(MNIST_CENTRE - mass["m10"] / mass["m00"])
    canvas *= 1 / canvas.max()  # MNIST's stroke cores are saturated
    translation = np.array([[1, 0, shift_x], [0, 1, shift_y]], np.float32)
    moved = np.asarray(
        cv2.warpAffine(canvas, translation, (CANVAS, CANVAS), flags=cv2.INTER_NEAREST)
    )
    image: np.ndarray = np.clip(moved * 255 + 0.5, 0, 255).astype(np.uint8)
    return image
