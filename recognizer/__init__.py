"""Handwritten digit recognition: photo bytes in, digit, confidence and probabilities out.

A pure library: OpenCV preprocessing and LiteRT inference, never TensorFlow nor Telegram.
"""

from recognizer.errors import (
    ImageDecodeError,
    ImageTooLargeError,
    ImageTooSmallError,
    ModelLoadError,
    NoDigitError,
    RecognizerError,
)
from recognizer.prediction import Box, NumberReading, Prediction
from recognizer.recognizer import Recognizer
from recognizer.segment import TooManyDigitsError

__all__ = [
    "Box",
    "ImageDecodeError",
    "ImageTooLargeError",
    "ImageTooSmallError",
    "ModelLoadError",
    "NoDigitError",
    "NumberReading",
    "Prediction",
    "Recognizer",
    "RecognizerError",
    "TooManyDigitsError",
]
