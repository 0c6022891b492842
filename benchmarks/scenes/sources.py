"""Where digits (and letters) come from: MNIST test digits and Debian's handwriting fonts.

A source gives a glyph's pen path (``strokes``), thinned from the MNIST image or the font's
rendering; the pen (``inks``) then writes it at its size and with its own stroke width.
MNIST training digits are never used: the model learnt them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from benchmarks.scenes.seeds import uses_development_digits
from benchmarks.scenes.strokes import Strokes, strokes_of

DEFAULT_MNIST = Path(__file__).resolve().parents[3] / "shared" / "data" / "mnist" / "mnist.npz"
"""Where a worktree finds the shared data set (the benchmark's default; the tests' too)."""

FONT_ROOT = Path("/usr/share/fonts/truetype")
HANDWRITING_FONTS = (
    "fifthhorseman/dkg.ttf",
    "fifthhorseman/dkgBd.ttf",
    "fifthhorseman/dkgIt.ttf",
    "fifthhorseman/dkgBI.ttf",
    "breip/Breip.ttf",
    "humor-sans/Humor-Sans.ttf",
)
"""Debian's fonts-dkg-handwriting, fonts-breip and fonts-humor-sans (installed by .ci/run)."""

FONT_RENDER_SIZE = 160
"""Pixels per em when a font glyph is rasterised, before it is scaled to its place."""

MNIST_INK_LEVEL = 0.1
"""Coverage below which an MNIST pixel counts as paper when the digit's crop is cut."""


@dataclass(frozen=True)
class MnistTest:
    """The MNIST test set: (N, 28, 28) uint8 white-on-black digits and their (N,) labels."""

    images: np.ndarray
    labels: np.ndarray


def load_mnist_test(path: Path) -> MnistTest:
    """The test half of an ``mnist.npz`` (keys ``x_test``, ``y_test``), from an explicit path.

    Raises FileNotFoundError naming the path when it is missing; the generator never downloads.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MNIST not found at {path}; pass the path to mnist.npz")
    with np.load(path) as data:
        return MnistTest(np.asarray(data["x_test"]), np.asarray(data["y_test"]).astype(int))


def font_paths() -> tuple[Path, ...]:
    """The handwriting fonts' files; raises FileNotFoundError naming the Debian packages."""
    paths = tuple(FONT_ROOT / name for name in HANDWRITING_FONTS)
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise FileNotFoundError(
            f"handwriting fonts missing ({', '.join(missing)}): "
            "apt-get install fonts-dkg-handwriting fonts-breip fonts-humor-sans"
        )
    return paths


@cache
def text_crop(font_path: str | None, text: str, size: int = FONT_RENDER_SIZE) -> np.ndarray:
    """``text`` rasterised as a coverage crop; ``None`` is Pillow's own printed sans-serif."""
    font = (
        ImageFont.load_default(size=size)
        if font_path is None
        else ImageFont.truetype(font_path, size)
    )
    left, top, right, bottom = font.getbbox(text)
    canvas = Image.new("L", (int(right - left) + 8, int(bottom - top) + 8), 0)
    ImageDraw.Draw(canvas).text((4 - left, 4 - top), text, fill=255, font=font)
    return tight_crop(np.asarray(canvas, np.float32) / 255)


def tight_crop(coverage: np.ndarray, level: float = MNIST_INK_LEVEL) -> np.ndarray:
    """The smallest rectangle holding every pixel of ``coverage`` above ``level``."""
    rows = np.flatnonzero(coverage.max(axis=1) > level)
    columns = np.flatnonzero(coverage.max(axis=0) > level)
    return coverage[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]


class DigitSources:
    """MNIST test digits of one half (development or evaluation) and the handwriting fonts."""

    def __init__(self, mnist: MnistTest, seed: int) -> None:
        half = len(mnist.labels) // 2
        chosen = slice(0, half) if uses_development_digits(seed) else slice(half, None)
        self.indices = np.arange(len(mnist.labels))[chosen]
        self._images = mnist.images
        self._by_label = {d: self.indices[mnist.labels[chosen] == d] for d in range(10)}
        self.development = uses_development_digits(seed)
        self.fonts = tuple(str(path) for path in font_paths())

    @classmethod
    def load(cls, mnist_path: Path, seed: int) -> DigitSources:
        return cls(load_mnist_test(mnist_path), seed)

    def mnist_digit(self, digit: int, rng: np.random.Generator) -> tuple[Strokes, int]:
        """A random test image of ``digit`` in this half: its pen path and its index."""
        index = int(rng.choice(self._by_label[digit]))
        return _mnist_strokes(self._images, index), index

    def font_digit(self, digit: int, font: str) -> Strokes:
        return font_strokes(font, str(digit))


@cache
def font_strokes(font_path: str, text: str) -> Strokes:
    """The pen path of ``text`` in a handwriting font."""
    return strokes_of(text_crop(font_path, text))


_MNIST_STROKES: dict[int, Strokes] = {}
"""Thinning costs ~2 ms; a digit drawn again (another condition, another test) reuses it."""


def _mnist_strokes(images: np.ndarray, index: int) -> Strokes:
    if index not in _MNIST_STROKES:
        _MNIST_STROKES[index] = strokes_of(tight_crop(images[index].astype(np.float32) / 255))
    return _MNIST_STROKES[index]
