"""Splitting the user-labelled samples into what training sees and what judges the result.

Every ``HOLDOUT_EVERY``-th sample (by its database id, so the split is stable from one retrain
to the next and a sample never moves between the two) is kept out of training; the old and the
new model are both scored on those, with the same LiteRT runtime the bot serves with.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from recognizer.model import DigitModel

_LOGGER = logging.getLogger(__name__)

HOLDOUT_EVERY = 5
_DIGITS = tuple(str(digit) for digit in range(10))


@dataclass(frozen=True)
class Holdout:
    """Held-out crops (N, 28, 28) uint8 and their labels."""

    images: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def correct(self, model_dir: Path) -> int:
        """How many of the held-out samples the model in ``model_dir`` reads right."""
        if not len(self):
            return 0
        probabilities = DigitModel.load(model_dir).scores(self.images).digits
        return int((probabilities.argmax(axis=1) == self.labels).sum())


def split_samples(samples: Path, training_copy: Path) -> tuple[Holdout, int]:
    """Link the training share into ``training_copy``; return the held-out share, read, and
    the newest training sample's id (0 when there is none)."""
    shutil.rmtree(training_copy, ignore_errors=True)
    images, labels = [], []
    newest = 0
    for label, digit in enumerate(_DIGITS):
        (training_copy / digit).mkdir(parents=True, exist_ok=True)
        for path in sorted((samples / digit).glob("*.png")):
            if not _is_held_out(path):
                _link(path, training_copy / digit / path.name)
                newest = max(newest, _sample_id(path))
                continue
            image = _read(path)
            if image is not None:
                images.append(image)
                labels.append(label)
    stacked = np.stack(images) if images else np.zeros((0, 28, 28), np.uint8)
    return Holdout(stacked, np.asarray(labels, np.int64)), newest


def newest_training_sample(sample_ids: Iterable[int]) -> int:
    """The id of the newest labelled sample that training would learn from; 0 if none.

    Sample ids grow with every label saved, so a retrain that learned up to this id has seen
    every training sample there is (a /forget only removes some)."""
    return max((i for i in sample_ids if i % HOLDOUT_EVERY), default=0)


def _sample_id(path: Path) -> int:
    return int(path.stem) if path.stem.isdigit() else 0


def _is_held_out(path: Path) -> bool:
    return path.stem.isdigit() and int(path.stem) % HOLDOUT_EVERY == 0


def _link(source: Path, target: Path) -> None:
    """A hard link costs nothing; a copy where the filesystem refuses one."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _read(path: Path) -> np.ndarray | None:
    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("L"))
    except (OSError, UnidentifiedImageError) as error:
        _LOGGER.warning("retrain: skipping unreadable held-out sample %s (%s)", path, error)
        return None
    return pixels if pixels.shape == (28, 28) else None
