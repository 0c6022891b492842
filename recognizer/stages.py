"""Intermediate images of a reading, collected only when asked for (``--debug DIR``)."""

from __future__ import annotations

import numpy as np

Stages = dict[str, np.ndarray]
"""uint8 images by ordered stage name ("00-gray", "01-paper", ...)."""


def record(stages: Stages | None, name: str, image: np.ndarray) -> None:
    """Keep ``image`` as a viewable uint8 picture: bool masks as 0/255, floats in [0, 1] scaled."""
    if stages is None:
        return
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif image.dtype != np.uint8:
        image = np.clip(image * 255, 0, 255).astype(np.uint8)
    stages[f"{len(stages):02d}-{name}"] = image
