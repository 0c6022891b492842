"""Command line: ``python -m recognizer IMAGE...`` prints the digit or number read in each image.

An image holding one digit gets the digit, its confidence and ten text bars; one holding a
number gets the number, then each digit with its bars, row by row. ``--json`` prints one object
per image with the same keys for a digit and a number: ``number`` (rows joined by a line
break), ``confidence``, ``digits`` (each ``digit``, ``confidence``, ``probabilities``, ``box``),
``rows`` (each row's number and digits, top to bottom) and ``other_writing``.
``--mnist-samples N`` reads N random MNIST test digits instead, as the tutorial's predict.py
did with no argument.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from recognizer.chart import render_chart, render_number
from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.contracts import MNIST_PATH_ENV
from recognizer.errors import RecognizerError
from recognizer.prediction import Prediction, Reading
from recognizer.recognizer import Recognizer
from recognizer.stages import Stages

_BAR_WIDTH = 40


def main(argv: list[str] | None = None) -> int:
    """Exit status 0 when every image was read, 1 when any failed, 2 when the model or the
    MNIST file failed (or no image was named)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.images and args.mnist_samples is None:
        parser.error("name at least one IMAGE, or pass --mnist-samples N")
    # Pillow warns about odd files (corrupt EXIF...) that are then read or refused anyway;
    # the one line per image below says all a user needs.
    warnings.simplefilter("ignore")
    try:
        with _native_stderr_silenced():
            recognizer = Recognizer.load(args.model_dir)
    except RecognizerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.mnist_samples is not None:
        return _read_mnist_samples(recognizer, args)
    failures = sum(not _recognize(recognizer, path, args) for path in args.images)
    return 1 if failures else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m recognizer",
        description="Read the handwritten digit or number in each image (photo, scan, drawing).",
    )
    parser.add_argument(
        "images",
        nargs="*",
        type=Path,
        metavar="IMAGE",
        help="image files to read: JPEG, PNG, WebP, GIF...; one digit or a number each",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--chart",
        type=Path,
        metavar="OUT.png",
        help="save the chart the bot would send, in the format OUT's suffix names",
    )
    parser.add_argument(
        "--debug",
        type=Path,
        metavar="DIR",
        help="save every preprocessing stage, and each digit of a number, under DIR/<image>/",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=DEFAULT_MODEL_DIR,
        metavar="DIR",
        help="model directory holding digits.tflite (default: the shipped models/)",
    )
    parser.add_argument(
        "--mnist-samples",
        type=_count,
        metavar="N",
        help="read N random MNIST test digits through the whole pipeline instead of IMAGEs",
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="MNIST.npz",
        help=f"Keras-layout mnist.npz for --mnist-samples (default: ${MNIST_PATH_ENV})",
    )
    parser.add_argument("--seed", type=int, help="random seed for --mnist-samples")
    return parser


def _count(text: str) -> int:
    if not text.isdecimal() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """LiteRT's C++ runtime writes "INFO: Created TensorFlow Lite XNNPACK delegate for CPU."
    straight to file descriptor 2 when the model is first run; Python's ``sys.stderr`` never
    sees it, so the descriptor itself points at /dev/null meanwhile. Errors still reach the
    user: the recognizer raises them as exceptions, printed after this block.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


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
    if args.debug and len(reading.digits) > 1:
        _save_digits(reading, args.debug / path.stem)
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
    """The same keys whether the image held one digit or a number."""
    answer: dict[str, Any] = {
        "file": str(path),
        "number": reading.number,
        "confidence": round(reading.confidence, 6),
        "digits": [_digit_as_json(p) for p in reading.digits],
        "rows": [
            {"number": row.number, "digits": [_digit_as_json(p) for p in row.digits]}
            for row in reading.rows
        ],
        "other_writing": reading.other_writing,
    }
    return json.dumps(answer)


def _digit_as_json(prediction: Prediction) -> dict[str, Any]:
    box = prediction.box
    return {
        "digit": prediction.digit,
        "confidence": round(prediction.confidence, 6),
        "probabilities": [round(value, 6) for value in prediction.probabilities],
        "box": [box.x, box.y, box.width, box.height],
    }


def _as_text(path: Path, reading: Reading) -> str:
    if len(reading.digits) == 1:
        return _digit_as_text(str(path), reading.digits[0])
    numbers = " / ".join(row.number for row in reading.rows)
    lines = [f"{path}: {numbers} ({reading.confidence:.1%} sure of every digit)"]
    for row_place, row in enumerate(reading.rows, start=1):
        if len(reading.rows) > 1:
            lines.append(f"  row {row_place}: {row.number}")
        for place, prediction in enumerate(row.digits, start=1):
            box = prediction.box
            where = f"  digit {place} at x={box.x} y={box.y} {box.width}x{box.height}"
            lines.append(_digit_as_text(where, prediction))
    if reading.other_writing:
        lines.append("  (other writing in the picture was not read)")
    return "\n".join(lines)


def _digit_as_text(name: str, prediction: Prediction) -> str:
    """The tutorial's predict.py output: the answer, then one bar per digit."""
    unsure = f" (unsure; maybe {prediction.runner_up})" if prediction.is_unsure else ""
    lines = [f"{name}: {prediction.digit} ({prediction.confidence:.1%}){unsure}"]
    for digit, probability in enumerate(prediction.probabilities):
        bar = "#" * round(probability * _BAR_WIDTH)
        marker = " <" if digit == prediction.digit else ""
        lines.append(f"  {digit} {bar:<{_BAR_WIDTH}} {probability:6.1%}{marker}")
    return "\n".join(lines)


def _read_mnist_samples(recognizer: Recognizer, args: argparse.Namespace) -> int:
    """N random MNIST test digits, each encoded as a PNG file would be and read like a photo."""
    try:
        images, labels = _mnist_test(args.data)
    except (OSError, ValueError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(len(labels), size=min(args.mnist_samples, len(labels)), replace=False)
    right = 0
    for index in picks.tolist():
        label = int(labels[index])
        name = f"MNIST test #{index} (labelled {label})"
        buffer = io.BytesIO()
        Image.fromarray(images[index]).save(buffer, format="PNG")
        try:
            reading = recognizer.read(buffer.getvalue())
        except RecognizerError as error:
            print(f"{name}: error: {error}")
            continue
        right += reading.number == str(label)
        print(_as_text(Path(name), reading))
    print(f"{right} of {len(picks)} read right")
    return 0


def _mnist_test(data: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """MNIST's test images (N, 28, 28) uint8 and labels, from ``--data`` or the environment."""
    path = data or (Path(os.environ[MNIST_PATH_ENV]) if os.environ.get(MNIST_PATH_ENV) else None)
    if path is None:
        raise ValueError(
            f"--mnist-samples needs MNIST: pass --data mnist.npz or set {MNIST_PATH_ENV}"
        )
    try:
        with np.load(path, allow_pickle=False) as mnist:
            images, labels = np.asarray(mnist["x_test"]), np.asarray(mnist["y_test"])
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"cannot read MNIST from {path} ({error})") from None
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != images.shape[:1]:
        raise ValueError(f"{path} is not a Keras-layout mnist.npz (x_test is {images.shape})")
    return images.astype(np.uint8), labels


def _chart_path(chart: Path, image: Path, count: int) -> Path:
    """With several images, one chart per image: OUT-<image name>.png."""
    if count == 1:
        return chart
    return chart.with_name(f"{chart.stem}-{image.stem}{chart.suffix or '.png'}")


def _save_chart(reading: Reading, path: Path) -> None:
    """One digit: the probability chart (the bot sends a PNG); a number: the annotated photo
    (a JPEG). Saved in the format the file's suffix names, so ``OUT.png`` is a PNG either way;
    as the bot sends it when the suffix names no image format Pillow writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    one = len(reading.digits) == 1
    picture = render_chart(reading.digits[0]) if one else render_number(reading)
    wanted = Image.registered_extensions().get(path.suffix.lower())
    with Image.open(io.BytesIO(picture)) as image:
        if wanted is None or wanted == image.format or wanted not in Image.SAVE:
            path.write_bytes(picture)
        else:
            image.convert("RGB").save(path, format=wanted)


def _save_stages(stages: Stages, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, image in stages.items():
        cv2.imwrite(str(directory / f"{name}.png"), image)


def _save_digits(reading: Reading, directory: Path) -> None:
    """Each digit of a number: its crop of the photo and the 28x28 image the model read."""
    directory.mkdir(parents=True, exist_ok=True)
    scale = reading.picture_scale
    for place, prediction in enumerate(reading.digits, start=1):
        box = prediction.box
        left, top = round(box.x * scale), round(box.y * scale)
        right, bottom = round((box.x + box.width) * scale), round((box.y + box.height) * scale)
        crop = reading.picture[top : max(bottom, top + 1), left : max(right, left + 1)]
        cv2.imwrite(str(directory / f"digit-{place:02d}-crop.png"), crop)
        cv2.imwrite(str(directory / f"digit-{place:02d}-mnist.png"), prediction.image)


if __name__ == "__main__":
    sys.exit(main())
