"""``python -m recognizer``: answers per image, JSON lines, charts, debug stages, exit status."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from recognizer import Recognizer
from recognizer.__main__ import main
from recognizer.config import DEFAULT_MODEL_DIR, MODEL_FILE
from recognizer.contracts import MNIST_PATH_ENV
from tests.conftest import REPO_ROOT, mnist_path
from tests.test_numbers import number_page
from training.mnist import Mnist


def photo_of(image: np.ndarray, path: Path) -> Path:
    """A 28x28 MNIST digit drawn dark on a light page, saved as a JPEG photo at ``path``."""
    page = np.full((480, 640), 230, np.uint8)
    digit = Image.fromarray(255 - image).resize((224, 224), Image.Resampling.BICUBIC)
    page[120:344, 200:424] = np.minimum(np.asarray(digit), 230)
    Image.fromarray(page).save(path, quality=90)
    return path


@pytest.fixture
def digit_file(tmp_path: Path, mnist: Mnist) -> tuple[Path, int]:
    """An MNIST test digit drawn dark on a light page, saved as a JPEG photo."""
    return photo_of(mnist.x_test[0], tmp_path / "digit.jpg"), int(mnist.y_test[0])


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not an image\n")
    return path


def test_prints_digit_confidence_and_ten_bars(digit_file, capsys) -> None:
    path, label = digit_file
    assert main([str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{path}: {label} (")
    bars = lines[1:]
    assert [line.split()[0] for line in bars] == [str(d) for d in range(10)]
    assert bars[label].endswith("<"), "the chosen digit is marked"
    assert "#" in bars[label]


def test_json_lines_for_answers_and_errors(digit_file, text_file, capsys) -> None:
    path, label = digit_file
    assert main(["--json", str(path), str(text_file)]) == 1
    answer, error = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert answer["file"] == str(path)
    assert answer["number"] == str(label)
    [only] = answer["digits"]
    assert only["digit"] == label
    assert len(only["probabilities"]) == 10
    assert answer["confidence"] == only["confidence"] == max(only["probabilities"])
    assert error["file"] == str(text_file)
    assert "image" in error["error"]


def test_chart_and_debug_stages_are_saved(digit_file, tmp_path, capsys) -> None:
    path, _ = digit_file
    chart, debug = tmp_path / "chart.png", tmp_path / "stages"
    assert main([str(path), "--chart", str(chart), "--debug", str(debug)]) == 0
    assert Image.open(chart).format == "PNG"
    stages = sorted(p.name for p in (debug / path.stem).iterdir())
    assert stages[0] == "00-gray.png"
    assert stages[-1].endswith("-mnist.png")
    assert len(stages) >= 6
    assert Image.open(debug / path.stem / stages[-1]).size == (28, 28)


def test_missing_model_directory_fails_cleanly(digit_file, tmp_path, capsys) -> None:
    path, _ = digit_file
    assert main([str(path), "--model-dir", str(tmp_path / "nowhere")]) == 2
    assert "No model found" in capsys.readouterr().err


def test_alternative_model_directory_is_used(tmp_path, mnist, capsys) -> None:
    """--model-dir serves that directory's model, not the shipped one.

    The alternative is a copy of models/ whose served file is the shipped int8 variant: a valid
    model whose probabilities differ measurably from the float one's on a digit it is not sure
    of, so the answer shows which model produced it.
    """
    alternative = tmp_path / "other-models"
    shutil.copytree(DEFAULT_MODEL_DIR, alternative)
    shutil.copyfile(DEFAULT_MODEL_DIR / "digits_int8.tflite", alternative / MODEL_FILE)
    shipped_model, other_model = Recognizer.load(), Recognizer.load(alternative)
    candidates = [(mnist.x_test[index], int(mnist.y_test[index])) for index in range(40)]
    readings = [
        shipped_model.read(photo_of(digit, tmp_path / "digit.jpg").read_bytes()).digits[0]
        for digit, _ in candidates
    ]
    # The least sure of the digits read right leaves the two models room to differ.
    unsure = min(
        (reading.confidence, index)
        for index, reading in enumerate(readings)
        if reading.digit == candidates[index][1]
    )[1]
    digit, label = candidates[unsure]
    path = photo_of(digit, tmp_path / "digit.jpg")
    image = path.read_bytes()
    wanted = other_model.read(image).digits[0].probabilities
    shipped = shipped_model.read(image).digits[0].probabilities
    # They must differ by several times the tolerance the answer is compared with.
    tolerance = 2e-6
    apart = np.abs(np.subtract(wanted, shipped)).max()
    assert apart > 4 * tolerance, "the two models are told apart"
    assert main(["--json", str(path), "--model-dir", str(alternative)]) == 0
    [answer] = json.loads(capsys.readouterr().out)["digits"]
    assert answer["digit"] == label
    assert answer["probabilities"] == pytest.approx(wanted, abs=tolerance)


def test_failures_are_one_friendly_line_and_a_nonzero_exit(digit_file, text_file) -> None:
    """Run as a user would: a real process, a missing file and a text file among the images."""
    path, label = digit_file
    missing = path.parent / "missing.png"
    result = subprocess.run(
        [sys.executable, "-m", "recognizer", str(path), str(missing), str(text_file)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f": {label} (" in result.stdout
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == errors, "nothing but the two errors on stderr"


def test_the_runtime_says_nothing_on_a_clean_run(digit_file) -> None:
    """LiteRT's "Created TensorFlow Lite XNNPACK delegate" line is not the user's business."""
    path, _ = digit_file
    result = subprocess.run(
        [sys.executable, "-m", "recognizer", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""
    assert "XNNPACK" not in result.stdout


def test_help_documents_every_argument() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "recognizer", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    for name in ("IMAGE", "--model-dir", "--mnist-samples", "--data", "--debug", "--chart"):
        described = [line for line in lines if line.strip().startswith(name)]
        assert described, f"{name} is not listed"
        assert len(described[0].split()) > 2 or name == "IMAGE", f"{name} has no help text"
    assert any("image files to read" in line for line in lines), "IMAGE has no help text"


def test_json_has_the_same_keys_for_a_digit_and_a_number(digit_file, mnist, tmp_path, capsys):
    path, _ = digit_file
    number = tmp_path / "number.jpg"
    number.write_bytes(number_page([mnist.x_test[i] for i in (3, 2, 1)]))
    assert main(["--json", str(path), str(number)]) == 0
    digit, several = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert len(digit["digits"]) == 1
    assert len(several["digits"]) == 3
    assert digit.keys() == several.keys()
    assert digit["digits"][0].keys() == several["digits"][0].keys()


def test_debug_goes_through_each_digit_of_a_number(mnist, tmp_path, capsys) -> None:
    number = tmp_path / "number.jpg"
    number.write_bytes(number_page([mnist.x_test[i] for i in (3, 2, 1)]))
    debug = tmp_path / "stages"
    assert main([str(number), "--debug", str(debug)]) == 0
    saved = {p.name for p in (debug / "number").iterdir()}
    for place in (1, 2, 3):
        assert f"digit-{place:02d}-crop.png" in saved
        with Image.open(debug / "number" / f"digit-{place:02d}-mnist.png") as image:
            assert image.size == (28, 28)
    assert any(name.endswith("-gray.png") for name in saved), "the shared stages are kept too"
    text = capsys.readouterr().out
    assert text.count("<") == 3, "each digit is printed with its bars"


def test_a_number_chart_is_saved_in_the_format_its_suffix_names(mnist, tmp_path) -> None:
    """The bot sends a number's annotated photo as a JPEG; ``--chart out.png`` still writes a
    PNG of the same picture, ``out.jpg`` the JPEG as sent, and a digit's chart as ``.jpg`` is
    a JPEG too."""
    number = tmp_path / "number.jpg"
    number.write_bytes(number_page([mnist.x_test[i] for i in (3, 2, 1)]))
    digit = photo_of(mnist.x_test[0], tmp_path / "digit.png")
    pictures = {}
    for image, suffix, expected in (
        (number, ".png", "PNG"),
        (number, ".jpg", "JPEG"),
        (digit, ".jpg", "JPEG"),
        (digit, ".png", "PNG"),
    ):
        chart = tmp_path / f"{image.stem}-chart{suffix}"
        assert main([str(image), "--chart", str(chart)]) == 0
        with Image.open(chart) as saved:
            assert saved.format == expected
            pictures[image.stem, suffix] = np.asarray(saved.convert("RGB")).astype(int)
    for stem in ("number", "digit"):
        as_png, as_jpeg = pictures[stem, ".png"], pictures[stem, ".jpg"]
        assert as_png.shape == as_jpeg.shape
        assert np.abs(as_png - as_jpeg).mean() < 3, "the same picture in both formats"


def test_mnist_samples_read_random_test_digits_with_bars(capsys) -> None:
    assert main(["--mnist-samples", "5", "--data", str(mnist_path()), "--seed", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    answers = [line for line in lines if line.startswith("MNIST test #")]
    assert len(answers) == 5
    assert len({line.split()[2] for line in answers}) == 5, "five different digits"
    assert sum(line.endswith("<") for line in lines) == 5
    right = int(lines[-1].split()[0])
    labelled = [int(line.split("labelled ")[1][0]) for line in answers]
    read = [int(line.split("): ")[1][0]) for line in answers]
    assert right == sum(a == b for a, b in zip(labelled, read, strict=True))
    assert lines[-1] == f"{right} of 5 read right"


def test_mnist_samples_without_data_say_how_to_get_it(monkeypatch, capsys) -> None:
    monkeypatch.delenv(MNIST_PATH_ENV, raising=False)
    assert main(["--mnist-samples", "2"]) == 2
    assert MNIST_PATH_ENV in capsys.readouterr().err
