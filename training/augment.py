"""Random distortions applied on the fly to each training batch.

A Keras layer in front of the classifier (only while training) rather than a tf.data map: it runs
inside the compiled training step, draws from Keras' seeded generator so runs are reproducible, and
the exported classifier never contains it.
"""

from __future__ import annotations

import math

import keras
from keras import ops

from training.config import Augmentation

_GAUSSIAN_3X3 = [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]


class RealPhotoAugmentation(keras.layers.Layer):
    """One affine warp (rotation, zoom, aspect, shear, shift), stroke width change and blur."""

    def __init__(self, settings: Augmentation, seed: int, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.seed_generator = keras.random.SeedGenerator(seed)
        kernel = ops.convert_to_tensor(_GAUSSIAN_3X3) / 16.0
        self.blur_kernel = ops.reshape(kernel, (3, 3, 1, 1))

    def call(self, images: keras.KerasTensor, training: bool | None = None) -> keras.KerasTensor:
        if not training:
            return images
        images = self._warp(images)
        images = self._change_strokes(images)
        images = self._blur(images)
        return ops.clip(images, 0.0, 1.0)

    def _uniform(self, batch: int, limit: float) -> keras.KerasTensor:
        return keras.random.uniform((batch,), -limit, limit, seed=self.seed_generator)

    def _warp(self, images: keras.KerasTensor) -> keras.KerasTensor:
        """Compose everything into one matrix so the image is interpolated (softened) only once."""
        s = self.settings
        batch = ops.shape(images)[0]
        angle = self._uniform(batch, math.radians(s.rotation_degrees))
        zoom = 1.0 + self._uniform(batch, s.scale)
        zoom_x = zoom * (1.0 + self._uniform(batch, s.aspect))
        zoom_y = zoom * (1.0 + self._uniform(batch, s.aspect))
        shear = self._uniform(batch, s.shear)
        shift_x = self._uniform(batch, s.translation_pixels)
        shift_y = self._uniform(batch, s.translation_pixels)
        # The transform maps output pixel -> input pixel: the inverse of the distortion.
        cos, sin = ops.cos(angle), ops.sin(angle)
        a0, a1 = cos / zoom_x, (sin + shear * cos) / zoom_x
        b0, b1 = -sin / zoom_y, (cos - shear * sin) / zoom_y
        centre = 13.5
        a2 = centre - a0 * (centre + shift_x) - a1 * (centre + shift_y)
        b2 = centre - b0 * (centre + shift_x) - b1 * (centre + shift_y)
        zeros = ops.zeros_like(a0)
        transform = ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
        return ops.image.affine_transform(images, transform, fill_mode="constant")

    def _change_strokes(self, images: keras.KerasTensor) -> keras.KerasTensor:
        """Blend towards a 3x3 max (thicker) or min (thinner) filter: pen widths vary smoothly."""
        batch = ops.shape(images)[0]
        amount = ops.reshape(self._uniform(batch, self.settings.stroke_change), (-1, 1, 1, 1))
        thicker = ops.max_pool(images, 3, strides=1, padding="same")
        thinner = -ops.max_pool(-images, 3, strides=1, padding="same")
        target = ops.where(amount > 0, thicker, thinner)
        return images + ops.abs(amount) * (target - images)

    def _blur(self, images: keras.KerasTensor) -> keras.KerasTensor:
        batch = ops.shape(images)[0]
        strength = keras.random.uniform((batch,), 0.0, 1.0, seed=self.seed_generator)
        chosen = keras.random.uniform((batch,), 0.0, 1.0, seed=self.seed_generator)
        strength = ops.where(chosen < self.settings.blur_probability, strength, 0.0)
        blurred = ops.conv(images, self.blur_kernel, strides=1, padding="same")
        return images + ops.reshape(strength, (-1, 1, 1, 1)) * (blurred - images)
