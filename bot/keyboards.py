"""The feedback buttons under each answer, and the callback data they carry.

Callback data is ``fb:<prediction id>:<choice>`` under a one-digit answer, and
``nb:<first prediction id>:<count>:<choice>`` under each row of a number: the prediction ids
tie a press to the stored crops (so labelling survives restarts), and the choice is ``right``,
``wrong``, ``back`` or a digit. It stays far below Telegram's 64-byte limit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.storage import AnswerRow
from recognizer.config import MAX_DIGITS

PREFIX = "fb"
_ID = r"([1-9][0-9]{0,17})"
"""A row id: SQLite's are 63-bit; 18 digits stay below that, so no forged id overflows."""
PATTERN = re.compile(rf"^{PREFIX}:{_ID}:(right|wrong|back|[0-9])\Z")
"""What a feedback press looks like; the application routes only these to the handler."""

RIGHT = "right"
WRONG = "wrong"
BACK = "back"


@dataclass(frozen=True)
class FeedbackPress:
    prediction_id: int
    choice: str

    @property
    def label(self) -> int | None:
        """The digit the user picked on the keypad, if this press was one."""
        return int(self.choice) if self.choice.isdigit() else None


def parse(data: str) -> FeedbackPress | None:
    match = PATTERN.match(data)
    return FeedbackPress(int(match[1]), match[2]) if match else None


def _data(prediction_id: int, choice: str) -> str:
    return f"{PREFIX}:{prediction_id}:{choice}"


def right_or_wrong(prediction_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(texts.right(), callback_data=_data(prediction_id, RIGHT)),
                InlineKeyboardButton(texts.wrong(), callback_data=_data(prediction_id, WRONG)),
            ]
        ]
    )


def digit_keypad(prediction_id: int) -> InlineKeyboardMarkup:
    """0-9 in two rows of five, and a way back if "Wrong" was a slip."""
    digits = [
        InlineKeyboardButton(str(digit), callback_data=_data(prediction_id, str(digit)))
        for digit in range(10)
    ]
    back = InlineKeyboardButton(texts.back(), callback_data=_data(prediction_id, BACK))
    return InlineKeyboardMarkup([digits[:5], digits[5:], [back]])


NUMBER_PREFIX = "nb"
NUMBER_PATTERN = re.compile(rf"^{NUMBER_PREFIX}:{_ID}:([1-9][0-9]?):(right|wrong|back)\Z")
"""Feedback on one row of a number: ``nb:<first prediction id>:<digit count>:<choice>``.

Each digit is stored as its own prediction, logged in one go row after row so a row's ids are
consecutive; the first id and the count name the row and stay under Telegram's 64 bytes for
any length. An answer of one row is one such row: its plain Right / Wrong name all its digits.
"""


@dataclass(frozen=True)
class NumberPress:
    first_id: int
    count: int
    choice: str

    @property
    def prediction_ids(self) -> range:
        return range(self.first_id, self.first_id + self.count)


def parse_number(data: str) -> NumberPress | None:
    """None unless the count is one a row can have (1 to MAX_DIGITS); whether the ids are
    really one row of an answer in this chat is the store's to say."""
    match = NUMBER_PATTERN.match(data)
    if match is None or not 1 <= int(match[2]) <= MAX_DIGITS:
        return None
    return NumberPress(int(match[1]), int(match[2]), match[3])


def _number_data(row: AnswerRow, choice: str) -> str:
    return f"{NUMBER_PREFIX}:{row.prediction_ids[0]}:{len(row.prediction_ids)}:{choice}"


def number_feedback(
    rows: Sequence[AnswerRow], typing: int | None = None
) -> InlineKeyboardMarkup | None:
    """One line of buttons per row still to label, top to bottom; None once all are labelled.

    A one-row answer gets plain Right / Wrong; with several rows each button says its row
    ("Row 2 ✓"), so each row is confirmed or corrected on its own. ``typing``: the first id of
    the row whose number the user was asked to type, which shows only Back meanwhile.
    """
    several = len(rows) > 1
    lines = [
        _row_line(row, place if several else None, row.prediction_ids[0] == typing)
        for place, row in enumerate(rows, start=1)
        if not row.labelled
    ]
    return InlineKeyboardMarkup(lines) if lines else None


def _row_line(row: AnswerRow, place: int | None, typing: bool) -> list[InlineKeyboardButton]:
    """``place`` None: the answer's only row, whose buttons need not say which row they are."""
    if typing:
        back = texts.back() if place is None else texts.row_back(place)
        return [InlineKeyboardButton(back, callback_data=_number_data(row, BACK))]
    right = texts.right() if place is None else texts.row_right(place)
    wrong = texts.wrong() if place is None else texts.row_wrong(place)
    return [
        InlineKeyboardButton(right, callback_data=_number_data(row, RIGHT)),
        InlineKeyboardButton(wrong, callback_data=_number_data(row, WRONG)),
    ]


FORGET_PREFIX = "fg"
FORGET_PATTERN = re.compile(rf"^{FORGET_PREFIX}:([1-9][0-9]{{0,18}}):(yes|no)\Z")
"""The /forget question's answer: ``fg:<user id>:yes|no``. The user id names who asked, so
nobody else's press (in a group) can delete their samples; anything else is not ours.

Every pattern here ends in ``\\Z``, not ``$``: the application routes callback data with
``re.match``, and ``$`` also matches before a trailing newline, which routed a forged
``fg:1:yes\\n`` to a handler that could not read it."""

YES = "yes"
NO = "no"


@dataclass(frozen=True)
class ForgetPress:
    user_id: int
    confirmed: bool


def parse_forget(data: str) -> ForgetPress | None:
    """Strictly ``fg:<positive id>:yes|no``; any other callback data gives None."""
    match = FORGET_PATTERN.match(data)
    return ForgetPress(int(match[1]), match[2] == YES) if match else None


def forget_question(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.forget_yes(), callback_data=f"{FORGET_PREFIX}:{user_id}:{YES}"
                ),
                InlineKeyboardButton(
                    texts.forget_no(), callback_data=f"{FORGET_PREFIX}:{user_id}:{NO}"
                ),
            ]
        ]
    )
