"""Accuracy floors on the independent generator's evaluation seed (issue 12, item 6).

Each floor sits a few points under what the shipped recognizer measured on these very scenes
(EVAL_SEED, scenes 0 .. FLOOR_COUNT-1 of each condition) when the floor was set; the figure
measured is written beside it. A floor can only be raised. Issue 12's targets (single digits
>= 99%, numbers >= 97%, a touching pair >= 90%) are printed by ``python -m benchmarks.scenes``,
not asserted here: the recognizer is still far below them on these scenes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest

from benchmarks.scenes import CONDITIONS, EVAL_SEED, DigitSources
from benchmarks.scenes.evaluation import Tally, evaluate
from benchmarks.scenes.reading import NaiveBaseline, read_rows
from recognizer.config import DEFAULT_MODEL_DIR
from tests.conftest import mnist_path

FLOOR_COUNT = 12
"""Scenes per condition: 216 scenes, made and read in about half a minute of one core."""

FLOORS: dict[str, tuple[float, float]] = {
    "single-white": (0.83, 0.917),  # 11/12
    "single-recycled": (0.91, 1.000),  # 12/12
    "single-squared": (0.83, 0.917),  # 11/12
    "single-ruled": (0.91, 1.000),  # 12/12
    "single-dotted": (0.91, 1.000),  # 12/12
    "single-sticky-note": (0.91, 1.000),  # 12/12
    "single-whiteboard": (0.91, 1.000),  # 12/12
    "single-shadow-hard": (0.83, 0.917),  # 11/12
    "single-shadow-phone": (0.91, 1.000),  # 12/12
    "single-shadow-hand": (0.75, 0.833),  # 10/12
    "single-shadow-soft": (0.83, 0.917),  # 11/12
    "numbers-natural": (0.83, 0.917),  # 11/12
    "numbers-wide": (0.50, 0.583),  # 7/12
    "two-rows": (0.58, 0.667),  # 8/12
    "three-rows": (0.66, 0.750),  # 9/12
    "touching-pair": (0.41, 0.500),  # 6/12
    "printed-lines": (0.75, 0.833),  # 10/12
    "words-nearby": (0.50, 0.583),  # 7/12
}
"""Condition -> (floor, the accuracy the floor was set from: Recognizer.read with rows, on
EVAL_SEED, 2026-11-30, raised where the paper estimate that follows shadows and strokes
(recognizer/paper.py) read more, with the model before 3b764a2, and raised again on 2026-12-01
where taking out shade, dashed edges and comb fields read more, and once more where levelling
each family of printed lines at its own tilt, taking the straight lines out of structure across
the frame and cutting touching digits along their slant read more, and again where thick printed
lines and hard shadows' wedges are taken out (squared 8 -> 10, touching 1 -> 2), and again
where unsure readings are compared under other papers, italic digits are sheared back, comb
fields' dividers and fingers' shadows are taken out (dotted, phone 11 -> 12, sticky note
8 -> 11, hard 8 -> 9, hand 7 -> 8, numbers-natural 9 -> 11, two rows and printed lines
6 -> 7), and again where a light-on-dark verdict gives way to the dark-on-light papers when
the model reads those more surely (hard 9 -> 10, wide gaps and words 5 -> 6), and again where short
printed lines and comb fields' teeth are taken out and a reading that leaves writing out gives
way (printed lines 7 -> 8), and again where a sure reading that left writing out no longer
stands alone and sticks unlike the writing's pen are left out (white 10 -> 11, hand 8 -> 9,
touching 2 -> 3, printed lines 8 -> 9), and again where faint ink joining darker ink counts
on smooth paper and thin strokes standing in a line are no specks (recycled and whiteboard
11 -> 12, wide gaps 6 -> 7, two rows 7 -> 8), and again where cuts are tried in each valley
of a touching pair's ink and win only as two digits (touching 2 -> 4), and again where a
reading mostly of sticks read as 1 is doubted between papers, fragments of a sure digit are
passed over and a line's height is its digits', not its dots' (squared 10 -> 11, sticky note
11 -> 12, hand 9 -> 10, printed lines 9 -> 10), and again where faint ink dark only in grains
counts whole and a row far smaller than the tallest is other writing (hard 10 -> 11), and
again where a slim piece read as no digit among digits is tried cut, a word set apart in the
number's row goes with its letters and a row's end on its slope continues it (touching
4 -> 5; words nearby back to 6), and again where a glyph standing alone in its row has no
word to tower over and a comb field's teeth are looked for on every printed line (words nearby
6 -> 7), and again where a reading that merged a row with shade is passed over, a marker's
strokes are found through printed lines and slimmer pieces read as no digit are tried cut
(touching 5 -> 6); a condition that read fewer (ruled 12 -> 11, sticky note
11 -> 10) keeps its floor);
one scene of slack below the figure (none where only one scene was read right)."""


@pytest.fixture(scope="module")
def measured(recognizer) -> dict[str, dict[str, Tally]]:
    sources = DigitSources.load(mnist_path(), EVAL_SEED)
    ours: dict[str, Callable[[bytes], list[str]]] = {"recognizer": partial(read_rows, recognizer)}
    naive = {"naive": NaiveBaseline(DEFAULT_MODEL_DIR).read_rows}
    return {
        c.name: evaluate(
            c, EVAL_SEED, FLOOR_COUNT, sources, ours | naive if c.kind == "single" else ours
        )
        for c in CONDITIONS
    }


def test_every_condition_has_a_floor_under_its_measured_figure() -> None:
    assert set(FLOORS) == {c.name for c in CONDITIONS}
    assert all(0 < floor < seen for floor, seen in FLOORS.values())


@pytest.mark.parametrize("condition", sorted(FLOORS))
def test_recognizer_holds_its_floor(condition: str, measured) -> None:
    floor, seen = FLOORS[condition]
    tally = measured[condition]["recognizer"]
    assert tally.scenes == FLOOR_COUNT
    assert tally.accuracy >= floor, (
        f"{condition}: {tally.accuracy:.0%} < floor {floor:.0%} (was {seen:.0%}); "
        f"failures {dict(tally.failures)}"
    )


def test_recognizer_reads_single_digits_better_than_the_naive_baseline(measured) -> None:
    singles = [c.name for c in CONDITIONS if c.kind == "single"]
    ours = sum(measured[name]["recognizer"].correct for name in singles)
    naive = sum(measured[name]["naive"].correct for name in singles)
    assert ours > naive
