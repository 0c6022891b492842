"""The feedback buttons under each answer, and the callback data they carry.

Callback data is ``fb:<prediction id>:<choice>``: the prediction id ties a press to the stored
crop (so labelling survives restarts), and the choice is ``right``, ``wrong``, ``back`` or a
digit. It stays far below Telegram's 64-byte limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

PREFIX = "fb"
PATTERN = re.compile(rf"^{PREFIX}:(\d+):(right|wrong|back|[0-9])$")
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
                InlineKeyboardButton("Right", callback_data=_data(prediction_id, RIGHT)),
                InlineKeyboardButton("Wrong", callback_data=_data(prediction_id, WRONG)),
            ]
        ]
    )


def digit_keypad(prediction_id: int) -> InlineKeyboardMarkup:
    """0-9 in two rows of five, and a way back if "Wrong" was a slip."""
    digits = [
        InlineKeyboardButton(str(digit), callback_data=_data(prediction_id, str(digit)))
        for digit in range(10)
    ]
    back = InlineKeyboardButton("Back", callback_data=_data(prediction_id, BACK))
    return InlineKeyboardMarkup([digits[:5], digits[5:], [back]])
