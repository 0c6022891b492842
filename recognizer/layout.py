"""The layout stage: which ink is digits, grouped into rows read top to bottom.

The ink's connected components are sorted into candidates (big enough, not a printed rule,
not a filled blob). The most plausible stroke seeds a row of writing; components of a similar
height that continue its line, left or right, join it. Small pieces join the digit they sit
over or beside (a 5's cap, a stroke broken by a ruled line) and tall pieces that overlap in
width are one broken digit. The row's pieces are then segmented into digits by the model's
judgement (``recognizer.segmentation``). A picture of one digit keeps the most plausible stroke
and the pieces beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.config import (
    BROKEN_DIGIT_OVERLAP,
    LINE_THICKNESS,
    MAX_DIGITS,
    MERGE_GAP_FRACTION,
    MIN_COMPONENT_FRACTION,
    MINOR_GAP,
    MINOR_HEIGHT,
    MINOR_OVERLAP,
    NUMBER_GAP,
    NUMBER_ROW_DRIFT,
    SPLIT_EVEN_ASPECT,
    TALLEST_DIGIT,
)
from recognizer.errors import (
    NO_DIGIT,
    PAGE_OF_TEXT,
    TOO_MANY_DIGITS,
    NoDigitError,
    TooManyDigitsError,
)
from recognizer.ink import Components, Ink, components
from recognizer.segmentation import Glyph, Judge, Piece, Segmenter
from recognizer.stages import Stages, record


@dataclass(frozen=True, slots=True)
class Layout:
    """The digits found in a photo's ink, as glyphs of the working image."""

    rows: tuple[tuple[Glyph, ...], ...]
    """Rows top to bottom, each row's glyphs left to right; never empty."""
    other_writing: bool = False
    """Whether ink that looks like writing was left out as no digits (words, letters)."""


def find_layout(ink: Ink, judge: Judge, stages: Stages | None = None) -> Layout:
    """The rows of digits in the ink; ``judge`` scores candidate glyphs (the model's say).

    Raises NoDigitError when no ink looks like writing, TooManyDigitsError for more digits
    than we read at once or a page of writing.
    """
    digits = _number(ink, judge)
    if len(digits) > 1:
        return Layout((tuple(digits),))
    return Layout(((_single_digit(ink, stages),),))


def _number(ink: Ink, judge: Judge) -> list[Glyph]:
    """The digits of the number in the ink, left to right; at most one when the picture holds
    one digit (it is then read by the single-digit selection)."""
    count, labels, stats, centroids = ink.pieces
    height, width = labels.shape
    areas = stats[:, cv2.CC_STAT_AREA]
    candidates = [
        label
        for label in range(1, count)
        if areas[label] >= MIN_COMPONENT_FRACTION * height * width
        and not is_rule(stats[label], labels.shape)
        and not _is_blob(stats[label], labels.shape)
    ]
    if not candidates:
        return []
    seed = max(
        candidates, key=lambda label: plausibility(stats[label], centroids[label], (height, width))
    )
    row = _row_of(seed, candidates, stats)
    majors, minors = _split_by_height(row, stats)
    _refuse_pages(candidates, row, stats, stats[seed, cv2.CC_STAT_HEIGHT])
    pieces = _group(majors, minors, stats)
    if len(pieces) > MAX_DIGITS:
        raise TooManyDigitsError(TOO_MANY_DIGITS)
    if len(pieces) == 1 and _aspect(pieces[0]) < SPLIT_EVEN_ASPECT:
        return []  # one digit, or at most a pair touching too closely to tell apart
    segmenter = Segmenter(labels, judge)
    glyphs = [segmenter.glyph(piece) for piece in pieces]
    tall = float(np.median([glyph.box[3] for glyph in glyphs if glyph is not None]))
    digits = segmenter.digits(pieces, tall)
    if len(digits) > MAX_DIGITS:
        raise TooManyDigitsError(TOO_MANY_DIGITS)
    return digits


def _single_digit(ink: Ink, stages: Stages | None) -> Glyph:
    """The most plausible digit in a picture of one digit."""
    binary = ink.binary
    record(stages, "binary", binary)
    mask = _digit_mask(ink, binary, stages)
    x, y, width, height = cv2.boundingRect(mask.astype(np.uint8))
    return Glyph(mask[y : y + height, x : x + width], (x, y, width, height))


def _is_blob(stat: np.ndarray, shape: tuple[int, int]) -> bool:
    """A filled shape covering much of the frame: a shadow or an object, not a stroke."""
    height, width = shape
    w, h, area = (int(v) for v in stat[2:5])
    return area > 0.6 * w * h and w * h > 0.25 * width * height


def _row_of(seed: int, candidates: list[int], stats: np.ndarray) -> list[int]:
    """The seed and every component continuing its line of writing, to the left and right.

    A component joins when it is near a member horizontally and its middle is at about the
    member's height; chaining member to member follows a slanted or gently curving line.
    """
    row = [seed]
    tall = stats[seed, cv2.CC_STAT_HEIGHT]
    grown = True
    while grown:
        grown = False
        for label in candidates:
            if label not in row and any(_continues(stats[m], stats[label], tall) for m in row):
                row.append(label)
                grown = True
    return sorted(row, key=lambda label: stats[label, cv2.CC_STAT_LEFT])


def _continues(member: np.ndarray, other: np.ndarray, tall: float) -> bool:
    mx, my, mw, mh = (int(v) for v in member[:4])
    ox, oy, ow, oh = (int(v) for v in other[:4])
    gap = max(ox - (mx + mw), mx - (ox + ow), 0)
    drift = abs((oy + oh / 2) - (my + mh / 2))
    return gap <= NUMBER_GAP * tall and drift <= NUMBER_ROW_DRIFT * tall and oh <= 2 * tall


def _split_by_height(row: list[int], stats: np.ndarray) -> tuple[list[int], list[int]]:
    """Digit-sized components, and the small pieces (caps, fragments, specks) beside them.

    Digits are measured against the typical tall component, not the tallest: a printed line
    fused with a stroke can tower over the writing, and is then left out as no digit.
    """
    heights = stats[row, cv2.CC_STAT_HEIGHT].astype(np.float64)
    typical = float(np.median(heights[heights >= MINOR_HEIGHT * heights.max()]))
    majors = [
        label
        for label, height in zip(row, heights, strict=True)
        if MINOR_HEIGHT * typical <= height <= TALLEST_DIGIT * typical
    ]
    minors = [
        label for label, height in zip(row, heights, strict=True) if height < MINOR_HEIGHT * typical
    ]
    return majors, minors


def _refuse_pages(candidates: list[int], row: list[int], stats: np.ndarray, tall: float) -> None:
    """Many digit-sized components outside the number's line mean a page of writing."""
    elsewhere = sum(
        1
        for label in candidates
        if label not in row and 0.5 * tall <= stats[label, cv2.CC_STAT_HEIGHT] <= 2 * tall
    )
    if elsewhere > MAX_DIGITS:
        raise TooManyDigitsError(PAGE_OF_TEXT)


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


def _aspect(piece: Piece) -> float:
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
    height, width = labels.shape
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    candidates = np.flatnonzero(areas >= MIN_COMPONENT_FRACTION * height * width) + 1
    if count <= 1 or candidates.size == 0:
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
    if (area > 0.6 * w * h and w * h > 0.25 * width * height) or is_rule(stat, shape):
        score *= 0.05
    return float(score)


def is_rule(stat: np.ndarray, shape: tuple[int, int]) -> bool:
    """A thin straight band across the whole frame: a lone margin or underline, not a stroke."""
    height, width = shape
    w, h = int(stat[cv2.CC_STAT_WIDTH]), int(stat[cv2.CC_STAT_HEIGHT])
    return (w >= 0.9 * width and h <= 0.1 * width) or (h >= 0.9 * height and w <= 0.1 * height)


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
