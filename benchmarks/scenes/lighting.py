"""The light on the scene as the camera saw it: exposure, uneven light, colour casts, flash.

A gain map, float32 (H, W, 3), multiplies the scene; it is smooth, so it is drawn small and
scaled up. The camera's white balance never quite undoes a lamp's colour, so a cast remains.
"""

from __future__ import annotations

import cv2
import numpy as np

PATTERNS = ("even", "uneven", "vignette", "flash")
CASTS = {
    "neutral": (1.0, 1.0, 1.0),
    "warm": (1.06, 0.98, 0.82),
    "cool": (0.9, 0.98, 1.08),
}
"""RGB gains of a lamp's colour left over after white balance."""


def gain_map(
    pattern: str, cast: str, size: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """The multiplicative light over an image of ``size`` (width, height)."""
    width, height = size
    small = (max(8, width // 16), max(8, height // 16))
    ys, xs = np.mgrid[0 : small[1], 0 : small[0]].astype(np.float32)
    xs, ys = xs / small[0] - 0.5, ys / small[1] - 0.5
    exposure = rng.uniform(0.82, 1.08)
    light = np.full(xs.shape, exposure, np.float32)
    if pattern == "uneven":
        direction = rng.normal(0, 1, 2)
        light *= 1 + rng.uniform(0.15, 0.45) * (direction[0] * xs + direction[1] * ys)
    elif pattern == "vignette":
        light *= 1 - rng.uniform(0.2, 0.5) * (xs**2 + ys**2) * 2
    elif pattern == "flash":
        centre = rng.normal(0, 0.12, 2)
        spread = rng.uniform(0.08, 0.2)
        spot = np.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2 * spread**2))
        light *= 0.8 + rng.uniform(0.25, 0.55) * spot
    tint = np.array(CASTS[cast], np.float32) * rng.uniform(0.97, 1.03, 3).astype(np.float32)
    gains = np.clip(light, 0.25, 2.0)[..., None] * tint[None, None, :]
    return cv2.resize(gains, size, interpolation=cv2.INTER_CUBIC)


def expose(scene: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """The light on a float32 RGB scene in [0, 1], as the sensor's uint8 RGB."""
    lit = cv2.multiply(scene, gains, scale=255.0)
    return np.clip(lit + 0.5, 0, 255, out=lit).astype(np.uint8)
