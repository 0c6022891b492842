"""``python -m benchmarks.scenes.sheet OUT.jpg``: one development-seed scene per condition on
one contact sheet, to see what the generator draws (never the evaluation seed's scenes)."""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from benchmarks.scenes.conditions import CONDITIONS
from benchmarks.scenes.scene import generate
from benchmarks.scenes.seeds import DEV_SEED
from benchmarks.scenes.sources import DEFAULT_MNIST, DigitSources

TILE = 256
COLUMNS = 6


def contact_sheet(sources: DigitSources, index: int = 0) -> np.ndarray:
    """BGR uint8: scene ``index`` of every condition, scaled into TILE-px squares, labelled."""
    tiles = []
    for condition in CONDITIONS:
        scene = generate(condition, DEV_SEED, index, sources)
        picture = cv2.imdecode(np.frombuffer(scene.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert picture is not None, "the generator writes JPEGs OpenCV reads"
        scale = TILE / max(picture.shape[:2])
        small = cv2.resize(picture, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        tile = np.full((TILE + 18, TILE, 3), 255, np.uint8)
        tile[: small.shape[0], : small.shape[1]] = small
        caption = f"{condition.name}: {' / '.join(scene.rows)}"
        cv2.putText(tile, caption, (3, TILE + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.36, (0, 0, 0), 1,
                    cv2.LINE_AA)  # fmt: skip
        tiles.append(tile)
    while len(tiles) % COLUMNS:
        tiles.append(np.full_like(tiles[0], 255))
    rows = [np.hstack(tiles[i : i + COLUMNS]) for i in range(0, len(tiles), COLUMNS)]
    return np.vstack(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenes.sheet", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--index", type=int, default=0, help="which scene of each condition")
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST)
    args = parser.parse_args(argv)
    sheet = contact_sheet(DigitSources.load(args.mnist, DEV_SEED), args.index)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), sheet, [cv2.IMWRITE_JPEG_QUALITY, 80])
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
