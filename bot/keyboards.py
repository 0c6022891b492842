"""The feedback buttons under each answer, and the callback data they carry.

Callback data is ``fb:<prediction id>:<choice>``: the prediction id ties a press to the stored
crop (so labelling survives restarts), and the choice is ``right``, ``wrong``, ``back`` or a
digit. It stays far below Telegram's 64-byte limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
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
"""Feedback on a whole number: ``nb:<first prediction id>:<digit count>:<choice>``.

Each digit is stored as its own prediction, logged in one go so their ids are consecutive; the
first id and the count name them all and stay under Telegram's 64 bytes for any length.
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
    """None unless the count is one a number's answer can have (2 to MAX_DIGITS)."""
    match = NUMBER_PATTERN.match(data)
    if match is None or not 2 <= int(match[2]) <= MAX_DIGITS:
        return None
    return NumberPress(int(match[1]), int(match[2]), match[3])


def _number_data(first_id: int, count: int, choice: str) -> str:
    return f"{NUMBER_PREFIX}:{first_id}:{count}:{choice}"


def number_right_or_wrong(first_id: int, count: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.right(), callback_data=_number_data(first_id, count, RIGHT)
                ),
                InlineKeyboardButton(
                    texts.wrong(), callback_data=_number_data(first_id, count, WRONG)
                ),
            ]
        ]
    )


def number_typing(first_id: int, count: int) -> InlineKeyboardMarkup:
    """While the user types the right number: a way back if "Wrong" was a slip."""
    back = InlineKeyboardButton(texts.back(), callback_data=_number_data(first_id, count, BACK))
    return InlineKeyboardMarkup([[back]])


FORGET_PREFIX = "fg"
FORGET_PATTERN = re.compile(rf"^{FORGET_PREFIX}:([1-9][0-9]{{0,18}}):(yes|no)$")
"""The /forget question's answer: ``fg:<user id>:yes|no``. The user id names who asked, so
nobody else's press (in a group) can delete their samples; anything else is not ours."""

YES = "yes"
NO = "no"


@dataclass(frozen=True)
class ForgetPress:
    user_id: int
    confirmed: bool


def parse_forget(data: str) -> ForgetPress | None:
    """Strictly ``fg:<positive id>:yes|no``; any other callback data gives None."""
    match = FORGET_PATTERN.fullmatch(data)
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
