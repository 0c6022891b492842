"""Fixtures shared by the whole suite: real MNIST digits and the shipped model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from recognizer import Prediction, Recognizer
from recognizer.contracts import MNIST_PATH_ENV
from recognizer.decode import decode
from recognizer.ink import find_inks
from recognizer.render import render
from recognizer.single_digit import single_digit
from tests.postgres import PostgresServer
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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run, started only if a test asks for it."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh empty database on that server, dropped after the test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)


def rendered_digit(image: bytes | np.ndarray) -> np.ndarray:
    """The 28x28 image the recognizer's stages make of a picture's most plausible digit, before
    any model judges it: decode, ink, the single-digit pick, render."""
    ink = next(find_inks(decode(image).gray))
    rendered, _ = render(ink.strength, single_digit(ink))
    return rendered


def read_digit(recognizer: Recognizer, image: bytes | np.ndarray) -> Prediction:
    """The one digit the recognizer reads in a picture of one digit (anything else fails)."""
    reading = recognizer.read(image)
    assert len(reading.digits) == 1, f"read as {reading.number!r}, not one digit"
    return reading.digits[0]
