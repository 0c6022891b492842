"""The recognizer's counterpart of ``import tensorflow`` + ``load_model``, in a fresh process.

    python -m benchmarks.recognizer_start [--model-dir models]

Prints one JSON object: seconds to import the recognizer (OpenCV, LiteRT, Pillow, NumPy) and to
load the model, and resident memory after each: what the bot pays before its first answer.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.measure import rss_mb


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recognizer_start")
    parser.add_argument("--model-dir", type=Path)
    args = parser.parse_args(argv)
    rss_before = rss_mb()
    started = time.perf_counter()
    from recognizer import Recognizer  # noqa: PLC0415 - timing this import is the point
    from recognizer.config import DEFAULT_MODEL_DIR  # noqa: PLC0415

    imported = time.perf_counter()
    rss_imported = rss_mb()
    Recognizer.load(args.model_dir or DEFAULT_MODEL_DIR)
    loaded = time.perf_counter()
    report = {
        "import_seconds": round(imported - started, 3),
        "load_seconds": round(loaded - imported, 3),
        "rss_before_import_mb": rss_before,
        "rss_after_import_mb": rss_imported,
        "rss_after_load_mb": rss_mb(),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
