"""Percentiles of small samples, as ``np.percentile`` computes them but without its overhead.

The segmentation renders a few dozen candidate glyphs per photo and the shade check measures
every tall piece; for samples of a few hundred values, ``np.percentile``'s argument handling
costs several times the partial sort itself.
"""

from __future__ import annotations

import numpy as np


def percentiles(values: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """(len(qs),): the ``qs`` percentiles (0-100) of the non-empty 1-D ``values``, by
    linear interpolation between the closest ranks (numpy's default method, same results)."""
    ranks = np.asarray(qs, np.float64) / 100 * (values.size - 1)
    below = np.floor(ranks).astype(np.intp)
    above = np.minimum(below + 1, values.size - 1)
    ordered = np.partition(values, np.unique(np.concatenate([below, above])))
    low, high = ordered[below], ordered[above]
    weight = ranks - below
    # numpy's own rounding: from the nearer rank of the two.
    return np.where(weight < 0.5, low + (high - low) * weight, high - (high - low) * (1 - weight))
