"""Accuracy of a model directory: on MNIST test through LiteRT, and on labelled real images
(``<folder>/<digit>/*.png|jpg``) through the full recognizer pipeline, as a user's photo would go.

An image the recognizer refuses (no digit found, unreadable) counts as a mistake: for the person
who sent it, the bot did not read the digit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recognizer import Recognizer, RecognizerError
from recognizer.config import MODEL_FILE
from recognizer.model import DigitModel, to_model_input
from training import texts
from training.metrics import accuracy_figures
from training.mnist import DataError, Mnist, load_mnist
from training.samples import DIGIT_FOLDERS

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})
NO_ANSWER = 10
"""What a refused picture (or one read as several digits) counts as: never equal to a label."""


@dataclass
class FolderResult:
    """Per-image outcomes; ``refused`` maps a path to the reason the recognizer gave."""

    labels: list[int] = field(default_factory=list)
    predicted: list[int] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    wrong: dict[str, int] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        labels = np.asarray(self.labels, np.int64)
        predicted = np.asarray(self.predicted, np.int64)
        correct = labels == predicted
        per_digit = {
            str(digit): float(correct[labels == digit].mean())
            for digit in range(10)
            if (labels == digit).any()
        }
        return {
            "accuracy": float(correct.mean()) if len(labels) else 0.0,
            "images": len(labels),
            "per_digit_accuracy": per_digit,
            "refused": self.refused,
            "wrong": self.wrong,
        }


def labelled_images(folder: Path) -> list[tuple[Path, int]]:
    if not folder.is_dir():
        raise DataError(texts.evaluation_folder_not_found(folder))
    found = [
        (path, label)
        for label, name in enumerate(DIGIT_FOLDERS)
        for path in sorted((folder / name).glob("*"))
        if path.suffix.lower() in IMAGE_SUFFIXES
    ]
    if not found:
        raise DataError(texts.no_images_to_evaluate(folder))
    return found


def evaluate_folder(recognizer: Recognizer, folder: Path) -> FolderResult:
    return evaluate_images(recognizer, folder, labelled_images(folder))


def evaluate_images(
    recognizer: Recognizer, folder: Path, images: list[tuple[Path, int]]
) -> FolderResult:
    result = FolderResult()
    for path, label in images:
        name = str(path.relative_to(folder))
        result.labels.append(label)
        try:
            reading = recognizer.read(path.read_bytes())
        except RecognizerError as error:
            result.refused[name] = str(error)
            result.predicted.append(NO_ANSWER)
            continue
        if len(reading.digits) != 1:
            result.refused[name] = texts.not_one_digit(reading.number)
            result.predicted.append(NO_ANSWER)
            continue
        digit = reading.digits[0].digit
        result.predicted.append(digit)
        if digit != label:
            result.wrong[name] = digit
    return result


def evaluate_mnist(model_dir: Path, mnist: Mnist) -> dict[str, Any]:
    model = DigitModel.open(model_dir / MODEL_FILE, threads=None)
    probabilities = model.outputs(to_model_input(mnist.x_test))
    return accuracy_figures(mnist.y_test.astype(np.int64), probabilities)


def evaluate(model_dir: Path, data: Path | None, folder: Path | None, as_json: bool) -> None:
    """Print the figures; a broken model directory is a DataError like any other bad input.

    Every input is checked before the slow part, so a wrong path fails at once.
    """
    images = labelled_images(folder) if folder else []
    mnist = load_mnist(data)
    try:
        recognizer = Recognizer.load(model_dir)
    except RecognizerError as error:
        raise DataError(str(error)) from None
    report: dict[str, Any] = {
        "model_dir": str(model_dir),
        "mnist": evaluate_mnist(model_dir, mnist),
    }
    if folder:
        result = evaluate_images(recognizer, folder, images)
        report["folder"] = {"path": str(folder), **result.figures()}
    print(json.dumps(report, indent=2) if as_json else _as_text(report))


def _as_text(report: dict[str, Any]) -> str:
    mnist = report["mnist"]
    lines = [
        f"model {report['model_dir']}",
        f"MNIST test: {mnist['accuracy']:.2%} of {mnist['images']}",
    ]
    folder = report.get("folder")
    if folder:
        lines.append(f"{folder['path']}: {folder['accuracy']:.2%} of {folder['images']}")
        per_digit = "  ".join(f"{d}: {a:.0%}" for d, a in folder["per_digit_accuracy"].items())
        lines.append(f"  per digit  {per_digit}")
        lines.extend(f"  wrong    {name} -> {digit}" for name, digit in folder["wrong"].items())
        lines.extend(f"  refused  {name}: {why}" for name, why in folder["refused"].items())
    return "\n".join(lines)
