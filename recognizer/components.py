"""Connected components of a binary image, labelled the fast way: the ink stage, the paper
estimate and the single-digit layout all label pieces of ink, several times a photo; how thick
a piece of ink is, whether it is a speck and whether it closes a loop around other ink."""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.config import LINE_STROKE_MARGIN, MIN_COMPONENT_FRACTION, MIN_STROKE_REACH
from recognizer.percentiles import percentiles

Components = tuple[int, np.ndarray, np.ndarray, np.ndarray]
"""cv2.connectedComponentsWithStats: count, labels (H, W), stats (count, 5), centroids."""


def components(image: np.ndarray) -> Components:
    """8-connected components of a uint8 (H, W) image; 16-bit labels (about three times faster
    than 32-bit) wherever they cannot overflow."""
    height, width = image.shape
    most = ((height + 1) // 2) * ((width + 1) // 2) + 1
    label_type = cv2.CV_16U if most < np.iinfo(np.uint16).max else cv2.CV_32S
    return cv2.connectedComponentsWithStats(image, connectivity=8, ltype=label_type)


def thickness(mask: np.ndarray) -> float:
    """How thick the ink of uint8 (H, W) ``mask`` (nonzero: ink) is, in px: twice the 95th
    percentile of its pixels' distance to the paper (a stroke's width, a shadow's breadth, a
    printed line's thickness); ``mask`` holds ink."""
    inside = cv2.distanceTransform(np.pad(mask, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
    return 2 * float(percentiles(inside[mask > 0], (95,))[0])


def as_thin_as(stats: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """bool (count,): which components (cv2 statistics ``stats``) are no thicker than the
    printed lines ``lines`` (bool (H, W), not empty) by more than LINE_STROKE_MARGIN: their
    area over the length of their box's diagonal, the most a straight piece can be long."""
    width, height, area = (stats[:, k].astype(np.float64) for k in (2, 3, 4))
    most = thickness(lines.astype(np.uint8)) + LINE_STROKE_MARGIN
    thin: np.ndarray = area <= most * np.hypot(width, height)
    return thin


def is_speck(stat: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Dust, noise or grain: little ink that reaches nowhere.

    Judged by area and by reach: a thin stroke in a big photo has little area but is long.
    """
    height, width = shape
    reach = np.maximum(stat[..., cv2.CC_STAT_WIDTH], stat[..., cv2.CC_STAT_HEIGHT])
    small = stat[..., cv2.CC_STAT_AREA] < MIN_COMPONENT_FRACTION * height * width
    speck: np.ndarray = small & (reach < MIN_STROKE_REACH * max(height, width))
    return speck


def boxes_inside(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """bool (N, M): whether each of the ``inner`` boxes lies strictly inside each of the
    ``outer`` ones (cv2 statistics rows, (N, 4+) and (M, 4+): x, y, width, height first), the
    first test of an outline drawn around other ink."""
    x, y, w, h = (outer[:, k, None].astype(np.int64) for k in range(4))
    u, v, s, t = (inner[None, :, k].astype(np.int64) for k in range(4))
    inside: np.ndarray = (u > x) & (v > y) & (u + s < x + w) & (v + t < y + h)
    return inside


def holds(labels: np.ndarray, label: int, stat: np.ndarray, points: np.ndarray) -> bool:
    """Whether component ``label`` closes a loop (a hole: background it surrounds) around any
    of ``points`` ((N, 2) x, y in the image)."""
    x, y, w, h = (int(v) for v in stat[:4])
    ring = (labels[y : y + h, x : x + w] == label).astype(np.uint8)
    outside = np.pad(1 - ring, 1, constant_values=1)
    cv2.floodFill(outside, None, (0, 0), 2)
    hole = outside[1:-1, 1:-1] == 1
    return bool(hole[points[:, 1] - y, points[:, 0] - x].any())
