"""Crops that are not a digit, for the model's eleventh class (index 10, "not a digit").

The segmenter asks the model about every piece of ink it might call a digit: a piece of the
paper's printing, the edge of a shadow, a speck, a stroke of a digit written in two, a digit cut
at the wrong place or two digits taken as one. Each kind below draws such a piece as ink
strength and renders it exactly as the recognizer renders a crop (``training.crops.render``).
Fragments and pairs are cut from the digits passed in: MNIST **train** digits for training,
MNIST test digits only for the held-out figure.

A piece that renders as one straight near-vertical stroke is drawn again: it *is* a 1 to anyone
who sees only the crop (a lone grid line, the stem of a 4), so it cannot be taught as not one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from training.crops import UPSCALE, draw_polyline, is_stick, render, schedule, upscaled
from training.styles import four_strokes

Generator = np.random.Generator

_SHEET = 200
"""Side (px) of the patch of printed paper a piece is cut from."""


@dataclass(frozen=True)
class Negatives:
    """Rendered crops (N, 28, 28) uint8, white on black, and each one's kind (index into KINDS)."""

    images: np.ndarray
    kinds: np.ndarray

    def __len__(self) -> int:
        return len(self.kinds)


def _soft(ink: np.ndarray) -> np.ndarray:
    """Printed and photographed edges are never pixel-sharp."""
    return cv2.GaussianBlur(ink, (0, 0), 0.8)


def _window(ink: np.ndarray, height: float, width: float, rng: Generator) -> np.ndarray:
    """A random window of about ``height`` x ``width`` px inside ``ink``."""
    rows, columns = ink.shape
    h = int(np.clip(height, 8, rows))
    w = int(np.clip(width, 8, columns))
    top = int(rng.integers(0, rows - h + 1))
    left = int(rng.integers(0, columns - w + 1))
    return ink[top : top + h, left : left + w]


def _turned(ink: np.ndarray, degrees: float) -> np.ndarray:
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)
    matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    return cv2.warpAffine(ink, matrix, ink.shape[::-1], flags=cv2.INTER_LINEAR)


def _ruling(rng: Generator, spacing: float, across: bool) -> np.ndarray:
    """A sheet of printed lines: horizontal ones, and vertical ones too when ``across``."""
    sheet = np.zeros((_SHEET, _SHEET), np.float32)
    width, strength = rng.uniform(1.0, 4.0), rng.uniform(0.3, 1.0)
    offset = rng.uniform(0, spacing)
    for position in np.arange(offset, _SHEET, spacing):
        draw_polyline(sheet, np.array([(0, position), (_SHEET, position)]), width, strength)
        if across:
            draw_polyline(sheet, np.array([(position, 0), (position, _SHEET)]), width, strength)
    return _soft(_turned(sheet, rng.uniform(-6, 6)))


def grid(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """A piece of squared paper: crossings, T-junctions, a square's sides."""
    spacing = rng.uniform(16, 40)
    sheet = _ruling(rng, spacing, across=True)
    height, width = rng.uniform(0.6, 2.5, 2) * spacing
    return _window(sheet, float(height), float(width), rng)


def ruled(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """A piece of ruled paper: one to three parallel lines."""
    spacing = rng.uniform(18, 45)
    sheet = _ruling(rng, spacing, across=False)
    return _window(sheet, rng.uniform(0.3, 2.6) * spacing, rng.uniform(30, 180), rng)


def dotted(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """Dotted paper or a dotted line: rows of small dots."""
    pitch = rng.uniform(6, 30)
    rows = rng.uniform(14, 40) if rng.random() < 0.5 else pitch
    radius, strength = rng.uniform(1.5, 3.5), rng.uniform(0.4, 1.0)
    sheet = np.zeros((_SHEET, _SHEET), np.float32)
    for y in np.arange(rng.uniform(0, rows), _SHEET, rows):
        for x in np.arange(rng.uniform(0, pitch), _SHEET, pitch):
            cv2.circle(sheet, (round(x), round(y)), round(radius), strength, -1, cv2.LINE_AA)
    sheet = _soft(_turned(sheet, rng.uniform(-6, 6)))
    return _window(sheet, rng.uniform(0.5, 2.5) * rows, rng.uniform(20, 160), rng)


def box_corner(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """The corner of a printed box, sometimes with the side of the next box (a T)."""
    sheet = np.zeros((_SHEET, _SHEET), np.float32)
    width, strength = rng.uniform(1.5, 6.0), rng.uniform(0.4, 1.0)
    centre = _SHEET / 2
    across, down = rng.uniform(20, 90, 2) * rng.choice([-1, 1], 2)
    draw_polyline(
        sheet, np.array([(centre + across, centre), (centre, centre), (centre, centre + down)]),
        width, strength,
    )  # fmt: skip
    if rng.random() < 0.3:
        draw_polyline(sheet, np.array([(centre, centre), (centre - across / 2, centre)]), width)
    return _soft(_turned(sheet, rng.uniform(-8, 8)))


def comb(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """A printed comb field: a base line with short teeth between the digits' cells."""
    sheet = np.zeros((_SHEET, _SHEET), np.float32)
    pitch = rng.uniform(25, 60)
    tooth = rng.uniform(0.2, 0.7) * pitch
    width, strength = rng.uniform(1.5, 5.0), rng.uniform(0.4, 1.0)
    teeth = int(rng.integers(2, 5))
    base = _SHEET * 0.7
    left = (_SHEET - pitch * (teeth - 1)) / 2
    draw_polyline(sheet, np.array([(left, base), (left + pitch * (teeth - 1), base)]), width)
    for index in range(teeth):
        x = left + index * pitch
        draw_polyline(sheet, np.array([(x, base), (x, base - tooth)]), width, strength)
    return _soft(_turned(sheet, rng.uniform(-6, 6)))


def shadow_edge(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """What a shadow's edge leaves after the lighting is flattened: a soft band, or a ramp on
    the shadow's side, straight or gently curved, of uneven strength."""
    side = int(rng.integers(60, 180))
    rows, columns = np.indices((side, side), dtype=np.float32)
    angle = rng.uniform(0, np.pi)
    along = (columns - side / 2) * np.cos(angle) + (rows - side / 2) * np.sin(angle)
    distance = -(columns - side / 2) * np.sin(angle) + (rows - side / 2) * np.cos(angle)
    distance += rng.uniform(-0.004, 0.004) * along**2 + rng.uniform(-0.3, 0.3) * side
    reach = rng.uniform(3, 18)
    if rng.random() < 0.5:
        ink = np.clip(1 - np.abs(distance) / reach, 0, 1)
    else:
        ink = np.where(distance > 0, np.exp(-distance / reach), 0)
    grain = cv2.GaussianBlur(rng.normal(1.0, 0.3, ink.shape).astype(np.float32), (0, 0), 4)
    return (ink * grain * rng.uniform(0.3, 0.9)).astype(np.float32)


def texture(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """Paper texture or noise strong enough to pass the ink threshold in places: blotches."""
    side = int(rng.integers(40, 140))
    field = cv2.GaussianBlur(rng.normal(size=(side, side)).astype(np.float32), (0, 0), 3)
    field = field / (field.std() + 1e-6)
    level = rng.uniform(1.4, 2.4)
    return np.clip((field - level) * rng.uniform(0.3, 1.0), 0, 1).astype(np.float32)


def specks(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """A few specks of dust, grain or a pen's dot."""
    side = int(rng.integers(30, 120))
    ink = np.zeros((side, side), np.float32)
    for _ in range(int(rng.integers(1, 6))):
        centre = (int(rng.integers(0, side)), int(rng.integers(0, side)))
        axes = (int(rng.integers(2, 7)), int(rng.integers(2, 7)))
        angle = float(rng.uniform(0, 180))
        cv2.ellipse(ink, centre, axes, angle, 0, 360, float(rng.uniform(0.4, 1.0)), -1)
    return _soft(ink)


def fragment(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """A half or a corner of a digit: what a cut at the wrong place or a partial find gives."""
    ink = upscaled(digits[rng.integers(len(digits))])
    rows = np.flatnonzero(ink.max(axis=1) >= 0.5)
    columns = np.flatnonzero(ink.max(axis=0) >= 0.5)
    if rows.size < 2 or columns.size < 2:
        return ink[:0, :0]
    top, bottom, left, right = rows[0], rows[-1] + 1, columns[0], columns[-1] + 1
    keep = rng.uniform(0.3, 0.6)
    if rng.random() < 0.7:  # a half: one side of a straight cut
        side = int(rng.integers(4))
        if side < 2:
            cut = round(left + (keep if side == 0 else 1 - keep) * (right - left))
            return ink[:, :cut] if side == 0 else ink[:, cut:]
        cut = round(top + (keep if side == 2 else 1 - keep) * (bottom - top))
        return ink[:cut] if side == 2 else ink[cut:]
    height, width = round(keep * (bottom - top)), round(rng.uniform(0.35, 0.65) * (right - left))
    y = int(rng.integers(top, bottom - height + 1))
    x = int(rng.integers(left, right - width + 1))
    return ink[y : y + height, x : x + width]


def _side_by_side(digits: np.ndarray, rng: Generator, gap: float) -> tuple[np.ndarray, int]:
    """Two digits on one line, ``gap`` px apart (negative: overlapping); returns the ink and
    the column where the first digit's ink ends."""
    first, second = (upscaled(digits[i]) for i in rng.integers(len(digits), size=2))
    inked = [np.flatnonzero(image.max(axis=0) >= 0.5) for image in (first, second)]
    if any(columns.size == 0 for columns in inked):
        return first, first.shape[1]
    end = int(inked[0][-1]) + 1
    offset = round(end + gap - inked[1][0])
    lift = int(rng.integers(-10, 11))
    side = first.shape[0]
    ink = np.zeros((side + 2 * abs(lift), side + max(offset, 0) + side), np.float32)
    ink[abs(lift) : abs(lift) + side, :side] = first
    top = abs(lift) + lift
    placed = ink[top : top + side, max(offset, 0) : max(offset, 0) + side]
    np.maximum(placed, second, out=placed)
    return ink, end


def pair(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """Two digits taken as one: touching, overlapping or close."""
    ink, _ = _side_by_side(digits, rng, rng.uniform(-12, 20))
    return ink


def wrong_cut(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """Two neighbouring digits cut inside one of them: a whole digit plus part of the other."""
    ink, end = _side_by_side(digits, rng, rng.uniform(-8, 12))
    columns = np.flatnonzero(ink.max(axis=0) >= 0.5)
    if columns.size == 0:
        return ink
    left, right = int(columns[0]), int(columns[-1]) + 1
    if rng.random() < 0.5:  # keep the first digit and part of the second
        cut = round(end + rng.uniform(0.25, 0.6) * (right - end))
        return ink[:, :cut]
    cut = round(left + rng.uniform(0.4, 0.75) * (end - left))
    return ink[:, cut:]


def four_stroke(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """The bent left stroke of a 4 written in two strokes, without its stem."""
    left, _, width = four_strokes(rng)
    ink = np.zeros((40 * UPSCALE, 40 * UPSCALE), np.float32)
    draw_polyline(ink, left, width)
    return ink


def five_cap(digits: np.ndarray, rng: Generator) -> np.ndarray:
    """The cap of a 5 written apart from its body: a short, slightly bent bar."""
    length = rng.uniform(22, 60)
    start = np.array([20.0, 40.0])
    end = start + np.array([length, rng.uniform(-0.25, 0.25) * length])
    middle = (start + end) / 2 + np.array([0.0, rng.uniform(-0.12, 0.12) * length])
    points = [start, middle, end]
    if rng.random() < 0.3:  # the pen's landing: a short tail down from the left end
        points.insert(0, start + np.array([rng.uniform(-3, 3), rng.uniform(0.1, 0.25) * length]))
    ink = np.zeros((100, 100), np.float32)
    draw_polyline(ink, np.array(points), rng.uniform(6, 11))
    return ink


Kind = Callable[[np.ndarray, Generator], np.ndarray]

KINDS: tuple[tuple[str, Kind, float], ...] = (
    ("grid", grid, 1.0),
    ("ruled", ruled, 1.0),
    ("dotted", dotted, 0.7),
    ("box_corner", box_corner, 1.0),
    ("comb", comb, 1.0),
    ("shadow_edge", shadow_edge, 1.0),
    ("texture", texture, 0.7),
    ("specks", specks, 0.8),
    ("fragment", fragment, 2.5),
    ("four_stroke", four_stroke, 1.0),
    ("five_cap", five_cap, 1.0),
    ("pair", pair, 2.0),
    ("wrong_cut", wrong_cut, 2.0),
)
"""(name, drawing, share): each drawing takes source digits (N, 28, 28) uint8 and a generator."""


def _one(kind: Kind, digits: np.ndarray, rng: Generator) -> np.ndarray:
    """One rendering of ``kind``, drawn again while it renders as nothing or as a 1."""
    while True:
        image = render(kind(digits, rng))
        if image is not None and not is_stick(image):
            return image


def make_negatives(digits: np.ndarray, count: int, rng: Generator) -> Negatives:
    """``count`` rendered not-a-digit crops, fragments and pairs cut from ``digits``
    (N, 28, 28) uint8; every kind is present once ``count`` reaches the number of kinds, and
    the same generator state gives the same crops."""
    kinds = schedule(np.array([share for _, _, share in KINDS]), count, rng)
    images = np.zeros((count, 28, 28), np.uint8)
    for index, kind in enumerate(kinds):
        images[index] = _one(KINDS[kind][1], digits, rng)
    return Negatives(images, kinds)
