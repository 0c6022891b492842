"""What counts against a paper's reading when the readings under several papers are compared
(``recognizer.recognizer``): glyphs a pen hardly makes alone."""

from __future__ import annotations

import cv2
import numpy as np

from recognizer import Recognizer
from recognizer.recognizer import _Judge, _unlike_a_pen
from recognizer.segmentation import Glyph


def _glyph(mask: np.ndarray, left: int) -> Glyph:
    """The ink of ``mask`` (uint8, nonzero: ink) as a glyph whose box starts at column ``left``."""
    x, y, width, height = cv2.boundingRect(mask)
    return Glyph(mask[y : y + height, x : x + width] > 0, (left + x, y, width, height))


def test_a_pens_digit_stands_and_shade_thick_strokes_do_not(recognizer: Recognizer) -> None:
    """A 0 drawn with a pen (strokes a tenth of its height) is writing; a finger of a hand's
    shadow (too broad for a stick, its stroke half as thick as it is tall, read as whatever
    digit) and a thin stick
    read as 1 may well be none."""
    pen = np.zeros((80, 80), np.uint8)
    cv2.ellipse(pen, (40, 40), (20, 30), 0, 0, 360, 1, 6)
    finger = np.zeros((80, 80), np.uint8)
    cv2.ellipse(finger, (40, 40), (18, 30), 0, 0, 360, 1, -1)
    stick = np.zeros((80, 80), np.uint8)
    cv2.line(stick, (40, 10), (40, 70), 1, 6)
    glyphs = [_glyph(pen, 0), _glyph(finger, 80), _glyph(stick, 160)]
    judge = _Judge(recognizer._model, np.hstack([pen, finger, stick]).astype(np.float32))
    judge(glyphs)
    assert [judge.digit(glyph) for glyph in (glyphs[0], glyphs[2])] == [0, 1]
    assert _unlike_a_pen(glyphs, judge).tolist() == [False, True, True]
