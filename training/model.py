"""The classifier: a compact VGG-style CNN with batch normalisation.

Two 3x3 conv pairs (32 then 64 filters) are enough capacity for >99.6% on MNIST, cost about
20 MFLOPs per image (well under a millisecond in LiteRT) and keep the shipped file under 2 MB.
"""

from __future__ import annotations

import keras
from keras import layers

from training.augment import RealPhotoAugmentation
from training.config import Augmentation, Recipe

INPUT_SHAPE = (28, 28, 1)
BATCH_NORM_MOMENTUM = 0.9
"""Faster statistics than Keras' 0.99: settled within tens of steps, so quick runs work too."""
CLASSES = 10


def _conv_block(x: keras.KerasTensor, filters: int, weight_decay: float) -> keras.KerasTensor:
    for _ in range(2):
        x = layers.Conv2D(
            filters,
            3,
            padding="same",
            use_bias=False,
            kernel_regularizer=keras.regularizers.L2(weight_decay),
        )(x)
        x = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM)(x)
        x = layers.ReLU()(x)
    return layers.MaxPooling2D()(x)


def build_classifier(recipe: Recipe) -> keras.Model:
    """Float32 (N, 28, 28, 1) in [0, 1], white on black -> (N, 10) softmax: the serving contract."""
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = _conv_block(inputs, 32, recipe.weight_decay)
    x = _conv_block(x, 64, recipe.weight_decay)
    x = layers.Flatten()(x)
    x = layers.Dropout(recipe.dropout)(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM)(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(recipe.dropout)(x)
    outputs = layers.Dense(CLASSES, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digits")


def with_augmentation(classifier: keras.Model, seed: int) -> keras.Model:
    """What is fitted: the classifier's own weights, behind distortions active in training only."""
    inputs = keras.Input(INPUT_SHAPE, name="image")
    augmented = RealPhotoAugmentation(Augmentation(), seed=seed, name="augmentation")(inputs)
    return keras.Model(inputs, classifier(augmented), name="digits_training")
