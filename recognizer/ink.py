"""The ink stage: a photo's handwriting as ink strength and connected pieces.

A phone photo mixes the writing with lighting (gradients, shadows, flash spots), paper (ruled
or squared lines) and a polarity (pen on paper, chalk on a board). This stage flattens the
lighting, settles the polarity, traces the printed lines and labels what ink is left, on a small
copy of the photo so every later stage stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from recognizer.components import Components, as_thin_as, components, is_speck
from recognizer.config import (
    DASH_COVERAGE,
    DASH_MIN_REACH,
    DASH_ON_LINE,
    DASH_THICKNESS,
    EDGE_ASPECT,
    EDGE_MIN_REACH,
    INK_GRAIN_MULTIPLE,
    INK_GRAIN_STEP,
    LEAST_INK_CONTRAST,
    LINE_COVERAGE,
    LINE_INK_RATIO,
    LINE_MAX_TILT,
    LINE_ROWS,
    LINE_SLANT_TOLERANCE,
    LINE_STRIPS,
    LINE_STROKE_MARGIN,
    LINE_THICKNESS,
    LINE_TILT_GAIN,
    LINE_TILT_STEP,
    LONE_LINE_REACH,
    MIN_INK_CONTRAST,
    MIN_STROKE_REACH,
    TILT_BLOCKS,
    WORK_SIDE,
)
from recognizer.paper import ink_strengths
from recognizer.percentiles import percentiles
from recognizer.shade import shade_in
from recognizer.stages import Stages, record
from recognizer.underlines import comb_teeth, underlines


@dataclass(frozen=True, slots=True)
class Ink:
    """A photo's ink at the working size."""

    strength: np.ndarray
    """float32 (H, W) in [0, 1]: how much darker than its local paper each pixel is."""
    lines: np.ndarray
    """bool (H, W): the printed lines of ruled or squared paper, and the straight edges of a
    sheet or a table (``straight_edges``)."""
    pieces: Components
    """The connected pieces of ink once the printed lines are taken out."""
    scale: float
    """Working size over the photo's size, to map boxes back onto the photo."""
    settled: bool
    """Whether the paper under it is the one the ink settled under (``ink_strengths``), not a
    guess: its reading is taken as sure from a lower joint likeness."""

    binary: np.ndarray
    """bool (H, W): every pixel that counts as ink (``written``), printed lines included."""


_NEIGHBOURHOOD = np.ones((3, 3), np.uint8)


def find_inks(gray: np.ndarray, stages: Stages | None = None) -> Iterator[Ink]:
    """The ink of an upright uint8 (H, W) grayscale photo under each plausible estimate of its
    paper (``ink_strengths``), the likeliest first; lazy. ``stages`` records the first's steps."""
    work, scale = downscale(gray)
    record(stages, "gray", work)
    for index, (strength, settled) in enumerate(ink_strengths(work, stages)):
        yield _ink_of(strength, scale, settled, stages if index == 0 else None)


def _ink_of(strength: np.ndarray, scale: float, settled: bool, stages: Stages | None) -> Ink:
    """Trace the printed lines (short ones the writing touches too) and the edges of sheets in
    ``strength`` and label the pieces of ink left."""
    lines = printed_lines(strength, stages)
    inked = written(strength)
    pieces = components((inked & ~lines).astype(np.uint8))
    rules = underlines(pieces)
    if rules.any():
        lines |= rules
        pieces = components((inked & ~lines).astype(np.uint8))
    edges = (
        straight_edges(pieces)
        | dashed_edges(pieces)
        | box_dividers(pieces, lines)
        | comb_teeth(pieces, lines)
    )
    if edges.any():
        lines |= edges
        pieces = components((inked & ~lines).astype(np.uint8))
    shadows = shade_in(pieces, strength)
    if shadows.any():
        pieces = components((inked & ~lines & ~shadows).astype(np.uint8))
    return Ink(strength, lines, pieces, scale, settled, inked)


def written(strength: np.ndarray) -> np.ndarray:
    """bool (H, W): the pixels of float32 (H, W) ``strength`` that count as ink.

    Ink darkens its paper by MIN_INK_CONTRAST or more. On smooth paper a fainter pen counts
    too (down to ``ink_threshold``) where it joins pieces of that ink: a pencil's stroke that
    faded between two darker stretches; and where its darker ink is only grains (a pencil's
    digit, beside a sticky note's edge or a desk that is darker). Faint ink elsewhere (a fringe
    on one piece, a strip of tape's edge touching a digit, a shadow's outline) is no writing
    beside darker writing; where nothing is darker, it is all the writing there is (a hard
    pencil pressed lightly)."""
    core: np.ndarray = strength >= MIN_INK_CONTRAST
    threshold = ink_threshold(strength)
    if threshold >= MIN_INK_CONTRAST:
        return core
    inked: np.ndarray = strength >= threshold
    count, core_labels, core_stats, _ = components(core.astype(np.uint8))
    grains = is_speck(core_stats, core.shape)
    if grains[1:].all():
        return inked
    low = _LowInk(inked, *components(inked.astype(np.uint8))[:2])
    joined: np.ndarray = (
        core | _bridges(low, core, core_labels, count) | _grainy(low, core, core_labels, grains)
    )
    return joined


@dataclass(frozen=True, slots=True)
class _LowInk:
    """The ink at the low threshold, labelled: ``count`` pieces (background 0) in ``labels``."""

    inked: np.ndarray
    count: int
    labels: np.ndarray


def _grainy(
    low: _LowInk, core: np.ndarray, core_labels: np.ndarray, grains: np.ndarray
) -> np.ndarray:
    """bool (H, W): the pieces of faint ink whose darker (``core``) ink is only ``grains``
    (bool per core label: specks): a pencil's faint digit, dark here and there. A piece holding
    no darker ink at all is left out: paper grain and the soft edges of shadows."""
    held = low.labels[core]  # the faint piece each core pixel lies in
    grainy = np.bincount(held, minlength=low.count) > 0
    dark = np.bincount(held[~grains[core_labels[core]]], minlength=low.count) > 0
    kept = grainy & ~dark
    kept[0] = False
    if not kept.any():
        return np.zeros_like(core)
    whole: np.ndarray = kept[low.labels]
    return whole


def _bridges(low: _LowInk, core: np.ndarray, core_labels: np.ndarray, count: int) -> np.ndarray:
    """bool (H, W): the pieces of faint ink (``inked`` but not ``core``) that touch two or more
    of the ``count`` labelled pieces of ``core`` ink.

    Most faint ink is a fringe around one dark piece: only the pieces of ink at the low
    threshold that hold several dark ones are looked into, and there each faint piece's
    neighbouring dark labels (the largest and the smallest, 8-connected) tell whether it
    touches two."""
    inked, every, labels = low.inked, low.count, low.labels
    holder = np.zeros(count, np.int64)
    holder[core_labels[core]] = labels[core]
    joining = np.bincount(holder[1:], minlength=every) >= 2
    joining[0] = False
    faint: np.ndarray = inked & ~core & joining[labels]
    if not faint.any():
        return faint
    x, y, w, h = cv2.boundingRect(faint.astype(np.uint8))
    window = np.s_[max(y - 1, 0) : y + h + 1, max(x - 1, 0) : x + w + 1]
    inside = faint[window]
    pieces, faint_labels, _, _ = components(inside.astype(np.uint8))
    dark = core_labels[window].astype(np.float32)
    most = cv2.dilate(dark, _NEIGHBOURHOOD)[inside]
    least = cv2.erode(np.where(dark > 0, dark, np.inf), _NEIGHBOURHOOD)[inside]
    which = faint_labels[inside]
    highest, lowest = np.zeros(pieces, np.float32), np.full(pieces, np.inf, np.float32)
    np.maximum.at(highest, which, most)
    np.minimum.at(lowest, which, least)
    bridges: np.ndarray = np.zeros_like(faint)
    bridges[window] = (highest > lowest)[faint_labels] & inside
    return bridges


def ink_threshold(strength: np.ndarray) -> float:
    """The least ink strength (float32 (H, W) in [0, 1]) that counts as ink in this photo.

    MIN_INK_CONTRAST keeps paper grain and sensor noise out on any paper; on smooth paper,
    whose grain (the 90th percentile of the strength: most of a photo is paper) is faint, it
    is lowered to INK_GRAIN_MULTIPLE times that grain, down to LEAST_INK_CONTRAST, so a faint
    pencil's strokes hold together instead of breaking into specks.
    """
    grain = float(percentiles(strength[::INK_GRAIN_STEP, ::INK_GRAIN_STEP].ravel(), (90,))[0])
    return float(np.clip(INK_GRAIN_MULTIPLE * grain, LEAST_INK_CONTRAST, MIN_INK_CONTRAST))


def straight_edges(pieces: Components) -> np.ndarray:
    """bool (H, W): the pieces that are long and as thin as a line: the edge of a sheet, a
    sticky note or a table, or a printed rule that stops short of the frame.

    A pen's stroke is at most a few dozen times as long as it is thick (the tip's width against
    the digit's height); an edge is as thin as the camera's blur however long it is. A piece's
    thickness is its area over its length (the long side of its smallest enclosing turned
    rectangle, so a slanted or gently bent edge is measured along itself).
    """
    _, labels, stats, _ = pieces
    reach = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
    long = np.flatnonzero(reach >= EDGE_MIN_REACH * max(labels.shape))
    edges = []
    for label in long[long > 0]:
        x, y, w, h, area = (int(v) for v in stats[label])
        if w * w + h * h < EDGE_ASPECT * area:
            continue  # too thick for its length even along its box's diagonal
        points = cv2.findNonZero((labels[y : y + h, x : x + w] == label).astype(np.uint8))
        length = max(cv2.minAreaRect(points)[1])
        if length >= EDGE_ASPECT * area / length:
            edges.append(label)
    return np.isin(labels, edges)


def box_dividers(pieces: Components, lines: np.ndarray) -> np.ndarray:
    """bool (H, W): straight pieces as thin as the printed lines that run from one printed line
    to another and are taller than the writing: a comb field's or a table's dividers, left
    standing once the lines across them are traced, each shaped like a 1.

    A pen's stroke on squared paper can run from line to line too, but a grid's cell is smaller
    than the digits written on it, so a stroke taller than the writing crosses a line on its way;
    a box is taller than the digit it holds, and no line crosses its divider.
    """
    if not lines.any():
        return np.zeros(lines.shape, bool)
    _, labels, stats, _ = pieces
    width, height = (stats[:, k].astype(np.float64) for k in (2, 3))
    reach = np.maximum(width, height)
    stroke = reach >= MIN_STROKE_REACH * max(labels.shape)
    stroke[0] = False  # the paper
    thin = stroke & as_thin_as(stats, lines)
    writing = stroke & ~thin
    if not writing.any():
        return np.zeros(lines.shape, bool)
    near = cv2.dilate(lines.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    dividers = []
    for label in np.flatnonzero(thin & (reach > height[writing].max())):
        x, y, w, h = (int(v) for v in stats[label, :4])
        touching = (labels[y : y + h, x : x + w] == label) & near[y : y + h, x : x + w]
        if h < w:
            touching = touching.T
        end = max(3, len(touching) // 8)
        if touching[:3].any() and touching[-3:].any() and not touching[end:-end].any():
            dividers.append(label)
    return np.isin(labels, dividers)


def dashed_edges(pieces: Components) -> np.ndarray:
    """bool (H, W): hairline pieces that lie along one long straight line: a sheet's or a
    table's edge that the ink threshold broke into dashes, each short enough to pass for a 1.

    Pen strokes are never lined up like that: digits stand side by side, each stroke across
    the row, while an edge's dashes continue one another over a quarter of the frame or more.
    """
    _, labels, stats, _ = pieces
    width, height, area = (stats[:, k].astype(np.float64) for k in (2, 3, 4))
    hairline = np.flatnonzero(area <= DASH_THICKNESS * np.hypot(width, height))
    hairline = hairline[hairline > 0]
    longest = np.maximum(width, height)[hairline]
    if hairline.size < 2 or longest.max() < DASH_MIN_REACH * max(labels.shape):
        return np.zeros(labels.shape, bool)  # no dash that could pass for a 1
    dashes = np.isin(labels, hairline)
    reach = EDGE_MIN_REACH * max(labels.shape)
    segments = cv2.HoughLinesP(
        dashes.astype(np.uint8),
        1,
        np.pi / 360,
        int(reach * DASH_COVERAGE),
        minLineLength=reach,
        maxLineGap=reach,
    )
    along = np.zeros(labels.shape, np.uint8)
    for x0, y0, x1, y1 in [] if segments is None else segments.reshape(-1, 4):
        cv2.line(along, (int(x0), int(y0)), (int(x1), int(y1)), 1, 3)
    on_line = np.bincount(labels[dashes & (along > 0)], minlength=len(stats))
    edge = hairline[on_line[hairline] >= DASH_ON_LINE * area[hairline]]
    return np.isin(labels, edge)


def downscale(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Shrink to the working size; area averaging keeps thin strokes as fainter lines."""
    height, width = gray.shape
    scale = min(1.0, WORK_SIDE / max(height, width))
    if scale == 1.0:
        return gray, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), scale


def printed_lines(ink: np.ndarray, stages: Stages | None) -> np.ndarray:
    """Lines of ruled or squared paper: thin straight runs crossing the whole image.

    Handwriting never crosses a photo edge to edge in one straight stroke; printed lines do,
    even when faint, or a few degrees off level. The image is cut into strips across the line
    direction; in each strip a row mostly covered by (slightly smeared) ink is a line candidate,
    and it is a line when most strips agree on it, so a digit filling one strip never counts.
    Only the thin, faint part of a line is removed: a pen stroke crossing it keeps its pixels.
    Printed lines are fainter than pen and break up at the ink threshold, so they are traced at
    a lower one. The column lines are traced first and left out of the rows' search: a lone row
    line is measured against the other ink, and squared paper's columns are none. A lone column
    line may be a 1 filling a tight crop, so it counts only beside row lines (squared paper seen
    so close that one line of each family crosses the frame, a ruled page's margin), only when
    far longer than the other ink is wide, and only when as faint as the row lines: printed
    lines of both families are printed alike, a pen is darker.
    """
    faint = ink >= MIN_INK_CONTRAST / 2
    along_rows, along_columns = _line_tilts(faint)
    vertical = _column_lines(faint, along_columns, lone=False)
    horizontal = _line_family(faint & ~vertical, along_rows, lone=True)
    if horizontal.any() and not vertical.any():
        column = _column_lines(faint & ~horizontal, along_columns, lone=True)
        if column.any() and _printed_alike(ink, column, horizontal):
            vertical = column
    lines: np.ndarray = (horizontal | vertical) & faint
    if lines.any():
        lines &= ink <= LINE_INK_RATIO * np.median(ink[lines])
    record(stages, "lines", lines)
    return lines


def _transposed(mask: np.ndarray) -> np.ndarray:
    """bool (W, H) of bool (H, W) ``mask``, contiguous: OpenCV transposes the bytes about ten
    times faster than NumPy copies a transposed view of booleans."""
    return np.asarray(cv2.transpose(mask.view(np.uint8))).view(bool)


def _printed_alike(ink: np.ndarray, line: np.ndarray, printed: np.ndarray) -> bool:
    """Whether the ``line`` pixels of ``ink`` are about as faint as the ``printed`` ones (their
    medians within LINE_INK_RATIO): a pen is darker than a printed line."""
    return bool(np.median(ink[line]) <= LINE_INK_RATIO * np.median(ink[printed]))


def _column_lines(faint: np.ndarray, tilt: float, lone: bool) -> np.ndarray:
    """bool (H, W): the printed lines of ``faint`` that run along its columns (``_line_family``
    on the transposed image)."""
    return _transposed(_line_family(_transposed(faint), tilt, lone))


def _line_family(faint: np.ndarray, tilt: float, lone: bool) -> np.ndarray:
    """bool (H, W): the printed lines of ``faint`` that run along its rows, ``tilt`` (degrees)
    off level.

    Each family (along the rows, along the columns) is levelled at its own angle: a photo taken
    at a slant turns the two families of squared paper by different angles, up to a few degrees
    apart, and across the whole frame that difference carries a line out of its strips' rows.
    """
    image = _rotate(faint.astype(np.uint8), tilt)
    along = _lines_along_rows(image, lone)
    if not along.any():
        return np.zeros_like(faint)
    thickness = max(LINE_THICKNESS, _line_thickness(image, along) + LINE_STROKE_MARGIN)
    crossing = cv2.morphologyEx(image, cv2.MORPH_OPEN, np.ones((thickness, 1), np.uint8))
    return _rotate(along & (crossing == 0), -tilt).astype(bool)


def _line_thickness(image: np.ndarray, marked: np.ndarray) -> int:
    """How thick (px, rounded up) the printed lines in the ``marked`` bands of rows are: the
    typical column's line pixels over the number of bands."""
    bands = _runs(np.asarray(marked.any(axis=1)))
    if bands == 0:
        return 0
    return int(np.ceil(np.median(np.count_nonzero(image & marked, axis=0)) / bands))


def _line_tilts(faint: np.ndarray) -> tuple[float, float]:
    """The angles (degrees) that best turn the printed lines along the rows, and those along the
    columns, level: 0 for a family that is not there."""
    small = cv2.resize(faint.astype(np.float32), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return _best_tilt(small), _best_tilt(np.ascontiguousarray(small.T))


_TILTS = np.arange(-LINE_MAX_TILT, LINE_MAX_TILT + LINE_TILT_STEP / 2, LINE_TILT_STEP)
"""Every angle (degrees) a family of printed lines is tried at; level is among them."""


def _best_tilt(ink: np.ndarray) -> float:
    """The angle of _TILTS that best lines up the rows of ``ink`` (float32 (H, W)), if it beats
    level by LINE_TILT_GAIN, else 0.

    Turned level, a family of lines piles its ink into a few rows, so the row sums are most
    uneven (largest sum of squares); handwriting barely changes that, so without lines the best
    angle is noise and level (no turn at all) is kept. Within a few degrees a turn moves each
    column up or down in proportion to its distance from the middle, so no image is turned: the
    row sums of narrow blocks of columns are shifted by their block's offset and added up, for
    every angle at once.
    """
    starts, rows, span = _tilted_rows(*ink.shape)
    profiles = np.add.reduceat(ink, starts, axis=1).T
    weights = np.broadcast_to(profiles, (len(_TILTS), *profiles.shape)).ravel()
    sums = np.bincount(rows, weights, len(_TILTS) * span).reshape(len(_TILTS), span)
    scores = np.square(sums).sum(axis=1)
    best = int(np.argmax(scores))
    level = float(scores[np.flatnonzero(_TILTS == 0)[0]])
    return float(_TILTS[best]) if scores[best] >= LINE_TILT_GAIN * level else 0.0


@lru_cache(maxsize=16)
def _tilted_rows(height: int, width: int) -> tuple[np.ndarray, np.ndarray, int]:
    """For ``_best_tilt`` on an (H, W) image: where each block of columns starts, the row (of
    all tilts' row sums laid end to end) each block's row sum adds to under each tilt, flat in
    (tilt, block, row) order, and the rows one tilt spans. The same few working sizes recur,
    so this is kept for the last few sizes."""
    starts = np.linspace(0, width, min(TILT_BLOCKS, width), endpoint=False).astype(np.intp)
    middles = (starts + np.append(starts[1:], width)) / 2 - width / 2
    # cv2's turn by +angle (counter-clockwise on screen) lifts the right side: rows fall by the
    # column's distance from the centre times the sine.
    shifts = np.rint(-np.outer(np.sin(np.radians(_TILTS)), middles)).astype(np.intp)
    shifts -= shifts.min()
    span = height + int(shifts.max())
    rows = shifts[:, :, None] + np.arange(height) + (np.arange(len(_TILTS)) * span)[:, None, None]
    flat = rows.ravel()
    for shared in (starts, flat):
        shared.setflags(write=False)  # kept and shared between calls
    return starts, flat, span


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """The image turned about its centre, same size, what turns in from outside left empty."""
    if degrees == 0:
        return image
    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_NEAREST)


def _lines_along_rows(image: np.ndarray, lone: bool) -> np.ndarray:
    """Pixels of rows that most strips see as (nearly) fully inked: horizontal printed lines.

    Within a narrow strip even a slanted line stays within a few rows, so only those rows are
    marked, leaving the handwriting between the lines of dense squared paper alone. Printed
    lines come as a family; one lone straight stroke across a tight crop is more likely the
    digit itself (a 1, the stem of a 4) than a margin, so a lone line counts only if ``lone``
    allows it and it is far longer than any other ink is tall (an answer line, a comb field's
    base under a digit).
    """
    height, width = image.shape
    strip = -(-width // LINE_STRIPS)
    padded = np.zeros((height, strip * LINE_STRIPS), np.uint8)
    padded[:, :width] = cv2.dilate(image, np.ones((LINE_ROWS, 1), np.uint8))
    strips = padded.reshape(height, LINE_STRIPS, strip)
    widths = np.minimum(strip, width - strip * np.arange(LINE_STRIPS)).clip(1)
    covered = strips.sum(axis=2) / widths >= LINE_COVERAGE
    smear = np.ones((LINE_SLANT_TOLERANCE, 1), np.uint8)
    nearby = cv2.dilate(covered.astype(np.uint8), smear).sum(axis=1, keepdims=True)
    agreed = covered & (nearby >= LINE_STRIPS - LINE_STRIPS // 4)
    runs = _runs(agreed.any(axis=1))
    if runs == 0 or (runs == 1 and not lone):
        return np.zeros_like(image)
    rows = np.repeat(agreed, strip, axis=1)[:, :width].astype(np.uint8)
    marked = np.asarray(cv2.dilate(rows, np.ones((LINE_ROWS, 1), np.uint8)))
    if runs == 1 and not _far_longer_than_the_rest(image, marked):
        return np.zeros_like(image)
    return marked


def _far_longer_than_the_rest(image: np.ndarray, line: np.ndarray) -> bool:
    """Whether a lone line (``line``'s marked rows) reaches LONE_LINE_REACH times further than
    the tallest piece of the other ink is tall."""
    rest = image & (line == 0)
    _, _, stats, _ = components(rest)
    tallest = int(stats[1:, cv2.CC_STAT_HEIGHT].max()) if len(stats) > 1 else 0
    columns = np.flatnonzero((image & line).any(axis=0))
    reach = int(columns[-1] + 1 - columns[0]) if columns.size else 0
    return reach >= LONE_LINE_REACH * tallest


def _runs(flags: np.ndarray) -> int:
    """How many separate runs of True a 1-D array holds."""
    return int(np.count_nonzero(np.diff(flags.astype(np.int8), prepend=0) == 1))
