"""The layout of a picture of one digit: the most plausible ink and the pieces beside it.

People centre what they photograph; shadows, paper edges and fingers come in from the sides.
The most plausible stroke is grown by the ink near it (a 5's cap, a stroke broken by a ruled
line), and pen strokes crossing a printed line get the pixels the line took back.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.components import Components, components, is_speck
from recognizer.config import (
    LINE_THICKNESS,
    MERGE_GAP_FRACTION,
)
from recognizer.errors import NO_DIGIT, NoDigitError
from recognizer.ink import Ink
from recognizer.segmentation import Glyph
from recognizer.stages import Stages, record


def single_digit(ink: Ink, stages: Stages | None = None) -> Glyph:
    """The most plausible digit in the ink; raises NoDigitError when nothing is plausible."""
    binary = ink.binary
    record(stages, "binary", binary)
    mask = _digit_mask(ink, binary, stages)
    x, y, width, height = cv2.boundingRect(mask.astype(np.uint8))
    return Glyph(mask[y : y + height, x : x + width], (x, y, width, height))


def _digit_mask(ink: Ink, binary: np.ndarray, stages: Stages | None) -> np.ndarray:
    """The ink that makes up the digit, printed lines removed.

    A tightly cropped 1 can look like a printed line; if nothing plausible is left without the
    "lines", they were the digit.
    """
    try:
        mask = _most_plausible_ink(ink.pieces)
    except NoDigitError:
        mask = _most_plausible_ink(components(binary.astype(np.uint8)))
    else:
        mask |= _crossings(mask, ink.lines & binary)
    record(stages, "digit-mask", mask)
    return mask


def _crossings(mask: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Line pixels where a pen stroke crosses a printed line, to give the stroke back.

    Removing a line cuts every stroke that crosses it; a short closing across the line's
    direction bridges those cuts but not the line itself, which has no digit ink beyond it.
    """
    image = mask.astype(np.uint8)
    span = LINE_THICKNESS + 2
    across_rows = cv2.morphologyEx(image, cv2.MORPH_CLOSE, np.ones((span, 1), np.uint8))
    across_columns = cv2.morphologyEx(image, cv2.MORPH_CLOSE, np.ones((1, span), np.uint8))
    bridged: np.ndarray = (np.asarray(across_rows) > 0) | (np.asarray(across_columns) > 0)
    crossings: np.ndarray = lines & bridged
    return crossings


def _most_plausible_ink(pieces: Components) -> np.ndarray:
    """The most plausible stroke plus the pieces beside it."""
    count, labels, stats, centroids = pieces
    candidates = np.flatnonzero(~is_speck(stats[1:count], labels.shape)) + 1
    if candidates.size == 0:
        raise NoDigitError(NO_DIGIT)
    scores = np.array([plausibility(stats[i], centroids[i], labels.shape) for i in candidates])
    if scores.max() <= 0:
        raise NoDigitError(NO_DIGIT)
    seed = int(candidates[np.argmax(scores)])
    chosen = _with_neighbours(seed, candidates, stats, labels.shape)
    return np.isin(labels, chosen)


def plausibility(stat: np.ndarray, centroid: np.ndarray, shape: tuple[int, int]) -> float:
    """Ink amount, favouring the middle of the frame and disfavouring what touches its edge.

    People centre what they photograph; shadows, paper edges and fingers come in from the sides.
    A blob that fills its whole box and most of the frame is a shadow or a dark object, not a
    stroke.
    """
    height, width = shape
    x, y, w, h, area = (int(v) for v in stat)
    offset = np.hypot((centroid[0] - width / 2) / width, (centroid[1] - height / 2) / height)
    score = area / (1 + (offset / 0.3) ** 2)
    if x == 0 or y == 0 or x + w == width or y + h == height:
        score *= 0.25
    if is_blob(stat, shape) or is_rule(stat, shape):
        score *= 0.05
    return float(score)


def is_rule(stat: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A thin straight band across the whole frame: a lone margin or underline, not a stroke.

    ``stat``: one component's cv2 statistics, or several stacked (..., 5); bool for each, as
    for ``is_blob`` and ``is_speck``: a photo has hundreds of components, mostly specks, and
    telling them apart one by one in Python cost more than labelling them.
    """
    height, width = shape
    w, h = stat[..., cv2.CC_STAT_WIDTH], stat[..., cv2.CC_STAT_HEIGHT]
    rule: np.ndarray = ((w >= 0.9 * width) & (h <= 0.1 * width)) | (
        (h >= 0.9 * height) & (w <= 0.1 * height)
    )
    return rule


def _with_neighbours(
    seed: int, candidates: np.ndarray, stats: np.ndarray, shape: tuple[int, int]
) -> list[int]:
    """Grow the digit by nearby components: the cap of a 5, a stroke broken by a ruled line."""
    left, top = stats[seed, cv2.CC_STAT_LEFT], stats[seed, cv2.CC_STAT_TOP]
    right = left + stats[seed, cv2.CC_STAT_WIDTH]
    bottom = top + stats[seed, cv2.CC_STAT_HEIGHT]
    gap = MERGE_GAP_FRACTION * max(stats[seed, cv2.CC_STAT_HEIGHT], stats[seed, cv2.CC_STAT_WIDTH])
    least = 0.03 * stats[seed, cv2.CC_STAT_AREA]
    chosen, grown = [seed], True
    while grown:
        grown = False
        for label in candidates:
            if label in chosen or stats[label, cv2.CC_STAT_AREA] < least:
                continue
            if is_rule(stats[label], shape):
                continue
            x, y, w, h = stats[label, :4]
            dx = max(left - (x + w), x - right, 0)
            dy = max(top - (y + h), y - bottom, 0)
            if max(dx, dy) <= gap:
                chosen.append(int(label))
                left, top = min(left, x), min(top, y)
                right, bottom = max(right, x + w), max(bottom, y + h)
                grown = True
    return chosen


def is_blob(stat: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A filled shape covering much of the frame: a shadow or an object, not a stroke."""
    height, width = shape
    w, h, area = (stat[..., k].astype(np.int64) for k in range(2, 5))
    blob: np.ndarray = (area > 0.6 * w * h) & (w * h > 0.25 * width * height)
    return blob
