"""The exported digit model, run with LiteRT (no TensorFlow at serving time)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from recognizer.config import CANVAS, MODEL_FILE
from recognizer.errors import ModelLoadError


class DigitModel:
    """Softmax over the ten digits for batches of 28x28 uint8 images.

    One LiteRT interpreter holds its tensors in place, so calls are serialised with a lock; a
    call takes well under a millisecond, far less than decoding the photo that precedes it.
    """

    def __init__(self, interpreter: Interpreter) -> None:
        self._interpreter = interpreter
        self._lock = threading.Lock()
        self._input = interpreter.get_input_details()[0]["index"]
        self._output = interpreter.get_output_details()[0]["index"]
        self._batch = 0

    @classmethod
    def load(cls, model_dir: Path) -> DigitModel:
        path = Path(model_dir) / MODEL_FILE
        if not path.is_file():
            raise ModelLoadError(
                f"No model found at {path}. Train one with `python -m training` "
                "or point --model-dir at a directory holding digits.tflite."
            )
        try:
            interpreter = Interpreter(model_path=str(path), num_threads=1)
            interpreter.allocate_tensors()
            model = cls(interpreter)
            model.probabilities(np.zeros((1, CANVAS, CANVAS), np.uint8))
        except (ValueError, RuntimeError, IndexError, KeyError) as error:
            raise ModelLoadError(f"The model at {path} could not be loaded ({error}).") from None
        return model

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 28, 28) uint8 white-on-black images -> (N, 10) float probabilities."""
        batch = np.asarray(images, np.float32).reshape(-1, CANVAS, CANVAS, 1) / 255
        with self._lock:
            if batch.shape[0] != self._batch:
                self._interpreter.resize_tensor_input(self._input, list(batch.shape))
                self._interpreter.allocate_tensors()
                self._batch = batch.shape[0]
            self._interpreter.set_tensor(self._input, batch)
            self._interpreter.invoke()
            output: np.ndarray = self._interpreter.get_tensor(self._output).copy()
        if output.shape != (batch.shape[0], 10):
            raise ModelLoadError(f"The model gives outputs of shape {output.shape}, not (N, 10).")
        return output
