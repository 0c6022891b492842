"""Labelled crops as a folder tree, ``<root>/<digit>/<id>.png``, 28x28 white digit on black.

The samples live in the database (every replica reaches them); this tree is only the hand-over
to training, which reads user samples from a folder (``python -m training --samples``) without
touching the bot's database: each retrain writes one from the database and removes it after.
Bots before revision 0006 kept their samples in this layout under DATA_DIR/samples; ``found``
reads such a tree once so the store can move it into the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

_DIGITS = tuple(str(digit) for digit in range(10))


def write_tree(root: Path, samples: Iterable[tuple[int, int, bytes]]) -> int:
    """Write (sample id, digit, PNG) triples as ``root/<digit>/<id>.png``; returns how many.

    Every digit's folder is made, even an empty one: training expects all ten."""
    for folder in _DIGITS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    written = 0
    for sample_id, digit, png in samples:
        (root / str(digit) / f"{sample_id}.png").write_bytes(png)
        written += 1
    return written


def found(root: Path) -> Iterator[tuple[int, int, Path]]:
    """(sample id, digit, file) for each ``<digit>/<id>.png`` under ``root``; other files
    (a ``.partial`` an interrupted write left) are not samples."""
    for digit in _DIGITS:
        for path in sorted((root / digit).glob("*.png")):
            if path.stem.isdigit():
                yield int(path.stem), int(digit), path
