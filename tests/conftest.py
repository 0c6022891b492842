"""Fixtures shared by the whole suite: real MNIST digits and the shipped model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recognizer import Recognizer
from recognizer.contracts import MNIST_PATH_ENV
from training.mnist import Mnist, load_mnist

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
DEFAULT_MNIST = SHARED_DATA / "mnist" / "mnist.npz"
REAL_DIGITS = SHARED_DATA / "real-digits"

pytest_plugins = ["tests.botharness"]
"""The shared bot and emulator fixtures of the end-to-end modules."""


def mnist_path() -> Path:
    """The tests need the real data set; they never download it."""
    return Path(os.environ.get(MNIST_PATH_ENV, DEFAULT_MNIST))


@pytest.fixture(scope="session")
def mnist() -> Mnist:
    return load_mnist(mnist_path())


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    """The shipped model, loaded once: the suite tests what a fresh clone serves."""
    return Recognizer.load()


def python_path_hiding(folder: Path, *names: str, rest: str | None = None) -> str:
    """A PYTHONPATH (``folder`` first, then ``rest``) under which ``names`` cannot be imported,
    as on a serve-only install.

    Python runs ``sitecustomize`` at start-up; a ``None`` entry in ``sys.modules`` is its own way
    of marking a module unimportable, so no installed package has to be touched.
    """
    folder.mkdir()
    blocked = "".join(f"sys.modules[{name!r}] = None\n" for name in names)
    (folder / "sitecustomize.py").write_text(f"import sys\n\n{blocked}")
    return os.pathsep.join(filter(None, [str(folder), rest]))
