"""How often the recognizer reads a whole written number right, on generated number photos.

    python -m benchmarks.numbers [--count 240] [--seed 2026] [--model-dir models]

Numbers of 2 to 6 MNIST test digits are written with natural spacing on the photo generator's
papers, inks and lighting; a second set has one neighbouring pair touching in every number.
A number counts as right only when every digit is, in order, with none missing or extra.
Prints a markdown table and writes JSON (default benchmarks/out/numbers.json).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.photos import NumberPhoto, generate_numbers
from recognizer import Recognizer, RecognizerError
from recognizer.config import DEFAULT_MODEL_DIR
from training.mnist import load_mnist

REPO_ROOT = Path(__file__).resolve().parent.parent
MNIST_FILE = REPO_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "out" / "numbers.json"
LENGTHS = (2, 3, 4, 5, 6)


@dataclass
class NumberScore:
    """Whole numbers right, and why the others were wrong."""

    right: int = 0
    total: int = 0
    wrong_count: int = 0
    """Numbers read with digits missing or extra: a segmentation mistake."""
    misread: int = 0
    """Numbers with every digit found but at least one read wrong: a classification mistake."""
    refused: int = 0
    seconds_per_photo: float = 0.0
    mistakes: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0

    def add(self, truth: str, read: str | None) -> None:
        self.total += 1
        if read == truth:
            self.right += 1
            return
        if read is None:
            self.refused += 1
        elif len(read) != len(truth):
            self.wrong_count += 1
        else:
            self.misread += 1
        self.mistakes.append(f"{truth} read as {read}")


def score(recognizer: Recognizer, photos: list[NumberPhoto]) -> NumberScore:
    result = NumberScore()
    started = time.perf_counter()
    for photo in photos:
        try:
            read = recognizer.read(photo.jpeg).number
        except RecognizerError:
            read = None
        result.add(photo.number, read)
    result.seconds_per_photo = (time.perf_counter() - started) / max(1, len(photos))
    return result


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    recognizer = Recognizer.load(args.model_dir)
    mnist = load_mnist(args.mnist_file)
    results: dict[str, dict] = {}
    for touching in (False, True):
        kind = "touching pair" if touching else "separated"
        for length in LENGTHS:
            photos = generate_numbers(
                args.count,
                args.seed + length,
                mnist.x_test,
                mnist.y_test,
                lengths=(length,),
                touching_every=1 if touching else 0,
            )
            found = score(recognizer, photos)
            results[f"{length} digits, {kind}"] = asdict(found) | {"accuracy": found.accuracy}
    print(_table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"model_dir": str(args.model_dir), "seed": args.seed, "sets": results}
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {args.out}")


def _table(results: dict[str, dict]) -> str:
    lines = [
        "| Numbers | Photos | Whole number right | Digits missing/extra | Misread | ms/photo |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        cells = (
            name,
            result["total"],
            f"{result['accuracy']:.1%}",
            result["wrong_count"],
            result["misread"],
            f"{result['seconds_per_photo'] * 1000:.0f}",
        )
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.numbers", description=__doc__)
    parser.add_argument("--count", type=int, default=240, help="photos per length and kind")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--mnist-file", type=Path, default=MNIST_FILE)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser


if __name__ == "__main__":
    main()
