"""A glyph's pen path: the centre lines of its strokes, so any pen can write it again.

MNIST digits and font glyphs come with the stroke width of whoever made them; thinning them to
their skeleton (Zhang and Suen's thinning) and joining neighbouring skeleton pixels gives line
segments that a pen of any width then draws (``inks.shape_glyph``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SKELETON_HEIGHT = 64
"""Glyphs are thinned at this height in pixels: twice MNIST's, enough for a smooth path."""

INK_LEVEL = 0.4
"""Coverage from which a source pixel is part of a stroke before thinning."""

SMOOTHING_PASSES = 3

FORWARD = ((0, 1), (1, 0), (1, 1), (1, -1))
"""(dy, dx) to the neighbours each skeleton pixel joins, so every pair is joined once."""


@dataclass(frozen=True)
class Strokes:
    """Line segments (M, 2, 2) of (x, y) points; y runs 0 (top) to 1 (bottom) of the ink and
    x from 0 to ``aspect`` in the same unit (the glyph's height)."""

    segments: np.ndarray
    aspect: float


def strokes_of(coverage: np.ndarray) -> Strokes:
    """The pen path of a coverage crop (float, 1 = ink), cut tight to its ink."""
    height = SKELETON_HEIGHT
    width = max(1, round(coverage.shape[1] * height / coverage.shape[0]))
    big = cv2.resize(coverage.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    skeleton = thin(np.pad(big > INK_LEVEL, 2))
    ys, xs = np.nonzero(skeleton)
    index = np.full(skeleton.shape, -1, np.int64)
    index[ys, xs] = np.arange(len(ys))
    padded = np.pad(index, 1, constant_values=-1)
    rows, columns = skeleton.shape
    pairs = []
    for dy, dx in FORWARD:
        neighbour = padded[1 + dy : 1 + dy + rows, 1 + dx : 1 + dx + columns][ys, xs]
        joined = neighbour >= 0
        pairs.append(np.stack([np.flatnonzero(joined), neighbour[joined]], 1))
    pairs.append(np.stack([np.arange(len(ys))] * 2, 1))
    links = np.concatenate(pairs)
    points = _smoothed(np.stack([xs, ys], 1).astype(np.float32), links)
    found = points[links]
    low = found.reshape(-1, 2).min(axis=0)
    span = max(1.0, float(np.ptp(found[..., 1])))
    normalised = (found - low) / span
    return Strokes(normalised, float(normalised[..., 0].max()))


def _smoothed(points: np.ndarray, links: np.ndarray) -> np.ndarray:
    """Skeleton pixels moved towards their neighbours' mean (ends and forks stay): the pixel
    grid's staircase would otherwise show as a wobble when a pen writes the path large."""
    distinct = links[links[:, 0] != links[:, 1]]
    degree = np.bincount(distinct.ravel(), minlength=len(points))
    inner = degree == 2
    for _ in range(SMOOTHING_PASSES):
        total = np.zeros_like(points)
        np.add.at(total, distinct[:, 0], points[distinct[:, 1]])
        np.add.at(total, distinct[:, 1], points[distinct[:, 0]])
        points = np.where(inner[:, None], (points + total) / 3, points)
    return points


def thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a bool mask to one-pixel-wide lines (bool, same shape)."""
    image = np.pad(mask.astype(np.uint8), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = image
            centre = p[1:-1, 1:-1]
            n2, n3, n4, n5 = p[:-2, 1:-1], p[:-2, 2:], p[1:-1, 2:], p[2:, 2:]
            n6, n7, n8, n9 = p[2:, 1:-1], p[2:, :-2], p[1:-1, :-2], p[:-2, :-2]
            ring = (n2, n3, n4, n5, n6, n7, n8, n9, n2)
            count = sum(ring[:8])
            transitions = sum((ring[i] == 0) & (ring[i + 1] == 1) for i in range(8))
            if step == 0:
                sides = (n2 * n4 * n6 == 0) & (n4 * n6 * n8 == 0)
            else:
                sides = (n2 * n4 * n8 == 0) & (n2 * n6 * n8 == 0)
            remove = (centre == 1) & (count >= 2) & (count <= 6) & (transitions == 1) & sides
            if remove.any():
                centre[remove] = 0
                changed = True
        if not changed:
            return image[1:-1, 1:-1].astype(bool)
