"""Assembling the arrays a run trains, validates and tests on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognizer.model import to_model_input
from training.config import USER_SAMPLE_MAX_REPEAT, USER_SAMPLE_MAX_SHARE
from training.mnist import DataError, Mnist
from training.samples import UserSamples


@dataclass(frozen=True)
class Split:
    """Float32 images (N, 28, 28, 1) in [0, 1] and int labels (N,)."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclass(frozen=True)
class TrainingData:
    train: Split
    validation: Split
    test: Split
    mnist_train: int
    user_samples: int
    user_repeat: int


def user_repeat(user_count: int, mnist_count: int) -> int:
    """How often each user sample appears per epoch: up to the cap, within the share limit."""
    if user_count == 0:
        return 0
    within_share = int(USER_SAMPLE_MAX_SHARE * mnist_count / user_count)
    return max(1, min(USER_SAMPLE_MAX_REPEAT, within_share))


def assemble(
    mnist: Mnist, samples: UserSamples, validation_size: int, limit: int | None, seed: int
) -> TrainingData:
    """Shuffle MNIST train, hold out validation, cap with ``limit``, oversample user samples.

    User samples go to training only: they are too few to judge a model by, and the bot's
    feedback folder is the whole point of a retrain.
    """
    order = np.random.default_rng(seed).permutation(len(mnist.y_train))
    x_all, y_all = mnist.x_train[order], mnist.y_train[order]
    if limit is not None:
        validation_size = min(validation_size, max(limit // 10, 1))
        x_all, y_all = x_all[: limit + validation_size], y_all[: limit + validation_size]
    if len(y_all) <= validation_size:
        raise DataError(
            f"MNIST train has only {len(y_all)} images; need more than {validation_size}"
        )
    x_val, y_val = x_all[:validation_size], y_all[:validation_size]
    x_train, y_train = x_all[validation_size:], y_all[validation_size:]
    repeat = user_repeat(len(samples), len(y_train))
    x_train = np.concatenate([x_train, *[samples.images] * repeat])
    y_train = np.concatenate([y_train, *[samples.labels] * repeat])
    return TrainingData(
        train=Split(to_model_input(x_train), y_train.astype(np.int32)),
        validation=Split(to_model_input(x_val), y_val.astype(np.int32)),
        test=Split(to_model_input(mnist.x_test), mnist.y_test.astype(np.int32)),
        mnist_train=len(y_all) - validation_size,
        user_samples=len(samples),
        user_repeat=repeat,
    )
