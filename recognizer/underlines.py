"""Short printed lines the writing touches: an answer line under a number, a comb field's base
and its teeth.

Ruled and squared paper's lines cross the whole frame and are traced as a family
(``ink.printed_lines``); a lone line that spans only part of it, with the digits written on it,
is one piece of ink with them, a piece far wider than any digit, or a row of 1s once it is cut.
It is found as a level straight run far longer than any other ink is tall, and taken out the way
a printed line is: pen strokes crossing it keep their pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from recognizer.components import Components, as_thin_as, boxes_inside, components, holds, is_speck
from recognizer.config import (
    COMB_TEETH,
    COMB_TOOTH_HEIGHT,
    COMB_TOOTH_SPREAD,
    LINE_THICKNESS,
    LONE_LINE_REACH,
    MIN_STROKE_REACH,
    STICK_ASPECT,
    UNDERLINE_LEVEL,
    UNDERLINE_MAX_FILL,
    UNDERLINE_MIN_REACH,
    UNDERLINE_WIDTH,
)

Segment = tuple[int, int, int, int]
"""x0, y0, x1, y1 of a straight run, in working-image pixels."""


def underlines(pieces: Components) -> np.ndarray:
    """bool (H, W): the level straight runs in the pieces of ink that reach LONE_LINE_REACH
    times further than the tallest other ink is tall, outlines around other ink left alone (a
    box's sides are the box's, taken out with it by the layout).
    """
    _, labels, stats, _ = pieces
    reach = UNDERLINE_MIN_REACH * max(labels.shape)
    width, height, area = (stats[1:, k].astype(np.int64) for k in (2, 3, 4))
    wide = np.flatnonzero((width >= reach) & (area < UNDERLINE_MAX_FILL * width * height)) + 1
    if wide.size == 0:
        return np.zeros(labels.shape, bool)
    level = _level_runs(labels, stats, wide, reach)
    if not level:
        return np.zeros(labels.shape, bool)
    inked = (labels > 0).astype(np.uint8)
    free = (inked > 0) & ~_crossing(inked) & ~np.isin(labels, _outlines(labels, stats, wide))
    tallest = _tallest_other(inked, _along(level, free))
    return _along([s for s in level if _length(s) >= LONE_LINE_REACH * tallest], free)


def _level_runs(
    labels: np.ndarray, stats: np.ndarray, wide: np.ndarray, reach: float
) -> list[Segment]:
    """The level straight runs of ``reach`` px or more in the ``wide`` pieces: only pieces at
    least that wide can hold one, and the search costs by the pixels it is given."""
    left, top = stats[wide, 0].min(), stats[wide, 1].min()
    right = (stats[wide, 0] + stats[wide, 2]).max()
    bottom = (stats[wide, 1] + stats[wide, 3]).max()
    window = np.isin(labels[top:bottom, left:right], wide).astype(np.uint8)
    window[_crossing(window, 3 * LINE_THICKNESS)] = 0
    found = cv2.HoughLinesP(
        window, 1, np.pi / 360, round(reach), minLineLength=reach, maxLineGap=LINE_THICKNESS
    )
    return [
        _across_its_piece((x0 + left, y0 + top, x1 + left, y1 + top), labels, stats)
        for x0, y0, x1, y1 in ([] if found is None else found.reshape(-1, 4).tolist())
        if abs(y1 - y0) <= UNDERLINE_LEVEL * abs(x1 - x0)
    ]


def _across_its_piece(segment: Segment, labels: np.ndarray, stats: np.ndarray) -> Segment:
    """The segment lengthened along its own line to the ends of the piece it lies on: the
    search finds the straightest stretch, and a line bent a little by the lens or the paper
    goes on beyond it."""
    x0, y0, x1, y1 = segment
    label = labels[(y0 + y1) // 2, (x0 + x1) // 2]
    if label == 0 or x1 == x0:
        return segment
    left, width = int(stats[label, cv2.CC_STAT_LEFT]), int(stats[label, cv2.CC_STAT_WIDTH])
    slope = (y1 - y0) / (x1 - x0)
    right = left + width - 1
    return left, round(y0 + slope * (left - x0)), right, round(y0 + slope * (right - x0))


def comb_teeth(pieces: Components, lines: np.ndarray) -> np.ndarray:
    """bool (H, W): the teeth of a comb field whose base is among the printed ``lines`` taken
    out (a base across most of the frame is traced as a lone printed line, a shorter one by
    ``underlines``): COMB_TEETH or more pieces as thin as the lines, upright sticks
    (STICK_ASPECT), standing on a line (or hanging from it) at one end, shorter than
    COMB_TOOTH_HEIGHT of the tallest writing and alike in height (COMB_TOOTH_SPREAD)."""
    if not lines.any():
        return lines
    _, labels, stats, _ = pieces
    width, height = (stats[:, k].astype(np.float64) for k in (2, 3))
    thin = as_thin_as(stats, lines) & (height > width)
    writing = np.maximum(width, height) >= MIN_STROKE_REACH * max(labels.shape)
    thin[0] = writing[0] = False  # the paper
    if not writing.any():
        return np.zeros(lines.shape, bool)
    near = cv2.dilate(lines.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    upright = thin & (width <= STICK_ASPECT * height)
    teeth = np.array(
        [
            int(label)
            for label in np.flatnonzero(
                upright & (height < COMB_TOOTH_HEIGHT * height[writing].max())
            )
            if _stands_on(labels, stats[label], int(label), near)
        ],
        np.intp,
    )
    if teeth.size:
        typical = np.median(height[teeth])
        teeth = teeth[np.abs(height[teeth] - typical) <= COMB_TOOTH_SPREAD * typical]
    if teeth.size < COMB_TEETH:
        return np.zeros(lines.shape, bool)
    return np.isin(labels, teeth)


def _stands_on(labels: np.ndarray, stat: np.ndarray, label: int, near: np.ndarray) -> bool:
    """Whether the piece touches ``near`` only in its lower half, or only in its upper half."""
    x, y, w, h = (int(v) for v in stat[:4])
    touching = ((labels[y : y + h, x : x + w] == label) & near[y : y + h, x : x + w]).any(axis=1)
    rows = np.flatnonzero(touching)
    return bool(rows.size) and (rows.min() >= h / 2 or rows.max() < h / 2)


def _crossing(ink: np.ndarray, thick: int = LINE_THICKNESS) -> np.ndarray:
    """bool (H, W): where uint8 ``ink`` is LINE_THICKNESS px thick or more up and down: pen
    strokes crossing a level line, and the bulk of broad shapes, which no printed line has."""
    kernel = np.ones((thick, 1), np.uint8)
    return np.asarray(cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)) > 0


def _outlines(labels: np.ndarray, stats: np.ndarray, wide: np.ndarray) -> list[int]:
    """The ``wide`` pieces that close a loop around another piece, not a speck: outlines
    around writing (a box, a comb field's cells), whose sides the layout takes out with them.
    A digit's detached stroke within the box of a number written on a line is beside it, not
    inside a loop of it."""
    x, y, w, h = (stats[:, k].astype(np.int64) for k in range(4))
    held = ~is_speck(stats, labels.shape)
    held[0] = False  # the paper
    inside = boxes_inside(stats[wide], stats) & held[None]
    centres = np.stack([x + w // 2, y + h // 2], axis=1)
    return [
        int(label)
        for label, holding in zip(wide, inside, strict=True)
        if holding.any() and holds(labels, int(label), stats[label], centres[holding])
    ]


def _along(segments: Sequence[Segment], free: np.ndarray) -> np.ndarray:
    """bool (H, W): the ``free`` pixels within UNDERLINE_WIDTH of any of ``segments``."""
    band = np.zeros(free.shape, np.uint8)
    for x0, y0, x1, y1 in segments:
        cv2.line(band, (x0, y0), (x1, y1), 1, UNDERLINE_WIDTH)
    along: np.ndarray = (band > 0) & free
    return along


def _tallest_other(inked: np.ndarray, line: np.ndarray) -> int:
    """Height (px) of the tallest piece of ``inked`` without ``line`` that reaches
    MIN_STROKE_REACH of the frame (a stroke, not a speck); 0 when there is none."""
    _, _, stats, _ = components((inked & ~line).astype(np.uint8))
    reaching = np.maximum(stats[1:, 2], stats[1:, 3]) >= MIN_STROKE_REACH * max(inked.shape)
    return int(stats[1:, 3][reaching].max()) if reaching.any() else 0


def _length(segment: Segment) -> float:
    x0, y0, x1, y1 = segment
    return float(np.hypot(x1 - x0, y1 - y0))
