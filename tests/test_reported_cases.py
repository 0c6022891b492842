"""Real inputs people reported (../shared/data/reported-cases): each is read as a person reads it.

Each file stands for a kind of input (a small drawing in a canvas corner, chalk-like ink away from
the centre, a shadow, a comb field...); ``expected.tsv`` gives what a person reads.
"""

from __future__ import annotations

import csv

import pytest

from recognizer import Recognizer
from tests.conftest import SHARED_DATA

REPORTED = SHARED_DATA / "reported-cases"

RECOGNITION_CASES = (
    "paint28-small-corner-6.png",
    "canvas-corner-white-on-black-9.png",
    "european-1-long-flag.jpg",
    "form-comb-field-5.jpg",
    "jpeg-missing-eoi-7.jpg",
    "doc-iphone-7.heic",
    "doc-avif-7.avif",
    "doc-scan-mime-image-jpg-2.jpg",
    "alpha-black-on-transparent-7.png",
    "exif-orientation3-6.jpg",
    "idcard-printed-3.png",
    "canvas-number-10-touching.png",
    "shadow-dark-corners-2.jpg",
    "gray16-7.png",
    "cmyk-7.jpg",
    "album-4.jpg",
    "album-7.jpg",
)
"""Every case of ``expected.tsv``; the test below checks none is left out."""


def expected() -> dict[str, str]:
    with (REPORTED / "expected.tsv").open(newline="") as table:
        return {row["file"]: row["expected"] for row in csv.DictReader(table, delimiter="\t")}


@pytest.mark.parametrize("name", RECOGNITION_CASES)
def test_reported_case_is_read_as_a_person_reads_it(recognizer: Recognizer, name: str) -> None:
    reading = recognizer.read((REPORTED / name).read_bytes())
    assert reading.number == expected()[name]


def test_every_reported_case_has_a_test() -> None:
    assert sorted(RECOGNITION_CASES) == sorted(expected())
