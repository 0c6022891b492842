"""White noise for sensor noise, paper fibre and pencil grain, cut from one precomputed field.

Drawing a million normal deviates per scene took longer than the rest of the scene; a random
window of a fixed field, randomly flipped, is as random for a picture and costs a slice.
"""

from __future__ import annotations

from functools import cache

import numpy as np

FIELD_SIDE = 1700
"""Larger than any frame's side (``scene.FRAMES``)."""


@cache
def _field() -> np.ndarray:
    field = np.random.default_rng(0).standard_normal((FIELD_SIDE, FIELD_SIDE), dtype=np.float32)
    field.flags.writeable = False
    return field


def white_noise(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Standard normal float32 noise of ``shape`` (rows, columns), read-only.

    Raises ValueError for a shape larger than the field.
    """
    rows, columns = shape
    if rows > FIELD_SIDE or columns > FIELD_SIDE:
        raise ValueError(f"noise of {shape} asked; the field is {FIELD_SIDE} px square")
    top = int(rng.integers(0, FIELD_SIDE - rows + 1))
    left = int(rng.integers(0, FIELD_SIDE - columns + 1))
    window = _field()[top : top + rows, left : left + columns]
    flips = rng.integers(0, 2, 2)
    return window[:: -1 if flips[0] else 1, :: -1 if flips[1] else 1]
