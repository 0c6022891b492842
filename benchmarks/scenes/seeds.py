"""Which seed is for development and which for evaluation, and how a scene gets its randomness."""

from __future__ import annotations

import zlib

import numpy as np

DEV_SEED = 1
"""For development: look at these scenes, debug and tune on them."""

EVAL_SEED = 20261130
"""For reporting and for the tests' floors: never tuned on, never inspected to choose a fix."""


def scene_rng(seed: int, condition: str, index: int, stream: int) -> np.random.Generator:
    """An independent generator for one scene of one condition.

    ``stream`` 0 draws the scene's high-level choices (its spec), stream 1 the details drawn
    while composing it; overriding a choice in a spec therefore never shifts the details.
    CRC-32 of the name keeps the stream stable across Python runs (``hash`` is salted).
    """
    return np.random.default_rng([seed, zlib.crc32(condition.encode()), index, stream])


def uses_development_digits(seed: int) -> bool:
    """Only the development seed draws from the first half of the MNIST test set."""
    return seed == DEV_SEED
