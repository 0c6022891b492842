"""Real pictures of numbers by people (../shared/data/real-numbers): read as a person reads them.

Phone photos with digits written far apart, two rows, and words and formulas above a row of
digits; drawings in a paint program. ``MANIFEST.tsv`` gives each picture's rows, top to bottom.
"""

from __future__ import annotations

import csv
import json

import pytest

from recognizer import Recognizer
from recognizer.__main__ import main
from tests.conftest import SHARED_DATA

REAL_NUMBERS = SHARED_DATA / "real-numbers"


def manifest() -> dict[str, list[str]]:
    with (REAL_NUMBERS / "MANIFEST.tsv").open(newline="") as table:
        return {row["file"]: row["rows"].split() for row in csv.DictReader(table, delimiter="\t")}


@pytest.mark.parametrize("name", sorted(manifest()))
def test_every_row_is_read_in_reading_order(recognizer: Recognizer, name: str) -> None:
    reading = recognizer.read((REAL_NUMBERS / name).read_bytes())
    assert [row.number for row in reading.rows] == manifest()[name]
    assert reading.number == "\n".join(manifest()[name])
    tops = [min(p.box.y for p in row.digits) for row in reading.rows]
    assert tops == sorted(tops), "rows top to bottom"
    for row in reading.rows:
        lefts = [p.box.x for p in row.digits]
        assert lefts == sorted(lefts), "digits left to right"


def test_words_near_the_digits_are_other_writing(recognizer: Recognizer) -> None:
    reading = recognizer.read((REAL_NUMBERS / "row-with-words.jpg").read_bytes())
    assert reading.other_writing
    only_digits = recognizer.read((REAL_NUMBERS / "two-rows-five-digits.jpg").read_bytes())
    assert not only_digits.other_writing


def test_cli_json_gives_each_row_of_a_photo_of_two_rows(capsys: pytest.CaptureFixture[str]) -> None:
    """``--json`` adds "rows", top to bottom, each with its number and its digits; "digits"
    stays every digit, row after row."""
    assert main(["--json", str(REAL_NUMBERS / "two-rows-five-digits.jpg")]) == 0
    answer = json.loads(capsys.readouterr().out)
    rows = manifest()["two-rows-five-digits.jpg"]
    assert [row["number"] for row in answer["rows"]] == rows
    assert answer["number"] == "\n".join(rows)
    assert [digit for row in answer["rows"] for digit in row["digits"]] == answer["digits"]
    assert ["".join(str(d["digit"]) for d in row["digits"]) for row in answer["rows"]] == rows
