"""The classifier's eleven outputs, and a ten-digit model from before them made eleven."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from recognizer.config import NOT_A_DIGIT
from training.config import Recipe
from training.dataset import to_model_input
from training.mnist import Mnist
from training.model import CLASSES, build_classifier, widened


def test_the_classifier_has_ten_digits_and_not_a_digit() -> None:
    assert CLASSES == NOT_A_DIGIT + 1 == 11
    assert build_classifier(Recipe()).output_shape == (None, 11)


def test_a_ten_class_model_widened_reads_digits_exactly_as_before(mnist: Mnist) -> None:
    keras.utils.set_random_seed(2)
    old = build_classifier(Recipe(), classes=10)
    images = to_model_input(mnist.x_test[:64])
    before = old.predict(images, verbose=0)
    wide = widened(old, Recipe())
    after = wide.predict(images, verbose=0)
    assert after.shape == (64, 11)
    digits = after[:, :NOT_A_DIGIT] / after[:, :NOT_A_DIGIT].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(digits, before, atol=1e-5)
    assert after[:, NOT_A_DIGIT].max() < 0.01


def test_an_eleven_class_model_is_kept_and_a_foreign_one_refused() -> None:
    model = build_classifier(Recipe())
    assert widened(model, Recipe()) is model
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)]
    foreign = keras.Sequential(layers)
    with pytest.raises(ValueError, match="layers differ"):
        widened(foreign, Recipe())
