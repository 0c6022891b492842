"""Scenes of the independent generator's development seeds that each pinned down one fix: every
one was read wrong before its fix and is read right now. Keys are ``condition:index`` of the
development seed, or ``seed/condition:index`` of the seeds that check it (2 to 4). (The
evaluation seed is never looked at scene by scene; its figures are the floors in
``test_scenes_floors``.)"""

from __future__ import annotations

import functools

import pytest

from benchmarks.scenes import DEV_SEED, DigitSources, generate
from benchmarks.scenes.reading import read_rows
from recognizer import Recognizer
from tests.conftest import mnist_path

CASES = {
    # Brightness said light-on-dark under a hard shadow over most of the sheet: the model
    # chooses the polarity (recognizer/paper.py).
    "numbers-natural:7": "squared paper under a hard shadow, flash",
    "numbers-wide:22": "a hard shadow over most of the sheet, thick strokes",
    "two-rows:22": "squared paper under a hard shadow",
    # A short printed line, a comb field's base and teeth (recognizer/underlines.py).
    "printed-lines:16": "a comb field touching the digits",
    "printed-lines:22": "a comb field on ruled paper under a hard shadow",
    # A reading that left writing out gives way (recognizer/recognizer.py, LEFT_OUT_DOUBT).
    "numbers-natural:10": "a marker number half in a hard shadow on squared paper",
    "three-rows:3": "three rows beside a hand's shadow",
    "single-squared:6": "a digit on squared paper",
    "single-shadow-hard:8": "a digit under a hard shadow",
    # Even a sure first reading gives way when it left writing out (recognizer/recognizer.py).
    "single-squared:2": "a digit beside a hand's shadow on squared paper",
    "single-shadow-phone:1": "a pencil digit beside a phone's shadow on ruled paper",
    "three-rows:26": "three short rows, the first left out",
    # Sticks far fainter or thicker than the writing are no writing (recognizer/layout.py).
    "single-shadow-soft:15": "a digit beside a soft shadow's fringe at the sheet's edge",
    "three-rows:5": "three rows beside a faint sliver",
    "words-nearby:19": "a number with a word beside it",
    "single-shadow-hard:7": "a digit beside a hard shadow's wedge on a sticky note",
    # Faint ink joining two darker pieces is ink on smooth paper (recognizer/ink.py, written).
    "single-white:13": "a pencil 0 under a soft shadow",
    "single-dotted:24": "a pencil 4 on dotted paper",
    "words-nearby:11": "a pencil number on dotted paper beside a word",
    # A thin 1 written small stands in its line as tall as its digits (recognizer/layout.py).
    "numbers-natural:2": "a number ending in a thin 1, 6% of the frame tall, on a whiteboard",
    "printed-lines:20": "a number starting with a thin 1 above a printed line on squared paper",
    # Cuts are spread over the valleys of a touching pair's ink (recognizer/segmentation.py).
    "touching-pair:16": "a 2 touching a 6, cut where the ink is second thinnest",
    "touching-pair:17": "a 9 touching a 1",
    # Sticks read as 1 are doubted between papers: edges read as surely (recognizer/recognizer.py).
    "single-sticky-note:22": "a 9 on a sticky note, read as the note's edge",
    "single-shadow-hard:28": "a 4 under a hard shadow, read as a sliver of its edge",
    "single-ruled:26": "a 3 on ruled paper, a row of slivers under it",
    "numbers-wide:11": "a wide number beside a hand's fingers, read as three slivers",
    "single-shadow-hard:0": "a 2 beside a hard shadow's edge",
    # A line's height is its digits', not the median of the dots beside them (recognizer/layout.py).
    "single-dotted:12": "a 3 on dotted paper, the dots in its line",
    # Faint ink dark only in grains counts whole, down to 0.05 on smooth paper (recognizer/ink.py).
    "touching-pair:20": "a pencil number under a flash, read as one digit",
    "two-rows:26": "a felt-tip number on ruled paper, its last 8 read as 0",
    "single-ruled:24": "a pencil 5 on ruled paper, read as 7",
    # Writing far smaller than the number is other writing (recognizer/layout.py, ROW_SIZE_SHARE).
    "words-nearby:5": "a number below a printed 'Date', read as 0210",
    "words-nearby:15": "a number beside a printed 'Kasse'",
    "two-rows:17": "two large pencil rows beside a hand's shadow on squared paper",
    # A cut is weighed against the whole in log-odds (recognizer/segmentation.py).
    "touching-pair:2": "a 2 overlapping a 0, read as one 0 at 0.96 and as 2 and 0 at 0.997",
    # A reading of 1s only is doubted like one of sticks (recognizer/recognizer.py).
    "single-shadow-hand:18": "a small 9 beside a hand's fingers, read as 1111",
    # A line beyond a row's end on its slope continues it (recognizer/layout.py, ROW_SLANT).
    "numbers-natural:1": "a number on a sticky note 8 degrees aslant, its 2 read as a row",
    # A sure reading under a paper the ink settled under stands (recognizer/recognizer.py).
    "2/single-white:11": "a large 3 in a hard shadow's band, the sheet judged light-on-dark",
    "3/single-recycled:22": "a 4 on recycled paper, read as 0",
    # A reading with a whole row more, each digit sure, takes the place of one that lost it
    # (recognizer/recognizer.py, ADDED_ROW_LEAST).
    "three-rows:2": "three rows, the third along a hard shadow's edge and lost with it",
    # Lines far unlike in height are not one row (recognizer/layout.py, _side_by_side_joined).
    "printed-lines:17": "a number in a comb field on dotted paper, its first digit lost",
    "2/single-sticky-note:26": "a 7 on a sticky note, read as a hard shadow's edge across it",
    "4/single-shadow-soft:4": "a small 4 on a sticky note, read as an edge beside it",
    # Writing under four fifths of the number's height is other writing (ROW_SIZE_SHARE 0.8).
    "words-nearby:25": "a marker number with a handwritten 'Tel:' read as a row of 61",
    "2/single-sticky-note:22": "a pencil 2 under a phone's shadow, a stick read as a row of 1",
    "4/words-nearby:22": "a number beside a handwritten 'Page', read as 8861935",
    "4/words-nearby:23": "a number beside a printed 'Nr.', read as 593614",
    # A glyph towers over its own word, not over the row (recognizer/layout.py, _typical_heights).
    "words-nearby:8": "a 41 beside a printed 'hour', its 4 left out as towering over the letters",
    "2/words-nearby:27": "a 00647 beside a printed 'Total:', its first 0 left out",
    "2/printed-lines:2": "a comb field's tooth set apart before a number, read as a 1",
    # A glyph standing alone has no word to tower over.
    "3/words-nearby:0": "a 636 beside a printed 'Ward', its last 6 set apart and left out",
    "3/words-nearby:17": "a 34 beside a printed 'Ward', read as the letters' 4420",
    "3/words-nearby:25": "a 16 beside a printed 'Ward' on a whiteboard, read as 111261",
    # A comb field's base traced as a lone printed line still has teeth (underlines.comb_teeth).
    "2/printed-lines:24": "a comb field's teeth read as 111111, its thin-penned digits left out",
    "2/printed-lines:29": "a comb field on dotted paper, 1668058 read as 16681258",
    "4/printed-lines:15": "a comb field under a hard shadow, 0717052 read as 071702",
    # Touching digits parted along a bent path (segmentation._path_cuts).
    "3/touching-pair:8": "a 4 reaching under a 0, 409726 read as 479726",
    "2/touching-pair:15": "a 4 leaning into a 9, 84944 read as 84744",
    # One column line beside row lines is printed (ink.printed_lines).
    "4/single-squared:25": "squared paper so close that one column line crosses the 2: a 9",
    # A glyph holding another reading's digits, each far shorter, merged them with shade
    # (recognizer/recognizer.py, MERGED_DIGITS); slivers read as 1 are no such digits.
    "2/three-rows:13": "three rows across a hard shadow's wedge as dark as ink, read as a 1",
    "3/words-nearby:11": "a number beside 'Total:' under a hard shadow, read as one big 2",
    "single-dotted:17": "a big 2 on dotted paper, a paper with slivers in it read as 111",
    # An edge's slivers towering over a small number are no row it must read, and a reading
    # that left them out as other writing takes the place of one of slivers
    # (recognizer/recognizer.py, _towering_sticks).
    "printed-lines:12": "a boxed 734 a twentieth of the frame tall, read as the sheet's edge",
    "words-nearby:23": "a pencil 65274 beside a handwritten 'Max', read as a shadow's edge",
    "4/numbers-natural:14": "a felt-tip 13416 beside a sliver at the frame's side, read as 1",
    # A reading with sure digits more at a row's ends takes the place of one that lost them.
    "2/numbers-natural:3": "a 03135817 under a phone's shadow, read as 5817",
    "4/two-rows:0": "832474 over 627546 under a phone's shadow, read as 32474 over 7546",
    # Thick writing crossed by printed lines that reach the frame is found by its strokes' core
    # (recognizer/paper.py, _thick_writing_kernel).
    "4/single-squared:24": "a marker 3 filling the frame on squared paper, hollowed into a 1",
    # A pair read as no digit is cut down to half as wide as tall (NO_DIGIT_SPLIT_ASPECT 0.5).
    "touching-pair:8": "a slim 1 touching a slim 4 after 83, left out as other writing",
    "touching-pair:5": "a 4 touching 19, left out as other writing",
}


@functools.cache
def sources(seed: int) -> DigitSources:
    return DigitSources.load(mnist_path(), seed)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_scene_is_read_right(case: str, recognizer: Recognizer) -> None:
    seed, _, scene_key = case.rpartition("/")
    name, index = scene_key.split(":")
    at = int(seed) if seed else DEV_SEED
    scene = generate(name, at, int(index), sources(at))
    assert read_rows(recognizer, scene.jpeg) == list(scene.rows), CASES[case]
