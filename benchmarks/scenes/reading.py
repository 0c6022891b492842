"""The two readers the benchmark compares: the shipped recognizer and the naive baseline.

``read_rows`` is the one place that knows the recognizer's entry point: when it changes, only
this function changes.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from recognizer import Recognizer, RecognizerError
from recognizer.config import MODEL_FILE

MNIST_SIDE = 28
DIGITS = 10
"""The model's first ten outputs are the digits; an eleventh ("not a digit"), if the model has
one, is no answer the tutorial's way knows."""


def read_rows(recognizer: Recognizer, image_bytes: bytes) -> list[str]:
    """What the recognizer reads in a photo: each row's digits, rows top to bottom.

    A refusal (no digit found, too many digits, undecodable) is an answer of no rows.
    """
    try:
        reading = recognizer.read(image_bytes)
    except RecognizerError:
        return []
    return [row.number for row in reading.rows]


class NaiveBaseline:
    """The tutorial's way: grayscale, the whole picture resized to 28x28, inverted, one call of
    the same LiteRT model. It can only ever answer one digit."""

    def __init__(self, model_dir: Path) -> None:
        self._interpreter = Interpreter(model_path=str(Path(model_dir) / MODEL_FILE))
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]

    def read_rows(self, image_bytes: bytes) -> list[str]:
        """One row of one digit, or no rows when the bytes are not an image."""
        gray = cv2.imdecode(np.frombuffer(image_bytes, np.uint8), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            return []
        small = cv2.resize(gray, (MNIST_SIDE, MNIST_SIDE), interpolation=cv2.INTER_AREA)
        batch = (255 - small).astype(np.float32).reshape(1, MNIST_SIDE, MNIST_SIDE, 1) / 255
        self._interpreter.resize_tensor_input(self._input, list(batch.shape))
        self._interpreter.allocate_tensors()
        self._interpreter.set_tensor(self._input, batch)
        self._interpreter.invoke()
        scores = self._interpreter.get_tensor(self._output)[0][:DIGITS]
        return [str(int(np.argmax(scores)))]
