"""Preprocessing turns a photo of a digit into what MNIST looks like, whatever the conditions.

Each test renders a real MNIST test digit large onto a synthetic page under one condition and
compares the 28x28 result with the same digit on a clean page, or checks an MNIST property.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.config import CANVAS, DIGIT_BOX, MNIST_STROKE_WIDTH, STROKE_TOLERANCE
from recognizer.preprocess import Preprocessed, preprocess
from training.mnist import Mnist

PAGE = (720, 960)  # height, width


def ink_of(mnist: Mnist, index: int, height: int = 260) -> np.ndarray:
    """The digit's ink coverage in [0, 1], upscaled smoothly to a handwriting size."""
    digit = mnist.x_test[index].astype(np.float32) / 255
    return np.clip(cv2.resize(digit, (height, height), interpolation=cv2.INTER_CUBIC), 0, 1)


def page_with(ink: np.ndarray, paper: float = 235, pen: float = 30, at=(230, 350)) -> np.ndarray:
    page = np.full(PAGE, paper, np.float32)
    top, left = at
    region = page[top : top + ink.shape[0], left : left + ink.shape[1]]
    region[:] = region * (1 - ink) + pen * ink
    return np.clip(page, 0, 255).astype(np.uint8)


def similarity(one: Preprocessed, other: Preprocessed) -> float:
    """Correlation of two 28x28 results: 1 means the model sees the same thing."""
    a, b = one.image.astype(np.float64).ravel(), other.image.astype(np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_mnist_digit_passes_unharmed(mnist: Mnist) -> None:
    for image in mnist.x_test[:20]:
        assert np.array_equal(preprocess(image).image, image)


def test_black_on_white_28x28_is_only_inverted(mnist: Mnist) -> None:
    image = mnist.x_test[5]
    assert np.array_equal(preprocess(255 - image).image, image)


@pytest.mark.parametrize("index", range(6))
def test_result_is_fitted_and_centred_like_mnist(mnist: Mnist, index: int) -> None:
    result = preprocess(page_with(ink_of(mnist, index)))
    image = result.image.astype(np.float64)
    ys, xs = np.nonzero(image > 10)
    longest = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    assert DIGIT_BOX - 2 <= longest <= DIGIT_BOX + 2
    rows, cols = np.indices(image.shape)
    assert (rows * image).sum() / image.sum() == pytest.approx(14, abs=1)
    assert (cols * image).sum() / image.sum() == pytest.approx(14, abs=1)
    assert result.image.max() == 255, "stroke cores are saturated, as in MNIST"


@pytest.mark.parametrize("index", range(4))
def test_light_on_dark_reads_like_dark_on_light(mnist: Mnist, index: int) -> None:
    ink = ink_of(mnist, index)
    paper = preprocess(page_with(ink, paper=235, pen=30))
    blackboard = preprocess(page_with(ink, paper=40, pen=220))
    assert similarity(paper, blackboard) > 0.9


@pytest.mark.parametrize("index", range(4))
def test_shadows_and_gradients_do_not_become_ink(mnist: Mnist, index: int) -> None:
    page = page_with(ink_of(mnist, index)).astype(np.float32)
    ys, xs = np.mgrid[0 : PAGE[0], 0 : PAGE[1]]
    light = 1.0 - 0.45 * xs / PAGE[1] - 0.2 * ys / PAGE[0]
    light[:, : PAGE[1] // 4] *= 0.55  # a hard shadow over the left quarter
    lit = np.clip(page * light, 0, 255).astype(np.uint8)
    assert similarity(preprocess(page.astype(np.uint8)), preprocess(lit)) > 0.9


@pytest.mark.parametrize("pattern", ["ruled", "squared"])
def test_printed_lines_are_removed(mnist: Mnist, pattern: str) -> None:
    ink = ink_of(mnist, 7)
    clean = page_with(ink)
    lined = clean.copy()
    for y in range(17, PAGE[0], 40):
        cv2.line(lined, (0, y), (PAGE[1], y + 12), 150, 2)  # slightly skewed, like a photo
    if pattern == "squared":
        for x in range(9, PAGE[1], 40):
            cv2.line(lined, (x, 0), (x - 10, PAGE[0]), 150, 2)
    lined = np.minimum(lined, clean)
    assert similarity(preprocess(clean), preprocess(lined)) > 0.85


def test_shadow_touching_the_edge_is_not_taken_for_the_digit(mnist: Mnist) -> None:
    page = page_with(ink_of(mnist, 3, height=180))
    page[:, :120] = 60  # a dark object along the left edge
    result = preprocess(page)
    x, y, width, height = result.box
    assert x >= 350
    assert x + width <= 350 + 180
    assert y >= 230
    assert 100 <= height <= 150, "the digit alone: 180 px minus MNIST's empty margins"


def test_separate_strokes_of_one_digit_are_kept_together(mnist: Mnist) -> None:
    """A 5 whose cap was lifted off the paper still reads as one digit."""
    five = int(np.flatnonzero(mnist.y_test == 5)[0])
    ink = ink_of(mnist, five)
    whole = preprocess(page_with(ink))
    cut = ink.copy()
    cut[88:96, :] = 0  # lift the pen between cap and body
    pieces, _ = cv2.connectedComponents((cut > 0.5).astype(np.uint8))
    assert pieces - 1 >= 2, "the test digit really is in pieces"
    broken = preprocess(page_with(cut))
    assert broken.box[3] >= 0.9 * whole.box[3]
    assert similarity(whole, broken) > 0.85


@pytest.mark.parametrize("pen", ["hairline", "marker"])
def test_stroke_width_is_brought_toward_mnist(mnist: Mnist, pen: str) -> None:
    binary = (ink_of(mnist, 0, height=400) > 0.5).astype(np.uint8)
    if pen == "hairline":
        # The ridge of the distance transform: the stroke's centre line, about 3 px wide.
        depth = cv2.distanceTransform(binary, cv2.DIST_L2, 5)
        ridge = (depth >= cv2.dilate(depth, np.ones((3, 3), np.uint8))) & (depth > 2)
        stroke = cv2.dilate(ridge.astype(np.uint8), np.ones((3, 3), np.uint8))
    else:
        stroke = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (45, 45)))
    result = preprocess(page_with(stroke.astype(np.float32)))
    core = (result.image >= 128).astype(np.uint8)
    contours, _ = cv2.findContours(core, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, closed=True) for contour in contours)
    width = 2 * core.sum() / perimeter
    tolerance = STROKE_TOLERANCE * 1.3
    assert MNIST_STROKE_WIDTH / tolerance <= width <= MNIST_STROKE_WIDTH * tolerance


def test_every_stage_can_be_inspected(mnist: Mnist) -> None:
    stages: dict[str, np.ndarray] = {}
    result = preprocess(page_with(ink_of(mnist, 1)), stages)
    names = [name.split("-", 1)[1] for name in stages]
    assert names[:3] == ["gray", "paper", "ink"]
    assert names[-1] == "mnist"
    assert np.array_equal(next(reversed(stages.values())), result.image)
    assert all(image.dtype == np.uint8 for image in stages.values())
    assert result.image.shape == (CANVAS, CANVAS)
