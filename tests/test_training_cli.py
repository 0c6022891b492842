"""``python -m training`` end to end as the bot and people run it: real MNIST, real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from recognizer.config import KERAS_FILE, METRICS_FILE, MODEL_FILE
from recognizer.contracts import (
    MNIST_PATH_ENV,
    DoneEvent,
    EpochEvent,
    MetricsFile,
    StageEvent,
    StartEvent,
)
from recognizer.model import DigitModel, to_model_input
from tests.conftest import REPO_ROOT, mnist_path, python_path_hiding
from tests.test_training_units import snapshot, write_paper_photos, write_samples
from training.config import HELD_OUT_NEGATIVES, NEGATIVE_SHARE, STYLED_SHARE
from training.metrics import sha256_of_file
from training.mnist import Mnist
from training.negatives import KINDS

QUICK = ("--limit", "3000", "--epochs", "1")


def training_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "training", *args]


def run_training(
    *args: str, environ: Mapping[str, str] = os.environ
) -> subprocess.CompletedProcess[str]:
    """``python -m training`` with ``args``; the MNIST path comes from the arguments only."""
    environment = {key: value for key, value in environ.items() if key != MNIST_PATH_ENV}
    return subprocess.run(
        training_command(*args),
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def json_events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


# --- bad input: exit status 2, one line naming the path and the fix, no traceback ---------------


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in lines[0]


def test_missing_data_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-mnist.npz"
    result = run_training("--data", str(missing), "--out", str(tmp_path / "m"))
    assert_one_line_error(result, str(missing), "--data", MNIST_PATH_ENV)
    assert not (tmp_path / "m").exists()


def test_corrupt_data_file(tmp_path: Path) -> None:
    corrupt = tmp_path / "mnist.npz"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    result = run_training("--data", str(corrupt), "--out", str(tmp_path / "m"))
    assert_one_line_error(result, str(corrupt), "corrupt", "--data")


def test_data_path_from_environment(tmp_path: Path) -> None:
    missing = tmp_path / "from-env.npz"
    result = subprocess.run(
        training_command("--out", str(tmp_path / "m")),
        cwd=REPO_ROOT,
        env={**os.environ, MNIST_PATH_ENV: str(missing)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_one_line_error(result, str(missing))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--epochs", "0"), "--epochs"),
        (("--limit", "many"), "--limit"),
        (("--samples", "/no/such/samples"), "/no/such/samples"),
        (("--init-from", "/no/such/model"), "/no/such/model"),
    ],
)
def test_bad_arguments(args: tuple[str, ...], expected: str, tmp_path: Path) -> None:
    result = run_training("--data", str(mnist_path()), "--out", str(tmp_path / "m"), *args)
    assert_one_line_error(result, expected)


def test_error_is_also_a_json_event(tmp_path: Path) -> None:
    missing = tmp_path / "absent.npz"
    result = run_training("--data", str(missing), "--progress", "json")
    assert result.returncode == 2
    (event,) = json_events(result.stdout)
    assert event["event"] == "error"
    assert str(missing) in event["message"]
    assert event["kind"] == "mnist_missing", "the bot tells the admin what to do by the kind"


@pytest.mark.parametrize("missing", [("tensorflow",), ("tensorflow", "keras")])
def test_serve_only_install_says_how_to_get_training(
    missing: tuple[str, ...], tmp_path: Path
) -> None:
    """Without the ``train`` extra, one line names TensorFlow and the install command."""
    hidden = python_path_hiding(tmp_path / "site", *missing, rest=os.environ.get("PYTHONPATH"))
    environment = {**os.environ, "PYTHONPATH": hidden}
    probe = subprocess.run(
        [sys.executable, "-c", "import tensorflow"],
        env=environment,
        capture_output=True,
        check=False,
    )
    assert probe.returncode != 0, "the environment really hides TensorFlow"
    out = tmp_path / "m"
    result = run_training(
        "--data", str(mnist_path()), "--out", str(out), "--progress", "json", environ=environment
    )
    assert_one_line_error(result, "TensorFlow is not installed", 'pip install -e ".[train]"')
    assert "unexpectedly" not in result.stderr
    (event,) = json_events(result.stdout)
    assert event["event"] == "error", "the bot relaying /retrain gets the same line"
    assert not out.exists()


def test_evaluating_on_a_serve_only_install_asks_for_the_mnist_file(tmp_path: Path) -> None:
    """``training evaluate`` needs no TensorFlow, only MNIST's test set: with no file given and
    no Keras to download it with, one line says both ways out (the file, or the train extra)."""
    hidden = python_path_hiding(
        tmp_path / "site", "tensorflow", "keras", rest=os.environ.get("PYTHONPATH")
    )
    environment = {**os.environ, "PYTHONPATH": hidden}
    result = run_training("evaluate", "--model-dir", "models", environ=environment)
    assert_one_line_error(result, "--data", MNIST_PATH_ENV, 'pip install -e ".[train]"')
    assert "unexpectedly" not in result.stderr
    served = run_training(
        "evaluate", "--model-dir", "models", "--data", str(mnist_path()), environ=environment
    )
    assert served.returncode == 0, served.stderr
    assert "MNIST test: 99." in served.stdout


# --- a quick real run, with user samples -----------------------------------------------------

USER_SAMPLES = 40


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory, mnist: Mnist) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("quick")
    samples = root / "samples"
    write_samples(samples, mnist.x_test[-USER_SAMPLES:], mnist.y_test[-USER_SAMPLES:])
    (samples / "7" / "unreadable.png").write_bytes(b"\x89PNG truncated")
    out = root / "models"
    args = ("--data", str(mnist_path()), "--samples", str(samples), "--progress", "json", *QUICK)
    result = run_training("--out", str(out), *args)
    assert result.returncode == 0, result.stderr
    return {"out": out, "args": args, "events": json_events(result.stdout), "stderr": result.stderr}


def test_quick_run_reports_json_progress(quick_run: dict[str, Any]) -> None:
    events = quick_run["events"]
    assert [event["event"] for event in events] == ["start", "epoch", "stage", "done"]
    kinds = (StartEvent, EpochEvent, StageEvent, DoneEvent)
    for event, kind in zip(events, kinds, strict=True):
        assert set(event) == set(kind.__annotations__), "the fields the contract names"
    epoch = events[1]
    assert epoch["epoch"] == 1
    assert epoch["epochs"] == 1
    # Guessing among 11 classes costs ln(11) = 2.4; one short epoch learns well below it. Its
    # validation figure says little yet: the moving statistics of batch normalisation still
    # lag, and the untrained model answers mostly the most frequent class, "not a digit".
    assert 0.0 < epoch["loss"] < 2.0
    assert 0.0 < epoch["val_accuracy"] <= 1.0
    assert epoch["eta_s"] >= 0
    done = events[-1]
    assert done["model_dir"] == str(quick_run["out"])
    assert done["user_samples"] == USER_SAMPLES


def test_quick_run_litert_matches_keras(quick_run: dict[str, Any], mnist: Mnist) -> None:
    import keras  # noqa: PLC0415  (TensorFlow only for the tests that need it)

    batch = to_model_input(mnist.x_test[:256])
    keras_probabilities = keras.models.load_model(quick_run["out"] / KERAS_FILE).predict(
        batch, verbose=0
    )
    litert_probabilities = DigitModel.open(quick_run["out"] / MODEL_FILE).outputs(batch)
    assert litert_probabilities.shape == (256, 11)  # ten digits, then "not a digit"
    np.testing.assert_allclose(litert_probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(litert_probabilities - keras_probabilities).max() < 1e-4


def test_quick_run_is_served_as_ten_digits_and_not_a_digit(
    quick_run: dict[str, Any], mnist: Mnist
) -> None:
    """The recognizer reads digits from the 11-class model; the 11th class stays available."""
    model = DigitModel.load(quick_run["out"])
    outputs = model.outputs(to_model_input(mnist.x_test[:32]))
    assert outputs.shape == (32, 11)
    digits = model.scores(mnist.x_test[:32]).digits
    assert digits.shape == (32, 10)
    np.testing.assert_allclose(digits.sum(axis=1), 1.0, atol=1e-5)
    renormalised = outputs[:, :10] / outputs[:, :10].sum(axis=1)[:, None]
    np.testing.assert_allclose(digits, renormalised, rtol=1e-5, atol=1e-7)


def test_quick_run_metrics_are_complete(quick_run: dict[str, Any], mnist: Mnist) -> None:
    out = quick_run["out"]
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert set(metrics) == set(MetricsFile.__annotations__), "the keys the contract names"
    matrix = np.asarray(metrics["confusion_matrix"])
    assert matrix.shape == (10, 10)  # each digit counts as the digit it is most likely to be
    assert matrix.sum() == len(mnist.y_test)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(mnist.y_test, minlength=10))
    assert metrics["test_accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum())
    not_a_digit = metrics["not_a_digit"]
    outputs = DigitModel.open(out / MODEL_FILE, threads=None).outputs(to_model_input(mnist.x_test))
    assert not_a_digit["digits_answered_not_a_digit"] == pytest.approx(
        float((outputs.argmax(axis=1) == 10).mean())
    )
    assert not_a_digit["held_out_negatives"] == HELD_OUT_NEGATIVES
    assert set(not_a_digit["caught_by_kind"]) == {name for name, _, _ in KINDS}
    assert 0.0 <= not_a_digit["held_out_caught"] <= 1.0
    assert metrics["samples"]["not_a_digit"] == round(NEGATIVE_SHARE * 3000)
    assert metrics["samples"]["styled"] == round(STYLED_SHARE * 3000)
    assert set(metrics["per_digit_accuracy"]) == {str(digit) for digit in range(10)}
    assert metrics["epochs"] == 1
    assert metrics["training_seconds"] > 0
    assert metrics["samples"]["mnist_train"] == 3000
    assert metrics["samples"]["mnist_test"] == len(mnist.y_test)
    assert metrics["data"]["mnist_sha256"] == sha256_of_file(mnist_path())
    assert metrics["model"]["sha256"] == sha256_of_file(out / MODEL_FILE)
    assert metrics["model"]["keras_sha256"] == sha256_of_file(out / KERAS_FILE)
    assert metrics["litert_keras_max_difference"] < 1e-4
    assert {"tensorflow-cpu", "keras", "ai-edge-litert", "numpy"} <= set(metrics["versions"])
    assert metrics["created_at"].endswith("+00:00")
    int8 = metrics["int8"]
    assert 0.0 <= int8["test_accuracy"] <= 1.0
    assert (out / "digits_int8.tflite").exists() == int8["shipped"]
    for picture in ("training_history.png", "confusion_matrix.png"):
        with Image.open(out / picture) as image:
            assert image.format == "PNG"
            assert min(image.size) > 200


def test_quick_run_mixes_in_user_samples(quick_run: dict[str, Any]) -> None:
    samples = json.loads((quick_run["out"] / METRICS_FILE).read_text())["samples"]
    assert samples["user"] == USER_SAMPLES
    assert samples["user_skipped"] == 1
    assert samples["user_repeat"] >= 1
    assert "unreadable.png" in quick_run["stderr"]


def test_same_seed_gives_the_same_model(quick_run: dict[str, Any], tmp_path: Path) -> None:
    result = run_training("--out", str(tmp_path / "again"), *quick_run["args"])
    assert result.returncode == 0, result.stderr
    again = sha256_of_file(tmp_path / "again" / MODEL_FILE)
    assert again == sha256_of_file(quick_run["out"] / MODEL_FILE)


def test_fine_tune_from_quick_run(quick_run: dict[str, Any], tmp_path: Path) -> None:
    """``/retrain quick``: start from an existing model, keep its architecture."""
    out = tmp_path / "tuned"
    result = run_training(
        "--data", str(mnist_path()), "--out", str(out), "--init-from", str(quick_run["out"]),
        "--compare-with", str(quick_run["out"]), "--progress", "json", *QUICK,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    tuned = json.loads((out / METRICS_FILE).read_text())
    before = json.loads((quick_run["out"] / METRICS_FILE).read_text())
    assert tuned["init_from"] == str(quick_run["out"])
    # The starting model scored on the very images the new one was: what the gate compares.
    assert tuned["compared_with"]["test_accuracy"] == before["test_accuracy"]
    assert tuned["recipe"]["mnist_limit"] == 3000, "--limit overrides the fine-tune slice"
    assert tuned["model"]["parameters"] == before["model"]["parameters"]
    assert tuned["model"]["sha256"] != before["model"]["sha256"]


# --- interrupted runs leave the target byte-for-byte unchanged ---------------------------------


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_models_unchanged(
    stop: signal.Signals, quick_run: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "models"
    target.mkdir()
    for path in quick_run["out"].iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    (target / "README.md").write_text("not written by training")
    before = snapshot(target)
    command = training_command(
        "--data", str(mnist_path()), "--out", str(target), "--progress", "json",
        "--limit", "3000", "--epochs", "20",
    )  # fmt: skip
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if json.loads(line)["event"] == "epoch":
                break
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 128 + stop.value, stderr
    assert f"interrupted by {stop.name}" in stderr
    assert "Traceback" not in stderr
    assert snapshot(target) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["models"]


STOP_DURING_SWAP = """
import os, signal, sys
from training.__main__ import main

renamed = os.rename

def rename(source, destination, *args, **kwargs):
    # The swap's first step retires the old directory: the stop comes in the middle of it.
    if ".retired-" in str(destination):
        signal.raise_signal(signal.SIGTERM)
    return renamed(source, destination, *args, **kwargs)

os.rename = rename
sys.exit(main(sys.argv[1:]))
"""


def test_a_stop_during_the_swap_publishes_and_says_so(
    quick_run: dict[str, Any], tmp_path: Path
) -> None:
    """The swap is never left halfway, and the message tells that the new model is in place."""
    target = tmp_path / "models"
    target.mkdir()
    (target / METRICS_FILE).write_text("{}")
    result = subprocess.run(
        [sys.executable, "-c", STOP_DURING_SWAP, "--out", str(target), *quick_run["args"]],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 128 + signal.SIGTERM.value, result.stderr
    assert "interrupted by SIGTERM as the new model was published" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads((target / METRICS_FILE).read_text())["test_accuracy"] > 0
    assert (target / MODEL_FILE).is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["models"]


# --- evaluate ----------------------------------------------------------------------------------


def test_evaluate_on_mnist_and_a_photo_folder(
    quick_run: dict[str, Any], tmp_path: Path, mnist: Mnist
) -> None:
    count = write_paper_photos(tmp_path / "photos", mnist, per_digit=3)
    result = run_training(
        "evaluate", "--model-dir", str(quick_run["out"]), "--data", str(mnist_path()),
        "--folder", str(tmp_path / "photos"), "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    metrics = json.loads((quick_run["out"] / METRICS_FILE).read_text())
    assert report["mnist"]["accuracy"] == pytest.approx(metrics["test_accuracy"], abs=1e-9)
    folder = report["folder"]
    assert folder["images"] == count
    mistakes = len(folder["wrong"]) + len(folder["refused"])
    assert folder["accuracy"] == pytest.approx(1 - mistakes / count)


def test_evaluate_missing_folder_is_one_line(quick_run: dict[str, Any], tmp_path: Path) -> None:
    result = run_training(
        "evaluate", "--model-dir", str(quick_run["out"]), "--data", str(mnist_path()),
        "--folder", str(tmp_path / "absent"),
    )  # fmt: skip
    assert_one_line_error(result, str(tmp_path / "absent"), "--folder")
