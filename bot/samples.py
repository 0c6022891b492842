"""Labelled crops as files: ``<root>/<digit>/<id>.png``, 28x28 white digit on black.

This tree is the hand-over to training, which reads user samples from it without touching the
bot's database. Writes go through a temporary file and a rename, so a reader (or a crash)
never sees half a PNG.
"""

from __future__ import annotations

import os
from pathlib import Path


class SampleFiles:
    """The sample tree under one root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digit: int, sample_id: int) -> Path:
        return self.root / str(digit) / f"{sample_id}.png"

    def write(self, digit: int, sample_id: int, png: bytes) -> Path:
        target = self.path(digit, sample_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".png.partial")
        with partial.open("wb") as file:
            file.write(png)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(target)
        return target

    def delete(self, digit: int, sample_id: int) -> None:
        self.path(digit, sample_id).unlink(missing_ok=True)

    def remove_unknown(self, known: set[Path]) -> int:
        """Delete every sample file not in ``known`` and every ``.partial``; returns how many."""
        removed = 0
        for found in self.root.glob("[0-9]/*"):
            if found.is_file() and found not in known:
                found.unlink(missing_ok=True)
                removed += 1
        return removed
