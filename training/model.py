"""The classifier: a compact VGG-style CNN with batch normalisation.

Two 3x3 conv pairs (32 then 64 filters) are enough capacity for >99.6% on MNIST, cost about
20 MFLOPs per image (well under a millisecond in LiteRT) and keep the shipped file under 2 MB.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from recognizer.config import NOT_A_DIGIT
from training.augment import RealPhotoAugmentation
from training.config import Augmentation, Recipe

INPUT_SHAPE = (28, 28, 1)
BATCH_NORM_MOMENTUM = 0.9
"""Faster statistics than Keras' 0.99: settled within tens of steps, so quick runs work too."""
CLASSES = NOT_A_DIGIT + 1
"""The ten digits, then "not a digit" (index 10): what the segmenter asks about each piece."""
NEW_CLASS_BIAS = -4.0
"""A 10-class model widened to 11 starts out almost never saying "not a digit"."""


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


def build_classifier(recipe: Recipe, classes: int = CLASSES) -> keras.Model:
    """Float32 (N, 28, 28, 1) in [0, 1], white on black -> (N, 11) softmax: the serving contract
    (0-9 the digits, 10 "not a digit")."""
    inputs = keras.Input(INPUT_SHAPE, name="image")
    x = _conv_block(inputs, 32, recipe.weight_decay)
    x = _conv_block(x, 64, recipe.weight_decay)
    x = layers.Flatten()(x)
    x = layers.Dropout(recipe.dropout)(x)
    x = layers.Dense(128, use_bias=False)(x)
    x = layers.BatchNormalization(momentum=BATCH_NORM_MOMENTUM)(x)
    x = layers.ReLU()(x)
    x = layers.Dropout(recipe.dropout)(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="digits")


def with_augmentation(classifier: keras.Model, seed: int) -> keras.Model:
    """What is fitted: the classifier's own weights, behind distortions active in training only."""
    inputs = keras.Input(INPUT_SHAPE, name="image")
    augmented = RealPhotoAugmentation(Augmentation(), seed=seed, name="augmentation")(inputs)
    return keras.Model(inputs, classifier(augmented), name="digits_training")


def widened(classifier: keras.Model, recipe: Recipe) -> keras.Model:
    """An 11-class copy of a 10-class model (one trained before "not a digit" existed).

    Every layer's weights are copied; the output layer keeps the ten digits' weights and gets
    an eleventh unit with zero weights and a low bias, so the widened model reads digits
    exactly as before until fine-tuning teaches it the new class. An 11-class model is
    returned as it is. Raises ValueError if the two architectures differ.
    """
    if classifier.output_shape[-1] == CLASSES:
        return classifier
    wider = build_classifier(recipe)
    if len(wider.layers) != len(classifier.layers):
        raise ValueError("its layers differ from this version's classifier")
    for old, new in zip(classifier.layers, wider.layers, strict=True):
        weights = old.get_weights()
        if new.name == "probabilities":
            kernel, bias = weights
            kernel = np.concatenate([kernel, np.zeros((kernel.shape[0], 1), kernel.dtype)], 1)
            bias = np.concatenate([bias, np.array([NEW_CLASS_BIAS], bias.dtype)])
            weights = [kernel, bias]
        new.set_weights(weights)
    return wider
