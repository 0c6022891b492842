"""Running an exported .tflite model the way the recognizer serves it: through LiteRT."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

_BATCH = 256


class LiteRTModel:
    """One interpreter, resized only when the batch size changes; ``threads=None``: all cores."""

    def __init__(self, model_path: Path, threads: int | None = None) -> None:
        self.interpreter = Interpreter(model_path=str(model_path), num_threads=threads)
        self.input_index = self.interpreter.get_input_details()[0]["index"]
        self.output_index = self.interpreter.get_output_details()[0]["index"]
        self.batch_size = 0

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Softmax probabilities (N, classes) for float32 images (N, 28, 28, 1), in bounded
        batches."""
        outputs = [
            self._invoke(images[start : start + _BATCH]) for start in range(0, len(images), _BATCH)
        ]
        classes = self.interpreter.get_output_details()[0]["shape"][-1]
        return np.concatenate(outputs) if outputs else np.zeros((0, classes), np.float32)

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(batch, dtype=np.float32)
        if len(batch) != self.batch_size:
            self.interpreter.resize_tensor_input(self.input_index, batch.shape)
            self.interpreter.allocate_tensors()
            self.batch_size = len(batch)
        self.interpreter.set_tensor(self.input_index, batch)
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.output_index).copy()


def predict_tflite(model_path: Path, images: np.ndarray) -> np.ndarray:
    return LiteRTModel(model_path).predict(images)
