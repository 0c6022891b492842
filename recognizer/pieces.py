"""A line's connected components grouped into digit candidates (pieces).

Small pieces join the digit they sit over or beside (a 5's cap, a stroke broken by a ruled
line); tall pieces that overlap in width are one broken digit. Sizes are judged against the
line's typical component, not its tallest: a printed line fused with a stroke can tower over
the writing, and is then left out as no digit.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.config import (
    BROKEN_DIGIT_OVERLAP,
    MINOR_GAP,
    MINOR_HEIGHT,
    MINOR_OVERLAP,
    TALLEST_DIGIT,
)
from recognizer.segmentation import Piece


def pieces_of(line: list[int], stats: np.ndarray) -> list[Piece]:
    """The line's digit candidates left to right (``line``: component labels sorted left to
    right; ``stats``: their cv2 statistics); empty when nothing in it is digit-sized."""
    majors, minors = _split_by_height(line, stats)
    return _group(majors, minors, stats) if majors else []


def _split_by_height(row: list[int], stats: np.ndarray) -> tuple[list[int], list[int]]:
    """Digit-sized components, and the small pieces (caps, fragments, specks) beside them.

    Digits are measured against the typical tall component, not the tallest: a printed line
    fused with a stroke can tower over the writing, and is then left out as no digit.
    """
    heights = stats[row, cv2.CC_STAT_HEIGHT].astype(np.float64)
    typical = typical_height(heights)
    majors = [
        label
        for label, height in zip(row, heights, strict=True)
        if MINOR_HEIGHT * typical <= height <= TALLEST_DIGIT * typical
    ]
    minors = [
        label for label, height in zip(row, heights, strict=True) if height < MINOR_HEIGHT * typical
    ]
    return majors, minors


def typical_height(heights: np.ndarray) -> float:
    """A line's typical digit height (px) from its components' heights: the median of those
    not lower than MINOR_HEIGHT of the tallest, so caps, fragments and the dots of dotted
    paper in the line do not count (a digit among five dots is not dot-sized)."""
    return float(np.median(heights[heights >= MINOR_HEIGHT * heights.max()]))


def _group(majors: list[int], minors: list[int], stats: np.ndarray) -> list[Piece]:
    """Digits as sets of components: overlapping tall ones merge, small ones join the nearest."""
    groups: list[list[int]] = []
    for label in majors:  # sorted left to right
        if groups and _overlap(stats, groups[-1], label) >= BROKEN_DIGIT_OVERLAP:
            groups[-1].append(label)
        else:
            groups.append([label])
    for label in minors:
        best = max(range(len(groups)), key=lambda i: _attachment(stats, groups[i], label))
        if _attachment(stats, groups[best], label) > 0:
            groups[best].append(label)
    return [_piece(group, stats) for group in groups]


def _piece(group: list[int], stats: np.ndarray) -> Piece:
    left, top, right, bottom = _extent(stats, group)
    return Piece(tuple(group), left, right, top, bottom)


def aspect(piece: Piece) -> float:
    """Width over height of an uncut piece, from its components' boxes alone."""
    return (piece.right - piece.left) / (piece.bottom - piece.top)


def _extent(stats: np.ndarray, group: list[int]) -> tuple[int, int, int, int]:
    left = min(int(stats[label, cv2.CC_STAT_LEFT]) for label in group)
    top = min(int(stats[label, cv2.CC_STAT_TOP]) for label in group)
    right = max(
        int(stats[label, cv2.CC_STAT_LEFT] + stats[label, cv2.CC_STAT_WIDTH]) for label in group
    )
    bottom = max(
        int(stats[label, cv2.CC_STAT_TOP] + stats[label, cv2.CC_STAT_HEIGHT]) for label in group
    )
    return left, top, right, bottom


def _overlap(stats: np.ndarray, group: list[int], label: int) -> float:
    """Shared width as a share of the narrower of the two: 1 when one sits over the other."""
    left, _, right, _ = _extent(stats, group)
    x, w = int(stats[label, cv2.CC_STAT_LEFT]), int(stats[label, cv2.CC_STAT_WIDTH])
    shared = min(right, x + w) - max(left, x)
    return shared / max(1, min(right - left, w))


def _attachment(stats: np.ndarray, group: list[int], label: int) -> float:
    """How surely a small piece belongs to a digit: positive when it sits over or under it
    (a 5's cap) or almost touches it (a broken stroke); specks further off belong to none."""
    left, top, right, bottom = _extent(stats, group)
    x, y, w, h = (int(v) for v in stats[label, :4])
    if _overlap(stats, group, label) >= MINOR_OVERLAP:
        return 1.0 + _overlap(stats, group, label)
    gap = max(left - (x + w), x - right, top - (y + h), y - bottom, 0)
    return 1.0 - gap / (MINOR_GAP * (bottom - top))
