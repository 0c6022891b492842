"""Where each digit goes on the page: size, rows, spacing, slant of the rows, touching pairs.

Sizes and gaps are in units of the digit height ``h``; a "digit width" is 0.6 h, so "four digit
widths apart" is a gap of 2.4 h. Rows are read top to bottom, digits left to right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import cv2
import numpy as np

from benchmarks.scenes.papers import Rect
from benchmarks.scenes.strokes import Strokes

DIGIT_WIDTH = 0.6
"""A nominal digit's width in digit heights: the unit of spacing."""

GAPS = {"natural": (0.25, 0.8), "wide": (1.5, 4.0), "cells": (0.0, 0.0)}
"""Gap between neighbouring digits' ink, in digit widths (cells: one digit per printed cell)."""

SIZE_RANGE = (0.05, 0.9)
"""Digit height as a share of the frame's height: from small in a big photo to filling it."""

MAX_TUCK = 0.25
"""How far, as a share of the narrower digit, a touching digit may reach into its neighbour's
bounds; where their shapes would only meet deeper, a ligature joins them."""

INK_LEVEL = 0.25
"""Coverage from which a pixel counts as a digit's ink (its box, touching)."""

Shaper = Callable[[Strokes, float, float], np.ndarray]
"""(pen path, height px, horizontal stretch) -> coverage with a margin (``inks.shape_glyph``)."""


@dataclass(frozen=True)
class Glyph:
    """One shaped digit on the page: its coverage's top-left corner in the paper plane."""

    text: str
    row: int
    x: int
    y: int
    coverage: np.ndarray
    ligature: tuple[float, float, float, float, float] | None = None
    """A pen stroke joining this digit to the one before (x0, y0, x1, y1 relative to this
    glyph's top-left, width): how a touching pair whose shapes only meet deep inside each
    other's bounds is written instead."""

    @property
    def box(self) -> Rect:
        """The ink's rectangle in the paper plane."""
        rows = np.flatnonzero(self.coverage.max(axis=1) > INK_LEVEL)
        columns = np.flatnonzero(self.coverage.max(axis=0) > INK_LEVEL)
        return (
            self.x + int(columns[0]),
            self.y + int(rows[0]),
            self.x + int(columns[-1]) + 1,
            self.y + int(rows[-1]) + 1,
        )


@dataclass(frozen=True)
class Plan:
    """What a layout needs to know about the writing, drawn by the scene's spec."""

    rows: tuple[str, ...]
    spacing: str
    size_quantile: float
    """Where the digit height falls in the sizes that fit, on a log scale: 0 smallest."""
    touching: int | None
    """In the first row, the digit that touches the next one; None for no touching pair."""
    row_tilt_deg: float
    row_pitch: float
    """Baseline to baseline, in digit heights."""
    centred_rows: bool


@dataclass(frozen=True)
class Layout:
    glyphs: tuple[Glyph, ...]
    digit_height: float
    baselines: tuple[float, ...]
    row_pitch: float
    """Pixels baseline to baseline."""
    cell: float
    """Width of one printed cell in pixels (``cells`` spacing), else 0."""
    cell_starts: tuple[float, ...]
    """Per row, the x where its first cell begins (``cells`` spacing)."""
    touching: tuple[int, int] | None
    """Indices into ``glyphs`` of the touching pair."""


def arrange(
    plan: Plan,
    crops: list[list[Strokes]],
    region: Rect,
    *,
    frame_height: int,
    shape: Shaper,
    rng: np.random.Generator,
) -> Layout:
    """Shape and place every digit of ``plan.rows`` (``crops`` per row) inside ``region``."""
    widths = [[c.aspect for c in row] for row in crops]
    gaps = [rng.uniform(*GAPS[plan.spacing], max(0, len(row) - 1)) for row in crops]
    cell_units = rng.uniform(0.85, 1.25) if plan.spacing == "cells" else 0.0
    height = _digit_height(
        plan, widths, gaps, cell_units=cell_units, region=region, frame_height=frame_height
    )
    placed: list[Glyph] = []
    baselines = []
    touching = None
    for index, row in enumerate(plan.rows):
        centre_y = index * plan.row_pitch * height
        baselines.append(centre_y + height / 2)
        start = len(placed)
        placed += _row(
            row,
            index,
            crops[index],
            gaps=gaps[index] * DIGIT_WIDTH * height,
            cell=cell_units * height,
            height=height,
            centre_y=centre_y,
            plan=plan,
            shape=shape,
            rng=rng,
        )
        if index == 0 and plan.touching is not None:
            touching = (start + plan.touching, start + plan.touching + 1)
    return _fitted(
        placed,
        baselines,
        region,
        height=height,
        plan=plan,
        cell_units=cell_units,
        touching=touching,
        rng=rng,
    )


def _digit_height(
    plan: Plan,
    widths: list[list[float]],
    gaps: list[np.ndarray],
    *,
    cell_units: float,
    region: Rect,
    frame_height: int,
) -> float:
    """The digit height in pixels: drawn log-uniformly among the sizes whose block fits."""
    x0, y0, x1, y1 = region
    if cell_units:
        row_units = max(len(row) * cell_units for row in widths)
    else:
        row_units = max(sum(w) + DIGIT_WIDTH * g.sum() for w, g in zip(widths, gaps, strict=True))
    block_units = 1 + (len(plan.rows) - 1) * plan.row_pitch
    tilt = abs(np.tan(np.deg2rad(plan.row_tilt_deg))) * row_units
    largest = min((x1 - x0) * 0.92 / row_units, (y1 - y0) * 0.92 / (block_units + tilt))
    low, high = SIZE_RANGE[0] * frame_height, min(SIZE_RANGE[1] * frame_height, largest)
    if high <= low:
        return float(high)
    return float(np.exp(np.log(low) + plan.size_quantile * (np.log(high) - np.log(low))))


def _row(
    text: str,
    row: int,
    crops: list[Strokes],
    *,
    gaps: np.ndarray,
    cell: float,
    height: float,
    centre_y: float,
    plan: Plan,
    shape: Shaper,
    rng: np.random.Generator,
) -> list[Glyph]:
    """One row's glyphs, left to right, relative to the row's start at x = 0."""
    slope = np.tan(np.deg2rad(plan.row_tilt_deg))
    glyphs: list[Glyph] = []
    cursor = 0.0
    for index, (digit, crop) in enumerate(zip(text, crops, strict=True)):
        glyph_height = height * rng.uniform(0.88, 1.06)
        stretch = rng.uniform(0.88, 1.12)
        if cell:
            stretch = min(stretch, 0.7 * cell / max(glyph_height * crop.aspect, 1.0))
        coverage = shape(crop, glyph_height, stretch)
        ink = Glyph(digit, row, 0, 0, coverage).box
        middle = centre_y + rng.normal(0, 0.035) * height + slope * cursor
        y = round(middle - (ink[1] + ink[3]) / 2)
        if cell:
            x = round(cell * (index + 0.5) + rng.normal(0, 0.04) * cell - (ink[0] + ink[2]) / 2)
        elif index and index - 1 == plan.touching and row == 0:
            x = _touching_x(glyphs[-1], coverage, y, height)
        else:
            x = round(cursor - ink[0])
        glyph = Glyph(digit, row, x, y, coverage)
        if index and index - 1 == plan.touching and row == 0 and not _touch(glyphs[-1], glyph):
            glyph = replace(glyph, ligature=_ligature(glyphs[-1], glyph))
        glyphs.append(glyph)
        if index < len(gaps):
            cursor = glyph.box[2] + gaps[index]
    return glyphs


def _touching_x(left: Glyph, coverage: np.ndarray, y: int, height: float) -> int:
    """Where a glyph's top-left goes so its ink just overlaps ``left``'s ink (a touching pair)."""
    right_edges = _edges(left.coverage, left.y, last=True)
    left_edges = _edges(coverage, y, last=False)
    common = sorted(set(right_edges) & set(left_edges))
    overlap = max(1, round(0.02 * height))
    ink = Glyph("", 0, 0, y, coverage).box
    deepest = left.box[2] - round(MAX_TUCK * min(left.box[2] - left.box[0], ink[2] - ink[0]))
    if not common:
        return left.box[2] - overlap - ink[0]
    return max(max(left.x + right_edges[r] - left_edges[r] for r in common) - overlap,
               deepest - ink[0])  # fmt: skip


def _touch(left: Glyph, right: Glyph) -> bool:
    """Whether two placed glyphs' inks overlap."""
    return bool(_ink_points(left, 0.5) & _ink_points(right, 0.5))


def _ink_points(glyph: Glyph, level: float) -> set[tuple[int, int]]:
    ys, xs = np.nonzero(glyph.coverage > level)
    return set(zip((xs + glyph.x).tolist(), (ys + glyph.y).tolist(), strict=True))


def _ligature(left: Glyph, right: Glyph) -> tuple[float, float, float, float, float]:
    """The shortest stroke from ``left``'s ink to ``right``'s, as ``Glyph.ligature``; as wide
    as the pen (twice the mean depth of the ink below its edge)."""
    ink = (left.coverage > 0.5).astype(np.uint8)
    width = max(1.0, 2 * float(cv2.distanceTransform(ink, cv2.DIST_L2, 3)[ink > 0].mean()))
    ours = np.array(sorted(_ink_points(left, 0.5)), np.float32)
    theirs = np.array(sorted(_ink_points(right, 0.5)), np.float32)
    ours = ours[ours[:, 0] >= ours[:, 0].max() - 0.5 * np.ptp(ours[:, 0])][::3]
    theirs = theirs[theirs[:, 0] <= theirs[:, 0].min() + 0.5 * np.ptp(theirs[:, 0])][::3]
    distances = np.linalg.norm(ours[:, None, :] - theirs[None, :, :], axis=2)
    a, b = np.unravel_index(int(np.argmin(distances)), distances.shape)
    start, end = ours[a] - (right.x, right.y), theirs[b] - (right.x, right.y)
    return float(start[0]), float(start[1]), float(end[0]), float(end[1]), width


def _edges(coverage: np.ndarray, top: int, last: bool) -> dict[int, int]:
    """Per picture row holding ink: the column of the row's last (or first) ink pixel."""
    ink = coverage > 0.5
    found = {}
    for index in np.flatnonzero(ink.any(axis=1)):
        columns = np.flatnonzero(ink[index])
        found[top + int(index)] = int(columns[-1] if last else columns[0])
    return found


def _fitted(
    glyphs: list[Glyph],
    baselines: list[float],
    region: Rect,
    *,
    height: float,
    plan: Plan,
    cell_units: float,
    touching: tuple[int, int] | None,
    rng: np.random.Generator,
) -> Layout:
    """Rows aligned (left or centred), then the whole block moved to a random place in
    ``region``; rows are aligned by their ink."""
    row_extents: dict[int, tuple[float, float]] = {}
    for glyph in glyphs:
        x0, _, x1, _ = glyph.box
        low, high = row_extents.get(glyph.row, (x0, x1))
        row_extents[glyph.row] = (min(low, x0), max(high, x1))
    widest = max(high - low for low, high in row_extents.values())
    shifts = {}
    for row, (low, high) in row_extents.items():
        slack = widest - (high - low)
        jitter = rng.uniform(-0.3, 0.3) * DIGIT_WIDTH * height
        offset = slack / 2 if plan.centred_rows else max(0.0, jitter)
        shifts[row] = round(offset) if cell_units else round(offset - low)
    moved = [replace(g, x=g.x + shifts[g.row]) for g in glyphs]
    boxes = np.array([g.box for g in moved])
    left, top = boxes[:, :2].min(axis=0)
    right, bottom = boxes[:, 2:].max(axis=0)
    x0, y0, x1, y1 = region
    dx = _place(x0, x1, right - left, rng) - left
    dy = _place(y0, y1, bottom - top, rng) - top
    final = tuple(replace(g, x=g.x + dx, y=g.y + dy) for g in moved)
    return Layout(
        glyphs=final,
        digit_height=height,
        baselines=tuple(b + dy for b in baselines),
        row_pitch=plan.row_pitch * height,
        cell=cell_units * height,
        cell_starts=tuple(float(shifts[row] + dx) for row in range(len(baselines))),
        touching=touching,
    )


def _place(low: int, high: int, extent: int, rng: np.random.Generator) -> int:
    """A start in [low, high - extent], centred when the block is as big as the room."""
    room = high - low - extent
    return int(low + (rng.uniform(0.04, 0.96) * room if room > 0 else room / 2))
