"""``python -m training`` / ``digitbot-train``: train and publish a model, or evaluate one.

    python -m training [--data mnist.npz] [--out models/] [--samples DIR] [--init-from DIR]
                       [--compare-with DIR] [--epochs N] [--limit N] [--seed N]
                       [--progress bar|json]
    python -m training evaluate --model-dir DIR [--data mnist.npz] [--folder DIR] [--json]

Exit status: 0 done, 2 bad input or no TensorFlow (one line saying what and how to fix it),
130/143 interrupted by SIGINT/SIGTERM (the target directory is left exactly as it was).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from recognizer.config import DEFAULT_MODEL_DIR, KERAS_FILE, MODEL_FILE
from recognizer.contracts import MNIST_PATH_ENV
from training import stopping, texts
from training.config import Recipe
from training.evaluate import evaluate
from training.mnist import DataError, load_mnist
from training.progress import PROGRAM, Reporter, make_reporter
from training.samples import UserSamples, empty_samples, load_samples

BAD_INPUT = 2
_QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "2", "ABSL_MIN_LOG_LEVEL": "2"}


class MissingTensorFlowError(Exception):
    """A serve-only install: fixable by the user like bad input, so reported the same way."""


class _OneLineParser(argparse.ArgumentParser):
    """Argument mistakes get one line with the fix, not a usage block."""

    def error(self, message: str) -> NoReturn:
        print(texts.bad_arguments(self.prog, message), file=sys.stderr)
        sys.exit(BAD_INPUT)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(texts.not_a_whole_number(text)) from None
    if value < 1:
        raise argparse.ArgumentTypeError(texts.below_one(text))
    return value


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        help=f"Keras-layout mnist.npz (default: ${MNIST_PATH_ENV}, else Keras' download)",
    )


def _train_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog=PROGRAM, description="Train and publish the digit model.")
    _data_option(parser)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR, help="model directory")
    parser.add_argument("--samples", type=Path, help="user samples folder: <digit>/*.png, 28x28")
    parser.add_argument("--init-from", type=Path, help="fine-tune this model directory's model")
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="score this model directory's model on the same test images (metrics.json)",
    )
    parser.add_argument("--epochs", type=_positive_int, help="epochs (default: the recipe's)")
    parser.add_argument(
        "--limit",
        type=_positive_int,
        help="train on at most N MNIST images (default: all; 10000 with --init-from)",
    )
    parser.add_argument("--seed", type=int, default=Recipe().seed, help="random seed")
    parser.add_argument("--progress", choices=("bar", "json"), default="bar")
    return parser


def _evaluate_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(
        prog=f"{PROGRAM} evaluate", description="Accuracy of a model directory."
    )
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    _data_option(parser)
    parser.add_argument(
        "--folder", type=Path, help="labelled images <digit>/*.png|jpg, run through the recognizer"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise DataError(texts.out_is_a_file(out))
    existing = next(path for path in (out, *out.parents) if path.exists())
    if not os.access(existing, os.W_OK):
        raise DataError(texts.out_not_writable(out))


def _load_user_samples(folder: Path | None) -> UserSamples:
    return load_samples(folder) if folder else empty_samples()


def _require_tensorflow() -> None:
    """Fail first, in one line, on an install without the ``train`` extra.

    A serve-only install leaves TensorFlow out on purpose; without this check the first use of
    it (Keras' MNIST download, or the training import after the data was read) would surface
    as an unexpected ModuleNotFoundError. Finding the module's spec imports nothing, so it
    costs nothing where TensorFlow is installed.
    """
    if importlib.util.find_spec("tensorflow") is None:
        raise MissingTensorFlowError(texts.NO_TENSORFLOW)


def _train(args: argparse.Namespace, reporter: Reporter) -> None:
    _require_tensorflow()
    _check_out_dir(args.out)
    if args.init_from and not (args.init_from / KERAS_FILE).is_file():
        raise DataError(texts.no_model_to_fine_tune(KERAS_FILE, args.init_from))
    if args.compare_with and not (args.compare_with / MODEL_FILE).is_file():
        raise DataError(texts.no_model_to_compare(MODEL_FILE, args.compare_with))
    mnist = load_mnist(args.data)
    samples = _load_user_samples(args.samples)
    os.environ.update(_QUIET_TENSORFLOW)
    # TensorFlow loads only once the inputs are known good: mistakes fail fast and quietly.
    from training.run import RunRequest, run_training  # noqa: PLC0415

    request = RunRequest(
        mnist,
        samples,
        args.out,
        args.epochs,
        args.limit,
        args.seed,
        args.init_from,
        args.compare_with,
    )
    metrics = run_training(request, reporter)
    reporter.event(
        {
            "event": "done",
            "model_dir": str(args.out),
            "test_accuracy": metrics["test_accuracy"],
            "int8_test_accuracy": metrics["int8"]["test_accuracy"],
            "training_seconds": metrics["training_seconds"],
            "user_samples": metrics["samples"]["user"],
        }
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    evaluating = arguments[:1] == ["evaluate"]
    args = (_evaluate_parser() if evaluating else _train_parser()).parse_args(
        arguments[evaluating:]
    )
    reporter = make_reporter("bar" if evaluating else args.progress)
    stopping.install()
    try:
        if evaluating:
            evaluate(args.model_dir, args.data, args.folder, as_json=args.json)
        else:
            _train(args, reporter)
    except DataError as error:
        reporter.error(str(error), kind=error.kind)
        return BAD_INPUT
    except MissingTensorFlowError as error:
        reporter.error(str(error), kind="no_tensorflow")
        return BAD_INPUT
    except KeyboardInterrupt as stop:
        name = str(stop) if str(stop) in signal.Signals.__members__ else "SIGINT"
        reporter.error(texts.interrupted(name, None if evaluating else args.out))
        return 128 + signal.Signals[name].value
    except Exception as error:
        # A bug or a broken installation, not bad input: still one line (and a JSON event for
        # the bot), and the staging directory is already gone, so models/ is untouched.
        reporter.error(texts.failed_unexpectedly(error))
        return 1
    late = stopping.requested()  # came while the new model was being swapped in, so it is served
    if late is not None and not evaluating:
        reporter.error(texts.interrupted_after_publishing(late, args.out))
        return 128 + signal.Signals[late].value
    return 0


if __name__ == "__main__":
    sys.exit(main())
