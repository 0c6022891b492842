"""The recognizer: image in, Prediction out."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.decode import DecodedImage, decode
from recognizer.model import DigitModel
from recognizer.prediction import Box, NumberReading, Prediction
from recognizer.preprocess import Preprocessed, Stages, preprocess
from recognizer.segment import find_digits

ImageInput = bytes | np.ndarray
"""Encoded image bytes (JPEG, PNG, GIF, WebP...) or a gray, RGB or RGBA array."""


class Recognizer:
    """Reads one handwritten digit per image; safe to share between threads."""

    def __init__(self, model: DigitModel) -> None:
        self._model = model

    @classmethod
    def load(cls, model_dir: str | Path = DEFAULT_MODEL_DIR) -> Recognizer:
        """Load the exported model; raises ModelLoadError with the fix in its message."""
        return cls(DigitModel.load(Path(model_dir)))

    def predict(self, image: ImageInput, stages: Stages | None = None) -> Prediction:
        """Recognise the digit in one image; ``stages`` collects intermediate images if given."""
        prepared = prepare(image, stages)
        return _prediction(prepared, self._model.probabilities(prepared.image[None])[0])

    def predict_batch(self, images: Iterable[ImageInput]) -> list[Prediction]:
        """Recognise many images with one model call; any bad image raises its RecognizerError."""
        prepared = [prepare(image) for image in images]
        if not prepared:
            return []
        probabilities = self._model.probabilities(np.stack([p.image for p in prepared]))
        return [_prediction(p, row) for p, row in zip(prepared, probabilities, strict=True)]

    def read_number(self, image: ImageInput, stages: Stages | None = None) -> NumberReading:
        """Read every digit of a written number, left to right (up to MAX_DIGITS).

        A picture with one digit gives exactly what ``predict`` gives, so a single digit is
        answered as it always was (``stages`` collects its intermediate images); raises
        TooManyDigitsError for longer numbers or pages.
        """
        decoded = decode(image)
        found = find_digits(decoded.gray, self._model.probabilities, stages)
        prepared = [_mapped(decoded, digit) for digit in found]
        probabilities = self._model.probabilities(np.stack([p.image for p in prepared]))
        digits = tuple(_prediction(p, row) for p, row in zip(prepared, probabilities, strict=True))
        return NumberReading(digits, decoded.gray, decoded.scale)


def prepare(image: ImageInput, stages: Stages | None = None) -> Preprocessed:
    """Decode and preprocess, with the digit's box mapped back onto the sender's picture."""
    return _prepared(decode(image), stages)


def _prepared(decoded: DecodedImage, stages: Stages | None) -> Preprocessed:
    return _mapped(decoded, preprocess(decoded.gray, stages))


def _mapped(decoded: DecodedImage, result: Preprocessed) -> Preprocessed:
    """The box moved from the decoded (possibly reduced) image onto the sender's picture."""
    x, y, width, height = (round(value / decoded.scale) for value in result.box)
    return Preprocessed(result.image, (x, y, width, height))


def _prediction(prepared: Preprocessed, probabilities: np.ndarray) -> Prediction:
    digit = int(np.argmax(probabilities))
    return Prediction(
        digit=digit,
        confidence=float(probabilities[digit]),
        probabilities=tuple(float(p) for p in probabilities),
        image=prepared.image,
        box=Box(*prepared.box),
    )
