"""Assembling the arrays a run trains, validates and tests on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognizer.config import NOT_A_DIGIT
from recognizer.model import to_model_input
from training import texts
from training.config import (
    HELD_OUT_NEGATIVES,
    NEGATIVE_SHARE,
    STYLED_SHARE,
    USER_SAMPLE_MAX_REPEAT,
    USER_SAMPLE_MAX_SHARE,
)
from training.mnist import DataError, Mnist
from training.negatives import Negatives, make_negatives
from training.samples import UserSamples
from training.styles import make_styled


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
    """MNIST test, digits only."""
    held_out_negatives: Negatives
    """Not-a-digit crops cut from MNIST test digits: how many the model catches."""
    mnist_train: int
    user_samples: int
    user_repeat: int
    negatives: int
    """Not-a-digit crops in training (validation has its own, in the same share)."""
    styled: int


def user_repeat(user_count: int, mnist_count: int) -> int:
    """How often each user sample appears per epoch: up to the cap, within the share limit."""
    if user_count == 0:
        return 0
    within_share = int(USER_SAMPLE_MAX_SHARE * mnist_count / user_count)
    return max(1, min(USER_SAMPLE_MAX_REPEAT, within_share))


def _stream(seed: int, purpose: int) -> np.random.Generator:
    """An independent generator per use of the seed: one set's size never shifts another's."""
    return np.random.default_rng([seed, purpose])


def _with_negatives(
    x: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """MNIST images and labels followed by not-a-digit crops cut from them (label 10)."""
    negatives = make_negatives(x, round(NEGATIVE_SHARE * len(y)), rng)
    labels = np.full(len(negatives), NOT_A_DIGIT, y.dtype)
    return np.concatenate([x, negatives.images]), np.concatenate([y, labels]), len(negatives)


def assemble(
    mnist: Mnist, samples: UserSamples, validation_size: int, limit: int | None, seed: int
) -> TrainingData:
    """Shuffle MNIST train, hold out validation, cap with ``limit``, oversample user samples,
    add not-a-digit crops and digits in other writing styles made from the same split.

    User samples go to training only: they are too few to judge a model by, and the bot's
    feedback folder is the whole point of a retrain.
    """
    order = np.random.default_rng(seed).permutation(len(mnist.y_train))
    x_all, y_all = mnist.x_train[order], mnist.y_train[order]
    if limit is not None:
        validation_size = min(validation_size, max(limit // 10, 1))
        x_all, y_all = x_all[: limit + validation_size], y_all[: limit + validation_size]
    if len(y_all) <= validation_size:
        raise DataError(texts.too_few_training_images(len(y_all), validation_size))
    x_val, y_val = x_all[:validation_size], y_all[:validation_size]
    x_mnist, y_mnist = x_all[validation_size:], y_all[validation_size:]
    repeat = user_repeat(len(samples), len(y_mnist))
    styled = make_styled(x_mnist, y_mnist, round(STYLED_SHARE * len(y_mnist)), _stream(seed, 1))
    x_train, y_train, negatives = _with_negatives(x_mnist, y_mnist, _stream(seed, 2))
    x_train = np.concatenate([x_train, styled.images, *[samples.images] * repeat])
    y_train = np.concatenate([y_train, styled.labels, *[samples.labels] * repeat])
    x_val, y_val, _ = _with_negatives(x_val, y_val, _stream(seed, 3))
    held_out = make_negatives(mnist.x_test, HELD_OUT_NEGATIVES, _stream(seed, 4))
    return TrainingData(
        train=Split(to_model_input(x_train), y_train.astype(np.int32)),
        validation=Split(to_model_input(x_val), y_val.astype(np.int32)),
        test=Split(to_model_input(mnist.x_test), mnist.y_test.astype(np.int32)),
        held_out_negatives=held_out,
        mnist_train=len(y_mnist),
        user_samples=len(samples),
        user_repeat=repeat,
        negatives=negatives,
        styled=len(styled.labels),
    )
