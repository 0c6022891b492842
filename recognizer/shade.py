"""Shade in the ink: shadows and shapes that the paper estimate leaves as ink.

The paper is estimated with a closing just wider than the pen's strokes (``recognizer.paper``),
so a shadow broader than that (a hand's fingers, a phone, a pen lying on the page) comes out as
ink. It is told apart by its breadth for its height and by its strength against the writing's.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.components import Components
from recognizer.components import thickness as thickness_of
from recognizer.config import (
    SHADE_OWN_WRITING,
    SHADOW_FAINT,
    SHADOW_FAT_RATIO,
    SHADOW_MASSIVE_RATIO,
    SHADOW_MIN_THICKNESS,
    SHADOW_PEN_RATIO,
    SHADOW_THICKNESS,
    SHADOW_WEAKNESS,
    SHADOW_WITNESS_HEIGHT,
    SHADOW_WRITING_CONTRAST,
)
from recognizer.percentiles import percentiles


def shade_in(pieces: Components, strength: np.ndarray) -> np.ndarray:
    """bool (H, W): what in the ``pieces`` (the ink's connected pieces at the working size) is
    shade or a shape, not writing; ``strength``: the ink strength, float32 (H, W) in [0, 1].

    A hand's, a phone's or a pen's shade darkens the paper in broad shapes that come out of the
    paper estimate as ink (a finger is wider than any stroke the estimate allows for). A broad
    piece is shade when its bulk is weaker than the writing's ink (a shadow lets more light
    through than ink), or when writing lies on it, darker than its bulk (a dark shadow over the
    digits, both one piece): its broad weak regions go, the writing stays. A broad piece far
    thicker than the pen's strokes, with nothing written on it, is a shape (a phone's shadow as
    dark as the ink, an object) and goes whole. A broad piece as strong as the writing and no
    thicker than a few strokes (a marker's blot, a filled-in digit) stays. A piece with nothing
    written on it that is both far fainter than the writing and twice as thick as writing
    darker than it is shade too, however narrow for its height: a finger's shadow.
    """
    _, labels, stats, _ = pieces
    tall = np.flatnonzero(stats[:, cv2.CC_STAT_HEIGHT] >= SHADOW_WITNESS_HEIGHT * max(labels.shape))
    tall = tall[tall > 0]
    thickness, levels = _measured(labels, stats, tall, strength)
    bulk, ink, peak = levels.T
    broad = (thickness >= SHADOW_THICKNESS * stats[tall, cv2.CC_STAT_HEIGHT]) & (
        thickness >= SHADOW_MIN_THICKNESS * max(labels.shape)
    )
    thinner = thickness[None] < thickness[:, None]
    # A piece's own strongest part is writing on it only when the piece is as broad as a shadow
    # of a hand or a phone: a small piece's soft-edged strokes are weaker than their middles.
    own = np.where(thickness >= SHADE_OWN_WRITING * max(labels.shape), peak, 0)
    writing = np.maximum(own, np.where(thinner, ink[None], 0).max(axis=1, initial=0))
    shaded = np.zeros(labels.shape, bool)
    written_on = peak - bulk >= SHADOW_WRITING_CONTRAST * (1 - bulk)
    for shade in np.flatnonzero(broad & ((bulk < SHADOW_WEAKNESS * writing) | written_on)):
        x, y, w, h = (int(v) for v in stats[tall[shade], :4])
        box = np.s_[y : y + h, x : x + w]
        cut = (bulk[shade] + writing[shade]) / 2
        weak = (labels[box] == tall[shade]) & (strength[box] < cut)
        shaded[box] |= _broad_part(weak, float(thickness[shade]))
    pen = thickness.min(initial=np.inf)
    # However tall it is, a piece many times as thick as writing darker than it is no stroke of
    # that pen (a hard shadow's wedge reaching across the frame, too narrow for its height to
    # count as broad); a fat marker digit beside a faint hairline (a sheet's edge) stays.
    darker_pen = np.where(ink[None] > ink[:, None], thickness[None], np.inf).min(
        axis=1, initial=np.inf
    )
    massive = thickness >= SHADOW_MASSIVE_RATIO * darker_pen
    # A finger's shade is a stroke for its height, but far fainter and thicker than the pen's.
    finger = (thickness >= SHADOW_FAT_RATIO * darker_pen) & (bulk < SHADOW_FAINT * writing)
    shapes = ((broad | massive) & (thickness >= SHADOW_PEN_RATIO * pen)) | finger
    shapes &= ~written_on
    for shape in np.flatnonzero(shapes):
        shaded |= labels == tall[shape]
    return shaded


def _measured(
    labels: np.ndarray, stats: np.ndarray, chosen: np.ndarray, strength: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The ``chosen`` pieces' thickness (N,) in px (twice the 95th percentile of the distance
    to the paper: a stroke's width, a shadow's breadth) and strength (N, 3): median, 90th and
    99th percentile."""
    thickness = np.empty(chosen.size)
    levels = np.empty((chosen.size, 3))
    for index, label in enumerate(chosen):
        x, y, w, h = (int(v) for v in stats[label, :4])
        piece = (labels[y : y + h, x : x + w] == label).astype(np.uint8)
        thickness[index] = thickness_of(piece)
        levels[index] = percentiles(strength[y : y + h, x : x + w][piece > 0], (50, 90, 99))
    return thickness, levels


def _broad_part(weak: np.ndarray, thickness: float) -> np.ndarray:
    """bool: the broad regions of ``weak`` (a shadow's bulk) and their soft rim, without the
    thin slivers along a pen's strokes (their anti-aliased edges are weaker than the cut too)."""
    side = max(3, int(thickness / 4) | 1)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    core = cv2.morphologyEx(weak.astype(np.uint8), cv2.MORPH_OPEN, disc)
    rim = cv2.dilate(core, np.ones((5, 5), np.uint8))
    broad: np.ndarray = (rim > 0) & weak
    return broad
