"""Reading whole numbers: digits found, grouped, split and ordered; one digit as before."""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from benchmarks.photos import generate, generate_numbers
from recognizer import Recognizer, TooManyDigitsError
from recognizer.__main__ import main
from recognizer.config import MAX_DIGITS
from tests.conftest import REAL_DIGITS
from training.mnist import Mnist

DIGIT_SIDE = 140


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer.load()


def number_page(digits: list[np.ndarray], gap: float = 0.1, rows: int = 1) -> bytes:
    """MNIST digits written dark on light paper, side by side, as a JPEG photo.

    Each digit is enlarged to DIGIT_SIDE pixels high; ``gap`` is the space between neighbours'
    images as a share of that (negative: they overlap). ``rows`` repeats the line.
    """
    widths = [round(d.shape[1] * DIGIT_SIDE / d.shape[0]) for d in digits]
    lefts = [DIGIT_SIDE + sum(widths[:i]) + round(i * gap * DIGIT_SIDE) for i in range(len(digits))]
    width = lefts[-1] + widths[-1] + DIGIT_SIDE
    height = DIGIT_SIDE * (2 * rows + 1)
    ink = np.zeros((height, width), np.float32)
    for row in range(rows):
        top = DIGIT_SIDE * (2 * row + 1)
        for index, digit in enumerate(digits):
            side = round(digit.shape[1] * DIGIT_SIDE / digit.shape[0])
            large = cv2.resize(digit, (side, DIGIT_SIDE), interpolation=cv2.INTER_CUBIC)
            left = lefts[index]
            area = ink[top : top + DIGIT_SIDE, left : left + side]
            np.maximum(area, large.astype(np.float32) / 255, out=area)
    page = (235 - 215 * np.clip(ink, 0, 1)).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def cropped(digit: np.ndarray) -> np.ndarray:
    """An MNIST digit without its empty border, so neighbours can be made to touch."""
    ys, xs = np.nonzero(digit > 30)
    return digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def test_four_separated_mnist_digits_read_left_to_right(
    recognizer: Recognizer, mnist: Mnist
) -> None:
    picks = [3, 2, 1, 18]  # MNIST test images of 0, 1, 2 and 3: every stroke shape differs
    reading = recognizer.read_number(number_page([mnist.x_test[i] for i in picks]))
    assert reading.number == "".join(str(int(mnist.y_test[i])) for i in picks)
    lefts = [p.box.x for p in reading.digits]
    assert lefts == sorted(lefts)
    for prediction in reading.digits:
        assert prediction.image.shape == (28, 28)
        assert prediction.box.height > 0.5 * DIGIT_SIDE
    assert reading.confidence == pytest.approx(np.prod([p.confidence for p in reading.digits]))


def test_generated_number_photos_are_mostly_read(recognizer: Recognizer, mnist: Mnist) -> None:
    """Twelve photo conditions (papers, inks, lines, lighting) with 2-6 digit numbers."""
    photos = generate_numbers(24, seed=11, mnist_images=mnist.x_test, mnist_labels=mnist.y_test)
    right = sum(recognizer.read_number(p.jpeg).number == p.number for p in photos)
    assert right >= 20, f"{right} of {len(photos)} numbers read right"


def test_one_digit_reads_exactly_as_predict(recognizer: Recognizer, mnist: Mnist) -> None:
    """Real drawings and generated photos of one digit: the same Prediction as before."""
    images = [path.read_bytes() for path in sorted(REAL_DIGITS.glob("*/*.png"))[::4]]
    images += [p.jpeg for p in generate(12, 5, mnist.x_test, mnist.y_test)]
    images.append(mnist.x_test[7])
    for image in images:
        reading = recognizer.read_number(image)
        expected = recognizer.predict(image)
        assert len(reading.digits) == 1
        [got] = reading.digits
        assert (got.digit, got.box) == (expected.digit, expected.box)
        assert got.probabilities == pytest.approx(expected.probabilities, abs=1e-6)
        assert np.array_equal(got.image, expected.image)


def test_a_detached_cap_stays_with_its_five(recognizer: Recognizer) -> None:
    """A 1 and a 5 drawn with its cap as a separate stroke: two digits, not three."""
    page = np.full((300, 520), 235, np.uint8)
    cv2.line(page, (140, 70), (140, 230), 20, 12)  # the 1
    cv2.line(page, (300, 75), (300, 140), 20, 12)  # the 5's stem...
    cv2.ellipse(page, (330, 180), (48, 50), 0, -110, 150, 20, 12)  # ...its belly...
    cv2.line(page, (318, 68), (390, 68), 20, 12)  # ...and its cap, apart from the stem
    _, encoded = cv2.imencode(".png", page)
    reading = recognizer.read_number(encoded.tobytes())
    assert len(reading.digits) == 2
    five = reading.digits[1]
    assert five.box.x + five.box.width >= 390, "the cap belongs to the second digit's box"
    assert five.box.y <= 68


def test_touching_pairs_are_split(recognizer: Recognizer, mnist: Mnist) -> None:
    """Pairs of MNIST digits pushed together until their strokes overlap."""
    indices = [i for i in range(40) if mnist.y_test[i] != 1][:16]
    pairs = list(zip(indices[::2], indices[1::2], strict=True))
    right = 0
    for first, second in pairs:
        photo = number_page([cropped(mnist.x_test[first]), cropped(mnist.x_test[second])], -0.05)
        expected = f"{mnist.y_test[first]}{mnist.y_test[second]}"
        right += recognizer.read_number(photo).number == expected
    assert right >= 6, f"{right} of {len(pairs)} touching pairs read right"


def test_more_than_twelve_digits_is_refused(recognizer: Recognizer, mnist: Mnist) -> None:
    digits = [mnist.x_test[i] for i in range(MAX_DIGITS + 2)]
    with pytest.raises(TooManyDigitsError, match=f"up to {MAX_DIGITS} digits"):
        recognizer.read_number(number_page(digits))


def test_a_page_of_writing_is_refused(recognizer: Recognizer, mnist: Mnist) -> None:
    digits = [mnist.x_test[i] for i in range(6)]
    with pytest.raises(TooManyDigitsError, match="page of writing"):
        recognizer.read_number(number_page(digits, rows=4))


def test_cli_json_has_number_and_digit_boxes(tmp_path: Path, mnist: Mnist, capsys) -> None:
    path = tmp_path / "number.jpg"
    path.write_bytes(number_page([mnist.x_test[i] for i in (3, 2, 1)]))
    assert main(["--json", str(path)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["number"] == "012"
    assert [d["digit"] for d in answer["digits"]] == [0, 1, 2]
    boxes = [d["box"] for d in answer["digits"]]
    assert all(len(box) == 4 for box in boxes)
    assert [box[0] for box in boxes] == sorted(box[0] for box in boxes)
    assert all(len(d["probabilities"]) == 10 for d in answer["digits"])
