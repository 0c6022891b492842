"""The figures a model directory carries in metrics.json, read by the bot's /stats."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from recognizer.config import NOT_A_DIGIT

_LIBRARIES = ("tensorflow-cpu", "tensorflow", "keras", "ai-edge-litert", "numpy")


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, classes: int = 10) -> np.ndarray:
    """Rows are true digits, columns predicted ones."""
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def accuracy_figures(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """Overall and per-digit accuracy plus the confusion matrix of one model on one labelled set.

    ``probabilities`` is (N, 10) or (N, 11): an eleventh "not a digit" output is left out, each
    image counts as the digit the model finds most likely.
    """
    predicted = probabilities[:, :10].argmax(axis=1)
    matrix = confusion_matrix(labels, predicted)
    per_digit = np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)
    return {
        "accuracy": float((predicted == labels).mean()),
        "per_digit_accuracy": {str(digit): float(value) for digit, value in enumerate(per_digit)},
        "confusion_matrix": matrix.tolist(),
        "images": len(labels),
    }


def sha256_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_of_arrays(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def not_a_digit_figures(
    digits: np.ndarray, negatives: np.ndarray, kinds: np.ndarray, names: list[str]
) -> dict[str, Any]:
    """How the "not a digit" class behaves: on digits (N, 11) it should (almost) never be the
    answer, on held-out negatives (M, 11), of kind ``kinds`` (M,) named by ``names``, it should."""
    caught = negatives.argmax(axis=1) == NOT_A_DIGIT
    return {
        "digits_answered_not_a_digit": float((digits.argmax(axis=1) == NOT_A_DIGIT).mean()),
        "held_out_negatives": len(negatives),
        "held_out_caught": float(caught.mean()) if len(negatives) else 0.0,
        "caught_by_kind": {
            name: float(caught[kinds == index].mean())
            for index, name in enumerate(names)
            if (kinds == index).any()
        },
    }
