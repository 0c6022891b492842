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
        """(N, 28, 28) uint8 white-on-black images -> (N, 10) float probabilities.

        The interpreter stays at batch size 1 and runs the images one after another: resizing
        it re-plans every tensor (milliseconds, more than a whole batch of small images takes),
        and a model this small runs no faster per image in a batch.
        """
        batch = np.asarray(images, np.float32).reshape(-1, 1, CANVAS, CANVAS, 1) / 255
        rows = []
        with self._lock:
            for image in batch:
                self._interpreter.set_tensor(self._input, image)
                self._interpreter.invoke()
                rows.append(self._interpreter.get_tensor(self._output)[0].copy())
        output = np.stack(rows) if rows else np.empty((0, 10), np.float32)
        if output.shape != (batch.shape[0], 10):
            raise ModelLoadError(f"The model gives outputs of shape {output.shape}, not (N, 10).")
        return output
