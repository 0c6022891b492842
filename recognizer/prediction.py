"""What the recognizer tells its callers: each digit's prediction, grouped into rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognizer.config import UNSURE_BELOW


@dataclass(frozen=True, slots=True)
class Box:
    """Where a digit was found, in pixels of the upright (EXIF-rotated) photo."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's answer for one digit, with what it saw so a user can judge a mistake."""

    digit: int
    confidence: float
    probabilities: tuple[float, ...]
    """Ten probabilities, one per digit, summing to 1."""
    image: np.ndarray
    """The 28x28 uint8 image the model saw: white digit on black, MNIST-style."""
    box: Box

    @property
    def runner_up(self) -> int:
        """The second most likely digit: what to name when the model is unsure."""
        order = np.argsort(self.probabilities)
        return int(order[-2])

    @property
    def is_unsure(self) -> bool:
        return self.confidence < UNSURE_BELOW


@dataclass(frozen=True, slots=True)
class Row:
    """One line of writing: its digits left to right."""

    digits: tuple[Prediction, ...]

    @property
    def number(self) -> str:
        """The digits as text: a string, so leading zeros (a PIN, "007") survive."""
        return "".join(str(prediction.digit) for prediction in self.digits)


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything read in one picture: rows of digits in reading order (top to bottom)."""

    rows: tuple[Row, ...]
    picture: np.ndarray
    """The upright grayscale photo the digits were found in, for drawing their boxes."""
    picture_scale: float
    """Pixels of ``picture`` per pixel of the sender's photo (the boxes' unit)."""
    other_writing: bool = False
    """Whether the picture also holds writing that is not digits (words, letters, signs)."""

    @property
    def digits(self) -> tuple[Prediction, ...]:
        """Every digit, row after row, each row left to right."""
        return tuple(prediction for row in self.rows for prediction in row.digits)

    @property
    def number(self) -> str:
        """Each row's number, rows joined with a line break."""
        return "\n".join(row.number for row in self.rows)

    @property
    def confidence(self) -> float:
        """How likely every digit is right at once: the product of the digits' confidences."""
        return float(np.prod([prediction.confidence for prediction in self.digits]))

    @property
    def is_unsure(self) -> bool:
        return any(prediction.is_unsure for prediction in self.digits)
