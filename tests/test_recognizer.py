"""The recognizer's public API, on real MNIST digits and real encoded files, shipped model."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, replace

import numpy as np
import pytest
from PIL import Image

from recognizer import ModelLoadError, Prediction, Recognizer, chart
from recognizer.chart import render_chart
from recognizer.model import scores_of, to_model_input
from tests.conftest import REPO_ROOT, read_digit
from training.mnist import Mnist


def png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def test_reads_mnist_digits_given_as_png(recognizer: Recognizer, mnist: Mnist) -> None:
    predictions = [read_digit(recognizer, png(image)) for image in mnist.x_test[:50]]
    right = sum(p.digit == label for p, label in zip(predictions, mnist.y_test[:50], strict=True))
    assert right >= 49


def test_prediction_holds_what_the_model_saw(recognizer: Recognizer, mnist: Mnist) -> None:
    prediction = read_digit(recognizer, png(mnist.x_test[0]))
    assert isinstance(prediction, Prediction)
    assert prediction.digit == mnist.y_test[0]
    assert len(prediction.probabilities) == 10
    assert sum(prediction.probabilities) == pytest.approx(1.0, abs=1e-4)
    assert prediction.confidence == max(prediction.probabilities)
    assert prediction.image.shape == (28, 28)
    assert prediction.image.dtype == np.uint8
    assert np.array_equal(prediction.image, mnist.x_test[0]), "a 28x28 MNIST digit passes as is"


def test_accepts_arrays_as_well_as_bytes(recognizer: Recognizer, mnist: Mnist) -> None:
    digit = mnist.x_test[1]
    from_bytes = read_digit(recognizer, png(digit))
    from_gray = read_digit(recognizer, digit)
    from_rgb = read_digit(recognizer, np.repeat(digit[:, :, None], 3, axis=2))
    assert from_bytes.probabilities == pytest.approx(from_gray.probabilities, abs=1e-6)
    assert from_rgb.digit == from_bytes.digit


@pytest.mark.parametrize(("fmt", "zoom"), [("PNG", 1), ("JPEG", 5)])
def test_box_locates_the_digit_in_the_photo(
    recognizer: Recognizer, mnist: Mnist, fmt: str, zoom: int
) -> None:
    """A digit pasted at a known place on a page is found there, in the page's own pixels,
    also when a large JPEG is decoded at reduced size."""
    page = np.full((600 * zoom, 800 * zoom), 245, np.uint8)
    side = 140 * zoom
    digit = Image.fromarray(255 - mnist.x_test[2]).resize((side, side), Image.Resampling.BICUBIC)
    page[300 * zoom : 300 * zoom + side, 500 * zoom : 500 * zoom + side] = np.asarray(digit)
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, format=fmt)
    prediction = read_digit(recognizer, buffer.getvalue())
    x, y, width, height = (value / zoom for value in astuple(prediction.box))
    assert prediction.digit == mnist.y_test[2]
    assert 500 <= x <= 560
    assert 300 <= y <= 360
    assert x + width <= 640
    assert y + height <= 440


def test_read_is_thread_safe(recognizer: Recognizer, mnist: Mnist) -> None:
    images = [png(image) for image in mnist.x_test[:64]]
    expected = [read_digit(recognizer, image).probabilities for image in images]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda image: recognizer.read(image).digits[0].probabilities, images)
        )
    for result, wanted in zip(results, expected, strict=True):
        assert result == pytest.approx(wanted, abs=1e-6)


def test_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ModelLoadError, match="No model found"):
        Recognizer.load(tmp_path)


def test_corrupt_model_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "digits.tflite").write_bytes(b"not a flatbuffer at all" * 10)
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        Recognizer.load(tmp_path)


def palette_rgb(value: int) -> np.ndarray:
    """The colour the chart's palette shows for one of its drawing values."""
    palette = chart._palette()
    return np.array(palette[3 * value : 3 * value + 3])


def unsure_reading(prediction: Prediction) -> Prediction:
    """The same picture read as a hesitant 3 (60%) over 8 (30%): the orange highlight."""
    probabilities = np.full(10, 0.1 / 8)
    probabilities[3], probabilities[8] = 0.6, 0.3
    return replace(prediction, digit=3, confidence=0.6, probabilities=tuple(probabilities))


def bar_length(row: np.ndarray, colour: np.ndarray) -> int:
    """How many pixels from the bars' left edge one row of the chart shows in ``colour``."""
    drawn = np.all(row[chart._BAR_LEFT : chart.DIGIT_WIDTH] == colour, axis=1)
    return int(drawn.size if drawn.all() else np.argmin(drawn))


@pytest.mark.parametrize("sure", [True, False])
def test_chart_is_a_png_showing_the_answer(
    recognizer: Recognizer, mnist: Mnist, sure: bool
) -> None:
    """The predicted digit's bar, and only it, is highlighted; every bar is as long as its
    probability, relative to the longest; the 28x28 image the model saw is drawn pixel for
    pixel where the layout puts it. Positions come from the chart's own layout."""
    prediction = read_digit(recognizer, png(mnist.x_test[3]))
    prediction = prediction if sure else unsure_reading(prediction)
    assert prediction.is_unsure != sure
    image = Image.open(io.BytesIO(render_chart(prediction)))
    assert image.format == "PNG"
    assert image.size == (chart.DIGIT_WIDTH, chart._DIGIT_HEIGHT)
    rgb = np.asarray(image.convert("RGB")).astype(int)
    highlight = chart._UNSURE if prediction.is_unsure else chart._CHOSEN
    longest = max(prediction.probabilities)
    full = chart._bar_span(longest)
    for digit, probability in enumerate(prediction.probabilities):
        colour = palette_rgb(highlight if digit == prediction.digit else chart._BAR)
        row = rgb[round(chart._row_top(digit) + chart._ROW / 2)]
        expected = max(2, full * probability / longest)
        assert bar_length(row, colour) == pytest.approx(expected, abs=2)
    top = (chart._DIGIT_HEIGHT - chart._SEEN_SIDE) // 2
    seen = rgb[top : top + chart._SEEN_SIDE, chart._MARGIN : chart._MARGIN + chart._SEEN_SIDE, 0]
    zoom = chart._SEEN_SIDE // prediction.image.shape[0]
    centres = seen[zoom // 2 :: zoom, zoom // 2 :: zoom]
    assert centres.shape == prediction.image.shape
    assert np.abs(centres - prediction.image.astype(int)).max() <= 2, "the model's 28x28 input"


def test_serving_never_imports_tensorflow() -> None:
    """The bot's process stays small: loading and predicting must not pull in TensorFlow."""
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        from recognizer import Recognizer
        from recognizer.chart import render_chart
        recognizer = Recognizer.load()
        page = np.full((300, 300), 240, np.uint8)
        page[100:200, 140:160] = 20
        render_chart(recognizer.read(page).digits[0])
        banned = ("tensorflow", "keras")
        leaked = sorted(name for name in sys.modules if name.split(".")[0] in banned)
        print("LEAKED", leaked)
        sys.exit(1 if leaked else 0)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "LEAKED []" in result.stdout


def test_model_scores_ten_and_eleven_outputs() -> None:
    """A 10-output model's softmax is the digits' probabilities; an 11th "not a digit" output
    is split off and the digits renormalised over 0-9."""
    ten = np.array([[0.1, 0.9, 0, 0, 0, 0, 0, 0, 0, 0]], np.float32)
    scores = scores_of(ten)
    assert scores.digits[0] == pytest.approx(ten[0])
    assert scores.not_digit.tolist() == [0.0]
    eleven = np.array([[0.1, 0.3, 0, 0, 0, 0, 0, 0, 0, 0, 0.6], [0] * 10 + [1]], np.float32)
    scores = scores_of(eleven)
    assert scores.digits[0] == pytest.approx([0.25, 0.75, 0, 0, 0, 0, 0, 0, 0, 0])
    assert scores.digits[1] == pytest.approx([0.1] * 10), "nothing but 'not a digit': even"
    assert scores.not_digit == pytest.approx([0.6, 1.0])


def test_model_input_contract(mnist: Mnist) -> None:
    batch = to_model_input(mnist.x_test[:3])
    assert batch.shape == (3, 28, 28, 1)
    assert batch.dtype == np.float32
    assert batch.max() == pytest.approx(1.0)
    assert batch[0, :, :, 0] == pytest.approx(mnist.x_test[0] / 255)
