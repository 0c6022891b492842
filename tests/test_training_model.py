"""The classifier's eleven outputs, and a ten-digit model from before them made eleven."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from recognizer.config import NOT_A_DIGIT
from recognizer.model import to_model_input
from training.config import FINE_TUNE, WIDEN, Recipe
from training.mnist import Mnist
from training.model import CLASSES, build_classifier, widened
from training.run import RunRequest, recipe_for
from training.samples import empty_samples


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


def test_widening_a_ten_class_model_gets_its_own_longer_recipe(
    mnist: Mnist, tmp_path: Path
) -> None:
    request = RunRequest(mnist, empty_samples(), tmp_path, None, None, 5, tmp_path)
    assert recipe_for(request, build_classifier(Recipe(), classes=10)) == replace(WIDEN, seed=5)
    assert recipe_for(request, build_classifier(Recipe())) == replace(FINE_TUNE, seed=5)
    assert recipe_for(replace(request, init_from=None)) == replace(Recipe(), seed=5)
    shorter = replace(request, epochs=2)
    assert recipe_for(shorter, build_classifier(Recipe(), classes=10)).epochs == 2
