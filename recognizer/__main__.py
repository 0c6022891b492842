"""Command line: ``python -m recognizer IMAGE...`` prints the digit read in each image."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import cv2

from recognizer.chart import render_chart
from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.errors import RecognizerError
from recognizer.prediction import Prediction
from recognizer.recognizer import Recognizer

_BAR_WIDTH = 40


def main(argv: list[str] | None = None) -> int:
    """Exit status 0 when every image was read, 1 when any failed, 2 when the model failed."""
    args = _parser().parse_args(argv)
    # Pillow warns about odd files (corrupt EXIF...) that are then read or refused anyway;
    # the one line per image below says all a user needs.
    warnings.simplefilter("ignore")
    try:
        recognizer = Recognizer.load(args.model_dir)
    except RecognizerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failures = sum(not _recognize(recognizer, path, args) for path in args.images)
    return 1 if failures else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m recognizer",
        description="Read the handwritten digit in each image (photo, scan or drawing).",
    )
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--chart", type=Path, metavar="OUT.png", help="save the probability chart")
    parser.add_argument("--debug", type=Path, metavar="DIR", help="save every preprocessing stage")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR, metavar="DIR")
    return parser


def _recognize(recognizer: Recognizer, path: Path, args: argparse.Namespace) -> bool:
    stages: dict | None = {} if args.debug else None
    try:
        prediction = recognizer.predict(_read(path), stages)
    except RecognizerError as error:
        _report_error(path, str(error), args.json)
        return False
    finally:
        if stages:
            _save_stages(stages, args.debug / path.stem)
    if args.chart:
        _save_chart(prediction, _chart_path(args.chart, path, len(args.images)))
    print(_as_json(path, prediction) if args.json else _as_text(path, prediction))
    return True


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise RecognizerError(f"Cannot read {path}: {error.strerror or error}.") from None


def _report_error(path: Path, message: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"file": str(path), "error": message}))
    else:
        print(f"{path}: error: {message}", file=sys.stderr)


def _as_json(path: Path, prediction: Prediction) -> str:
    return json.dumps(
        {
            "file": str(path),
            "digit": prediction.digit,
            "confidence": round(prediction.confidence, 6),
            "probabilities": [round(p, 6) for p in prediction.probabilities],
        }
    )


def _as_text(path: Path, prediction: Prediction) -> str:
    """The tutorial's predict.py output: the answer, then one bar per digit."""
    unsure = f" (unsure; maybe {prediction.runner_up})" if prediction.is_unsure else ""
    lines = [f"{path}: {prediction.digit} ({prediction.confidence:.1%}){unsure}"]
    for digit, probability in enumerate(prediction.probabilities):
        bar = "#" * round(probability * _BAR_WIDTH)
        marker = " <" if digit == prediction.digit else ""
        lines.append(f"  {digit} {bar:<{_BAR_WIDTH}} {probability:6.1%}{marker}")
    return "\n".join(lines)


def _chart_path(chart: Path, image: Path, count: int) -> Path:
    """With several images, one chart per image: OUT-<image name>.png."""
    if count == 1:
        return chart
    return chart.with_name(f"{chart.stem}-{image.stem}{chart.suffix or '.png'}")


def _save_chart(prediction: Prediction, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_chart(prediction))


def _save_stages(stages: dict, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, image in stages.items():
        cv2.imwrite(str(directory / f"{name}.png"), image)


if __name__ == "__main__":
    sys.exit(main())
