"""How often the recognizer reads the right digit, on photos, real drawings and MNIST.

    python -m benchmarks.accuracy [--generated 600] [--mnist 10000] [--model-dir models]

Prints a markdown table and writes JSON (default benchmarks/out/accuracy.json). Every set is
also scored with a naive baseline (the whole picture resized to 28x28, inverted if light) so the
value of the preprocessing shows in the same run.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from benchmarks.photos import generate
from recognizer import Recognizer, RecognizerError
from recognizer.config import CANVAS, DEFAULT_MODEL_DIR
from recognizer.decode import decode
from recognizer.model import DigitModel
from training.mnist import load_mnist

REPO_ROOT = Path(__file__).resolve().parent.parent
REAL_DIGITS = REPO_ROOT.parent / "shared" / "data" / "real-digits"
MNIST_FILE = REPO_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "out" / "accuracy.json"

Sample = tuple[bytes, int, str]
"""Encoded image, true digit, group name (photo case, writer...) for the breakdown."""


@dataclass
class Score:
    """Correct answers out of all images; a refused image counts as wrong."""

    correct: int = 0
    total: int = 0
    refused: int = 0
    mistakes: list[str] = field(default_factory=list)
    by_group: dict[str, list[int]] = field(default_factory=dict)
    """group -> [correct, total]: which photo conditions or writers are hard."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def add(self, group: str, right: bool) -> None:
        self.total += 1
        self.correct += int(right)
        counts = self.by_group.setdefault(group, [0, 0])
        counts[0] += int(right)
        counts[1] += 1


def score_pipeline(recognizer: Recognizer, samples: Iterable[Sample]) -> Score:
    """Score the whole recognizer on encoded images of one digit: right only when it reads
    exactly that digit (a picture read as several digits is wrong)."""
    score = Score()
    for data, label, group in samples:
        try:
            read = recognizer.read(data).number
        except RecognizerError:
            score.refused += 1
            score.add(group, right=False)
            score.mistakes.append(f"{group}: {label} refused")
            continue
        score.add(group, right=read == str(label))
        if read != str(label):
            score.mistakes.append(f"{group}: {label} read as {read!r}")
    return score


def naive_input(data: bytes) -> np.ndarray:
    """What the tutorial does with a photo: resize the whole thing to 28x28, invert if light."""
    gray = decode(data).gray
    small = cv2.resize(gray, (CANVAS, CANVAS), interpolation=cv2.INTER_AREA)
    return 255 - small if small.mean() > 127 else small


def score_naive(model: DigitModel, samples: Iterable[Sample]) -> Score:
    score = Score()
    for data, label, group in samples:
        try:
            image = naive_input(data)
        except RecognizerError:
            score.refused += 1
            score.add(group, right=False)
            continue
        score.add(group, right=int(np.argmax(model.scores(image[None]).digits[0])) == label)
    return score


def generated_samples(count: int, seed: int, mnist_file: Path = MNIST_FILE) -> list[Sample]:
    mnist = load_mnist(mnist_file)
    photos = generate(count, seed, mnist.x_test, mnist.y_test)
    return [(photo.jpeg, photo.label, photo.case) for photo in photos]


def real_samples(directory: Path = REAL_DIGITS) -> list[Sample]:
    """The labelled real photos and drawings: <directory>/<digit>/*.png."""
    return [
        (path.read_bytes(), int(path.parent.name), path.name.split("__")[0])
        for path in sorted(directory.glob("[0-9]/*"))
        if path.is_file()
    ]


def mnist_png_samples(count: int, mnist_file: Path = MNIST_FILE) -> Iterator[Sample]:
    """MNIST test digits as 28x28 PNG files, as a user would send a dataset image."""
    mnist = load_mnist(mnist_file)
    for image, label in zip(mnist.x_test[:count], mnist.y_test[:count], strict=True):
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="PNG")
        yield buffer.getvalue(), int(label), "mnist"


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    recognizer = Recognizer.load(args.model_dir)
    model = DigitModel.load(args.model_dir)
    sets = {
        f"generated photos (seed {args.seed})": generated_samples(args.generated, args.seed),
        "real-digits (89 photos/drawings)": real_samples(args.real_digits),
        "MNIST test as 28x28 PNG": list(mnist_png_samples(args.mnist)),
    }
    results = {}
    for name, samples in sets.items():
        started = time.perf_counter()
        pipeline = score_pipeline(recognizer, samples)
        naive = score_naive(model, samples)
        results[name] = {
            "pipeline": asdict(pipeline) | {"accuracy": pipeline.accuracy},
            "naive_baseline": {"accuracy": naive.accuracy, "total": naive.total},
            "seconds": round(time.perf_counter() - started, 1),
        }
    print(_table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model_dir": str(args.model_dir), "sets": results}, indent=2))
    print(f"\nwritten: {args.out}")


def _table(results: dict) -> str:
    lines = [
        "| Set | Images | Recognizer | Naive baseline |",
        "|---|---:|---:|---:|",
    ]
    for name, result in results.items():
        pipeline, naive = result["pipeline"], result["naive_baseline"]
        cells = (name, pipeline["total"], f"{pipeline['accuracy']:.1%}", f"{naive['accuracy']:.1%}")
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.accuracy", description=__doc__)
    parser.add_argument("--generated", type=int, default=600, help="photos to generate")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--mnist", type=int, default=10_000, help="MNIST test images to use")
    parser.add_argument("--real-digits", type=Path, default=REAL_DIGITS)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser


if __name__ == "__main__":
    main()
