"""The recognizer: one pipeline from image to reading.

decode -> ink -> layout (rows, digits) -> render (28x28 the MNIST way) -> model. The layout
stage asks the model (through ``_Judge``) how surely candidate glyphs read as digits, so the
model decides how touching digits are cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from recognizer.config import CANVAS, DEFAULT_MODEL_DIR
from recognizer.decode import decode
from recognizer.ink import find_ink
from recognizer.layout import find_layout
from recognizer.model import DigitModel, Model, Scores
from recognizer.prediction import Box, Prediction, Reading, Row
from recognizer.render import as_mnist, render
from recognizer.segmentation import Glyph
from recognizer.stages import Stages, record

Rendered = tuple[np.ndarray, tuple[int, int, int, int]]
"""A glyph as the model sees it (uint8 28x28) and its box in the working image."""

ImageInput = bytes | np.ndarray
"""Encoded image bytes (JPEG, PNG, GIF, WebP...) or a gray, RGB or RGBA array."""


class Recognizer:
    """Reads the handwritten digits in a picture; safe to share between threads."""

    def __init__(self, model: Model) -> None:
        self._model = model

    @classmethod
    def load(cls, model_dir: str | Path = DEFAULT_MODEL_DIR) -> Recognizer:
        """Load the exported model; raises ModelLoadError with the fix in its message."""
        return cls(DigitModel.load(Path(model_dir)))

    def read(self, image: ImageInput, stages: Stages | None = None) -> Reading:
        """Every digit in the picture, in rows read top to bottom, each left to right.

        ``stages`` collects intermediate images if given. Raises the RecognizerError family:
        ImageDecodeError, ImageTooLargeError, ImageTooSmallError (the input), NoDigitError
        (nothing like handwriting), TooManyDigitsError (a long number or a page of writing).
        """
        decoded = decode(image)
        mnist = as_mnist(decoded.gray)
        if mnist is not None:
            record(stages, "mnist", mnist)
            prediction = self._predictions([mnist], [(0, 0, CANVAS, CANVAS)])[0]
            return Reading((Row((prediction,)),), decoded.gray, decoded.scale)
        ink = find_ink(decoded.gray, stages)
        judge = _Judge(self._model, ink.strength)
        layout = find_layout(ink, judge, stages)
        single = len(layout.rows) == 1 and len(layout.rows[0]) == 1
        rows = []
        for glyphs in layout.rows:
            rendered = [
                render(ink.strength, glyph, stages) if single else judge.rendered(glyph)
                for glyph in glyphs
            ]
            boxes = [_on_photo(box, ink.scale * decoded.scale) for _, box in rendered]
            rows.append(Row(self._predictions([image for image, _ in rendered], boxes)))
        return Reading(tuple(rows), decoded.gray, decoded.scale, layout.other_writing)

    def _predictions(
        self, images: list[np.ndarray], boxes: list[tuple[int, int, int, int]]
    ) -> tuple[Prediction, ...]:
        scores = self._model.scores(np.stack(images))
        return tuple(
            _prediction(image, box, probabilities)
            for image, box, probabilities in zip(images, boxes, scores.digits, strict=True)
        )


class _Judge:
    """How surely glyphs read as digits: rendered and run through the model in one batch.

    Each glyph is rendered once: the layout judges the same glyphs the reading then reports.
    """

    def __init__(self, model: Model, strength: np.ndarray) -> None:
        self._model = model
        self._strength = strength
        self._rendered: dict[int, tuple[Glyph, Rendered]] = {}

    def __call__(self, glyphs: Sequence[Glyph]) -> np.ndarray:
        images = np.stack([self.rendered(glyph)[0] for glyph in glyphs])
        return _digit_likeness(self._model.scores(images))

    def rendered(self, glyph: Glyph) -> Rendered:
        """The glyph's 28x28 image and box (working image), rendered on first use."""
        known = self._rendered.get(id(glyph))
        if known is None:
            # The glyph is kept with its rendering, so its id cannot be reused meanwhile.
            known = (glyph, render(self._strength, glyph))
            self._rendered[id(glyph)] = known
        return known[1]


def _digit_likeness(scores: Scores) -> np.ndarray:
    """The most likely digit's probability times the probability of being a digit at all."""
    likeness: np.ndarray = scores.digits.max(axis=1) * (1 - scores.not_digit)
    return likeness


def _on_photo(box: tuple[int, int, int, int], scale: float) -> tuple[int, int, int, int]:
    """A box of the working image moved onto the sender's picture (``scale``: working size over
    the sender's size)."""
    x, y, width, height = (round(value / scale) for value in box)
    return x, y, width, height


def _prediction(
    image: np.ndarray, box: tuple[int, int, int, int], probabilities: np.ndarray
) -> Prediction:
    digit = int(np.argmax(probabilities))
    return Prediction(
        digit=digit,
        confidence=float(probabilities[digit]),
        probabilities=tuple(float(p) for p in probabilities),
        image=image,
        box=Box(*box),
    )
