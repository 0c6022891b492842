"""Connected components of a binary image, labelled the fast way: the ink stage, the paper
estimate and the single-digit layout all label pieces of ink, several times a photo."""

from __future__ import annotations

import cv2
import numpy as np

Components = tuple[int, np.ndarray, np.ndarray, np.ndarray]
"""cv2.connectedComponentsWithStats: count, labels (H, W), stats (count, 5), centroids."""


def components(image: np.ndarray) -> Components:
    """8-connected components of a uint8 (H, W) image; 16-bit labels (about three times faster
    than 32-bit) wherever they cannot overflow."""
    height, width = image.shape
    most = ((height + 1) // 2) * ((width + 1) // 2) + 1
    label_type = cv2.CV_16U if most < np.iinfo(np.uint16).max else cv2.CV_32S
    return cv2.connectedComponentsWithStats(image, connectivity=8, ltype=label_type)
