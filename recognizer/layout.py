"""The layout stage: which ink is digits, grouped into rows read top to bottom.

The ink's connected components are sorted into candidates (not specks, printed rules or filled
blobs). The most plausible stroke seeds a line of writing; components of a similar height that
continue it, left or right, however widely spaced, join it; the most plausible component left
seeds the next line, and so on. Within a line, small pieces join the digit they sit over or
beside (a 5's cap, a stroke broken by a ruled line) and tall pieces that overlap in width are
one broken digit; the pieces are then segmented into digits by the model's judgement
(``recognizer.segmentation``). A line whose glyphs the model does not read as digits, or that
holds pieces far wider than any digit (joined-up words), is other writing and is not read; so
is a word set apart within a number's row, with the letters of it that read as digits.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from recognizer.components import boxes_inside, components, holds, is_speck, thickness
from recognizer.config import (
    BOX_HEIGHT,
    BROAD_DIGIT_ASPECT,
    BROAD_DIGIT_SURENESS,
    DIGIT_LIKENESS,
    DOT_ASPECT,
    DOT_FILL,
    ENCLOSURE_FILL,
    FRAME_SPAN,
    LINE_STROKE_SLACK,
    MAX_DIGIT_ASPECT,
    MAX_DIGITS,
    MAX_PIECES,
    MAX_ROWS,
    MINOR_GAP,
    MINOR_HEIGHT,
    MOSTLY_INK,
    NUMBER_GAP,
    NUMBER_ROW_DRIFT,
    OUTLINE_LINE_REACH,
    OUTLINE_LINE_WIDTH,
    PAGE_ROWS,
    PEN_CONTRAST,
    PEN_THICKNESS,
    ROW_DIGIT_SHARE,
    ROW_HEIGHT_AGREEMENT,
    ROW_HEIGHT_SPREAD,
    ROW_SIZE_SHARE,
    ROW_SLANT,
    RUN_GAP,
    SAME_ROW_OVERLAP,
    SPLIT_EVEN_ASPECT,
    SPLIT_HEAD_START,
    STICK_ASPECT,
    TALLEST_GLYPH,
    THIN_STROKE_HEIGHT,
    WORD_GAP,
    WORD_GAP_LEAST,
)
from recognizer.errors import (
    NO_DIGIT,
    PAGE_OF_TEXT,
    TOO_MANY_DIGITS,
    NoDigitError,
    TooManyDigitsError,
)
from recognizer.ink import Ink
from recognizer.pieces import aspect, pieces_of, typical_height
from recognizer.render import stroke_strength
from recognizer.segmentation import Glyph, Judge, Segmenter, box_gap
from recognizer.single_digit import is_blob, is_rule, plausibility, single_digit
from recognizer.stages import Stages


@dataclass(frozen=True, slots=True)
class Layout:
    """The digits found in a photo's ink, as glyphs of the working image."""

    rows: tuple[tuple[Glyph, ...], ...]
    """Rows top to bottom, each row's glyphs left to right; never empty."""
    other_writing: bool = False
    """Whether ink that looks like writing was left out as no digits (words, letters)."""


def find_layout(ink: Ink, judge: Judge, stages: Stages | None = None) -> Layout:
    """The rows of digits in the ink; ``judge`` scores candidate glyphs (the model's say).

    Raises NoDigitError when no ink looks like a digit, or when most of the picture is ink
    (MOSTLY_INK), TooManyDigitsError for more digits in a row than we read at once, or more
    rows than a number has (a page of writing).
    """
    if np.count_nonzero(ink.binary) > MOSTLY_INK * ink.binary.size:
        raise NoDigitError(NO_DIGIT)
    ink, rows, other_writing = _rows_in(ink, judge)
    if len(rows) > MAX_ROWS:
        raise TooManyDigitsError(PAGE_OF_TEXT)
    if any(len(row) > MAX_DIGITS for row in rows):
        raise TooManyDigitsError(TOO_MANY_DIGITS)
    if sum(len(row) for row in rows) > 1:
        return Layout(tuple(rows), other_writing)
    return Layout(((_lone_digit(ink, rows, stages),),), other_writing)


def _rows_in(ink: Ink, judge: Judge) -> tuple[Ink, list[tuple[Glyph, ...]], bool]:
    """The ink (without the straight lines of boxes around the writing and of structure across
    the frame), its rows of digits and whether other writing was left out."""
    shape = ink.strength.shape
    candidates = _candidates(ink)
    if len(candidates) > MAX_PIECES:
        raise TooManyDigitsError(PAGE_OF_TEXT)
    _, labels, stats, _ = ink.pieces
    outlines = _enclosures(candidates, labels, stats)
    boxes = {
        label
        for label, held in outlines.items()
        if stats[label, cv2.CC_STAT_HEIGHT] <= BOX_HEIGHT * held
    }
    boxes |= _across_the_frame(candidates, stats, shape)
    if boxes:
        ink = _unboxed(ink, boxes)
        candidates = _candidates(ink)
        _, labels, stats, _ = ink.pieces
        outlines = _enclosures(candidates, labels, stats)
    candidates = [label for label in candidates if label not in outlines]
    lines = _lines_of_writing(candidates, stats, ink.pieces[3], shape)
    specks = np.flatnonzero(is_speck(stats, shape)[1:]) + 1
    lines = [_with_thin_strokes(line, specks, stats) for line in lines]
    if len(lines) > PAGE_ROWS:
        raise TooManyDigitsError(PAGE_OF_TEXT)
    segmenter = Segmenter(labels, judge)
    rows: list[tuple[Glyph, ...]] = []
    other_writing = False
    for line in lines:
        digits, left_out = _digits_of(line, stats, segmenter, judge, len(lines) > 1)
        other_writing |= left_out
        if digits:
            rows.append(tuple(digits))
    rows = _in_one_pen(rows, ink.strength)
    if sum(len(row) for row in rows) > 1:
        rows = [kept for row in rows if (kept := _inside_the_frame(row, shape))]
    alike = _of_the_numbers_size(rows)
    left_out = sum(map(len, alike)) < sum(map(len, rows))
    return ink, alike, other_writing or left_out


def _of_the_numbers_size(rows: list[tuple[Glyph, ...]]) -> list[tuple[Glyph, ...]]:
    """The rows, and the runs of glyphs within them (``_runs``), whose glyphs' median height is
    ROW_SIZE_SHARE of the tallest row's, or run's, or more; a run of one glyph always stays.

    A person writes the rows of a number alike in size; writing far smaller beside it is a
    printed label or a note ("Date", "Total:"), whose letters read as digits, in a row of its
    own or set apart in the number's row. A lone glyph set apart is a digit of a widely spaced
    number as often as a letter."""
    if len(rows) > 1:
        rows = [row for row, small in zip(rows, _far_smaller(rows), strict=True) if not small]
    runs = [run for row in rows for run in _runs(row)]
    if len(runs) < 2:
        return rows
    left_out = {
        id(glyph)
        for run, small in zip(runs, _far_smaller(runs), strict=True)
        if small and len(run) > 1
        for glyph in run
    }
    return [kept for row in rows if (kept := tuple(g for g in row if id(g) not in left_out))]


def _far_smaller(groups: Sequence[Sequence[Glyph]]) -> np.ndarray:
    """bool (N,): which groups' median glyph height is under ROW_SIZE_SHARE of the tallest's."""
    typical = np.array([np.median([glyph.box[3] for glyph in group]) for group in groups])
    far_smaller: np.ndarray = typical < ROW_SIZE_SHARE * typical.max()
    return far_smaller


def _runs(row: tuple[Glyph, ...]) -> list[tuple[Glyph, ...]]:
    """The row's glyphs, left to right, in runs parted by gaps wider than RUN_GAP times the
    row's median glyph height."""
    tall = float(np.median([glyph.box[3] for glyph in row]))
    return [tuple(row[i] for i in run) for run in _parted(_gaps(row) > RUN_GAP * tall)]


def _gaps(glyphs: Sequence[Glyph]) -> np.ndarray:
    """float (N - 1,): the columns between each of a row's glyphs, left to right, and the
    next (``box_gap``)."""
    return np.array([box_gap(one, other) for one, other in itertools.pairwise(glyphs)], float)


def _parted(apart: np.ndarray) -> list[np.ndarray]:
    """The indices of a row's N glyphs in runs, left to right, parted where bool (N - 1,)
    ``apart`` says a glyph stands apart from the next."""
    return np.split(np.arange(len(apart) + 1), np.flatnonzero(apart) + 1)


def _in_one_pen(rows: list[tuple[Glyph, ...]], strength: np.ndarray) -> list[tuple[Glyph, ...]]:
    """The rows without sticks unlike the other glyphs' pen: far fainter (PEN_CONTRAST of
    their median contrast), paper grain, a shadow's fringe or a grid's remnant, or far thicker
    (PEN_THICKNESS times their median thickness), a shadow's wedge; each reads as a 1. One
    person writes the numbers of a picture with one pen. (Measured only when there are sticks
    and other glyphs to compare them with: most readings have neither.)"""
    glyphs = [glyph for row in rows for glyph in row]
    sticks = [glyph for glyph in glyphs if is_stick(glyph)]
    broad = [glyph for glyph in glyphs if not is_stick(glyph)]
    if not sticks or not broad:
        return rows
    least = PEN_CONTRAST * float(np.median([stroke_strength(strength, glyph) for glyph in broad]))
    most = PEN_THICKNESS * float(np.median([glyph_thickness(glyph) for glyph in broad]))
    unlike = {
        id(stick)
        for stick in sticks
        if stroke_strength(strength, stick) < least or glyph_thickness(stick) > most
    }
    kept = (tuple(glyph for glyph in row if id(glyph) not in unlike) for row in rows)
    return [row for row in kept if row]


def is_stick(glyph: Glyph) -> bool:
    """Whether a glyph is a lone upright stroke (STICK_ASPECT, from its box): a 1, or what a
    sliver of an edge, a shadow's fringe or grain reads as: a 1, as surely."""
    return glyph.box[2] <= STICK_ASPECT * glyph.box[3]


def glyph_thickness(glyph: Glyph) -> float:
    """How thick a glyph's stroke is, in px (``thickness``)."""
    return thickness(glyph.mask.astype(np.uint8))


def _candidates(ink: Ink) -> list[int]:
    """Labels of the pieces that may be writing: not specks, printed rules or filled blobs."""
    count, labels, stats, _ = ink.pieces
    kinds = stats[1:count]
    shape = labels.shape
    left_out = is_speck(kinds, shape) | is_rule(kinds, shape) | is_blob(kinds, shape)
    candidates: list[int] = (np.flatnonzero(~left_out) + 1).tolist()
    return candidates


def _enclosures(candidates: list[int], labels: np.ndarray, stats: np.ndarray) -> dict[int, int]:
    """The candidates that are outlines drawn around other ink (a sheet's or a sticky note's
    edges all round the writing, a printed box or a comb field around the digits), each with
    the height of the tallest candidate it holds.

    No digit is drawn around other writing, and an outline is thin for its box (its ink a
    narrow ring), so a thin piece is taken out when its box holds several other candidates, or
    one inside a hole of its own (a loop closed around it), unless what it holds are dots
    (dotted paper's, inside a 0): round and filled, not strokes. A 7's detached crossbar lies
    within the 7's box, but alone and with no loop around it, so the 7 stays.
    """
    if len(candidates) < 2:
        return {}
    x, y, w, h, area = (stats[candidates, k].astype(np.int64) for k in range(5))
    inside = boxes_inside(stats[candidates], stats[candidates])
    thin = area < ENCLOSURE_FILL * w * h
    written = (area < DOT_FILL * w * h) | (h >= DOT_ASPECT * w)
    inside &= (written[None]) & thin[:, None]
    centres = np.stack([x + w // 2, y + h // 2], axis=1)
    held = inside.sum(axis=1)
    return {
        candidates[i]: int(h[inside[i]].max())
        for i in np.flatnonzero(held > 0)
        if held[i] > 1 or holds(labels, candidates[i], stats[candidates[i]], centres[inside[i]])
    }


def _across_the_frame(candidates: list[int], stats: np.ndarray, shape: tuple[int, int]) -> set[int]:
    """The candidates reaching across nearly all the frame (FRAME_SPAN of its width or height)
    when there are others: printed structure the writing touches (squared paper's grid, a
    shadow's or a sheet's edge), since a person frames what they write with paper around it.

    A lone piece is left alone, however large: it is what was written (a 7 drawn to fill a
    canvas). The others lose their straight runs as boxes do, so a digit touching the grid
    comes back as a piece of its own.
    """
    if len(candidates) < 2:
        return set()
    x, y, w, h = (stats[candidates, k] for k in range(4))
    height, width = shape
    across = ((w >= FRAME_SPAN * width) & ((x == 0) | (x + w == width))) | (
        (h >= FRAME_SPAN * height) & ((y == 0) | (y + h == height))
    )
    return {candidates[i] for i in np.flatnonzero(across)}


def _unboxed(ink: Ink, outlines: set[int]) -> Ink:
    """The ink without the straight lines of the ``outlines`` (boxes around the writing): what
    else was in those pieces (a digit touching its comb field's box) comes back as pieces of
    its own."""
    _, labels, stats, _ = ink.pieces
    inked = labels > 0
    for label in outlines:
        x, y, w, h = (int(v) for v in stats[label, :4])
        box = np.s_[y : y + h, x : x + w]
        ring = labels[box] == label
        inked[box] &= ~(ring & _straight_runs(ring))
    return replace(ink, pieces=components(inked.astype(np.uint8)))


def _straight_runs(ring: np.ndarray) -> np.ndarray:
    """bool: the straight lines of an outline (its box's sides, a comb field's dividers) that
    reach most of the way across it, at any angle, widened to cover their blur."""
    reach = int(OUTLINE_LINE_REACH * min(ring.shape))
    segments = cv2.HoughLinesP(
        ring.astype(np.uint8), 1, np.pi / 180, max(reach // 2, 2), minLineLength=reach, maxLineGap=2
    )
    drawn = np.zeros(ring.shape, np.uint8)
    for x0, y0, x1, y1 in [] if segments is None else segments.reshape(-1, 4):
        cv2.line(drawn, (int(x0), int(y0)), (int(x1), int(y1)), 1, OUTLINE_LINE_WIDTH)
    return drawn > 0


def _inside_the_frame(row: tuple[Glyph, ...], shape: tuple[int, int]) -> tuple[Glyph, ...]:
    """The row without glyphs that touch the frame's edge: beside other digits, those are paper
    edges, shadows or printed lines coming in from the sides (a person frames what they write)."""
    height, width = shape
    return tuple(
        glyph
        for glyph in row
        if glyph.box[0] > 0
        and glyph.box[1] > 0
        and glyph.box[0] + glyph.box[2] < width
        and glyph.box[1] + glyph.box[3] < height
    )


def _lone_digit(ink: Ink, rows: list[tuple[Glyph, ...]], stages: Stages | None) -> Glyph:
    """A picture's one digit: picked the single-digit way (which also gives back the pixels a
    printed line took from its strokes) unless that pick is not the digit the rows found."""
    try:
        picked = single_digit(ink, stages)
    except NoDigitError:
        if not rows:
            raise
        return rows[0][0]
    if rows and not _overlapping(picked.box, rows[0][0].box):
        return rows[0][0]
    return picked


def _overlapping(one: tuple[int, int, int, int], other: tuple[int, int, int, int]) -> bool:
    x, y, w, h = one
    ox, oy, ow, oh = other
    return x < ox + ow and ox < x + w and y < oy + oh and oy < y + h


def _lines_of_writing(
    candidates: list[int], stats: np.ndarray, centroids: np.ndarray, shape: tuple[int, int]
) -> list[list[int]]:
    """Lines of writing, top to bottom, each its components left to right.

    Lines are grown from the most plausible component left over; a line holding nothing taller
    than a fragment of the first line's writing (its typical height) is dust, not writing.
    """
    remaining = list(candidates)
    lines: list[list[int]] = []
    reference = 0.0
    while remaining:
        seed = max(remaining, key=lambda label: plausibility(stats[label], centroids[label], shape))
        line = _row_of(seed, remaining, stats)
        remaining = [label for label in remaining if label not in line]
        heights = stats[line, cv2.CC_STAT_HEIGHT]
        reference = reference or typical_height(heights)
        if heights.max() >= MINOR_HEIGHT * reference:
            lines.append(line)
    lines = _side_by_side_joined(sorted(lines, key=lambda line: _span(line, stats)), stats)
    return _continued_aslant(lines, stats)


def _continued_aslant(lines: list[list[int]], stats: np.ndarray) -> list[list[int]]:
    """The lines, each joined by the lines that continue it beyond its ends along its slope
    (``_continues_aslant``), top to bottom, each left to right.

    Widely spaced digits in a row photographed aslant climb further from one to the next than
    a neighbour's middle may drift (NUMBER_ROW_DRIFT), so a row's first or last digit can start
    a line of its own."""
    joined = [list(line) for line in lines]
    for row in sorted(joined, key=len, reverse=True):
        for other in joined:
            if row and other and other is not row and _continues_aslant(row, other, stats):
                row.extend(other)
                other.clear()
    kept = [sorted(line, key=lambda label: stats[label, cv2.CC_STAT_LEFT]) for line in joined]
    return sorted((line for line in kept if line), key=lambda line: _span(line, stats))


def _continues_aslant(row: list[int], other: list[int], stats: np.ndarray) -> bool:
    """Whether the line ``other`` lies wholly left or right of ``row`` (two pieces or more),
    within NUMBER_GAP of its digit height, with its middles within NUMBER_ROW_DRIFT of the
    straight line through the row's middles (no steeper than ROW_SLANT), extended. A number's
    second row lies under the first, not beyond its ends, and a digit height lower."""
    if len(row) < 2:
        return False
    x, y, w, h = (stats[row, k].astype(np.float64) for k in range(4))
    ox, oy, ow, oh = (stats[other, k].astype(np.float64) for k in range(4))
    tall = float(np.median(h))
    gap = max(x.min() - (ox + ow).max(), ox.min() - (x + w).max())
    if gap < 0 or gap > NUMBER_GAP * tall:
        return False
    across, middle = x + w / 2, y + h / 2
    spread = across - across.mean()
    spread_squared = float(spread @ spread)  # 0 when every piece shares one middle (stacked)
    fitted = float(spread @ (middle - middle.mean())) / spread_squared if spread_squared else 0.0
    slope = float(np.clip(fitted, -ROW_SLANT, ROW_SLANT))  # least squares, then bounded
    expected = middle.mean() + slope * (ox + ow / 2 - across.mean())
    return bool(np.all(np.abs(oy + oh / 2 - expected) <= NUMBER_ROW_DRIFT * tall))


def _with_thin_strokes(line: list[int], specks: np.ndarray, stats: np.ndarray) -> list[int]:
    """The line (labels left to right) with the ``specks`` that stand in it: within its band
    (give or take LINE_STROKE_SLACK of its writing's height: the median height of its pieces at
    least half as tall as its tallest, not a printed line's dashes), at most that height beyond
    its ends, and THIN_STROKE_HEIGHT of that height or taller.

    A thin 1 written small (4% of the frame) holds too little ink to pass the speck filter,
    which judges a piece against the frame; standing in a line of digits as tall as they are,
    it is a stroke. Dust is short, and a lone digit (a line of one) gets nothing added."""
    if len(line) < 2 or specks.size == 0:
        return line
    top, bottom = _span(line, stats)
    heights = stats[line, cv2.CC_STAT_HEIGHT]
    tall = float(np.median(heights[heights >= heights.max() / 2]))
    slack = LINE_STROKE_SLACK * tall
    left = int(stats[line, cv2.CC_STAT_LEFT].min())
    right = int((stats[line, cv2.CC_STAT_LEFT] + stats[line, cv2.CC_STAT_WIDTH]).max())
    x, y, w, h = (stats[specks, k] for k in range(4))
    standing = (
        (h >= THIN_STROKE_HEIGHT * tall)
        & (y >= top - slack)
        & (y + h <= bottom + slack)
        & (x + w >= left - tall)
        & (x <= right + tall)
    )
    if not standing.any():
        return line
    joined = [*line, *specks[standing].tolist()]
    return sorted(joined, key=lambda label: int(stats[label, cv2.CC_STAT_LEFT]))


def _span(line: list[int], stats: np.ndarray) -> tuple[int, int]:
    """Rows [top, bottom) a line's components cover."""
    tops = stats[line, cv2.CC_STAT_TOP]
    return int(tops.min()), int((tops + stats[line, cv2.CC_STAT_HEIGHT]).max())


def _side_by_side_joined(lines: list[list[int]], stats: np.ndarray) -> list[list[int]]:
    """Lines at the same height joined into one, left to right: digits spaced further apart
    than a line reaches are still one row when they share its height. Lines far unlike in height
    (the shorter under MINOR_HEIGHT of the taller) are not one row even when one spans the
    other: a sticky note's edge or a printed tooth beside a digit stands as tall as several
    digits, and joined with it the digit is read with the edge as one glyph."""
    joined: list[list[int]] = []
    for line in lines:
        top, bottom = _span(line, stats)
        if joined:
            last_top, last_bottom = _span(joined[-1], stats)
            shared = min(bottom, last_bottom) - max(top, last_top)
            low, high = sorted((bottom - top, last_bottom - last_top))
            if shared >= SAME_ROW_OVERLAP * low and low >= MINOR_HEIGHT * high:
                merged = joined[-1] + line
                joined[-1] = sorted(merged, key=lambda label: stats[label, cv2.CC_STAT_LEFT])
                continue
        joined.append(line)
    return joined


def _row_of(seed: int, candidates: list[int], stats: np.ndarray) -> list[int]:
    """The seed and every component continuing its line of writing, to the left and right.

    A component joins when it is near a member horizontally (up to several digit heights
    away) and its middle is at about the member's height, or when it is a piece close by in
    both directions; chaining member to member follows a slanted or gently curving line.
    """
    labels = np.asarray(candidates)
    links = _continuations(stats[labels], float(stats[seed, cv2.CC_STAT_HEIGHT]))
    inside = labels == seed
    frontier = inside.copy()
    while frontier.any():
        frontier = links[frontier].any(axis=0) & ~inside
        inside |= frontier
    return sorted(labels[inside].tolist(), key=lambda label: stats[label, cv2.CC_STAT_LEFT])


def _continuations(boxes: np.ndarray, tall: float) -> np.ndarray:
    """bool (N, N): whether component j continues the line component i is on, for the N
    components' cv2 statistics: beside it at about its height, or so close in both directions
    that it is a piece of the same digit (a hairline broken into dashes)."""
    x, y, w, h = (boxes[:, k].astype(np.float64) for k in range(4))
    gap = np.maximum(np.maximum(x[None] - (x + w)[:, None], x[:, None] - (x + w)[None]), 0)
    drift = np.abs((y + h / 2)[None] - (y + h / 2)[:, None])
    rise = np.maximum(y[None] - (y + h)[:, None], y[:, None] - (y + h)[None])
    beside = (gap <= NUMBER_GAP * tall) & (drift <= NUMBER_ROW_DRIFT * tall)
    close = np.maximum(gap, rise) <= MINOR_GAP * tall
    links: np.ndarray = (beside | close) & (h[None] <= 2 * tall)
    return links


def _digits_of(
    line: list[int], stats: np.ndarray, segmenter: Segmenter, judge: Judge, among_others: bool
) -> tuple[list[Glyph], bool]:
    """A line's digits left to right, and whether it held other writing that was left out.

    Whether a whole line is words rather than digits is asked only ``among_others`` (other
    lines of writing in the picture): a picture of a single line is sent to be read.
    """
    pieces = pieces_of(line, stats)
    if not pieces:
        return [], False
    whole = [glyph for piece in pieces if (glyph := segmenter.glyph(piece)) is not None]
    tall = float(np.median([glyph.box[3] for glyph in whole]))
    lone = len(pieces) == 1 and aspect(pieces[0]) < SPLIT_EVEN_ASPECT
    # A picture's only piece is cut only when the cut reads at least as surely as the whole:
    # a wide digit alone (a 2 with a long tail) is likelier than a touching pair, unless the
    # model says the whole is no digit.
    head_start = 0.0 if len(pieces) == 1 else SPLIT_HEAD_START
    if lone and judge(whole)[0] >= DIGIT_LIKENESS:
        glyphs = whole
    else:
        glyphs = segmenter.merge_fragments(segmenter.digits(pieces, tall, head_start), tall)
    if not glyphs:
        return [], False
    words = _words(glyphs, tall)
    digit_like = _digit_like(glyphs, words, tall, judge)
    if among_others and (digit_like.mean() < ROW_DIGIT_SHARE or not _heights_agree(glyphs)):
        return [], True
    digit_like &= ~_in_words(words, judge(glyphs) >= DIGIT_LIKENESS)
    digits = [glyph for glyph, keep in zip(glyphs, digit_like, strict=True) if keep]
    return digits, len(digits) < len(glyphs)


def _in_words(words: list[np.ndarray], read: np.ndarray) -> np.ndarray:
    """bool (N,): which of a row's N glyphs are in ``words`` (``_words``) half or more of
    whose glyphs the model does not ``read`` (bool (N,)) as digits (a printed tooth beside a
    digit, too tall for one, is no letter)."""
    in_words = np.zeros(len(read), bool)
    for word in words:
        if (~read[word]).mean() >= 0.5:
            in_words[word] = True
    return in_words


def _words(glyphs: Sequence[Glyph], tall: float) -> list[np.ndarray]:
    """The indices of a row's glyphs, left to right, in runs parted from the rest by gaps
    wider than WORD_GAP times the row's narrow gaps (their lower quartile: a word's letters
    and a number's digits are each close together) and WORD_GAP_LEAST of its digit height
    ``tall``: the words, and the numbers, of the row. None in a row of fewer than three
    glyphs, whose narrow gaps say nothing."""
    if len(glyphs) < 3:
        return []
    gaps = _gaps(glyphs)
    apart = gaps > max(WORD_GAP * float(np.percentile(gaps, 25)), WORD_GAP_LEAST * tall)
    return _parted(apart)


def _digit_like(
    glyphs: Sequence[Glyph], words: list[np.ndarray], tall: float, judge: Judge
) -> np.ndarray:
    """bool (N,): which glyphs read as digits and are shaped like one: joined-up words are far
    wider than any digit (a broad 2 the model is sure of is kept), a scribble or a letter with
    an ascender towers over its word (``_typical_heights`` of the row's ``words``)."""
    heights = np.array([glyph.box[3] for glyph in glyphs], np.float64)
    widths = np.array([glyph.box[2] for glyph in glyphs], np.float64)
    sure = judge(glyphs)
    narrow = (widths <= MAX_DIGIT_ASPECT * tall) | (
        (widths <= BROAD_DIGIT_ASPECT * tall) & (sure >= BROAD_DIGIT_SURENESS)
    )
    shaped = narrow & (heights <= TALLEST_GLYPH * _typical_heights(heights, words))
    return shaped & (sure >= DIGIT_LIKENESS)


def _typical_heights(heights: np.ndarray, words: list[np.ndarray]) -> np.ndarray:
    """float (N,): for each of a row's N glyphs (``heights``), the median height of the other
    glyphs of its word (``_words``); infinite for a glyph standing alone, which has no word
    to tower over; the row's median in a row not parted into words. Measured over the whole
    row, a word's short letters beside a number ("636 Ward") made the number's digits tower
    over the row, and left them out (a digit set a little apart stands alone); measured over
    the word with the glyph itself, a two-letter word's ascender ("lo") would stand at the
    middle of the two heights and never tower."""
    typical = np.full(len(heights), np.inf if words else np.median(heights))
    for word in words:
        if len(word) > 1:
            typical[word] = [np.median(np.delete(heights[word], k)) for k in range(len(word))]
    return typical


def _heights_agree(glyphs: Sequence[Glyph]) -> bool:
    """Whether the glyphs share one height, as digits do (they are all as tall as capitals);
    words and formulas mix short letters with ascenders, descenders and brackets."""
    heights = np.array([glyph.box[3] for glyph in glyphs], np.float64)
    ratio = heights / np.median(heights)
    agreeing = (ratio <= ROW_HEIGHT_SPREAD) & (ratio >= 1 / ROW_HEIGHT_SPREAD)
    return bool(agreeing.mean() >= ROW_HEIGHT_AGREEMENT)
