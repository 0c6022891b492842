"""One training run from loaded data to a published model directory.

Imports TensorFlow; the command line checks its inputs before importing this module, so a
wrong path fails in a blink with one line instead of after TensorFlow's start-up noise.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import keras
import numpy as np

from recognizer.config import KERAS_FILE, METRICS_FILE, MODEL_FILE
from recognizer.contracts import EXPORT_STAGE, MetricsFile
from recognizer.model import DigitModel, to_model_input
from training import convert, stopping, texts
from training.config import FINE_TUNE, INT8_TOLERANCE_PP, REPRESENTATIVE_IMAGES, WIDEN, Recipe
from training.dataset import TrainingData, assemble
from training.fit import FitResult, seed_everything, train
from training.metrics import (
    accuracy_figures,
    library_versions,
    not_a_digit_figures,
    now_utc,
    sha256_of_arrays,
    sha256_of_file,
)
from training.mnist import DataError, Mnist
from training.model import CLASSES, widened
from training.negatives import KINDS
from training.plots import plot_confusion, plot_history
from training.progress import Reporter
from training.publish import publish, staging_directory
from training.samples import UserSamples

INT8_FILE = "digits_int8.tflite"
HISTORY_PLOT = "training_history.png"
CONFUSION_PLOT = "confusion_matrix.png"
OWNED_FILES = frozenset(
    {MODEL_FILE, KERAS_FILE, METRICS_FILE, INT8_FILE, HISTORY_PLOT, CONFUSION_PLOT}
)
_TIMING_IMAGES = 300


@dataclass(frozen=True)
class RunRequest:
    mnist: Mnist
    samples: UserSamples
    out: Path
    epochs: int | None
    limit: int | None
    seed: int
    init_from: Path | None
    compare_with: Path | None = None
    """A model directory (the served model) to score on the same test images as the new one."""


def recipe_for(request: RunRequest, starting: keras.Model | None = None) -> Recipe:
    """The shipped recipe for a fresh model, the gentle one for fine-tuning, a longer one to
    widen a 10-class model to 11; flags override."""
    if starting is None:
        base = Recipe()
    else:
        base = WIDEN if starting.output_shape[-1] < CLASSES else FINE_TUNE
    return replace(
        base,
        epochs=request.epochs or base.epochs,
        seed=request.seed,
        mnist_limit=request.limit or base.mnist_limit,
    )


def load_starting_model(model_dir: Path) -> keras.Model:
    path = model_dir / KERAS_FILE
    try:
        return keras.models.load_model(path)
    except (OSError, ValueError) as error:
        raise DataError(texts.cannot_load_starting_model(path, error)) from None


def _widened(previous: keras.Model, recipe: Recipe, model_dir: Path | None) -> keras.Model:
    try:
        return widened(previous, recipe)
    except ValueError as error:
        raise DataError(texts.cannot_fine_tune(model_dir, error)) from None


def run_training(request: RunRequest, reporter: Reporter) -> MetricsFile:
    """Train, export into a staging directory, check, then publish; returns metrics.json's dict."""
    started = time.monotonic()
    previous = load_starting_model(request.init_from) if request.init_from else None
    recipe = recipe_for(request, previous)
    seed_everything(recipe.seed)
    data = assemble(
        request.mnist, request.samples, recipe.validation_size, recipe.mnist_limit, recipe.seed
    )
    starting = _widened(previous, recipe, request.init_from) if previous is not None else None
    reporter.event(
        {
            "event": "start",
            "epochs": recipe.epochs,
            "train_samples": len(data.train),
            "user_samples": data.user_samples,
            "validation_samples": len(data.validation),
        }
    )
    fitted = train(data, recipe, reporter, starting)
    reporter.event({"event": "stage", "stage": EXPORT_STAGE})
    with staging_directory(request.out) as staging:
        metrics = _export(fitted, data, request, recipe, staging=staging, started=started)
        stopping.raise_if_requested()
        publish(staging, request.out, OWNED_FILES)
    return metrics


def _export(
    fitted: FitResult,
    data: TrainingData,
    request: RunRequest,
    recipe: Recipe,
    *,
    staging: Path,
    started: float,
) -> MetricsFile:
    classifier = fitted.classifier
    classifier.save(staging / KERAS_FILE)
    (staging / MODEL_FILE).write_bytes(convert.to_float32(classifier))
    served = DigitModel.open(staging / MODEL_FILE, threads=None)
    probabilities = served.outputs(data.test.x)
    keras_probabilities = classifier.predict(data.test.x, batch_size=512, verbose=0)
    test = accuracy_figures(data.test.y, probabilities)
    negatives = data.held_out_negatives
    not_a_digit = not_a_digit_figures(
        probabilities,
        served.outputs(to_model_input(negatives.images)),
        negatives.kinds,
        [name for name, _, _ in KINDS],
    )
    int8 = _export_int8(classifier, data, test["accuracy"], staging)
    plot_history(fitted.history, staging / HISTORY_PLOT)
    plot_confusion(np.asarray(test["confusion_matrix"]), test["accuracy"], staging / CONFUSION_PLOT)
    metrics: MetricsFile = {
        "created_at": now_utc(),
        "test_accuracy": test["accuracy"],
        "per_digit_accuracy": test["per_digit_accuracy"],
        "confusion_matrix": test["confusion_matrix"],
        "test_images": test["images"],
        "not_a_digit": not_a_digit,
        "litert_keras_max_difference": float(np.abs(probabilities - keras_probabilities).max()),
        "int8": int8,
        "validation_accuracy": max(fitted.history["val_accuracy"]),
        "best_epoch": fitted.best_epoch,
        "epochs": recipe.epochs,
        "training_seconds": round(fitted.seconds, 1),
        "seconds_to_validation_99_5": _rounded(fitted.seconds_to_milestone),
        "run_seconds": None,
        "epoch_end_seconds": [round(value, 1) for value in fitted.epoch_seconds],
        "history": fitted.history,
        "samples": {
            "mnist_train": data.mnist_train,
            "mnist_validation": len(data.validation),
            "mnist_test": len(data.test),
            "user": data.user_samples,
            "user_repeat": data.user_repeat,
            "user_skipped": request.samples.skipped,
            "not_a_digit": data.negatives,
            "styled": data.styled,
        },
        "data": {
            "mnist_source": request.mnist.source,
            "mnist_sha256": _mnist_checksum(request.mnist),
            "user_samples_sha256": request.samples.sha256,
        },
        "model": {
            "file": MODEL_FILE,
            "sha256": sha256_of_file(staging / MODEL_FILE),
            "bytes": (staging / MODEL_FILE).stat().st_size,
            "keras_sha256": sha256_of_file(staging / KERAS_FILE),
            "parameters": classifier.count_params(),
            "litert_ms_per_image": _milliseconds_per_image(staging / MODEL_FILE, data.test.x),
        },
        "recipe": asdict(recipe),
        "init_from": str(request.init_from) if request.init_from else None,
        "compared_with": _compared(request.compare_with, data),
        "limit": request.limit,
        "versions": library_versions(),
    }
    metrics["run_seconds"] = round(time.monotonic() - started, 1)
    (staging / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def _export_int8(
    classifier: keras.Model, data: TrainingData, float_accuracy: float, staging: Path
) -> dict[str, Any]:
    """Measure the quantised model; keep its file only if it is (almost) as accurate."""
    calibration = data.train.x[:REPRESENTATIVE_IMAGES]
    path = staging / INT8_FILE
    path.write_bytes(convert.to_int8(classifier, calibration))
    accuracy = accuracy_figures(
        data.test.y, DigitModel.open(path, threads=None).outputs(data.test.x)
    )["accuracy"]
    shipped = (float_accuracy - accuracy) * 100 <= INT8_TOLERANCE_PP
    figures = {"test_accuracy": accuracy, "bytes": path.stat().st_size, "shipped": shipped}
    if shipped:
        figures["file"] = INT8_FILE
        figures["sha256"] = sha256_of_file(path)
    else:
        path.unlink()
    return figures


def _milliseconds_per_image(model_path: Path, images: np.ndarray) -> float:
    """Single-image latency on one thread, as the recognizer serves a photo (warm-up excluded)."""
    model = DigitModel.open(model_path, threads=1)
    sample = images[: _TIMING_IMAGES + 1]
    model.outputs(sample[:1])
    started = time.perf_counter()
    for image in sample[1:]:
        model.outputs(image[np.newaxis])
    return round((time.perf_counter() - started) * 1000 / max(len(sample) - 1, 1), 4)


def _mnist_checksum(mnist: Mnist) -> str:
    source = Path(mnist.source)
    if source.is_file():
        return sha256_of_file(source)
    return sha256_of_arrays(mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test)


def _compared(model_dir: Path | None, data: TrainingData) -> dict[str, Any] | None:
    """The other model's test accuracy on exactly the images the new one was scored on, so a
    quality gate compares like with like (not with figures from another data set or version).
    """
    if model_dir is None:
        return None
    probabilities = DigitModel.open(model_dir / MODEL_FILE, threads=None).outputs(data.test.x)
    return {
        "model_dir": str(model_dir),
        "test_accuracy": accuracy_figures(data.test.y, probabilities)["accuracy"],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
