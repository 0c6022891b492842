"""The recognizer's public API, on real MNIST digits and real encoded files, shipped model."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple

import numpy as np
import pytest
from PIL import Image

from recognizer import ModelLoadError, Prediction, Recognizer
from recognizer.chart import render_chart
from tests.conftest import REPO_ROOT
from training.mnist import Mnist


def png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def test_reads_mnist_digits_given_as_png(recognizer: Recognizer, mnist: Mnist) -> None:
    predictions = [recognizer.predict(png(image)) for image in mnist.x_test[:50]]
    right = sum(p.digit == label for p, label in zip(predictions, mnist.y_test[:50], strict=True))
    assert right >= 49


def test_prediction_holds_what_the_model_saw(recognizer: Recognizer, mnist: Mnist) -> None:
    prediction = recognizer.predict(png(mnist.x_test[0]))
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
    from_bytes = recognizer.predict(png(digit))
    from_gray = recognizer.predict(digit)
    from_rgb = recognizer.predict(np.repeat(digit[:, :, None], 3, axis=2))
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
    digit = Image.fromarray(255 - mnist.x_test[2]).resize((side, side), Image.BICUBIC)
    page[300 * zoom : 300 * zoom + side, 500 * zoom : 500 * zoom + side] = np.asarray(digit)
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, format=fmt)
    prediction = recognizer.predict(buffer.getvalue())
    x, y, width, height = (value / zoom for value in astuple(prediction.box))
    assert prediction.digit == mnist.y_test[2]
    assert 500 <= x <= 560
    assert 300 <= y <= 360
    assert x + width <= 640
    assert y + height <= 440


def test_batch_matches_one_by_one(recognizer: Recognizer, mnist: Mnist) -> None:
    images = [png(image) for image in mnist.x_test[10:20]]
    batch = recognizer.predict_batch(images)
    single = [recognizer.predict(image) for image in images]
    assert [p.digit for p in batch] == [p.digit for p in single]
    for one, other in zip(batch, single, strict=True):
        assert one.probabilities == pytest.approx(other.probabilities, abs=1e-5)
    assert recognizer.predict_batch([]) == []


def test_predict_is_thread_safe(recognizer: Recognizer, mnist: Mnist) -> None:
    images = [png(image) for image in mnist.x_test[:64]]
    expected = [recognizer.predict(image).probabilities for image in images]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda image: recognizer.predict(image).probabilities, images))
    for result, wanted in zip(results, expected, strict=True):
        assert result == pytest.approx(wanted, abs=1e-6)


def test_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ModelLoadError, match="No model found"):
        Recognizer.load(tmp_path)


def test_corrupt_model_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "digits.tflite").write_bytes(b"not a flatbuffer at all" * 10)
    with pytest.raises(ModelLoadError, match="could not be loaded"):
        Recognizer.load(tmp_path)


def test_chart_is_a_png_showing_the_answer(recognizer: Recognizer, mnist: Mnist) -> None:
    prediction = recognizer.predict(png(mnist.x_test[3]))
    chart = Image.open(io.BytesIO(render_chart(prediction)))
    assert chart.format == "PNG"
    assert chart.width >= 600
    assert chart.height >= 300
    pixels = np.asarray(chart.convert("RGB")).reshape(-1, 3).astype(int)
    blue = (pixels[:, 2] > 150) & (pixels[:, 0] < 80)
    assert blue.sum() > 500, "the predicted digit's bar is highlighted in colour"


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
        render_chart(recognizer.predict(page))
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
