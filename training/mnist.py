"""Loading MNIST without importing TensorFlow, so tests and benchmarks get real digits cheaply."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from recognizer.contracts import MNIST_PATH_ENV, ErrorKind
from training import texts

__all__ = ["DataError", "Mnist", "keras_cache", "load_mnist", "resolve_path"]

_KEYS = ("x_train", "y_train", "x_test", "y_test")


MNIST_MISSING: Final[ErrorKind] = "mnist_missing"
MNIST_DOWNLOAD: Final[ErrorKind] = "mnist_download"


class DataError(Exception):
    """The data set is missing or unreadable; the message names the path and the fix.

    ``kind`` names the failure for a parent process (see training.progress); None for the
    rest of the bad input (a wrong folder, a model directory...)."""

    def __init__(self, message: str, kind: ErrorKind | None = None) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Mnist:
    """MNIST as uint8 arrays: images (N, 28, 28) white on black, labels (N,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def keras_cache() -> Path:
    """Where Keras keeps its download (``$KERAS_HOME`` or ``~/.keras``): a machine that fetched
    MNIST once has it there, the full Docker image in its volume (HOME is /data)."""
    home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(home) / "datasets" / "mnist.npz"


def resolve_path(path: str | Path | None) -> Path | None:
    """The explicit path if given, else the environment variable's, else Keras' earlier
    download if there is one, else None (download now)."""
    if path:
        return Path(path).expanduser()
    from_env = os.environ.get(MNIST_PATH_ENV)
    if from_env:
        return Path(from_env).expanduser()
    cached = keras_cache()
    return cached if cached.is_file() else None


def load_mnist(path: str | Path | None = None) -> Mnist:
    """Load MNIST from a Keras-layout ``.npz``; with no path anywhere, use Keras' own download."""
    resolved = resolve_path(path)
    if resolved is None:
        return _download_with_keras()
    return _load_npz(resolved)


def _load_npz(path: Path) -> Mnist:
    if not path.is_file():
        raise DataError(texts.mnist_not_found(path), MNIST_MISSING)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: np.asarray(data[key]) for key in _KEYS}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(texts.mnist_unreadable(path, error), MNIST_MISSING) from None
    _check_shapes(arrays, path)
    return Mnist(**arrays, source=str(path))


def _check_shapes(arrays: dict[str, np.ndarray], path: Path) -> None:
    for images, labels in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = arrays[images], arrays[labels]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (x.shape[0],):
            raise DataError(texts.mnist_bad_shapes(path, images, labels), MNIST_MISSING)


def _download_with_keras() -> Mnist:
    """Keras caches the download in ~/.keras/datasets, so this costs one fetch per machine.
    A serve-only install, which may evaluate a model, has no Keras to download with."""
    try:
        import keras  # noqa: PLC0415  (TensorFlow is optional: imported only when downloading)
    except ImportError:
        raise DataError(texts.NO_MNIST_WITHOUT_KERAS, MNIST_MISSING) from None

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:
        raise DataError(texts.mnist_download_failed(error), MNIST_DOWNLOAD) from None
    return Mnist(x_train, y_train, x_test, y_test, source="keras download")
