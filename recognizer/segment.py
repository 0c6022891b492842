"""A photo of a written number in, one MNIST-style 28x28 image per digit out, left to right.

The ink is found exactly as for one digit (lighting flattened, polarity, threshold, printed
lines removed); what differs is what happens to its connected components. The most plausible
stroke fixes the writing's height; components of a similar height that continue its line, left
or right, are the other digits. Small pieces join the digit they sit over or beside (a 5's cap,
a stroke broken by a ruled line), tall pieces that overlap in width are one broken digit, and a
piece much wider than a digit is two or more touching digits, cut where the ink is thinnest and
the classifier is surest. Each digit is then normalised on its own, like a single digit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.config import (
    BROKEN_DIGIT_OVERLAP,
    CANVAS,
    CUT_CANDIDATES,
    CUT_SPAN,
    MAX_DIGITS,
    MIN_COMPONENT_FRACTION,
    MINOR_GAP,
    MINOR_HEIGHT,
    MINOR_OVERLAP,
    NUMBER_GAP,
    NUMBER_ROW_DRIFT,
    SPLIT_DEPTH,
    SPLIT_EVEN_ASPECT,
    SPLIT_HEAD_START,
    SPLIT_MARGIN_SLOPE,
    SPLIT_MIN_ASPECT,
    TALLEST_DIGIT,
)
from recognizer.errors import RecognizerError
from recognizer.preprocess import (
    Ink,
    Preprocessed,
    Stages,
    crop,
    find_ink,
    fit_mnist,
    is_rule,
    normalise_stroke,
    plausibility,
    preprocess,
    read_digit,
)

Classify = Callable[[np.ndarray], np.ndarray]
"""(N, 28, 28) uint8 images -> (N, 10) probabilities: the model, for choosing where to cut."""

TOO_MANY_DIGITS = (
    f"I can read numbers of up to {MAX_DIGITS} digits, and this looks longer. "
    "Please photograph a shorter number."
)
PAGE_OF_TEXT = (
    "This looks like a page of writing. I read one number at a time: "
    "please photograph just the number, filling a good part of the frame."
)


class TooManyDigitsError(RecognizerError):
    """More digits than we read at once, or a whole page of writing."""


@dataclass(frozen=True, slots=True)
class _Piece:
    """Ink of one digit candidate: a set of components, optionally cut to a column range."""

    labels: tuple[int, ...]
    left: int
    right: int
    """Columns [left, right) of the working image the digit may use."""


def find_digits(
    gray: np.ndarray, classify: Classify, stages: Stages | None = None
) -> list[Preprocessed]:
    """Every digit of the number in an upright grayscale photo, as model inputs, left to right.

    A picture with one digit gives exactly what ``preprocess`` gives (``stages`` collects its
    intermediate images); the ink is found once either way.
    """
    if gray.shape == (CANVAS, CANVAS):
        return [preprocess(gray, stages)]  # MNIST-shaped: one digit by construction
    ink = find_ink(gray, stages)
    digits = split_digits(ink, classify)
    return digits if len(digits) > 1 else [read_digit(ink, stages)]


def split_digits(ink: Ink, classify: Classify) -> list[Preprocessed]:
    """The digits of the number in a photo's ink, left to right.

    Returns an empty or one-element list when the picture holds at most one digit: the caller
    then reads it with the single-digit pipeline, so one digit behaves exactly as before.
    """
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
    renderer = _Renderer(ink.strength, labels, classify)
    if len(pieces) == 1 and _aspect(pieces[0], stats) < SPLIT_EVEN_ASPECT:
        return []  # one digit, or at most a pair touching too closely to tell apart
    tall = float(np.median([renderer.height(piece) for piece in pieces]))
    parts = [part for piece in pieces for part in renderer.split(piece, tall)]
    # A cut can leave a sliver that is no digit: the stub of a ruled line, a trailing stroke.
    least = MINOR_HEIGHT * tall
    digits = [part for part in parts if renderer.height(part) >= least]
    if len(digits) > MAX_DIGITS:
        raise TooManyDigitsError(TOO_MANY_DIGITS)
    return [renderer.digit(piece, ink.scale) for piece in digits]


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


def _group(majors: list[int], minors: list[int], stats: np.ndarray) -> list[_Piece]:
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


def _aspect(piece: _Piece, stats: np.ndarray) -> float:
    """Width over height of an uncut piece, from its components' boxes alone."""
    left, top, right, bottom = _extent(stats, list(piece.labels))
    return (right - left) / (bottom - top)


def _height(stats: np.ndarray, group: list[int]) -> int:
    _, top, _, bottom = _extent(stats, group)
    return bottom - top


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


def _piece(group: list[int], stats: np.ndarray) -> _Piece:
    left, _, right, _ = _extent(stats, group)
    return _Piece(tuple(group), left, right)


class _Renderer:
    """Turns pieces of ink into model inputs, and cuts touching digits apart."""

    def __init__(self, ink: np.ndarray, labels: np.ndarray, classify: Classify) -> None:
        self._ink = ink
        self._labels = labels
        self._classify = classify

    def mask(self, piece: _Piece) -> np.ndarray:
        mask = np.zeros(self._labels.shape, bool)
        window = self._labels[:, piece.left : piece.right]
        mask[:, piece.left : piece.right] = np.isin(window, piece.labels)
        return mask

    def height(self, piece: _Piece) -> int:
        rows = np.flatnonzero(self.mask(piece).any(axis=1))
        return int(rows[-1] + 1 - rows[0]) if rows.size else 0

    def image(self, piece: _Piece) -> np.ndarray:
        return self._rendered(piece)[0]

    def digit(self, piece: _Piece, scale: float) -> Preprocessed:
        image, box = self._rendered(piece)
        x, y, width, height = (round(v / scale) for v in box)
        return Preprocessed(image, (x, y, width, height))

    def _rendered(self, piece: _Piece) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """The piece as the model sees it, and its box in the working image."""
        digit, box = crop(self._ink, self.mask(piece))
        return fit_mnist(normalise_stroke(digit, None)), box

    def split(self, piece: _Piece, tall: float, depth: int = SPLIT_DEPTH) -> list[_Piece]:
        """The piece as it is, or cut into touching digits if that reads better.

        Few digits are written wider than tall, two side by side nearly always are; in between
        (a broad 0 or 2, a touching pair of slim digits) the classifier decides: the cut wins
        when its less sure part reads more surely than the whole, by a margin that shrinks
        as the piece gets wider. Width is measured against ``tall``, the number's typical digit
        height: a pair with one short digit, or a slanted pair, is as wide as its neighbours'
        height says, whatever its own height.
        """
        mask = self.mask(piece)
        xs = np.flatnonzero(mask.any(axis=0))
        aspect = (xs.max() + 1 - xs.min()) / tall if xs.size else 0.0
        if depth == 0 or aspect < SPLIT_MIN_ASPECT:
            return [piece]
        cuts = self._cut_candidates(mask, int(xs.min()), int(xs.max()) + 1)
        options = [
            (self._part(piece, piece.left, cut), self._part(piece, cut, piece.right))
            for cut in cuts
        ]
        options = [pair for pair in options if all(self.mask(part).any() for part in pair)]
        if not options:
            return [piece]
        images = [self.image(part) for pair in options for part in pair]
        confidence = self._classify(np.stack([*images, self.image(piece)])).max(axis=1)
        pair_scores = np.minimum(confidence[0:-1:2], confidence[1:-1:2])
        best = int(np.argmax(pair_scores))
        margin = max(SPLIT_MARGIN_SLOPE * (SPLIT_EVEN_ASPECT - aspect), -SPLIT_HEAD_START)
        if pair_scores[best] <= confidence[-1] + margin:
            return [piece]
        left, right = options[best]
        return self.split(left, tall, depth - 1) + self.split(right, tall, depth - 1)

    @staticmethod
    def _part(piece: _Piece, left: int, right: int) -> _Piece:
        return _Piece(piece.labels, max(left, piece.left), min(right, piece.right))

    @staticmethod
    def _cut_candidates(mask: np.ndarray, left: int, right: int) -> list[int]:
        """Columns where the ink is thinnest, within the middle of the piece."""
        profile = mask[:, left:right].sum(axis=0).astype(np.float32)
        profile = np.convolve(profile, np.ones(3, np.float32) / 3, mode="same")
        width = right - left
        low, high = round(width * (0.5 - CUT_SPAN)), round(width * (0.5 + CUT_SPAN))
        order = np.argsort(profile[low:high], kind="stable")[:CUT_CANDIDATES] + low
        return sorted({int(column) + left for column in order} | {left + width // 2})
