"""Where the segmenter tries its cuts (``recognizer.segmentation``)."""

from __future__ import annotations

import numpy as np

from recognizer.segmentation import Glyph, _cut_candidates


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
    columns = {round(cut.column) for cut in _cut_candidates(Glyph(mask, (0, 0, 50, 60)))}
    assert any(6 <= column < 16 for column in columns), columns
    assert any(20 <= column < 38 for column in columns), columns
