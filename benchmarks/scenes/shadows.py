"""Shadows cast on the paper: hard-edged polygons, a phone's and a hand's silhouette, soft ones.

A shadow is a map of the light that still reaches the paper, float32 (H, W) in (0, 1], drawn in
the paper's plane (the camera's perspective then bends it with the page). Its darkness is the
ambient share of the light; its edge is as sharp as the light source is small.
"""

from __future__ import annotations

import cv2
import numpy as np

SHADOWS = ("none", "hard", "phone", "hand", "soft")

SUBPIXEL_BITS = 4


def shadow_map(kind: str, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """The light left on the paper under a shadow of ``kind`` (``"none"``: all ones)."""
    width, height = size
    if kind == "none":
        return np.ones((height, width), np.float32)
    if kind == "soft":
        return _soft(size, rng)
    polygons = {"hard": _hard_polygon, "phone": _phone, "hand": _hand}[kind](size, rng)
    mask = np.zeros((height, width), np.uint8)
    scale = 1 << SUBPIXEL_BITS
    for polygon in polygons:  # one by one: OpenCV leaves the overlap of two polygons empty
        points = np.round(polygon * scale).astype(np.int32)
        cv2.fillPoly(mask, [points], 255, cv2.LINE_AA, SUBPIXEL_BITS)
    edge = rng.uniform(0.6, 2.5) if kind == "hard" else rng.uniform(1.5, 0.012 * width)
    shade = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), edge)
    ambient = rng.uniform(0.35, 0.72)
    return (1 - (1 - ambient) * shade).astype(np.float32)


def _hard_polygon(size: tuple[int, int], rng: np.random.Generator) -> list[np.ndarray]:
    """A straight-edged shadow (a window frame, a box, a book) over 15-60% of the sheet."""
    width, height = size
    for _ in range(50):
        points = rng.uniform(-0.4, 1.4, (rng.integers(3, 7), 2)) * (width, height)
        hull = cv2.convexHull(points.astype(np.float32))[:, 0, :]
        clipped, _ = cv2.intersectConvexConvex(
            hull, np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
        )
        if 0.15 <= clipped / (width * height) <= 0.6:
            return [hull]
    return [np.array([[0, 0], [width * 0.5, 0], [width * 0.3, height], [0, height]], np.float32)]


def _phone(size: tuple[int, int], rng: np.random.Generator) -> list[np.ndarray]:
    """A phone held over the page: its rounded body, the fingers round it and the arm."""
    body = _rounded_rectangle(1.0, 2.0, 0.15)
    arm = np.array([[-0.35, 0.9], [0.35, 0.9], [0.45, 6.0], [-0.45, 6.0]], np.float32)
    fingers = [_ellipse(side * 0.55, y, 0.14, 0.09) for side in (-1, 1) for y in (0.2, 0.45, 0.7)]
    parts = [body, arm, *fingers[: rng.integers(2, 7)]]
    return _placed(parts, size, rng.uniform(0.18, 0.32), rng)


def _hand(size: tuple[int, int], rng: np.random.Generator) -> list[np.ndarray]:
    """An open hand reaching in from an edge: palm, four fingers, thumb and arm."""
    parts = [
        _ellipse(0, 0, 0.5, 0.58),
        np.array([[-0.4, 0.3], [0.4, 0.3], [0.5, 6], [-0.5, 6]], np.float32),
    ]
    spread = rng.uniform(0.0, 0.25)
    for index, x in enumerate((-0.36, -0.12, 0.12, 0.36)):
        length = (0.75, 0.95, 1.0, 0.8)[index] * rng.uniform(0.85, 1.1)
        angle = (index - 1.5) * spread
        tip = np.array([x + np.sin(angle) * length, -0.45 - np.cos(angle) * length], np.float32)
        parts.append(_capsule(np.array([x, -0.35], np.float32), tip, 0.1))
    thumb_angle = rng.uniform(0.6, 1.2)
    thumb_tip = np.array(
        [0.45 + 0.7 * np.sin(thumb_angle), 0.1 - 0.7 * np.cos(thumb_angle)], np.float32
    )
    parts.append(_capsule(np.array([0.35, 0.2], np.float32), thumb_tip, 0.12))
    if rng.random() < 0.5:
        parts = [part * np.array([-1, 1], np.float32) for part in parts]
    return _placed(parts, size, rng.uniform(0.22, 0.42), rng)


def _soft(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A blurred shadow (a person, a lamp's shade): a wide shape with a wide penumbra."""
    width, height = size
    small = (max(8, width // 8), max(8, height // 8))
    mask: np.ndarray = np.zeros((small[1], small[0]), np.float32)
    centre = rng.uniform(-0.2, 1.2, 2) * small
    axes = rng.uniform(0.3, 0.8, 2) * small
    cv2.ellipse(
        mask,
        (int(centre[0]), int(centre[1])),
        (int(axes[0]), int(axes[1])),
        float(rng.uniform(0, 180)),
        0,
        360,
        1.0,
        -1,
    )
    mask = cv2.GaussianBlur(mask, (0, 0), min(small) * rng.uniform(0.06, 0.18))
    shade = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)
    ambient = rng.uniform(0.45, 0.8)
    return (1 - (1 - ambient) * shade).astype(np.float32)


def _placed(
    parts: list[np.ndarray], size: tuple[int, int], scale: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """Shapes drawn with their arm along local +y, turned so the arm leaves the page by an edge."""
    width, height = size
    edge = rng.choice(4, p=[0.45, 0.25, 0.2, 0.1])
    outward = {0: (0, 1), 1: (1, 0), 2: (-1, 0), 3: (0, -1)}[int(edge)]
    angle = np.arctan2(outward[0], outward[1]) + rng.uniform(-0.45, 0.45)
    along = rng.uniform(0.2, 0.8)
    depth = rng.uniform(0.1, 0.45)
    anchor = {
        0: (along * width, height * (1 - depth)),
        1: (width * (1 - depth), along * height),
        2: (width * depth, along * height),
        3: (along * width, height * depth),
    }[int(edge)]
    unit = scale * min(width, height)
    turn = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]], np.float32)
    return [(part @ turn.T) * unit + np.array(anchor, np.float32) for part in parts]


def _ellipse(cx: float, cy: float, rx: float, ry: float, points: int = 36) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, points, endpoint=False)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1).astype(np.float32)


def _capsule(start: np.ndarray, end: np.ndarray, radius: float) -> np.ndarray:
    """A finger: the convex hull of two discs."""
    ends = [_ellipse(float(x), float(y), radius, radius) for x, y in (start, end)]
    discs = np.concatenate(ends)
    return cv2.convexHull(discs)[:, 0, :]


def _rounded_rectangle(width: float, height: float, radius: float) -> np.ndarray:
    corners = [
        (sx * (width / 2 - radius), sy * (height / 2 - radius))
        for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
    ]
    discs = np.concatenate([_ellipse(x, y, radius, radius) for x, y in corners])
    return cv2.convexHull(discs)[:, 0, :]
