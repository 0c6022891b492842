"""Accuracy targets with the shipped model: photos, real drawings, MNIST through the full pipeline.

The same measurements as ``python -m benchmarks.accuracy``, on smaller (still seeded) sets.
"""

from __future__ import annotations

import pytest

from benchmarks.accuracy import (
    Sample,
    generated_samples,
    mnist_png_samples,
    real_samples,
    score_naive,
    score_pipeline,
)
from recognizer import Recognizer
from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.model import DigitModel
from tests.conftest import REAL_DIGITS, mnist_path

GENERATED_PHOTOS = 240
"""Twenty photos per condition of benchmarks.photos.CASES."""

MNIST_PNGS = 2000


@pytest.fixture(scope="module")
def photos() -> list[Sample]:
    return generated_samples(GENERATED_PHOTOS, seed=11, mnist_file=mnist_path())


def test_generated_photos_are_read(recognizer: Recognizer, photos: list[Sample]) -> None:
    score = score_pipeline(recognizer, photos)
    assert score.accuracy >= 0.97, score.mistakes


def test_preprocessing_beats_the_naive_baseline(photos: list[Sample]) -> None:
    """The naive way (whole photo to 28x28) must fail on photos, or the set proves nothing."""
    naive = score_naive(DigitModel.load(DEFAULT_MODEL_DIR), photos)
    assert naive.accuracy < 0.6


def test_real_photos_and_drawings_are_read(recognizer: Recognizer) -> None:
    samples = real_samples(REAL_DIGITS)
    assert len(samples) == 89
    score = score_pipeline(recognizer, samples)
    assert score.accuracy >= 0.98, score.mistakes  # issue 12's target: 88 of 89 read


def test_mnist_pngs_through_the_full_pipeline(recognizer: Recognizer) -> None:
    score = score_pipeline(recognizer, mnist_png_samples(MNIST_PNGS, mnist_path()))
    assert score.total == MNIST_PNGS
    assert score.accuracy >= 0.993, score.mistakes[:20]
