"""Handwritten digit recognition: a picture in, the digits it holds out, in rows.

A pure library: OpenCV image processing and LiteRT inference, never TensorFlow nor Telegram.
``Recognizer.load(model_dir).read(image)`` is the one entry point.
"""

from recognizer.errors import (
    ImageDecodeError,
    ImageTooLargeError,
    ImageTooSmallError,
    ModelLoadError,
    NoDigitError,
    RecognizerError,
    TooManyDigitsError,
)
from recognizer.prediction import Box, Prediction, Reading, Row
from recognizer.recognizer import Recognizer

__all__ = [
    "Box",
    "ImageDecodeError",
    "ImageTooLargeError",
    "ImageTooSmallError",
    "ModelLoadError",
    "NoDigitError",
    "Prediction",
    "Reading",
    "Recognizer",
    "RecognizerError",
    "Row",
    "TooManyDigitsError",
]
