"""Photo-like test images of handwritten digits, made on the fly from a seed.

Each image takes a real MNIST *test* digit or a digit in a handwriting font and renders it the
way a phone would see it on paper: paper tone and pattern, pen colour and width, placement,
rotation, perspective, uneven light and shadow, blur, sensor noise and JPEG compression. The
conditions are listed explicitly in CASES; everything random is drawn from a per-image seed, so
the same seed always gives the same bytes.

The fonts come from Debian packages (FONT_FILES names them); ``scripts/test`` installs them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_FILES = {
    Path("/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"): "fonts-dkg-handwriting",
    Path("/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf"): "fonts-dkg-handwriting",
    Path("/usr/share/fonts/truetype/breip/Breip.ttf"): "fonts-breip",
    Path("/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf"): "fonts-humor-sans",
}
"""Handwriting-style fonts and the Debian package of each: a missing one is an installation
error, not something to skip."""


class MissingFontError(RuntimeError):
    """A font file is not installed; the message names the Debian package that brings it."""


def load_fonts(
    files: dict[Path, str] = FONT_FILES, size: int = 200
) -> list[ImageFont.FreeTypeFont]:
    """The handwriting fonts at ``size`` px; raises MissingFontError naming what to install."""
    missing = sorted({package for path, package in files.items() if not path.is_file()})
    if missing:
        raise MissingFontError(
            f"handwriting fonts missing: sudo apt-get install {' '.join(missing)} "
            "(or run scripts/test, which installs them)"
        )
    return [ImageFont.truetype(str(path), size) for path in files]


Colour = tuple[float, float, float]

PAPERS: dict[str, Colour] = {
    "white": (0.96, 0.96, 0.95),
    "off-white": (0.93, 0.90, 0.82),
    "grey": (0.72, 0.72, 0.72),
    "yellow": (0.92, 0.88, 0.55),
    "green": (0.75, 0.85, 0.70),
    "blackboard": (0.13, 0.20, 0.16),
    "black": (0.05, 0.05, 0.05),
}

INKS: dict[str, Colour] = {
    "black": (0.08, 0.08, 0.10),
    "blue": (0.10, 0.15, 0.60),
    "red": (0.70, 0.08, 0.10),
    "chalk": (0.90, 0.92, 0.90),
    "white": (0.97, 0.97, 0.97),
}


@dataclass(frozen=True, slots=True)
class PhotoCase:
    """One photographic condition; per-image details (position, angle...) vary within it."""

    name: str
    paper: str
    ink: str
    pen: str
    """"ballpoint" (thin), "pen" (MNIST-like) or "marker" (thick)."""
    pattern: str = "plain"
    """"plain", "ruled" or "squared"."""
    size: tuple[int, int] = (1280, 960)
    lighting: str = "even"
    """"even", "gradient" or "shadow"."""
    table: bool = False
    """Whether the sheet is smaller than the frame, with a table around it."""
    blur: float = 0.6
    noise: float = 0.015
    jpeg_quality: int = 85


CASES: tuple[PhotoCase, ...] = (
    PhotoCase("white-black-pen", "white", "black", "pen"),
    PhotoCase(
        "offwhite-blue-ballpoint-ruled", "off-white", "blue", "ballpoint", "ruled", (960, 1280)
    ),
    PhotoCase("grey-black-marker-gradient", "grey", "black", "marker", lighting="gradient"),
    PhotoCase("yellow-red-ballpoint-squared", "yellow", "red", "ballpoint", "squared"),
    PhotoCase(
        "white-blue-pen-squared-shadow", "white", "blue", "pen", "squared", lighting="shadow"
    ),
    PhotoCase("offwhite-black-marker-ruled", "off-white", "black", "marker", "ruled", (960, 1280)),
    PhotoCase("blackboard-chalk", "blackboard", "chalk", "marker", blur=1.0, noise=0.03),
    PhotoCase("black-paper-white-pen", "black", "white", "pen", size=(960, 1280)),
    PhotoCase("white-on-table-black-pen", "white", "black", "pen", table=True),
    PhotoCase(
        "grey-blue-pen-dim-noisy",
        "grey",
        "blue",
        "pen",
        lighting="gradient",
        blur=1.4,
        noise=0.04,
        jpeg_quality=55,
    ),
    PhotoCase("green-black-marker-shadow", "green", "black", "marker", lighting="shadow"),
    PhotoCase("white-red-pen-ruled", "white", "red", "pen", "ruled", (960, 1280)),
)


@dataclass(frozen=True, slots=True)
class Photo:
    """A generated photo: JPEG bytes, the true digit and how it was made."""

    jpeg: bytes
    label: int
    case: str
    source: str
    """"mnist" or the font's file name."""


def generate(
    count: int,
    seed: int,
    mnist_images: np.ndarray,
    mnist_labels: np.ndarray,
    cases: tuple[PhotoCase, ...] = CASES,
) -> list[Photo]:
    """``count`` photos, cycling through ``cases`` and alternating MNIST and font digits."""
    fonts = load_fonts()
    names = [path.name for path in FONT_FILES]
    photos = []
    for index in range(count):
        rng = np.random.default_rng([seed, index])
        case = cases[index % len(cases)]
        if index % 2 == 0:
            pick = int(rng.integers(len(mnist_images)))
            label, glyph, source = (
                int(mnist_labels[pick]),
                _mnist_glyph(mnist_images[pick]),
                "mnist",
            )
        else:
            label = int(rng.integers(10))
            font_index = int(rng.integers(len(fonts)))
            glyph, source = _font_glyph(fonts[font_index], label), names[font_index]
        photos.append(Photo(render(glyph, case, rng), label, case.name, source))
    return photos


def _mnist_glyph(image: np.ndarray) -> np.ndarray:
    """Ink coverage in [0, 1], cropped to the digit."""
    return _crop(image.astype(np.float32) / 255)


def _font_glyph(font: ImageFont.FreeTypeFont, digit: int) -> np.ndarray:
    canvas = Image.new("L", (320, 320), 0)
    ImageDraw.Draw(canvas).text((160, 160), str(digit), font=font, fill=255, anchor="mm")
    return _crop(np.asarray(canvas, np.float32) / 255)


def _crop(coverage: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(coverage > 0.05)
    return coverage[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


@dataclass(frozen=True, slots=True)
class NumberPhoto:
    """A generated photo of a written number: JPEG bytes, the true digits and how it was made."""

    jpeg: bytes
    number: str
    case: str
    touching: bool
    """Whether one pair of neighbouring digits was written touching."""


def generate_numbers(
    count: int,
    seed: int,
    mnist_images: np.ndarray,
    mnist_labels: np.ndarray,
    *,
    lengths: tuple[int, ...] = (2, 3, 4, 5, 6),
    touching_every: int = 0,
    cases: tuple[PhotoCase, ...] = CASES,
) -> list[NumberPhoto]:
    """``count`` numbers of MNIST test digits, cycling through ``cases`` and ``lengths``.

    Digits are written side by side as a person would: similar heights, a wavering baseline and
    gaps of a fifth to half a digit's height. Every ``touching_every``-th photo (0: none) has one
    neighbouring pair pushed together until their strokes overlap.
    """
    photos = []
    for index in range(count):
        rng = np.random.default_rng([seed, index, 1])
        case = cases[index % len(cases)]
        length = lengths[index % len(lengths)]
        picks = rng.integers(len(mnist_images), size=length)
        touching = touching_every > 0 and index % touching_every == 0
        pair = int(rng.integers(length - 1)) if touching else -1
        glyph = _write_number([_mnist_glyph(mnist_images[pick]) for pick in picks], pair, rng)
        number = "".join(str(int(mnist_labels[pick])) for pick in picks)
        photos.append(
            NumberPhoto(render(glyph, case, rng, turn=5, margin=0.08), number, case.name, touching)
        )
    return photos


def _write_number(glyphs: list[np.ndarray], touching: int, rng: np.random.Generator) -> np.ndarray:
    """Lay glyphs out left to right on one canvas; glyph ``touching`` touches the next one."""
    height = 100
    scaled = []
    for glyph in glyphs:
        factor = height * rng.uniform(0.9, 1.1) / glyph.shape[0]
        size = (max(1, round(glyph.shape[1] * factor)), max(1, round(glyph.shape[0] * factor)))
        scaled.append(np.clip(cv2.resize(glyph, size, interpolation=cv2.INTER_CUBIC), 0, 1))
    lefts, left = [], 0
    for index, glyph in enumerate(scaled):
        lefts.append(left)
        gap = rng.uniform(-0.12, -0.06) if index == touching else rng.uniform(0.2, 0.5)
        left += glyph.shape[1] + round(gap * height)
    tops = [round(rng.uniform(0, 0.12) * height) for _ in scaled]
    if touching >= 0:
        shift = _touching_left(scaled, lefts, tops, touching, rng) - lefts[touching + 1]
        lefts[touching + 1 :] = [x + shift for x in lefts[touching + 1 :]]
    width = max(x + g.shape[1] for x, g in zip(lefts, scaled, strict=True))
    canvas = np.zeros((height + max(g.shape[0] for g in scaled), width), np.float32)
    for x, top, glyph in zip(lefts, tops, scaled, strict=True):
        area = canvas[top : top + glyph.shape[0], x : x + glyph.shape[1]]
        np.maximum(area, glyph, out=area)
    return _crop(canvas)


def _touching_left(
    glyphs: list[np.ndarray],
    lefts: list[int],
    tops: list[int],
    pair: int,
    rng: np.random.Generator,
) -> int:
    """Where glyph ``pair + 1`` starts so that its ink meets glyph ``pair``'s, a little over.

    Overlapping boxes are not enough: a 7's stem and a 1 stay apart even with their boxes a
    tenth of a digit into each other. The right glyph slides left until the strokes touch.
    """
    first, second = glyphs[pair], glyphs[pair + 1]
    top_first, top_second = tops[pair], tops[pair + 1]
    height = max(top_first + first.shape[0], top_second + second.shape[0])
    width = first.shape[1] + second.shape[1]
    placed = np.zeros((height, width), bool)
    placed[top_first : top_first + first.shape[0], : first.shape[1]] = first > 0.5
    for offset in range(first.shape[1], -1, -1):
        moved = np.zeros_like(placed)
        moved[top_second : top_second + second.shape[0], offset : offset + second.shape[1]] = (
            second > 0.5
        )
        if (placed & moved).any():
            return lefts[pair] + max(0, offset - int(rng.integers(0, 4)))
    return lefts[pair]


def render(
    glyph: np.ndarray,
    case: PhotoCase,
    rng: np.random.Generator,
    turn: float = 12,
    margin: float = 0.0,
) -> bytes:
    """Draw the glyph as handwriting on a sheet, photograph it, return JPEG bytes.

    ``turn`` is the largest rotation in degrees and ``margin`` the share of the frame kept free
    on each side: a long number tilted far or pushed to an edge would leave the frame, and
    nobody photographs a number with its first digit cut off.
    """
    width, height = case.size
    sheet = _paper(case, rng, width, height)
    coverage = _place(
        _pen(glyph, case.pen, (width, height), rng), (width, height), rng, turn, margin
    )
    ink = np.asarray(INKS[case.ink], np.float32) * rng.uniform(0.85, 1.1)
    sheet = sheet * (1 - coverage[..., None]) + np.clip(ink, 0, 1) * coverage[..., None]
    photo = _camera(sheet, case, rng)
    return _jpeg(photo, case.jpeg_quality)


def _paper(case: PhotoCase, rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    tone = np.asarray(PAPERS[case.paper], np.float32) * rng.uniform(0.95, 1.03)
    sheet: np.ndarray = np.empty((height, width, 3), np.float32)
    sheet[:] = np.clip(tone, 0, 1)
    texture = cv2.GaussianBlur(rng.normal(0, 0.02, (height, width)).astype(np.float32), (0, 0), 2)
    sheet += texture[..., None]
    if case.pattern != "plain":
        line_colour = (
            np.array([0.55, 0.65, 0.85], np.float32)
            if case.pattern == "ruled"
            else np.array([0.65, 0.70, 0.75], np.float32)
        )
        spacing = int(height * (0.06 if case.pattern == "ruled" else 0.035))
        offset = int(rng.integers(spacing))
        lines = np.zeros((height, width), np.uint8)
        for y in range(offset, height, spacing):
            cv2.line(lines, (0, y), (width, y), 255, 2)
        if case.pattern == "squared":
            for x in range(offset, width, spacing):
                cv2.line(lines, (x, 0), (x, height), 255, 2)
        alpha = cv2.GaussianBlur(lines, (3, 3), 0).astype(np.float32)[..., None] / 255
        sheet = sheet * (1 - alpha) + line_colour * alpha
    return sheet


def _pen(
    glyph: np.ndarray, pen: str, frame: tuple[int, int], rng: np.random.Generator
) -> np.ndarray:
    """Scale the glyph to a handwritten size and give it the pen's stroke width.

    A long number is written smaller, so that it spans at most 70% of the frame's width.
    """
    width, height = frame
    digit_height = int(height * rng.uniform(0.18, 0.45))
    digit_height = min(digit_height, int(0.7 * width * glyph.shape[0] / glyph.shape[1]))
    scale = digit_height / glyph.shape[0]
    size = (max(1, round(glyph.shape[1] * scale)), digit_height)
    large = cv2.resize(glyph, size, interpolation=cv2.INTER_CUBIC)
    large = np.clip(large, 0, 1)
    # A glyph's native stroke is about a tenth of its height; pens draw thinner or thicker.
    change = int(digit_height * {"ballpoint": 0.05, "pen": 0.0, "marker": 0.04}[pen])
    if change >= 1:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (change, change))
        drawn = cv2.erode(large, kernel) if pen == "ballpoint" else cv2.dilate(large, kernel)
        # A glyph already drawn thin would vanish if thinned further: keep it as it is then.
        if (drawn > 0.5).sum() >= 0.4 * (large > 0.5).sum():
            large = drawn
    return np.clip((large - 0.3) / 0.4, 0, 1)


def _place(
    coverage: np.ndarray,
    frame: tuple[int, int],
    rng: np.random.Generator,
    turn: float,
    margin: float,
) -> np.ndarray:
    """Put the digit somewhere in the middle of the frame, slightly rotated."""
    width, height = frame
    canvas = np.zeros((height, width), np.float32)
    glyph_h, glyph_w = coverage.shape
    glyph_w = min(glyph_w, width - 2)
    centre_x = width / 2 + rng.uniform(-0.2, 0.2) * width
    centre_y = height / 2 + rng.uniform(-0.2, 0.2) * height
    side, edge = round(margin * width), round(margin * height)
    left = int(np.clip(centre_x - glyph_w / 2, side, max(side, width - glyph_w - side)))
    top = int(np.clip(centre_y - glyph_h / 2, edge, max(edge, height - glyph_h - edge)))
    canvas[top : top + glyph_h, left : left + glyph_w] = coverage[:, :glyph_w]
    rotation = cv2.getRotationMatrix2D(
        (left + glyph_w / 2, top + glyph_h / 2), rng.uniform(-turn, turn), 1.0
    )
    return cv2.warpAffine(canvas, rotation, (width, height), flags=cv2.INTER_LINEAR)


def _camera(sheet: np.ndarray, case: PhotoCase, rng: np.random.Generator) -> np.ndarray:
    """Perspective, light, blur and noise, as a phone camera adds them."""
    height, width = sheet.shape[:2]
    sheet = _perspective(sheet, case.table, rng)
    sheet = sheet * _lighting(case.lighting, width, height, rng)[..., None]
    sheet = cv2.GaussianBlur(sheet, (0, 0), case.blur * rng.uniform(0.7, 1.3))
    sheet += rng.normal(0, case.noise, sheet.shape).astype(np.float32)
    return np.clip(sheet * 255 + 0.5, 0, 255).astype(np.uint8)


def _perspective(sheet: np.ndarray, table: bool, rng: np.random.Generator) -> np.ndarray:
    height, width = sheet.shape[:2]
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    inset = 0.12 if table else 0.0
    moved = corners + np.array(
        [[inset, inset], [-inset, inset], [-inset, -inset], [inset, -inset]], np.float32
    ) * (width, height)
    moved += rng.uniform(-0.03, 0.03, (4, 2)) * (width, height)
    warp = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    table_colour = (0.35, 0.25, 0.18) if table else (0, 0, 0)
    border = cv2.BORDER_CONSTANT if table else cv2.BORDER_REFLECT
    return cv2.warpPerspective(
        sheet, warp, (width, height), borderMode=border, borderValue=table_colour
    )


def _lighting(kind: str, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A multiplicative light field: a gradient across the sheet or a soft-edged shadow."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    along = (np.cos(angle) * xs / width + np.sin(angle) * ys / height).astype(np.float32)
    along = (along - along.min()) / max(float(np.ptp(along)), 1e-6)
    if kind == "gradient":
        return (1.1 - 0.5 * along).astype(np.float32)
    if kind == "shadow":
        edge = rng.uniform(0.2, 0.45)
        softness = rng.uniform(0.03, 0.08)
        shade = 1 / (1 + np.exp((along - edge) / softness))
        return (1.0 - 0.45 * shade).astype(np.float32)
    return np.ones((height, width), np.float32)


def _jpeg(photo: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
