"""The model shipped in models/: as good as its metrics.json says, served through LiteRT."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from recognizer import Recognizer
from recognizer.config import DEFAULT_MODEL_DIR, KERAS_FILE, METRICS_FILE, MODEL_FILE
from recognizer.contracts import MetricsFile
from tests.test_training_units import write_paper_photos
from training.dataset import to_model_input
from training.evaluate import evaluate_folder
from training.litert import predict_tflite
from training.metrics import sha256_of_file
from training.mnist import Mnist

TARGET_ACCURACY = 0.996
TOLERANCE = 0.0005
"""0.05 percentage points."""
MAX_SHIPPED_BYTES = 5_000_000


@pytest.fixture(scope="module")
def metrics() -> dict[str, Any]:
    return json.loads((DEFAULT_MODEL_DIR / METRICS_FILE).read_text())


def litert_accuracy(model: Path, mnist: Mnist) -> float:
    probabilities = predict_tflite(model, to_model_input(mnist.x_test))
    return float((probabilities.argmax(axis=1) == mnist.y_test).mean())


def test_shipped_metrics_have_the_keys_of_the_contract(metrics: dict[str, Any]) -> None:
    assert set(metrics) == set(MetricsFile.__annotations__)


def test_shipped_model_meets_target_and_its_metrics(mnist: Mnist, metrics: dict[str, Any]) -> None:
    accuracy = litert_accuracy(DEFAULT_MODEL_DIR / MODEL_FILE, mnist)
    assert accuracy >= TARGET_ACCURACY
    assert accuracy == pytest.approx(metrics["test_accuracy"], abs=TOLERANCE)
    assert metrics["samples"]["mnist_test"] == len(mnist.y_test)


def test_shipped_int8_model_only_when_as_accurate(mnist: Mnist, metrics: dict[str, Any]) -> None:
    int8 = metrics["int8"]
    assert int8["test_accuracy"] > 0.9
    path = DEFAULT_MODEL_DIR / "digits_int8.tflite"
    assert path.exists() == int8["shipped"]
    assert int8["shipped"] == (metrics["test_accuracy"] - int8["test_accuracy"] <= TOLERANCE)
    if int8["shipped"]:
        assert litert_accuracy(path, mnist) == pytest.approx(int8["test_accuracy"], abs=TOLERANCE)


def test_shipped_files_are_the_ones_measured(metrics: dict[str, Any]) -> None:
    assert sha256_of_file(DEFAULT_MODEL_DIR / MODEL_FILE) == metrics["model"]["sha256"]
    assert sha256_of_file(DEFAULT_MODEL_DIR / KERAS_FILE) == metrics["model"]["keras_sha256"]
    shipped = sum(path.stat().st_size for path in DEFAULT_MODEL_DIR.iterdir())
    assert shipped < MAX_SHIPPED_BYTES
    assert metrics["limit"] is None
    assert metrics["init_from"] is None


def test_shipped_model_reads_digits_photographed_on_paper(tmp_path: Path, mnist: Mnist) -> None:
    """Through the whole recognizer: decode, preprocess, LiteRT; MNIST test digits as dark ink."""
    count = write_paper_photos(tmp_path, mnist, per_digit=5)
    result = evaluate_folder(Recognizer.load(DEFAULT_MODEL_DIR), tmp_path).figures()
    assert result["images"] == count
    assert result["accuracy"] >= 0.95, result
    assert np.isclose(sum(result["per_digit_accuracy"].values()) / 10, result["accuracy"])
