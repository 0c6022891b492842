"""Digits written in styles MNIST (American schoolchildren and clerks, 1990) hardly holds.

People elsewhere write a 1 with a long up-stroke (read as 7 without this), a 1 with a serif and
foot, a crossed 7, and a 4 in two strokes, open at the top or closed. These are made from MNIST
**train** digits with strokes added at the digit's own stroke width, or, for the 4 (whose
strokes cannot be told apart in a scan), drawn as two strokes. Plain MNIST digits are rendered
too, so that "rendered by the recognizer" is never itself a sign of "not a digit".
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from training.crops import draw_polyline, render, schedule, stroke_width, upscaled

Generator = np.random.Generator

PAD = 40
"""Room (px, at the upscaled size) around an MNIST digit for the strokes added to it."""

HEIGHT = 80.0
"""A drawn digit's height in px: MNIST's 20 px box at the upscaled size."""


@dataclass(frozen=True)
class Styled:
    """Rendered digits (N, 28, 28) uint8, their labels (N,) and style index (N,) into STYLES."""

    images: np.ndarray
    labels: np.ndarray
    styles: np.ndarray


def _padded(digit: np.ndarray) -> np.ndarray:
    ink = upscaled(digit)
    return np.pad(ink, PAD)


class _Extent(NamedTuple):
    """Top row, bottom row and the middle column of the ink's top and bottom few rows (px)."""

    top: int
    bottom: int
    top_x: float
    bottom_x: float

    @property
    def height(self) -> int:
        return self.bottom - self.top


def _extent(ink: np.ndarray) -> _Extent | None:
    rows = np.flatnonzero((ink >= 0.5).any(axis=1))
    if rows.size < 2:
        return None
    top, bottom = int(rows[0]), int(rows[-1])
    band = max(2, (bottom - top) // 12)
    top_x = float(np.flatnonzero((ink[top : top + band] >= 0.5).any(axis=0)).mean())
    foot = ink[bottom - band + 1 : bottom + 1] >= 0.5
    bottom_x = float(np.flatnonzero(foot.any(axis=0)).mean())
    return _Extent(top, bottom, top_x, bottom_x)


def _width(ink: np.ndarray, rng: Generator) -> float:
    """The digit's own stroke width, a little varied, within what a pen gives at this size."""
    return float(np.clip(stroke_width(ink) * rng.uniform(0.85, 1.1), 5.0, 14.0))


Make = Callable[[np.ndarray, Generator], np.ndarray | None]
"""A style: an MNIST digit (28, 28) uint8 to large float ink, or None where it cannot apply."""


def _strokes_added(add: Callable[[np.ndarray, _Extent, Generator], bool]) -> Make:
    """A style that draws ``add``'s strokes onto the digit, upscaled and padded for room; None
    for a digit without ink, or where ``add`` (returning False) finds no place for them."""

    @functools.wraps(add)
    def make(digit: np.ndarray, rng: Generator) -> np.ndarray | None:
        ink = _padded(digit)
        extent = _extent(ink)
        if extent is None or not add(ink, extent, rng):
            return None
        return ink

    return make


@_strokes_added
def continental_one(ink: np.ndarray, extent: _Extent, rng: Generator) -> bool:
    """A 1 with a long up-stroke: from low on the left up to the top of the stem."""
    top, top_x, height = extent.top, extent.top_x, extent.height
    start = (top_x - rng.uniform(0.22, 0.5) * height, top + rng.uniform(0.2, 0.5) * height)
    bend = rng.uniform(-0.06, 0.06) * height
    middle = ((start[0] + top_x) / 2 + bend, (start[1] + top) / 2 - abs(bend))
    draw_polyline(ink, np.array([start, middle, (top_x, top)]), _width(ink, rng))
    return True


@_strokes_added
def serif_one(ink: np.ndarray, extent: _Extent, rng: Generator) -> bool:
    """A 1 with a short flag and, mostly, a foot."""
    top, bottom, top_x, bottom_x = extent
    height = extent.height
    width = _width(ink, rng)
    flag = (top_x - rng.uniform(0.1, 0.22) * height, top + rng.uniform(0.08, 0.2) * height)
    draw_polyline(ink, np.array([flag, (top_x, top)]), width)
    if rng.random() < 0.7:
        reach = rng.uniform(0.15, 0.35) * height
        tilt = rng.uniform(-0.04, 0.04) * height
        foot = np.array([(bottom_x - reach, bottom - tilt), (bottom_x + reach, bottom + tilt)])
        draw_polyline(ink, foot, width)
    return True


@_strokes_added
def crossed_seven(ink: np.ndarray, extent: _Extent, rng: Generator) -> bool:
    """A 7 with a bar across its stem, a little below the middle."""
    height = extent.height
    row = round(extent.top + rng.uniform(0.45, 0.62) * height)
    columns = np.flatnonzero(ink[row] >= 0.5)
    if columns.size == 0:
        return False
    centre = float(columns.mean())
    reach = rng.uniform(0.13, 0.28) * height
    tilt = rng.uniform(-0.05, 0.05) * height
    bar = np.array([(centre - reach, row + tilt), (centre + reach * 1.1, row - tilt)])
    draw_polyline(ink, bar, _width(ink, rng))
    return True


def four_strokes(rng: Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """A 4 as people write it in two strokes: the bent left stroke and the stem, as points.

    Open (left stroke and stem parallel at the top) or closed (the left stroke starts at the
    stem's top); the cross bar may stop short of the stem, reach it or cross it. Returns the
    two strokes' points (x, y px, on a canvas of ``HEIGHT`` plus margins) and a stroke width.
    """
    h = HEIGHT
    stem_x = rng.uniform(0.45, 0.72) * h
    stem_top = rng.uniform(0.0, 0.2) * h
    corner = (rng.uniform(-0.05, 0.2) * h, rng.uniform(0.45, 0.7) * h)
    if rng.random() < 0.3:
        start = (stem_x, stem_top)
    else:
        start = (rng.uniform(0.0, 0.35) * h, rng.uniform(0.0, 0.15) * h)
    end = (stem_x + rng.uniform(-0.12, 0.3) * h, corner[1] + rng.uniform(-0.06, 0.06) * h)
    left = np.array([start, corner, end])
    stem = np.array([(stem_x, stem_top), (stem_x + rng.uniform(-0.05, 0.05) * h, h)])
    slant = rng.uniform(-0.1, 0.3)
    margin = h / 2
    strokes = [_wobbly(points, rng) for points in (left, stem)]
    for points in strokes:
        points[:, 0] += slant * (h - points[:, 1]) + margin
        points[:, 1] += margin
    return strokes[0], strokes[1], rng.uniform(6.0, 11.0)


def _wobbly(points: np.ndarray, rng: Generator) -> np.ndarray:
    """Each segment cut in four and its inner points nudged: a hand never draws straight."""
    pieces = [points[:1]]
    for start, end in itertools.pairwise(points):
        steps = np.linspace(0.0, 1.0, 5)[1:, None]
        segment = start + steps * (end - start)
        segment[:-1] += rng.normal(0.0, 1.2, (3, 2))
        pieces.append(segment)
    return np.concatenate(pieces).astype(np.float64)


def stroked_four(digit: np.ndarray, rng: Generator) -> np.ndarray:
    """Both strokes of a drawn 4 as ink (``digit`` is not used: no MNIST 4 is split in two)."""
    del digit
    left, stem, width = four_strokes(rng)
    ink = np.zeros((round(2 * HEIGHT), round(2 * HEIGHT)), np.float32)
    draw_polyline(ink, left, width)
    draw_polyline(ink, stem, width)
    return ink


def plain(digit: np.ndarray, rng: Generator) -> np.ndarray:
    """An MNIST digit as it is, only drawn large (then rendered like a photo's crop)."""
    del rng
    return upscaled(digit)


@dataclass(frozen=True)
class Style:
    name: str
    share: float
    """Of the styled digits."""
    source: int | None
    """The MNIST digit it is made from; None: any."""
    label: int | None
    """What it reads as; None: the source digit's own label."""
    make: Make


STYLES = (
    Style("continental_one", 0.30, 1, 1, continental_one),
    Style("serif_one", 0.12, 1, 1, serif_one),
    Style("crossed_seven", 0.18, 7, 7, crossed_seven),
    Style("stroked_four", 0.15, None, 4, stroked_four),
    Style("plain", 0.25, None, None, plain),
)


def _one(
    style: Style, digits: np.ndarray, labels: np.ndarray, rng: Generator
) -> tuple[np.ndarray, int]:
    """One rendered digit of ``style`` and its label; drawn again until it renders."""
    pool = np.flatnonzero(labels == style.source) if style.source is not None else None
    while True:
        index = int(rng.choice(pool)) if pool is not None else int(rng.integers(len(labels)))
        ink = style.make(digits[index], rng)
        image = render(ink) if ink is not None else None
        if image is not None:
            label = style.label if style.label is not None else int(labels[index])
            return image, label


def make_styled(digits: np.ndarray, labels: np.ndarray, count: int, rng: Generator) -> Styled:
    """``count`` rendered digits in the styles above, from MNIST **train** ``digits`` (N, 28, 28)
    uint8 with their ``labels``; the same generator state gives the same digits."""
    chosen = schedule(np.array([style.share for style in STYLES]), count, rng)
    images = np.zeros((count, 28, 28), np.uint8)
    made = np.zeros(count, np.int64)
    for index, style in enumerate(chosen):
        images[index], made[index] = _one(STYLES[style], digits, labels, rng)
    return Styled(images, made, chosen)
