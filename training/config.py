"""Every tunable number of training, in one place, so a recipe change is a one-line diff."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """How one training run learns; the defaults are the shipped model's recipe."""

    epochs: int = 18
    batch_size: int = 128
    peak_learning_rate: float = 3e-3
    warmup_fraction: float = 0.15
    """One-cycle: a short linear warm-up lets BatchNorm statistics settle before the large steps."""
    final_learning_rate_fraction: float = 0.01
    weight_decay: float = 1e-4
    dropout: float = 0.25
    validation_size: int = 5000
    """Held out from MNIST train for model choice; the test set only gives the final figure."""
    seed: int = 1
    mnist_limit: int | None = None
    """MNIST training images per run (a fresh random slice each seed); None: all of them."""


FINE_TUNE = Recipe(
    epochs=2,
    peak_learning_rate=5e-4,
    warmup_fraction=0.0,
    validation_size=2000,
    mnist_limit=10_000,
)
"""``--init-from`` (the bot's /retrain quick): two gentle epochs over the user samples and a
slice of MNIST, so the model learns the new samples without forgetting MNIST, in under 2 minutes
on 2 busy cores (116 s measured by ``benchmarks.retrain``: see README, Training)."""

WIDEN = Recipe(epochs=3, peak_learning_rate=2.5e-4, warmup_fraction=0.0)
"""``--init-from`` a 10-class model (from before "not a digit"): gentler still, so the digits it
reads are kept while the new class and the writing styles are learnt (MNIST test after 3 epochs
at 5e-4: 99.56%, after 6 at 1e-3: 99.52%; the 10-class model had 99.63%)."""


@dataclass(frozen=True)
class Augmentation:
    """Random distortions that mimic what the recognizer's preprocessing makes of real photos.

    Real photos arrive cropped, scaled to a 20x20 box and centred like MNIST, but with leftover
    tilt, off-centre mass, a different stroke width (pen vs. pencil, camera resolution) and
    softness from upscaling a small crop.
    """

    rotation_degrees: float = 8.0
    scale: float = 0.08
    """Isotropic zoom range (+/-); real crops are normalised so larger ranges only add noise."""
    aspect: float = 0.04
    """Extra independent x/y zoom (+/-): narrow and wide handwriting."""
    shear: float = 0.08
    translation_pixels: float = 2.0
    stroke_change: float = 0.4
    """Up to this fraction of a 3x3 dilation (positive) or erosion (negative) is blended in."""
    blur_probability: float = 0.2
    """Share of images blended towards a 3x3 Gaussian blur, with a random strength."""


NEGATIVE_SHARE = 0.15
"""Not-a-digit crops (``training.negatives``) added to training and validation, as a share of
their MNIST images: enough to learn the kinds, few enough that digits stay the bulk of a batch."""

STYLED_SHARE = 0.15
"""Digits in styles MNIST lacks (``training.styles``) added to training, same measure."""

HELD_OUT_NEGATIVES = 2000
"""Not-a-digit crops cut from MNIST *test* digits, never trained on: the caught rate's figure."""

USER_SAMPLE_MAX_REPEAT = 10
"""A user sample counts up to this many times: there are few, and they show real photos."""

USER_SAMPLE_MAX_SHARE = 0.2
"""Oversampling stops before user samples exceed this share of an epoch (not to forget MNIST)."""

INT8_TOLERANCE_PP = 0.05
"""The int8 model is shipped only if its test accuracy is within this many percentage points."""

MILESTONE_ACCURACY = 0.995
"""Validation accuracy whose time-to-reach is recorded in metrics.json (for the benchmarks)."""

REPRESENTATIVE_IMAGES = 500
"""Training images the int8 converter sees to calibrate activation ranges."""
