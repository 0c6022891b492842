"""What the packages exchange besides images, named once and typed so mypy checks both sides.

The bot and training never import each other; both import the recognizer, so their contracts
live here, free of TensorFlow and Telegram:

- ``MNIST_PATH_ENV``: the environment variable naming MNIST, read by training and the
  CLI (and by the bot, which passes it on to the retrains it starts);
- ``MetricsFile``: a model directory's ``metrics.json``, written by training and read by /stats,
  /model, the retrain quality gate and the benchmarks;
- ``ProgressEvent``: one line of ``python -m training --progress json``, printed by training and
  read by the bot's /retrain.
"""

from __future__ import annotations

from typing import Any, Final, Literal, NotRequired, TypedDict

MNIST_PATH_ENV: Final = "DIGITBOT_MNIST_PATH"
"""Names a Keras-layout ``mnist.npz``; unset, training downloads MNIST through Keras."""


class MetricsFile(TypedDict):
    """``metrics.json``: how a model was trained and how well it reads MNIST's test set.

    Accuracies are shares, 0-1, of the LiteRT model's readings; times are wall-clock seconds.
    """

    created_at: str
    """When training exported the model: ISO 8601 with its UTC offset."""
    test_accuracy: float
    """On the 10,000 MNIST test images."""
    per_digit_accuracy: dict[str, float]
    """The same per true digit, keyed "0" to "9"."""
    confusion_matrix: list[list[int]]
    """Test images per true digit (rows) and read digit (columns)."""
    test_images: int
    litert_keras_max_difference: float
    """Largest difference of any probability between the LiteRT file and the Keras model."""
    int8: dict[str, Any]
    """The quantised model's test accuracy and size, and whether it was kept."""
    validation_accuracy: float
    best_epoch: int
    epochs: int
    training_seconds: float
    """Fitting only, without loading data or exporting."""
    seconds_to_validation_99_5: float | None
    """When validation accuracy first reached 99.5% (None: never)."""
    run_seconds: float | None
    """The whole run, from loading data to publishing."""
    epoch_end_seconds: list[float]
    history: dict[str, list[float]]
    """Keras' per-epoch history: loss, accuracy, val_loss, val_accuracy, learning rate."""
    samples: dict[str, int]
    """How many images each source gave: ``mnist_train``, ``user``, ``user_repeat``..."""
    data: dict[str, str]
    """Where MNIST came from and checksums of the training data."""
    model: dict[str, Any]
    """The LiteRT file's name, checksum, size, parameters and single-image latency."""
    recipe: dict[str, Any]
    init_from: str | None
    """The model directory fine-tuned from (None: trained from scratch)."""
    compared_with: NotRequired[dict[str, Any] | None]
    """``--compare-with``'s model directory and its test accuracy on the very test images above
    (None: no comparison asked for); absent from files written before it existed."""
    limit: int | None
    versions: dict[str, str]
    """Python and library versions of the run."""
    not_a_digit: dict[str, Any]
    """How the eleventh output fares: MNIST digits answered "not a digit", held-out negatives
    caught, overall and per kind."""


EXPORT_STAGE: Final = "export"
"""The stage training reports once fitting ends and the model files are written and checked."""


class StartEvent(TypedDict):
    """The data is loaded and fitting begins."""

    event: Literal["start"]
    epochs: int
    train_samples: int
    """MNIST training images plus user samples (each user sample counted as often as repeated)."""
    user_samples: int
    validation_samples: int


class EpochEvent(TypedDict):
    """One epoch is done; ``eta_s`` is the estimated seconds until the last epoch ends."""

    event: Literal["epoch"]
    epoch: int
    """1-based."""
    epochs: int
    loss: float
    val_accuracy: float
    """Accuracy on the validation split, 0-1."""
    eta_s: float


class StageEvent(TypedDict):
    """A step other than fitting begins (``EXPORT_STAGE``)."""

    event: Literal["stage"]
    stage: str


class DoneEvent(TypedDict):
    """The model directory is published."""

    event: Literal["done"]
    model_dir: str
    test_accuracy: float
    int8_test_accuracy: float
    training_seconds: float
    user_samples: int


ErrorKind = Literal["mnist_missing", "mnist_download", "no_tensorflow"]
"""Why training stopped, for a parent that explains it without parsing the message: the named
MNIST file is absent or unreadable, there was no MNIST file and the download failed, or
TensorFlow is not installed."""


class ErrorEvent(TypedDict):
    """Training stopped without publishing; ``message`` is one line for a person."""

    event: Literal["error"]
    message: str
    kind: NotRequired[ErrorKind]
    """Absent for failures without a name (interrupted, unexpected)."""


ProgressEvent = StartEvent | EpochEvent | StageEvent | DoneEvent | ErrorEvent
"""Printed as one JSON object per line; ``event`` tells which kind it is."""
