"""How long one photo takes: decode + preprocess + inference + chart, on 1280x960 JPEGs.

    python -m benchmarks.latency [--photos 40] [--rounds 5] [--model-dir models]

Prints p50/p99 per stage and in total as a markdown table and writes JSON (default
benchmarks/out/latency.json). Goal: total p50 <= 10 ms. The machine's other load shows up in
p99, so the CPU count and load average are recorded with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from benchmarks.accuracy import MNIST_FILE, REPO_ROOT
from benchmarks.photos import CASES, generate
from recognizer.chart import render_chart
from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.decode import decode
from recognizer.model import DigitModel
from recognizer.prediction import Box, Prediction
from recognizer.preprocess import preprocess
from training.mnist import load_mnist

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "out" / "latency.json"
STAGES = ("decode", "preprocess", "infer", "chart", "total")
PHOTO_SIZE = (1280, 960)


def measure(photos: list[bytes], model: DigitModel, rounds: int) -> dict[str, list[float]]:
    """Milliseconds per stage for every photo in every round (the first round warms caches)."""
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for round_number in range(rounds + 1):
        for photo in photos:
            spent = _one_photo(photo, model)
            if round_number:
                for stage, milliseconds in spent.items():
                    timings[stage].append(milliseconds)
    return timings


def _one_photo(photo: bytes, model: DigitModel) -> dict[str, float]:
    clock = time.perf_counter
    started = clock()
    decoded = decode(photo)
    decoded_at = clock()
    prepared = preprocess(decoded.gray)
    prepared_at = clock()
    probabilities = model.probabilities(prepared.image[None])[0]
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
    return {
        stage: {
            "p50_ms": round(float(np.percentile(values, 50)), 2),
            "p99_ms": round(float(np.percentile(values, 99)), 2),
            "mean_ms": round(float(np.mean(values)), 2),
        }
        for stage, values in timings.items()
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency", description=__doc__)
    parser.add_argument("--photos", type=int, default=40, help="distinct generated photos")
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the photos")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    mnist = load_mnist(MNIST_FILE)
    landscape = tuple(case for case in CASES if case.size == PHOTO_SIZE)
    generated = generate(args.photos, args.seed, mnist.x_test, mnist.y_test, landscape)
    photos = [photo.jpeg for photo in generated]
    figures = summary(measure(photos, DigitModel.load(args.model_dir), args.rounds))
    print("| Stage | p50 (ms) | p99 (ms) |\n|---|---:|---:|")
    for stage, values in figures.items():
        print(f"| {stage} | {values['p50_ms']:.2f} | {values['p99_ms']:.2f} |")
    machine = {
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
    }
    print(f"\n{len(photos)} JPEG photos {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} x {args.rounds} rounds")
    print(f"machine: {machine['cpus']} CPUs, load average {machine['load_average']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {"photos": len(photos), "rounds": args.rounds, "machine": machine, "stages": figures}
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
