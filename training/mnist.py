"""Loading MNIST without importing TensorFlow, so tests and benchmarks get real digits cheaply."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognizer.contracts import MNIST_PATH_ENV

_KEYS = ("x_train", "y_train", "x_test", "y_test")


class DataError(Exception):
    """The data set is missing or unreadable; the message names the path and the fix."""


@dataclass(frozen=True)
class Mnist:
    """MNIST as uint8 arrays: images (N, 28, 28) white on black, labels (N,)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def resolve_path(path: str | Path | None) -> Path | None:
    """The explicit path if given, else the environment variable's, else None (download)."""
    if path:
        return Path(path).expanduser()
    from_env = os.environ.get(MNIST_PATH_ENV)
    return Path(from_env).expanduser() if from_env else None


def load_mnist(path: str | Path | None = None) -> Mnist:
    """Load MNIST from a Keras-layout ``.npz``; with no path anywhere, use Keras' own download."""
    resolved = resolve_path(path)
    if resolved is None:
        return _download_with_keras()
    return _load_npz(resolved)


def _load_npz(path: Path) -> Mnist:
    fix = f"pass --data PATH or set {MNIST_PATH_ENV} to a Keras-layout mnist.npz"
    if not path.is_file():
        raise DataError(f"MNIST file not found: {path} ({fix})")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: np.asarray(data[key]) for key in _KEYS}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"MNIST file {path} is unreadable or corrupt ({error}); {fix}") from None
    _check_shapes(arrays, path, fix)
    return Mnist(**arrays, source=str(path))


def _check_shapes(arrays: dict[str, np.ndarray], path: Path, fix: str) -> None:
    for images, labels in (("x_train", "y_train"), ("x_test", "y_test")):
        x, y = arrays[images], arrays[labels]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (x.shape[0],):
            raise DataError(f"MNIST file {path} has unexpected shapes in {images}/{labels}; {fix}")


def _download_with_keras() -> Mnist:
    """Keras caches the download in ~/.keras/datasets, so this costs one fetch per machine."""
    import keras  # noqa: PLC0415  (TensorFlow is optional: imported only when downloading)

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:
        raise DataError(
            f"could not download MNIST ({error}); pass --data PATH or set {MNIST_PATH_ENV}"
        ) from None
    return Mnist(x_train, y_train, x_test, y_test, source="keras download")
