"""The training loop: seeded, one-cycle learning rate, best-validation weights kept."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import keras
import tensorflow as tf

from training import stopping
from training.config import MILESTONE_ACCURACY, Recipe
from training.dataset import TrainingData
from training.model import build_classifier, with_augmentation
from training.progress import Reporter


@dataclass
class FitResult:
    classifier: keras.Model
    history: dict[str, list[float]]
    best_epoch: int
    seconds: float
    seconds_to_milestone: float | None = None
    epoch_seconds: list[float] = field(default_factory=list)


class _Stopwatch(keras.callbacks.Callback):
    """Wall time per epoch, and when validation accuracy first reached the milestone."""

    def __init__(self) -> None:
        super().__init__()
        self.started = time.monotonic()
        self.epoch_ends: list[float] = []
        self.milestone: float | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        elapsed = time.monotonic() - self.started
        self.epoch_ends.append(elapsed)
        reached = (logs or {}).get("val_accuracy", 0.0) >= MILESTONE_ACCURACY
        if self.milestone is None and reached:
            self.milestone = elapsed


class StopCheck(keras.callbacks.Callback):
    """Ends the loop at the next batch if a stop signal came whose interrupt was swallowed."""

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        stopping.raise_if_requested()

    def on_test_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        stopping.raise_if_requested()


class ProgressCallback(keras.callbacks.Callback):
    """Turns Keras' training loop into reporter events, with an ETA over the whole run."""

    def __init__(self, reporter: Reporter, epochs: int, steps_per_epoch: int) -> None:
        super().__init__()
        self.reporter = reporter
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.started = time.monotonic()
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.epoch = epoch

    def _eta(self, done_steps: int) -> float:
        elapsed = time.monotonic() - self.started
        remaining = self.epochs * self.steps_per_epoch - done_steps
        return elapsed / max(done_steps, 1) * remaining

    def on_train_batch_end(self, batch: int, logs: dict[str, float] | None = None) -> None:
        done = self.epoch * self.steps_per_epoch + batch + 1
        fraction = (batch + 1) / self.steps_per_epoch
        self.reporter.batch(self.epoch + 1, self.epochs, fraction, self._eta(done))

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        logs = logs or {}
        self.reporter.event(
            {
                "event": "epoch",
                "epoch": epoch + 1,
                "epochs": self.epochs,
                "loss": round(float(logs.get("loss", float("nan"))), 5),
                "val_accuracy": round(float(logs.get("val_accuracy", float("nan"))), 5),
                "eta_s": round(self._eta((epoch + 1) * self.steps_per_epoch), 1),
            }
        )


def seed_everything(seed: int) -> None:
    """Same seed, same data order, same augmentation, same weights (on the same machine)."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def _schedule(recipe: Recipe, steps: int) -> keras.optimizers.schedules.LearningRateSchedule:
    """One cycle: linear warm-up to the peak, then cosine decay to a small fraction of it."""
    warmup = int(recipe.warmup_fraction * steps)
    peak = recipe.peak_learning_rate
    start = peak / 10 if warmup else peak
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=start,
        decay_steps=max(steps - warmup, 1),
        alpha=recipe.final_learning_rate_fraction * peak / start,
        warmup_target=peak if warmup else None,
        warmup_steps=warmup,
    )


def train(
    data: TrainingData, recipe: Recipe, reporter: Reporter, starting: keras.Model | None = None
) -> FitResult:
    """Fit a new classifier, or continue from ``starting`` (fine-tuning keeps its architecture)."""
    classifier = starting if starting is not None else build_classifier(recipe)
    trainer = with_augmentation(classifier, recipe.seed)
    steps_per_epoch = math.ceil(len(data.train) / recipe.batch_size)
    trainer.compile(
        optimizer=keras.optimizers.Adam(_schedule(recipe, steps_per_epoch * recipe.epochs)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    best = keras.callbacks.EarlyStopping(
        monitor="val_accuracy", patience=recipe.epochs, restore_best_weights=True
    )
    stopwatch = _Stopwatch()
    history = trainer.fit(
        data.train.x,
        data.train.y,
        batch_size=recipe.batch_size,
        epochs=recipe.epochs,
        validation_data=(data.validation.x, data.validation.y),
        shuffle=True,
        verbose=0,
        callbacks=[
            StopCheck(),
            ProgressCallback(reporter, recipe.epochs, steps_per_epoch),
            stopwatch,
            best,
        ],
    ).history
    return FitResult(
        classifier=classifier,
        history={key: [float(v) for v in values] for key, values in history.items()},
        best_epoch=best.best_epoch + 1,
        seconds=time.monotonic() - stopwatch.started,
        seconds_to_milestone=stopwatch.milestone,
        epoch_seconds=stopwatch.epoch_ends,
    )
