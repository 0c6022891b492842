"""Where the segmenter tries its cuts and which it keeps (``recognizer.segmentation``)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pytest

from recognizer.segmentation import (
    Cut,
    Glyph,
    Judge,
    PathCut,
    Piece,
    Segmenter,
    _cut_candidates,
    _parts,
)


def test_each_valley_of_a_touching_pair_gets_a_cut() -> None:
    """A 1 touching a 4 along the 4's crossbar: the ink is thinnest both between the 1 and the
    4 and between the 4's stems, slightly thinner between the stems. The five thinnest columns
    all lie in that one valley, so the cut that parts the pair is tried only when cuts are
    spread over the valleys."""
    mask = np.zeros((60, 50), bool)
    mask[:, 2:6] = True  # the 1
    mask[:, 16:20] = True  # the 4's first stem...
    mask[:, 38:42] = True  # ...its second...
    mask[30:34, 2:48] = True  # ...and its crossbar, reaching back to the 1
    mask[30, 21:37] = False  # thinner between the stems
    cuts = _cut_candidates(Glyph(mask, (0, 0, 50, 60)))
    columns = {round(cut.column) for cut in cuts if isinstance(cut, Cut)}
    assert any(6 <= column < 16 for column in columns), columns
    assert any(20 <= column < 38 for column in columns), columns


def test_interlocking_digits_part_along_a_bent_cut() -> None:
    """A "[" and a "-|" reaching into each other, away from the image's corner: every straight
    line from top to bottom crosses a bar, but a path bending round the middle bar crosses no
    ink. It is among the candidates, and it parts the two shapes whole."""
    left = np.zeros((80, 60), bool)
    left[9:70, 7:11] = True
    left[9:13, 7:31] = True
    left[66:70, 7:31] = True
    right = np.zeros_like(left)
    right[9:70, 39:43] = True
    right[37:41, 19:43] = True
    glyph = Glyph((left | right)[9:70, 5:45], (5, 9, 40, 61))
    cuts = _cut_candidates(glyph)
    rows = np.arange(9, 70, dtype=np.float64)
    for cut in cuts:
        if isinstance(cut, Cut):
            columns = np.rint(cut.at(rows)).astype(int)
            inside = (columns >= 5) & (columns < 45)
            assert (left | right)[rows.astype(int)[inside], columns[inside]].any()
    bent = [cut for cut in cuts if isinstance(cut, PathCut)]
    assert bent
    segmenter = Segmenter((left | right).astype(np.int32), lambda glyphs: np.ones(len(glyphs)))
    parts = [segmenter.glyph(part) for part in _parts(Piece((1,), 5, 45, 9, 70), bent[0])]
    assert [part.mask.sum() if part else 0 for part in parts] == [left.sum(), right.sum()]


def _two_rings() -> np.ndarray:
    """int32 (60, 72): labels of one component, two rings 36 wide side by side, touching."""
    labels = np.zeros((60, 72), np.int32)
    for left in (0, 36):
        cv2.ellipse(labels, (left + 18, 30), (17, 28), 0, 0, 360, 1, 4)
    return labels


def _judge_by_width(whole: float, half: float) -> Judge:
    """A model stand-in: glyphs wider than one ring read ``whole``, narrower ones ``half``."""
    return lambda glyphs: np.array([whole if g.box[2] > 40 else half for g in glyphs])


@pytest.mark.parametrize(
    ("whole", "half", "parts"),
    [
        (0.96, 0.998, 2),  # a pair read as one digit, but ten times more surely as two
        (0.9999, 0.99, 1),  # a sure broad digit whose halves also read as digits
        (0.2, 0.5, 1),  # halves together (0.25) not surer than the whole by the narrow handicap
    ],
)
def test_a_cut_wins_by_the_odds_of_its_digits(whole: float, half: float, parts: int) -> None:
    """The cut is weighed in log-odds: a pair 1.2 times as wide as tall, read as one digit at
    0.96 and as two at 0.998 each, is cut, which a margin in probability never allowed (the
    whole's 0.96 plus the narrow pair's handicap is over 1)."""
    labels = _two_rings()
    piece = Piece((1,), 0, 72, 0, 60)
    glyphs = Segmenter(labels, _judge_by_width(whole, half)).digits([piece], 60.0, 0.0)
    assert len(glyphs) == parts


def _slim_pair_and_neighbour() -> np.ndarray:
    """int32 (60, 100): labels of a 1 leaning on a 0 (one component 44 wide, under the
    height's 0.95 that makes a piece wide enough to be a pair) and of a 0 standing apart."""
    labels = np.zeros((60, 100), np.int32)
    labels[2:58, 0:4] = 1  # the 1...
    cv2.ellipse(labels, (24, 30), (19, 27), 0, 0, 360, 1, 3)  # ...leaning on its 0
    cv2.ellipse(labels, (80, 30), (17, 27), 0, 0, 360, 2, 3)  # the 0 apart
    return labels


@pytest.mark.parametrize(
    ("neighbour", "parts"),
    [
        (0.99, 3),  # beside a digit, the slim piece no digit reads from comes apart as 1 and 0
        (0.05, 2),  # beside a letter, a letter stays whole
    ],
)
def test_a_slim_piece_read_as_no_digit_among_digits_is_cut(neighbour: float, parts: int) -> None:
    """A slim piece is cut only where the model reads it as no digit while the row's other
    glyphs read as digits: a 1 leaning on its neighbour is as narrow as one broad digit."""
    labels = _slim_pair_and_neighbour()

    def judge(glyphs: Sequence[Glyph]) -> np.ndarray:
        return np.array(
            [neighbour if g.box[0] >= 55 else 0.05 if g.box[2] > 40 else 0.99 for g in glyphs]
        )

    pieces = [Piece((1,), 0, 50, 0, 60), Piece((2,), 55, 100, 0, 60)]
    glyphs = Segmenter(labels, judge).digits(pieces, 60.0)
    assert len(glyphs) == parts
