"""The number's feedback buttons: one line per row still to label, callback data that parses
back to exactly that row's ids, and stays within Telegram's 64 bytes at the largest sizes."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import i18n, keyboards, texts
from bot.storage import AnswerRow
from recognizer.config import MAX_DIGITS, MAX_ROWS

BIGGEST_ID = 10**18 - 1
"""The largest id the callback pattern accepts (18 digits)."""


def _rows(first: int, *lengths: int, labelled: tuple[int, ...] = ()) -> list[AnswerRow]:
    """Rows of consecutive ids from ``first``; ``labelled``: the places (from 0) labelled."""
    rows, start = [], first
    for place, length in enumerate(lengths):
        rows.append(AnswerRow(tuple(range(start, start + length)), place in labelled))
        start += length
    return rows


def _lines(markup: InlineKeyboardMarkup | None) -> list[list[tuple[str, str]]]:
    assert markup is not None
    return [[(b.text, str(b.callback_data)) for b in line] for line in markup.inline_keyboard]


def test_one_row_keeps_plain_right_and_wrong_over_all_its_digits() -> None:
    assert _lines(keyboards.number_feedback(_rows(40, 4))) == [
        [("Right", "nb:40:4:right"), ("Wrong", "nb:40:4:wrong")]
    ]
    assert _lines(keyboards.number_feedback(_rows(40, 4), typing=40)) == [
        [("Back", "nb:40:4:back")]
    ]
    assert keyboards.number_feedback(_rows(40, 4, labelled=(0,))) is None


def test_several_rows_get_a_line_each_that_names_its_row() -> None:
    rows = _rows(40, 5, 5, 1)
    assert _lines(keyboards.number_feedback(rows)) == [
        [("Row 1 ✓", "nb:40:5:right"), ("Row 1 ✗", "nb:40:5:wrong")],
        [("Row 2 ✓", "nb:45:5:right"), ("Row 2 ✗", "nb:45:5:wrong")],
        [("Row 3 ✓", "nb:50:1:right"), ("Row 3 ✗", "nb:50:1:wrong")],
    ]


def test_a_labelled_row_loses_its_line_and_the_typed_row_shows_back() -> None:
    rows = _rows(40, 5, 5, 2, labelled=(0,))
    assert _lines(keyboards.number_feedback(rows, typing=45)) == [
        [("Row 2: Back", "nb:45:5:back")],
        [("Row 3 ✓", "nb:50:2:right"), ("Row 3 ✗", "nb:50:2:wrong")],
    ]
    assert keyboards.number_feedback(_rows(40, 5, 5, labelled=(0, 1))) is None


def test_every_button_parses_back_to_exactly_its_row_and_fits_in_64_bytes() -> None:
    for first in (1, BIGGEST_ID - MAX_ROWS * MAX_DIGITS):
        rows = _rows(first, *[MAX_DIGITS] * MAX_ROWS)
        for typing in (None, rows[1].prediction_ids[0]):
            for place, line in enumerate(_lines(keyboards.number_feedback(rows, typing))):
                for _, data in line:
                    assert len(data.encode()) <= 64, data
                    press = keyboards.parse_number(data)
                    assert press is not None, data
                    assert tuple(press.prediction_ids) == rows[place].prediction_ids


def test_row_buttons_are_translated() -> None:
    with i18n.speaking("ru"):
        assert texts.row_right(2) == "Строка 2 ✓"
        assert _lines(keyboards.number_feedback(_rows(1, 2, 2)))[1][1][0] == "Строка 2 ✗"


def test_forged_number_data_is_refused() -> None:
    hostile = [
        "nb:40:5:right:extra",
        "nb:40:5:7",
        "nb:0:5:right",
        "nb:-40:5:right",
        "nb:40:-5:right",
        f"nb:40:{MAX_DIGITS + 1}:right",
        f"nb:{BIGGEST_ID + 1}:5:right",
        "nb:40:5:RIGHT",
        "nb:\uff14\uff10:5:right",  # full-width digits
        "nb:40:5:right\n",
        "fb:40:5:right",
    ]
    assert [keyboards.parse_number(data) for data in hostile] == [None] * len(hostile)
