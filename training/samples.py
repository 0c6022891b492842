"""User-labelled samples: the digits people corrected or confirmed through the bot.

Format (the bot's feedback feature writes exactly this, training reads it)::

    <samples dir>/<digit>/<any name>.png

``<digit>`` is a folder named ``0`` to ``9`` holding the label; each file is the recognizer's
28x28 preprocessed crop (``Prediction.image``) saved as an 8-bit grayscale PNG, white digit on
black, exactly what the model sees at inference. Other files and folders are ignored, so the bot
may keep its own bookkeeping beside them. A PNG that cannot be read or is not 28x28 is skipped
with a warning: one bad file must not block a retrain.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from training import texts
from training.mnist import DataError

SAMPLE_SIZE = (28, 28)
DIGIT_FOLDERS = tuple(str(digit) for digit in range(10))


@dataclass(frozen=True)
class UserSamples:
    """Images (N, 28, 28) uint8 and labels (N,), plus what was skipped and a content checksum."""

    images: np.ndarray
    labels: np.ndarray
    skipped: int
    sha256: str

    def __len__(self) -> int:
        return len(self.labels)


def empty_samples() -> UserSamples:
    """A run without ``--samples``: nothing mixed in."""
    return UserSamples(
        np.zeros((0, *SAMPLE_SIZE), np.uint8),
        np.zeros((0,), np.uint8),
        0,
        hashlib.sha256().hexdigest(),
    )


def load_samples(directory: Path) -> UserSamples:
    """Read every ``<digit>/*.png``; sorted, so the same folder always gives the same order."""
    if not directory.is_dir():
        raise DataError(texts.samples_folder_not_found(directory))
    digest = hashlib.sha256()
    images, labels, skipped = [], [], 0
    for label, folder in enumerate(DIGIT_FOLDERS):
        for path in sorted((directory / folder).glob("*.png")):
            image = _read_sample(path)
            if image is None:
                skipped += 1
                continue
            digest.update(f"{folder}/{path.name}\n".encode())
            digest.update(image.tobytes())
            images.append(image)
            labels.append(label)
    stacked = np.stack(images) if images else np.zeros((0, *SAMPLE_SIZE), np.uint8)
    return UserSamples(stacked, np.asarray(labels, np.uint8), skipped, digest.hexdigest())


def _read_sample(path: Path) -> np.ndarray | None:
    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("L"))
    except (OSError, UnidentifiedImageError) as error:
        print(texts.unreadable_sample(path, error), file=sys.stderr)
        return None
    if pixels.shape != SAMPLE_SIZE:
        print(texts.sample_not_28x28(path, pixels.shape), file=sys.stderr)
        return None
    return pixels
