"""Recognition-driven segmentation: a row's pieces of ink cut into digits the model reads best.

A piece much wider than the row's digits are tall may be touching digits. Cuts are tried where
the ink is thinnest, straight or along a bent path; a cut wins when both its parts read as
digits (the product of their scores) more surely than the whole piece reads as one, by a margin
in log-odds that shrinks as the piece gets wider, and its parts may be cut again. A narrower
piece the model reads as no digit, among others it reads as digits, is tried cut too (a slim 1
leaning on its neighbour).
Fragments (a digit written in two strokes, broken by the threshold) are merged with a neighbour
when the two read as one digit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from recognizer.config import (
    CUT_APART,
    CUT_CANDIDATES,
    CUT_LEANS,
    CUT_SPAN,
    DIGIT_LIKENESS,
    FRAGMENT_HEIGHT,
    MERGE_GAP,
    MERGE_WIDTH,
    MINOR_HEIGHT,
    NO_DIGIT_SPLIT_ASPECT,
    PATH_CANDIDATES,
    PATH_STEP,
    ROW_DIGIT_SHARE,
    SPLIT_DEPTH,
    SPLIT_EVEN_ASPECT,
    SPLIT_HEAD_START,
    SPLIT_MARGIN_SLOPE,
    SPLIT_MIN_ASPECT,
    SUREST_PAIR,
    UNSURE_BELOW,
)


@dataclass(frozen=True, slots=True, eq=False)
class Glyph:
    """The ink of one digit candidate in the working image."""

    mask: np.ndarray
    """bool (height, width): the candidate's ink within its box."""
    box: tuple[int, int, int, int]
    """x, y, width, height of the tight box around the ink, in working-image pixels."""


Judge = Callable[[Sequence[Glyph]], np.ndarray]
"""N glyphs -> float (N,): how surely each one is a digit (the model's most likely digit's
probability, times the probability that it is a digit at all)."""


@dataclass(frozen=True, slots=True)
class Cut:
    """A straight cut through a piece: the column ``column`` at row ``row``, moving ``lean``
    columns per row down the image (0: upright; below 0: leaning right, as slanted writing's
    gaps do)."""

    column: float
    row: int
    lean: float

    def at(self, rows: np.ndarray) -> np.ndarray:
        """float: the cut's column in each of ``rows``."""
        return self.column + self.lean * (rows - self.row)


@dataclass(frozen=True, slots=True, eq=False)
class PathCut:
    """A cut along a path through a piece, one column per row: ``columns[i]`` at row ``top + i``
    of the working image; rows above and below the path continue its ends straight."""

    top: int
    columns: np.ndarray
    """float64 (rows,): the path's column in each row from ``top`` down."""

    def __post_init__(self) -> None:
        self.columns.setflags(write=False)  # frozen: the path is shared by the parts it makes

    def at(self, rows: np.ndarray) -> np.ndarray:
        """float: the path's column in each of ``rows``."""
        places = np.clip(rows.astype(np.intp) - self.top, 0, len(self.columns) - 1)
        return self.columns[places]


@dataclass(frozen=True, slots=True)
class Piece:
    """A digit candidate as a set of components, optionally cut to a column range and by
    slanted cuts."""

    labels: tuple[int, ...]
    left: int
    right: int
    """Columns [left, right) of the working image the candidate may use."""
    top: int
    bottom: int
    """Rows [top, bottom) its components span."""
    right_of: tuple[Cut | PathCut, ...] = ()
    left_of: tuple[Cut | PathCut, ...] = ()
    """Slanted or bent cuts the candidate lies right of (at or after their column), and left of."""


class Segmenter:
    """Turns pieces of one labelled image into glyphs, cutting touching digits apart."""

    def __init__(self, labels: np.ndarray, judge: Judge) -> None:
        self._labels = labels
        self._judge = judge

    def glyph(self, piece: Piece) -> Glyph | None:
        """The piece's ink as a glyph with a tight box; None when the cut leaves no ink."""
        window = self._labels[piece.top : piece.bottom, piece.left : piece.right]
        mask = _any_of(window, piece.labels)
        if piece.right_of or piece.left_of:
            mask &= _between_cuts(piece, window.shape)
        x, y, width, height = cv2.boundingRect(mask.astype(np.uint8))
        if width == 0 or height == 0:
            return None
        box = (piece.left + x, piece.top + y, width, height)
        return Glyph(mask[y : y + height, x : x + width], box)

    def digits(
        self, pieces: Sequence[Piece], tall: float, head_start: float = SPLIT_HEAD_START
    ) -> list[Glyph]:
        """The row's digits left to right: each piece whole or cut where that reads better
        (``head_start``: how much less surely a wide piece's cut may read than the whole and
        still win); slivers a cut leaves (a ruled line's stub, a trailing stroke) are dropped."""
        parts = [
            part
            for piece in pieces
            for part in self._split(piece, tall, SPLIT_DEPTH, head_start, SPLIT_MIN_ASPECT)
        ]
        glyphs = self._no_digits_recut(parts, tall, head_start)
        return [glyph for glyph in glyphs if glyph.box[3] >= MINOR_HEIGHT * tall]

    def _no_digits_recut(self, parts: list[Piece], tall: float, head_start: float) -> list[Glyph]:
        """The parts' glyphs, with each one the model reads as no digit (DIGIT_LIKENESS) among
        others mostly read surely as digits (ROW_DIGIT_SHARE of them UNSURE_BELOW or more) tried
        cut down to NO_DIGIT_SPLIT_ASPECT wide: a slim 1 leaning on its neighbour ("17") is as
        narrow as one digit, but no digit reads from the two. Among letters, some of which read
        as unsure digits ("o" as 0), a letter stays whole and the line is other writing.
        """
        kept = [(part, glyph) for part in parts if (glyph := self.glyph(part)) is not None]
        if len(kept) < 2:
            return [glyph for _, glyph in kept]
        sureness = self._judge([glyph for _, glyph in kept])
        digit = sureness >= DIGIT_LIKENESS
        sure = sureness >= UNSURE_BELOW
        others_digits = (sure.sum() - sure) / (len(kept) - 1)
        glyphs = []
        for (part, glyph), is_digit, share in zip(kept, digit, others_digits, strict=True):
            if is_digit or share < ROW_DIGIT_SHARE:
                glyphs.append(glyph)
                continue
            recut = self._split(part, tall, SPLIT_DEPTH, head_start, NO_DIGIT_SPLIT_ASPECT)
            glyphs.extend(cut for piece in recut if (cut := self.glyph(piece)) is not None)
        return glyphs

    def merge_fragments(self, glyphs: Sequence[Glyph], tall: float) -> list[Glyph]:
        """Neighbours merged where one is a fragment (a digit written in two strokes, broken by
        the threshold, or a sliver a cut left), the two together are no wider than a digit, and
        the fragment stands over or under its neighbour or the two read as one digit at least
        as surely as the less sure of them reads alone."""
        merged = list(glyphs)
        if len(merged) < 2:
            return merged
        typical = float(np.median([glyph.box[3] for glyph in merged]))
        place = 0
        while place < len(merged) - 1:
            one, other = merged[place], merged[place + 1]
            both = _union(one, other)
            if (
                min(one.box[3], other.box[3]) < FRAGMENT_HEIGHT * typical
                and box_gap(one, other) <= MERGE_GAP * tall
                and both.box[2] <= MERGE_WIDTH * max(tall, both.box[3])
            ):
                if _stacked(one, other):
                    merged[place : place + 2] = [both]
                    continue
                alone_one, alone_other, together = self._judge([one, other, both])
                if together >= min(alone_one, alone_other):
                    merged[place : place + 2] = [both]
                    continue
            place += 1
        return merged

    def _split(
        self, piece: Piece, tall: float, depth: int, head_start: float, narrowest: float
    ) -> list[Piece]:
        """The piece as it is, or cut into touching digits if that reads better; pieces
        narrower than ``narrowest`` of ``tall`` (width / height) are never cut.

        Few digits are written wider than tall, two side by side nearly always are; in between
        (a broad 0 or 2, a touching pair of slim digits) the model decides. Width is measured
        against ``tall``, the row's typical digit height: a pair with one short digit, or a
        slanted pair, is as wide as its neighbours' height says, whatever its own height.
        """
        whole = self.glyph(piece)
        if whole is None:
            return [piece]
        aspect = whole.box[2] / tall
        if depth == 0 or aspect < narrowest:
            return [piece]
        margin = max(SPLIT_MARGIN_SLOPE * (SPLIT_EVEN_ASPECT - aspect), -head_start)
        bar = _log_odds(self._judge([whole])[0]) + margin  # what a cut must read better than
        if bar >= _log_odds(SUREST_PAIR):
            return [piece]  # no pair can read surely enough to win: spare the model its cuts
        options = []
        for cut in _cut_candidates(whole):
            left, right = _parts(piece, cut)
            glyphs = (self.glyph(left), self.glyph(right))
            if glyphs[0] is None or glyphs[1] is None:
                continue
            # Touching digits are each about as tall as the row; a cut leaving a short part
            # has cut a digit, not a pair.
            if min(glyphs[0].box[3], glyphs[1].box[3]) >= FRAGMENT_HEIGHT * tall:
                options.append(((left, right), (glyphs[0], glyphs[1])))
        if not options:
            return [piece]
        confidence = self._judge([g for _, pair in options for g in pair])
        pair_scores = confidence[0::2] * confidence[1::2]  # both parts digits at once
        best = int(np.argmax(pair_scores))
        # A cut wins by reading better than the whole, and only as two digits: a word the
        # model reads as no digit is not cut into a stroke that reads as a 1 and a remnant.
        if _log_odds(pair_scores[best]) <= bar or pair_scores[best] < DIGIT_LIKENESS**2:
            return [piece]
        left, right = options[best][0]
        return self._split(left, tall, depth - 1, head_start, narrowest) + self._split(
            right, tall, depth - 1, head_start, narrowest
        )


def _log_odds(probability: float) -> float:
    """ln(p / (1 - p)), with p kept within float32's reach of 0 and 1."""
    p = min(max(float(probability), 1e-7), 1 - 1e-7)
    return float(np.log(p / (1 - p)))


def _any_of(labels: np.ndarray, wanted: tuple[int, ...]) -> np.ndarray:
    """bool: where ``labels`` holds any of ``wanted`` (never empty). One comparison per label:
    for the few components of a piece, several times cheaper than ``np.isin``, which the
    segmentation calls for every candidate cut."""
    mask: np.ndarray = labels == wanted[0]
    for label in wanted[1:]:
        mask |= labels == label
    return mask


def box_gap(one: Glyph, other: Glyph) -> int:
    """Columns between two glyphs' boxes (0 when they overlap)."""
    return max(
        other.box[0] - (one.box[0] + one.box[2]), one.box[0] - (other.box[0] + other.box[2]), 0
    )


def _stacked(one: Glyph, other: Glyph) -> bool:
    """Whether two glyphs share columns: digits in a row stand side by side, so a fragment
    over or under part of its neighbour is a piece of it."""
    return box_gap(one, other) == 0 and (
        min(one.box[0] + one.box[2], other.box[0] + other.box[2]) > max(one.box[0], other.box[0])
    )


def _union(one: Glyph, other: Glyph) -> Glyph:
    """Both glyphs' ink as one glyph."""
    left, top = min(one.box[0], other.box[0]), min(one.box[1], other.box[1])
    right = max(one.box[0] + one.box[2], other.box[0] + other.box[2])
    bottom = max(one.box[1] + one.box[3], other.box[1] + other.box[3])
    mask = np.zeros((bottom - top, right - left), bool)
    for glyph in (one, other):
        x, y, width, height = glyph.box
        mask[y - top : y - top + height, x - left : x - left + width] |= glyph.mask
    return Glyph(mask, (left, top, right - left, bottom - top))


def _between_cuts(piece: Piece, shape: tuple[int, ...]) -> np.ndarray:
    """bool (rows, columns) of the piece's window: what its slanted cuts leave it."""
    rows = np.arange(piece.top, piece.bottom, dtype=np.float64)[:, None]
    columns = np.arange(piece.left, piece.left + shape[1], dtype=np.float64)[None, :]
    kept = np.ones(shape, bool)
    for cut in piece.right_of:
        kept &= columns >= cut.at(rows)
    for cut in piece.left_of:
        kept &= columns < cut.at(rows)
    return kept


def _parts(piece: Piece, cut: Cut | PathCut) -> tuple[Piece, Piece]:
    """The piece's parts left and right of ``cut``."""
    if isinstance(cut, Cut) and cut.lean == 0:
        column = round(cut.column)
        return replace(piece, right=min(column, piece.right)), replace(
            piece, left=max(column, piece.left)
        )
    columns = cut.at(np.arange(piece.top, piece.bottom, dtype=np.float64))
    left = replace(
        piece, right=min(piece.right, int(np.ceil(columns.max()))), left_of=(*piece.left_of, cut)
    )
    right = replace(
        piece, left=max(piece.left, int(np.floor(columns.min()))), right_of=(*piece.right_of, cut)
    )
    return left, right


def _cut_candidates(glyph: Glyph) -> list[Cut | PathCut]:
    """Cuts through the glyph where its ink is thinnest, within the middle of it: upright at the
    CUT_CANDIDATES thinnest columns (CUT_APART of its width apart, so each valley of the ink's
    profile gets a cut) and the middle one, and at each of CUT_LEANS along the line that
    crosses the least ink, if that is less than any upright cut crosses (touching digits
    written slanted meet along their slant), and along bent paths that cross less ink than any
    upright cut (``_path_cuts``)."""
    height, width = glyph.mask.shape
    low, high = round(width * (0.5 - CUT_SPAN)), round(width * (0.5 + CUT_SPAN))
    left, middle = glyph.box[0], glyph.box[1] + height // 2
    profile = _profile(glyph.mask, 0.0)
    apart = max(1, round(CUT_APART * width))
    order = _apart(np.argsort(profile[low:high], kind="stable"), apart) + low
    columns = sorted({int(column) + left for column in order} | {left + width // 2})
    cuts: list[Cut | PathCut] = [Cut(column, middle, 0.0) for column in columns]
    if high <= low:
        return cuts
    upright = float(profile[low:high].min())
    for lean in CUT_LEANS:
        slanted = _profile(glyph.mask, lean)[low:high]
        column = int(np.argmin(slanted))
        if slanted[column] < upright:
            cuts.append(Cut(column + low + left, middle, lean))
    least = int(glyph.mask[:, low:high].sum(axis=0).min())
    cuts.extend(_path_cuts(glyph, (low, high), least, apart))
    return cuts


def _path_cuts(glyph: Glyph, span: tuple[int, int], least: int, apart: int) -> list[PathCut]:
    """Cuts along the paths from the glyph's top to its bottom, starting and ending within the
    columns ``span`` [low, high), that cross the least ink, moving at most a column sideways per
    row: touching digits that reach into each other (a 4's stem under a 0's bowl) part along a
    bent gap no straight cut follows. Only paths crossing fewer pixels of ink than ``least``, the
    fewest any upright cut within the span crosses (so never a straight one), are kept: of the
    paths that cross least and end at least ``apart`` columns from each other, the first
    PATH_CANDIDATES (at most CUT_CANDIDATES)."""
    ink = glyph.mask.astype(np.float32)
    low, high = span
    crossed, moves = _least_ink(ink, low, high)
    ends = _apart(np.argsort(crossed[low:high], kind="stable"), apart)
    cuts = []
    for end in (ends[:PATH_CANDIDATES] + low).tolist():
        path = _traced_back(moves, end)
        if ink[np.arange(len(ink)), path].sum() < least:
            cuts.append(PathCut(glyph.box[1], (path + glyph.box[0]).astype(np.float64)))
    return cuts


def _least_ink(ink: np.ndarray, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    """For the paths down ``ink`` (float32 (H, W)) that start between columns ``low`` and
    ``high`` and move at most a column sideways per row: the least ink (plus PATH_STEP per step
    sideways) a path ending in each bottom column crosses, float32 (W,), and the step each row's
    best path took from the row above, int8 (H, W): -1 from the left, 0 straight, 1 from the
    right (dynamic programming, one row at a time)."""
    height, width = ink.shape
    total = np.full(width, np.inf, np.float32)
    total[low:high] = ink[0, low:high]
    moves = np.zeros((height, width), np.int8)
    columns = np.arange(width)
    blocked = np.array([np.inf], np.float32)
    for row in range(1, height):
        options = np.stack(
            (
                np.concatenate((blocked, total[:-1] + PATH_STEP)),
                total,
                np.concatenate((total[1:] + PATH_STEP, blocked)),
            )
        )
        choice = np.argmin(options, axis=0)
        total = options[choice, columns] + ink[row]
        moves[row] = choice - 1
    return total, moves


def _traced_back(moves: np.ndarray, end: int) -> np.ndarray:
    """intp (H,): the column in each row of the best path ending at column ``end`` of the last
    row, from ``_least_ink``'s steps."""
    path = np.empty(len(moves), np.intp)
    column = end
    for row in range(len(moves) - 1, -1, -1):
        path[row] = column
        column += int(moves[row, column])
    return path


def _apart(order: np.ndarray, apart: int) -> np.ndarray:
    """intp: the first CUT_CANDIDATES of the columns ``order`` that lie at least ``apart``
    columns from every one taken before them."""
    chosen: list[int] = []
    for column in order.tolist():
        if all(abs(column - other) >= apart for other in chosen):
            chosen.append(column)
            if len(chosen) == CUT_CANDIDATES:
                break
    return np.array(chosen, np.intp)


def _profile(mask: np.ndarray, lean: float) -> np.ndarray:
    """float32 (width,): ink along each line of ``lean`` through the mask, by the column where
    it crosses the middle row, smoothed over three columns."""
    ys, xs = np.nonzero(mask)
    crossing = np.rint(xs - lean * (ys - mask.shape[0] // 2)).astype(np.intp)
    inside = (crossing >= 0) & (crossing < mask.shape[1])
    profile = np.bincount(crossing[inside], minlength=mask.shape[1]).astype(np.float32)
    return np.convolve(profile, np.ones(3, np.float32) / 3, mode="same")
