"""Converting the trained Keras classifier to LiteRT flatbuffers (float32 and int8).

The route goes through a SavedModel (Keras' own export): converting a traced function directly
leaves resource variables in the graph, which the int8 calibrator cannot run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator

import keras
import numpy as np
import tensorflow as tf


def _convert(
    classifier: keras.Model, configure: Callable[[tf.lite.TFLiteConverter], None]
) -> bytes:
    with tempfile.TemporaryDirectory() as saved_model:
        # Dynamic batch in the signature, so the recognizer can batch freely.
        classifier.export(saved_model, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        configure(converter)
        return converter.convert()


def to_float32(classifier: keras.Model) -> bytes:
    return _convert(classifier, lambda converter: None)


def to_int8(classifier: keras.Model, calibration_images: np.ndarray) -> bytes:
    """Integer weights and activations, float32 input and output so the serving contract holds."""

    def representative() -> Iterator[list[np.ndarray]]:
        for image in calibration_images:
            yield [image[np.newaxis].astype(np.float32)]

    def quantise(converter: tf.lite.TFLiteConverter) -> None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]

    return _convert(classifier, quantise)
