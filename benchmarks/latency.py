"""How long one photo takes: the whole reading plus the chart, on 1280x960 JPEGs.

The reading is what the bot runs (``Recognizer.read``: decode, ink, layout with the model's
say on cuts, render, model); decoding alone is timed too, to show its share.

    python -m benchmarks.latency [--photos 40] [--rounds 5] [--model-dir models]

Prints p50/p99 per stage and in total as a markdown table, for photos of one digit and of
8-digit numbers, and writes JSON (default benchmarks/out/latency.json). Goals: total p50 <=
10 ms for one digit, <= 25 ms for an 8-digit number. The machine's other load shows up in p99,
so the CPU count and load average are recorded with the figures.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.accuracy import MNIST_FILE, REPO_ROOT
from benchmarks.measure import machine, percentiles
from benchmarks.photos import CASES, generate, generate_numbers
from recognizer import Reading, Recognizer
from recognizer.chart import render_chart, render_number
from recognizer.config import CANVAS, DEFAULT_MODEL_DIR
from recognizer.decode import decode
from recognizer.model import DigitModel
from training.mnist import load_mnist

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "out" / "latency.json"
STAGES = ("decode", "read", "chart", "total")
"""``read`` includes decoding; ``total`` is read + chart, what one answer costs."""
PHOTO_SIZE = (1280, 960)
BATCH_SIZES = (1, 64)
NUMBER_LENGTH = 8

Infer = Callable[[np.ndarray], np.ndarray]
"""(N, 28, 28) uint8 white-on-black images -> (N, 10) probabilities: LiteRT or Keras."""


def _landscape() -> tuple:
    return tuple(case for case in CASES if case.size == PHOTO_SIZE)


def landscape_photos(count: int, seed: int) -> list[bytes]:
    """Seeded 1280x960 JPEGs of one digit: a phone's photo after Telegram's app resizes it."""
    mnist = load_mnist(MNIST_FILE)
    return [photo.jpeg for photo in generate(count, seed, mnist.x_test, mnist.y_test, _landscape())]


def number_photos(count: int, seed: int) -> list[bytes]:
    """Seeded 1280x960 JPEGs of 8-digit numbers."""
    mnist = load_mnist(MNIST_FILE)
    photos = generate_numbers(
        count, seed, mnist.x_test, mnist.y_test, lengths=(NUMBER_LENGTH,), cases=_landscape()
    )
    return [photo.jpeg for photo in photos]


def measure(photos: list[bytes], recognizer: Recognizer, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per stage for every photo in every round (the first round warms caches)."""
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for round_number in range(rounds + 1):
        for photo in photos:
            spent = _one_photo(photo, recognizer)
            if round_number:
                for stage, milliseconds in spent.items():
                    timings[stage].append(milliseconds)
    return timings


def _one_photo(photo: bytes, recognizer: Recognizer) -> dict[str, float]:
    clock = time.perf_counter
    started = clock()
    decode(photo)
    decoded_at = clock()
    reading = recognizer.read(photo)
    read_at = clock()
    chart(reading)
    charted_at = clock()
    return {
        "decode": (decoded_at - started) * 1000,
        "read": (read_at - decoded_at) * 1000,
        "chart": (charted_at - read_at) * 1000,
        "total": (charted_at - decoded_at) * 1000,
    }


def chart(reading: Reading) -> bytes:
    """The picture the bot sends: the probability chart for one digit, else the annotated photo."""
    digits = reading.digits
    return render_chart(digits[0]) if len(digits) == 1 else render_number(reading)


def summary(timings: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {stage: percentiles(values) for stage, values in timings.items()}


def inference_alone(infer: Infer, repeats: int) -> dict[str, dict[str, float]]:
    """Model call alone per batch size, on real MNIST digits; per-image figures for comparison."""
    digits = load_mnist(MNIST_FILE).x_test
    figures = {}
    for size in BATCH_SIZES:
        batch = digits[:size].reshape(size, CANVAS, CANVAS)
        infer(batch)
        spent = []
        for _ in range(repeats):
            started = time.perf_counter()
            infer(batch)
            spent.append((time.perf_counter() - started) * 1000)
        call = percentiles(spent)
        figures[f"batch_{size}"] = {**call, "per_image_p50": round(call["p50"] / size, 3)}
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency", description=__doc__)
    parser.add_argument("--photos", type=int, default=40, help="distinct photos per set")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the photos")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    recognizer = Recognizer(DigitModel.load(args.model_dir))
    sets = {
        "one digit": landscape_photos(args.photos, args.seed),
        f"{NUMBER_LENGTH}-digit number": number_photos(args.photos, args.seed),
    }
    figures = {
        name: summary(measure(photos, recognizer, args.rounds)) for name, photos in sets.items()
    }
    print("| Photos | Stage | p50 (ms) | p99 (ms) |\n|---|---|---:|---:|")
    for name, stages in figures.items():
        for stage, values in stages.items():
            print(f"| {name} | {stage} | {values['p50']:.2f} | {values['p99']:.2f} |")
    stamp = machine()
    print(
        f"\n{args.photos} JPEG photos {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} per set, {args.rounds} rounds"
    )
    print(f"machine: {stamp['cores']} cores, load average {stamp['load_average']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"photos": args.photos, "rounds": args.rounds, "machine": stamp, "sets": figures}
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
