"""The model stage: the exported digit model run with LiteRT, and the model's input contract.

The contract is written once, here, and training uses it too: a model input is a 28x28 uint8
image, white digit on black, given to the network as float32 (N, 28, 28, 1) in [0, 1]. A model
has 10 outputs (the digits) or 11 (the digits and "not a digit", index 10).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from recognizer.config import CANVAS, MODEL_FILE, NOT_A_DIGIT
from recognizer.errors import ModelLoadError

DIGIT_CLASSES = 10
"""Outputs 0-9 are the digits."""

_BATCH = 256
"""Largest batch handed to the interpreter at once, so evaluating a whole set stays bounded."""


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) white-on-black images -> float32 (N, 28, 28, 1) in [0, 1]."""
    return (np.asarray(images).astype(np.float32) / 255.0).reshape(-1, CANVAS, CANVAS, 1)


@dataclass(frozen=True, slots=True)
class Scores:
    """What the model says about N inputs."""

    digits: np.ndarray
    """float (N, 10): probability of each digit given that the input is a digit (sums to 1)."""
    not_digit: np.ndarray
    """float (N,): probability that the input is no digit at all; 0 for a 10-output model."""


class Model(Protocol):
    """What the pipeline needs of a model: LiteRT here, another runtime in a benchmark."""

    def scores(self, images: np.ndarray) -> Scores:
        """uint8 (N, 28, 28) white-on-black images -> their Scores."""
        ...


def scores_of(output: np.ndarray) -> Scores:
    """A model's softmax output (N, 10 or 11) as Scores: digits renormalised over 0-9."""
    output = np.asarray(output, np.float64)
    digits = output[:, :DIGIT_CLASSES]
    if output.shape[1] == DIGIT_CLASSES:
        return Scores(digits, np.zeros(len(output)))
    total = digits.sum(axis=1, keepdims=True)
    even = np.full_like(digits, 1 / DIGIT_CLASSES)
    renormalised = np.divide(digits, total, out=even, where=total > 0)
    return Scores(renormalised, output[:, NOT_A_DIGIT])


class DigitModel:
    """One LiteRT interpreter for a .tflite digit model; safe to share between threads.

    The interpreter holds its tensors in place, so calls are serialised with a lock; it is
    resized only when the batch size changes.
    """

    def __init__(self, interpreter: Interpreter) -> None:
        self._interpreter = interpreter
        self._lock = threading.Lock()
        self._input = interpreter.get_input_details()[0]["index"]
        self._output = interpreter.get_output_details()[0]["index"]
        self._batch = 0

    @classmethod
    def load(cls, model_dir: Path) -> DigitModel:
        """The served model of a model directory, on one thread; ModelLoadError says the fix."""
        path = Path(model_dir) / MODEL_FILE
        if not path.is_file():
            raise ModelLoadError(
                f"No model found at {path}. Train one with `python -m training` "
                "or point --model-dir at a directory holding digits.tflite."
            )
        return cls.open(path, threads=1)

    @classmethod
    def open(cls, path: Path, threads: int | None = 1) -> DigitModel:
        """Any .tflite file following the contract (``threads=None``: every core), checked by
        one run; raises ModelLoadError when it cannot be loaded or has the wrong outputs."""
        try:
            interpreter = Interpreter(model_path=str(path), num_threads=threads)
            interpreter.allocate_tensors()
            model = cls(interpreter)
            model.outputs(np.zeros((1, CANVAS, CANVAS, 1), np.float32))
        except (ValueError, RuntimeError, IndexError, KeyError) as error:
            raise ModelLoadError(f"The model at {path} could not be loaded ({error}).") from None
        return model

    def outputs(self, batch: np.ndarray) -> np.ndarray:
        """The network's raw softmax (N, 10 or 11) for model inputs (N, 28, 28, 1) float32.

        Raises ValueError for any other shape: uint8 images go through ``scores`` or
        ``to_model_input`` first, never straight in (they would be read unscaled).
        """
        if batch.ndim != 4 or batch.shape[1:] != (CANVAS, CANVAS, 1):
            raise ValueError(f"model inputs are (N, 28, 28, 1) float32, not {batch.shape}")
        parts = [
            self._invoke(batch[start : start + _BATCH]) for start in range(0, len(batch), _BATCH)
        ]
        if not parts:
            return np.zeros((0, DIGIT_CLASSES), np.float32)
        output = np.concatenate(parts)
        if output.ndim != 2 or output.shape[1] not in (DIGIT_CLASSES, DIGIT_CLASSES + 1):
            raise ModelLoadError(
                f"The model gives outputs of shape {output.shape}, not (N, 10) or (N, 11)."
            )
        return output

    def scores(self, images: np.ndarray) -> Scores:
        """Digit probabilities renormalised over 0-9, and "not a digit", for uint8 (N, 28, 28)."""
        return scores_of(self.outputs(to_model_input(images)))

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        with self._lock:
            if batch.shape[0] != self._batch:
                self._interpreter.resize_tensor_input(self._input, list(batch.shape))
                self._interpreter.allocate_tensors()
                self._batch = batch.shape[0]
            self._interpreter.set_tensor(self._input, batch)
            self._interpreter.invoke()
            output: np.ndarray = self._interpreter.get_tensor(self._output).copy()
        return output
