"""The tutorial's way, timed in its own process: ``import tensorflow``, ``load_model``, then
``model.predict`` per image, behind the recognizer's own decoding, preprocessing and chart.

    python -m benchmarks.keras_baseline PHOTO_DIR [--rounds 3] [--repeats 50]

Run by ``python -m benchmarks`` as a subprocess so TensorFlow's threads and ~0.5 GB never
touch the recognizer's figures. Prints one JSON object: import and load time and memory, the
per-photo stages on the JPEGs in PHOTO_DIR, and the model call alone at batch 1 and 64.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from benchmarks.latency import inference_alone, measure, summary
from benchmarks.measure import rss_mb
from recognizer import Recognizer
from recognizer.config import DEFAULT_MODEL_DIR, KERAS_FILE
from recognizer.model import Scores, scores_of, to_model_input


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.keras_baseline")
    parser.add_argument("photo_dir", type=Path, help="JPEG files to time, as *.jpg")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=50, help="calls per batch size")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    args = parser.parse_args(argv)
    photos = [path.read_bytes() for path in sorted(args.photo_dir.glob("*.jpg"))]
    rss_before = rss_mb()

    started = time.perf_counter()
    import tensorflow as tf  # noqa: PLC0415 - timing this import is the point

    imported = time.perf_counter()
    rss_imported = rss_mb()
    model = tf.keras.models.load_model(args.model_dir / KERAS_FILE)
    loaded = time.perf_counter()

    class KerasModel:
        """The recognizer's input contract, then the tutorial's ``model.predict`` call."""

        def scores(self, images: np.ndarray) -> Scores:
            return scores_of(model.predict(to_model_input(images), verbose=0))

    keras_model = KerasModel()

    report = {
        "tensorflow_version": tf.__version__,
        "import_seconds": round(imported - started, 3),
        "load_seconds": round(loaded - imported, 3),
        "rss_before_import_mb": rss_before,
        "rss_after_import_mb": rss_imported,
        "rss_after_load_mb": rss_mb(),
        "photos": len(photos),
        "rounds": args.rounds,
        "stages": summary(measure(photos, Recognizer(keras_model), args.rounds)),
        "inference": inference_alone(
            lambda images: keras_model.scores(images).digits, args.repeats
        ),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
