"""How long one photo takes: decode + preprocess + inference + chart, on 1280x960 JPEGs.

Preprocessing is what the bot runs: it looks for a whole number and reads a single digit the
single-digit way, finding the ink once.

    python -m benchmarks.latency [--photos 40] [--rounds 5] [--model-dir models]

Prints p50/p99 per stage and in total as a markdown table and writes JSON (default
benchmarks/out/latency.json). Goal: total p50 <= 10 ms. The machine's other load shows up in
p99, so the CPU count and load average are recorded with the figures.
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
from benchmarks.photos import CASES, generate
from recognizer.chart import render_chart
from recognizer.config import CANVAS, DEFAULT_MODEL_DIR
from recognizer.decode import decode
from recognizer.model import DigitModel
from recognizer.prediction import Box, Prediction
from recognizer.segment import find_digits
from training.mnist import load_mnist

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "out" / "latency.json"
STAGES = ("decode", "preprocess", "infer", "chart", "total")
PHOTO_SIZE = (1280, 960)
BATCH_SIZES = (1, 64)

Infer = Callable[[np.ndarray], np.ndarray]
"""(N, 28, 28) uint8 white-on-black images -> (N, 10) probabilities: LiteRT or Keras."""


def landscape_photos(count: int, seed: int) -> list[bytes]:
    """Seeded 1280x960 JPEGs: the size a phone's photo has after Telegram's app resizes it."""
    mnist = load_mnist(MNIST_FILE)
    landscape = tuple(case for case in CASES if case.size == PHOTO_SIZE)
    return [photo.jpeg for photo in generate(count, seed, mnist.x_test, mnist.y_test, landscape)]


def measure(photos: list[bytes], infer: Infer, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per stage for every photo in every round (the first round warms caches)."""
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for round_number in range(rounds + 1):
        for photo in photos:
            spent = _one_photo(photo, infer)
            if round_number:
                for stage, milliseconds in spent.items():
                    timings[stage].append(milliseconds)
    return timings


def _one_photo(photo: bytes, infer: Infer) -> dict[str, float]:
    clock = time.perf_counter
    started = clock()
    decoded = decode(photo)
    decoded_at = clock()
    # What the bot runs: look for a whole number, read as one digit when there is one.
    prepared = find_digits(decoded.gray, infer)[0]
    prepared_at = clock()
    probabilities = infer(prepared.image[None])[0]
    inferred_at = clock()
    digit = int(np.argmax(probabilities))
    render_chart(
        Prediction(
            digit,
            float(probabilities[digit]),
            tuple(float(p) for p in probabilities),
            prepared.image,
            Box(*prepared.box),
        )
    )
    charted_at = clock()
    moments = (started, decoded_at, prepared_at, inferred_at, charted_at)
    spent = {
        stage: (end - begin) * 1000
        for stage, begin, end in zip(STAGES, moments, moments[1:], strict=False)
    }
    spent["total"] = (charted_at - started) * 1000
    return spent


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
    parser.add_argument("--photos", type=int, default=40, help="distinct generated photos")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the photos")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    photos = landscape_photos(args.photos, args.seed)
    figures = summary(measure(photos, DigitModel.load(args.model_dir).probabilities, args.rounds))
    print("| Stage | p50 (ms) | p99 (ms) |\n|---|---:|---:|")
    for stage, values in figures.items():
        print(f"| {stage} | {values['p50']:.2f} | {values['p99']:.2f} |")
    stamp = machine()
    print(f"\n{len(photos)} JPEG photos {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} x {args.rounds} rounds")
    print(f"machine: {stamp['cores']} cores, load average {stamp['load_average']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"photos": len(photos), "rounds": args.rounds, "machine": stamp, "stages": figures}
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
