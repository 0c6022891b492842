"""The made-up training crops: not-a-digit pieces and digits in other writing styles.

All of it is numpy and OpenCV (no TensorFlow): each crop must look exactly like what the
recognizer renders from the same ink in a photo, or the model would learn a shortcut.
"""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.config import CANVAS, DIGIT_BOX, MNIST_CENTRE
from tests.conftest import rendered_digit
from training.crops import draw_polyline, is_stick, render, upscaled
from training.mnist import Mnist
from training.negatives import (
    KINDS,
    Negatives,
    box_corner,
    five_cap,
    four_stroke,
    make_negatives,
)
from training.styles import STYLES, continental_one, crossed_seven, make_styled, stroked_four

COUNT = 260


@pytest.fixture(scope="module")
def negatives(mnist: Mnist) -> Negatives:
    return make_negatives(mnist.x_train[:3000], COUNT, np.random.default_rng(11))


def photo_of(ink: np.ndarray) -> np.ndarray:
    """Ink strength as a photo would give it: dark ink on white paper, with a margin."""
    height, width = ink.shape
    photo = np.full((height + 120, width + 120), 255, np.uint8)
    photo[60 : 60 + height, 60 : 60 + width] = np.round(255 * (1 - np.clip(ink, 0, 1)))
    return photo


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, columns = np.indices(image.shape)
    total = image.sum()
    return float((rows * image).sum() / total), float((columns * image).sum() / total)


def test_negatives_are_mnist_shaped_and_every_kind_is_there(negatives) -> None:
    assert negatives.images.shape == (COUNT, CANVAS, CANVAS)
    assert negatives.images.dtype == np.uint8
    assert negatives.kinds.shape == (COUNT,)
    assert set(negatives.kinds.tolist()) == set(range(len(KINDS)))
    shares = np.array([share for _, _, share in KINDS])
    expected = shares / shares.sum() * COUNT
    assert np.all(np.abs(np.bincount(negatives.kinds) - expected) <= 5)


def test_negatives_are_rendered_like_the_recognizer_renders_a_crop(negatives) -> None:
    """Fitted into 20x20, saturated, centred by mass in 28x28: MNIST's layout (a lopsided
    piece's shift may push part of it off the canvas, so its mass sits a little off)."""
    offsets = []
    for image in negatives.images:
        assert image.max() == 255
        rows = np.flatnonzero(image.any(axis=1))
        columns = np.flatnonzero(image.any(axis=0))
        assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 <= DIGIT_BOX + 1
        y, x = centre_of_mass(image.astype(np.float64))
        offsets.append(max(abs(y - MNIST_CENTRE), abs(x - MNIST_CENTRE)))
    assert np.median(offsets) <= 0.6
    assert np.mean(np.asarray(offsets) <= 1.5) > 0.9


@pytest.mark.parametrize(
    "kind", [box_corner, four_stroke, five_cap, stroked_four], ids=lambda kind: kind.__name__
)
def test_a_photo_of_the_same_ink_reads_as_the_same_image(kind, mnist: Mnist) -> None:
    """The recognizer, given a photo of one connected piece of ink, sees what training drew.

    Not a comb field's base with its teeth: photographed alone, the recognizer takes it out as
    printed structure (``recognizer.underlines``) before any crop is judged."""
    rng = np.random.default_rng(3)
    for _ in range(4):
        ink = kind(mnist.x_train[:10], rng)
        seen = rendered_digit(photo_of(ink)).astype(np.int64)
        drawn = render(ink)
        assert drawn is not None
        assert np.abs(seen - drawn).max() <= 4


def test_no_negative_is_a_lone_upright_stroke(negatives, mnist: Mnist) -> None:
    """A straight near-vertical stroke is a 1 to anyone who sees only the crop."""
    assert not any(is_stick(image) for image in negatives.images)
    line = np.zeros((100, 100), np.float32)
    draw_polyline(line, np.array([(50.0, 10.0), (56.0, 90.0)]), 8)
    stroke = render(line)
    assert stroke is not None
    assert is_stick(stroke)
    ones = mnist.x_test[mnist.y_test == 1][:200]
    eights = mnist.x_test[mnist.y_test == 8][:200]
    assert np.mean([is_stick(image) for image in ones]) > 0.6
    assert np.mean([is_stick(image) for image in eights]) < 0.05  # only the narrowest


def test_negatives_are_seeded(mnist: Mnist) -> None:
    first = make_negatives(mnist.x_train[:500], 40, np.random.default_rng(7))
    again = make_negatives(mnist.x_train[:500], 40, np.random.default_rng(7))
    other = make_negatives(mnist.x_train[:500], 40, np.random.default_rng(8))
    np.testing.assert_array_equal(first.images, again.images)
    assert not np.array_equal(first.images, other.images)


def test_styled_digits_have_their_labels_and_every_style(mnist: Mnist) -> None:
    styled = make_styled(mnist.x_train[:4000], mnist.y_train[:4000], 120, np.random.default_rng(2))
    assert styled.images.shape == (120, CANVAS, CANVAS)
    assert set(styled.styles.tolist()) == set(range(len(STYLES)))
    for index, style in enumerate(STYLES):
        labels = styled.labels[styled.styles == index]
        if style.label is not None:
            assert set(labels.tolist()) == {style.label}
    plain = styled.labels[styled.styles == [s.name for s in STYLES].index("plain")]
    assert len(set(plain.tolist())) > 3


def test_a_continental_one_gets_its_up_stroke_on_the_left(mnist: Mnist) -> None:
    rng = np.random.default_rng(4)
    for digit in mnist.x_train[mnist.y_train == 1][:10]:
        before = np.pad(upscaled(digit), 40)
        after = continental_one(digit, rng)
        assert after is not None
        added = (after >= 0.5) & (before < 0.5)
        columns = np.flatnonzero(added.any(axis=0))
        rows = np.flatnonzero((before >= 0.5).any(axis=1))
        top = before[rows[0] : rows[0] + np.ptp(rows) // 4] >= 0.5
        assert added.sum() > 0.2 * (before >= 0.5).sum()
        assert columns.min() < np.flatnonzero(top.any(axis=0)).min() - 0.15 * np.ptp(rows)


def test_a_crossed_seven_gets_a_bar_across_its_stem(mnist: Mnist) -> None:
    rng = np.random.default_rng(6)
    for digit in mnist.x_train[mnist.y_train == 7][:10]:
        before = np.pad(upscaled(digit), 40)
        after = crossed_seven(digit, rng)
        if after is None:
            continue
        added = (after >= 0.5) & (before < 0.5)
        rows = np.flatnonzero(added.any(axis=1))
        inked = np.flatnonzero((before >= 0.5).any(axis=1))
        middle = (rows.min() + rows.max()) / 2
        assert inked.min() + 0.3 * np.ptp(inked) < middle < inked.max() - 0.25 * np.ptp(inked)
        assert np.ptp(rows) < 0.3 * np.ptp(inked)
