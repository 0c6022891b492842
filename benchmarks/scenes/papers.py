"""What the digits are written on, and the desk around it.

Papers: plain white, recycled (grey-beige with flecks), squared, ruled, dotted, a yellow sticky
note and a whiteboard (with the ghosts of erased writing). The sheet may not fill the picture:
the desk shows beyond its edges. Printed rulings are drawn in the paper's own plane, so the
camera's perspective bends them like the digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from benchmarks.scenes.grain import white_noise

PAPERS = ("white", "recycled", "squared", "ruled", "dotted", "sticky-note", "whiteboard")

Rect = tuple[int, int, int, int]
"""(x0, y0, x1, y1) in pixels, x1 and y1 excluded."""


@dataclass(frozen=True)
class Guide:
    """Where the writing is, so that rulings run the way a person would have written on them."""

    digit_height: float
    baselines: tuple[float, ...]
    row_pitch: float


def sheet_rect(kind: str, size: tuple[int, int], rng: np.random.Generator) -> Rect:
    """The sheet's rectangle in the paper plane; the desk shows outside it."""
    width, height = size
    if kind == "sticky-note":
        side = int(min(width, height) * rng.uniform(0.6, 0.92))
        x0 = int(rng.uniform(0, width - side))
        y0 = int(rng.uniform(0, height - side))
        return x0, y0, x0 + side, y0 + side
    if kind == "whiteboard" or rng.random() < 0.55:
        return 0, 0, width, height
    margins = [0.0, 0.0, 0.0, 0.0]
    for side in rng.choice(4, size=rng.integers(1, 3), replace=False):
        margins[side] = rng.uniform(0.03, 0.14)
    return (
        int(margins[0] * width),
        int(margins[1] * height),
        int(width * (1 - margins[2])),
        int(height * (1 - margins[3])),
    )


def desk(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A table top: wood, grey laminate, white or dark; float32 RGB (H, W, 3) in [0, 1]."""
    width, height = size
    colour = np.array(
        [(0.55, 0.38, 0.22), (0.42, 0.42, 0.42), (0.82, 0.8, 0.76), (0.16, 0.15, 0.15)][
            rng.integers(4)
        ],
        np.float32,
    ) * rng.uniform(0.8, 1.15)
    small = (max(2, width // 4), max(2, height // 4))
    grain = _smooth_noise(small, (max(2, width // 200), max(2, height // 8)), rng)
    texture = (1 + 0.12 * (grain - 0.5))[..., None] * colour[None, None, :]
    return np.clip(cv2.resize(texture, size, interpolation=cv2.INTER_LINEAR), 0, 1)


def draw_paper(
    kind: str, table: np.ndarray, sheet: Rect, guide: Guide, rng: np.random.Generator
) -> np.ndarray:
    """The paper plane: the sheet with its texture and rulings, pasted on a copy of ``table``
    (``desk``); float32 RGB of the table's size."""
    plane = table.copy()
    x0, y0, x1, y1 = sheet
    surface = _surface(kind, (x1 - x0, y1 - y0), rng)
    ruling = _ruling(kind, (x1 - x0, y1 - y0), (x0, y0), guide, rng)
    if ruling is not None:
        coverage, colour = ruling
        surface *= 1 - coverage[..., None] * (1 - colour)
    if kind == "sticky-note":
        _drop_shadow(plane, sheet, rng)
    plane[y0:y1, x0:x1] = surface
    return plane


def _surface(kind: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    width, height = size
    base = {
        "recycled": np.array([0.84, 0.81, 0.74]) * rng.uniform(0.88, 1.02),
        "sticky-note": np.array([0.99, 0.9, rng.uniform(0.35, 0.55)]),
        "whiteboard": np.array([0.92, 0.94, 0.96]) * rng.uniform(0.95, 1.03),
    }.get(kind, np.array([0.96, 0.96, 0.95]) + rng.uniform(-0.03, 0.02, 3))
    fibres = _smooth_noise(size, (max(2, width // 6), max(2, height // 6)), rng)
    fine = white_noise((height, width), rng)
    strength = 0.05 if kind == "recycled" else 0.02
    texture = 1 + strength * (fibres - 0.5) + 0.006 * fine
    surface = np.clip(base.astype(np.float32)[None, None] * texture[..., None], 0, 1)
    if kind == "recycled":
        _flecks(surface, rng)
    if kind == "whiteboard":
        _ghosts(surface, rng)
    return surface.astype(np.float32)


def _ruling(
    kind: str,
    size: tuple[int, int],
    origin: tuple[int, int],
    guide: Guide,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Printed lines or dots as coverage, and their RGB colour; None for plain surfaces."""
    if kind not in ("squared", "ruled", "dotted"):
        return None
    width, height = size
    mask = np.zeros((height, width), np.uint8)
    pitch = guide.digit_height * rng.uniform(0.45, 1.3)
    thickness = max(1, round(pitch * rng.uniform(0.01, 0.03)))
    if kind == "ruled":
        pitch = guide.row_pitch
        first = guide.baselines[0] - origin[1] + guide.digit_height * rng.uniform(-0.02, 0.1)
        for y in np.arange(first % pitch, height, pitch):
            _fine_line(mask, (0, y), (width, y), thickness)
    elif kind == "squared":
        phase = rng.uniform(0, pitch, 2)
        for x in np.arange(phase[0], width, pitch):
            _fine_line(mask, (x, 0), (x, height), thickness)
        for y in np.arange(phase[1], height, pitch):
            _fine_line(mask, (0, y), (width, y), thickness)
    else:
        radius = max(1, round(pitch * rng.uniform(0.02, 0.04)))
        phase = rng.uniform(0, pitch, 2)
        for x in np.arange(phase[0], width, pitch):
            for y in np.arange(phase[1], height, pitch):
                centre = (round(x * _SUBPIXEL), round(y * _SUBPIXEL))
                radius_fixed = radius * _SUBPIXEL
                cv2.circle(mask, centre, radius_fixed, 255, -1, cv2.LINE_AA, _SUBPIXEL_BITS)
    colours = [(0.55, 0.7, 0.9), (0.6, 0.6, 0.62), (0.45, 0.6, 0.85), (0.75, 0.75, 0.78)]
    colour = np.array(colours[rng.integers(len(colours))], np.float32)
    strength = rng.uniform(0.6, 1.0)
    return mask.astype(np.float32) / 255 * strength, colour


_SUBPIXEL_BITS = 4
"""OpenCV's fixed-point drawing: coordinates carry this many fractional bits."""
_SUBPIXEL = 1 << _SUBPIXEL_BITS


def _fine_line(
    mask: np.ndarray, start: tuple[float, float], end: tuple[float, float], thickness: int
) -> None:
    """An antialiased line between points placed to a sixteenth of a pixel."""
    ends = [(round(x * _SUBPIXEL), round(y * _SUBPIXEL)) for x, y in (start, end)]
    cv2.line(mask, ends[0], ends[1], 255, thickness, cv2.LINE_AA, _SUBPIXEL_BITS)


def _flecks(surface: np.ndarray, rng: np.random.Generator) -> None:
    """Recycled paper's specks of fibre, each a pixel or two across."""
    height, width = surface.shape[:2]
    for _ in range(int(width * height / 6000)):
        centre = (int(rng.integers(width)), int(rng.integers(height)))
        shade = float(rng.uniform(0.35, 0.8))
        cv2.circle(surface, centre, int(rng.integers(0, 2)), (shade, shade, shade * 0.95), -1)


def _ghosts(surface: np.ndarray, rng: np.random.Generator) -> None:
    """Faint smears where earlier writing was wiped off a whiteboard."""
    height, width = surface.shape[:2]
    smear: np.ndarray = np.zeros((height, width), np.float32)
    for _ in range(rng.integers(2, 7)):
        points = rng.uniform(0, 1, (rng.integers(3, 7), 2)) * (width, height)
        cv2.polylines(
            smear,
            [points.astype(np.int32)],
            False,
            1.0,
            int(max(3, min(width, height) * rng.uniform(0.01, 0.04))),
            cv2.LINE_AA,
        )
    smear = cv2.GaussianBlur(smear, (0, 0), max(3.0, min(width, height) * 0.02))
    surface *= 1 - rng.uniform(0.015, 0.04) * smear[..., None]


def _drop_shadow(plane: np.ndarray, sheet: Rect, rng: np.random.Generator) -> None:
    """A sticky note stands a little off the desk: a soft shadow below and to one side."""
    height, width = plane.shape[:2]
    mask: np.ndarray = np.zeros((height, width), np.float32)
    dx, dy = (int(v) for v in rng.integers(2, 9, 2))
    x0, y0, x1, y1 = sheet
    cv2.rectangle(mask, (x0 + dx, y0 + dy), (x1 + dx, y1 + dy), 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 4)
    plane *= 1 - 0.35 * mask[..., None]


def _smooth_noise(
    size: tuple[int, int], cells: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """Noise in [0, 1] that varies over about ``size / cells`` pixels; float32 (H, W)."""
    coarse = rng.random((cells[1], cells[0]), dtype=np.float32)
    return np.clip(cv2.resize(coarse, size, interpolation=cv2.INTER_CUBIC), 0, 1)
