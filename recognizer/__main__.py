"""Command line: ``python -m recognizer IMAGE...`` prints the digit or number read in each image.

An image holding one digit gets the digit, its confidence and ten text bars; one
holding a number gets the number and a line per digit. ``--json`` objects carry ``number``
(rows joined by a line break), ``digits`` (all of them), ``rows`` (each row's number and
digits, top to bottom) and ``other_writing`` always, and ``digit`` and ``probabilities`` when
the image holds exactly one digit.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import cv2

from recognizer.chart import render_chart, render_number
from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.errors import RecognizerError
from recognizer.prediction import Prediction, Reading
from recognizer.recognizer import Recognizer
from recognizer.stages import Stages

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
        description="Read the handwritten digit or number in each image (photo, scan, drawing).",
    )
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--chart", type=Path, metavar="OUT.png", help="save the probability chart")
    parser.add_argument("--debug", type=Path, metavar="DIR", help="save every preprocessing stage")
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR, metavar="DIR")
    return parser


def _recognize(recognizer: Recognizer, path: Path, args: argparse.Namespace) -> bool:
    stages: Stages | None = {} if args.debug else None
    try:
        reading = recognizer.read(_read(path), stages)
    except RecognizerError as error:
        _report_error(path, str(error), args.json)
        return False
    finally:
        if stages:
            _save_stages(stages, args.debug / path.stem)
    if args.chart:
        _save_chart(reading, _chart_path(args.chart, path, len(args.images)))
    print(_as_json(path, reading) if args.json else _as_text(path, reading))
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


def _as_json(path: Path, reading: Reading) -> str:
    answer: dict[str, Any] = {"file": str(path)}
    if len(reading.digits) == 1:
        only = reading.digits[0]
        answer["digit"] = only.digit
        answer["probabilities"] = [round(p, 6) for p in only.probabilities]
    answer["confidence"] = round(reading.confidence, 6)
    answer["number"] = reading.number
    answer["digits"] = [_digit_as_json(p) for p in reading.digits]
    answer["rows"] = [
        {"number": row.number, "digits": [_digit_as_json(p) for p in row.digits]}
        for row in reading.rows
    ]
    answer["other_writing"] = reading.other_writing
    return json.dumps(answer)


def _digit_as_json(prediction: Prediction) -> dict[str, Any]:
    box = prediction.box
    return {
        "digit": prediction.digit,
        "confidence": round(prediction.confidence, 6),
        "box": [box.x, box.y, box.width, box.height],
    }


def _as_text(path: Path, reading: Reading) -> str:
    if len(reading.digits) == 1:
        return _digit_as_text(path, reading.digits[0])
    numbers = " / ".join(row.number for row in reading.rows)
    lines = [f"{path}: {numbers} ({reading.confidence:.1%} sure of every digit)"]
    for row_place, row in enumerate(reading.rows, start=1):
        if len(reading.rows) > 1:
            lines.append(f"  row {row_place}: {row.number}")
        for place, prediction in enumerate(row.digits, start=1):
            unsure = f" (unsure; maybe {prediction.runner_up})" if prediction.is_unsure else ""
            box = prediction.box
            lines.append(
                f"  digit {place}: {prediction.digit} ({prediction.confidence:.1%}){unsure}"
                f" at x={box.x} y={box.y} {box.width}x{box.height}"
            )
    if reading.other_writing:
        lines.append("  (other writing in the picture was not read)")
    return "\n".join(lines)


def _digit_as_text(path: Path, prediction: Prediction) -> str:
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


def _save_chart(reading: Reading, path: Path) -> None:
    """One digit: the probability chart; a number: the annotated photo."""
    path.parent.mkdir(parents=True, exist_ok=True)
    one = len(reading.digits) == 1
    path.write_bytes(render_chart(reading.digits[0]) if one else render_number(reading))


def _save_stages(stages: Stages, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, image in stages.items():
        cv2.imwrite(str(directory / f"{name}.png"), image)


if __name__ == "__main__":
    sys.exit(main())
