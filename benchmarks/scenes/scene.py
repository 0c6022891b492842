"""One scene: a condition's choices drawn (the spec), then composed into a phone's JPEG.

The paper plane is drawn first (sheet on desk, rulings, printed structure, ink, shadow), then
photographed (perspective, light, blur, noise, JPEG). Each digit's box follows it through the
camera, so the ground truth says where every digit is in the picture.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from benchmarks.scenes import camera, clutter, inks, lighting, papers, shadows
from benchmarks.scenes.conditions import Condition, condition_named
from benchmarks.scenes.layout import Glyph, Layout, Plan, Shaper, arrange
from benchmarks.scenes.seeds import scene_rng, uses_development_digits
from benchmarks.scenes.sources import (
    FONT_ROOT,
    HANDWRITING_FONTS,
    DigitSources,
    font_strokes,
    text_crop,
)
from benchmarks.scenes.strokes import Strokes

FRAMES = ((1280, 960), (960, 1280), (1600, 1200), (1200, 1600), (1024, 768), (768, 1024))
"""Telegram sends photos at most 1280 px on the long side (2560 as "HD"); phones shoot 4:3."""
FRAME_WEIGHTS = (0.35, 0.3, 0.1, 0.1, 0.08, 0.07)

PAPER_WEIGHTS = {"white": 0.3, "recycled": 0.12, "squared": 0.16, "ruled": 0.14, "dotted": 0.08,
                 "sticky-note": 0.1, "whiteboard": 0.1}  # fmt: skip
SHADOW_WEIGHTS = {"none": 0.5, "hard": 0.12, "phone": 0.13, "hand": 0.13, "soft": 0.12}
"""Half of all photos have no shadow across the paper; the rest one of each kind."""
PEN_WEIGHTS = {"ballpoint-blue": 0.3, "ballpoint-black": 0.25, "felt-tip": 0.15, "pencil": 0.15,
               "marker": 0.15}  # fmt: skip
MNIST_SHARE = 0.7
"""Share of scenes written with MNIST test digits; the rest in one handwriting font."""

WORD_SHRINKS = (1.0, 0.7, 0.5, 0.35)
"""A word that finds no room beside the number is tried smaller, down to a third of its size."""

SHADOW_TINT = np.array([1.0, 0.97, 0.9], np.float32)
"""Shade is lit by the blue sky or the room rather than the lamp: blue darkens least."""


@dataclass(frozen=True)
class SceneSpec:
    """Every high-level choice of one scene; ``compose`` draws the details."""

    condition: str
    frame: tuple[int, int]
    paper: str
    shadow: str
    pen: str
    source: str
    """``"mnist"`` or a handwriting font's file under FONT_ROOT."""
    plan: Plan
    clutter: str
    light: str
    cast: str
    shot: camera.Shot
    slant: float
    """The writer's slant: horizontal shift per pixel of height."""


@dataclass(frozen=True)
class Scene:
    """A phone photo and what a person reads in it."""

    jpeg: bytes
    rows: tuple[str, ...]
    """Each row's digits, rows top to bottom."""
    boxes: tuple[tuple[int, int, int, int], ...]
    """Each digit's (x0, y0, x1, y1) in the picture, in reading order."""
    touching: tuple[int, int] | None
    """Indices into ``boxes`` of the touching pair."""
    labels: dict[str, str | float | int]
    spec: SceneSpec


def generate(condition: Condition | str, seed: int, index: int, sources: DigitSources) -> Scene:
    """Scene ``index`` of ``condition`` for ``seed``; the same arguments give the same bytes.

    Raises ValueError when ``sources`` holds the other half of MNIST than ``seed`` draws from.
    """
    if isinstance(condition, str):
        condition = condition_named(condition)
    spec = sample_spec(condition, scene_rng(seed, condition.name, index, 0))
    return compose(spec, sources, seed, scene_rng(seed, condition.name, index, 1))


def scenes(
    condition: Condition | str, seed: int, count: int, sources: DigitSources
) -> Iterator[Scene]:
    """Scenes 0 .. count-1 of ``condition``."""
    for index in range(count):
        yield generate(condition, seed, index, sources)


def sample_spec(condition: Condition, rng: np.random.Generator) -> SceneSpec:
    """The condition's fixed choices, and the rest drawn from the common mixture."""
    rows = tuple(
        "".join(
            str(d)
            for d in rng.integers(0, 10, rng.integers(condition.digits[0], condition.digits[1] + 1))
        )
        for _ in range(condition.rows)
    )
    chosen_clutter = str(rng.choice(condition.clutter))
    paper = condition.paper or _weighted(PAPER_WEIGHTS, rng)
    spacing = "cells" if chosen_clutter in ("comb", "cells") else condition.spacing
    straight = paper == "ruled" or chosen_clutter != "none"
    frame_index = rng.choice(len(FRAMES), p=FRAME_WEIGHTS)
    frame = FRAMES[frame_index]
    if spacing == "wide":
        frame = (max(frame), min(frame))
    plan = Plan(
        rows=rows,
        spacing=spacing,
        size_quantile=float(rng.uniform(0, 0.55 if chosen_clutter in clutter.WORDS_NEAR else 1)),
        touching=int(rng.integers(0, len(rows[0]) - 1)) if condition.touching else None,
        row_tilt_deg=0.0 if straight else float(np.clip(rng.normal(0, 1.5), -4, 4)),
        row_pitch=float(rng.uniform(1.4, 2.0)),
        centred_rows=bool(rng.random() < 0.3),
    )
    source = "mnist" if rng.random() < MNIST_SHARE else str(rng.choice(HANDWRITING_FONTS))
    return SceneSpec(
        condition=condition.name,
        frame=frame,
        paper=paper,
        shadow=condition.shadow or _weighted(SHADOW_WEIGHTS, rng),
        pen="marker" if paper == "whiteboard" else _weighted(PEN_WEIGHTS, rng),
        source=source,
        plan=plan,
        clutter=chosen_clutter,
        light=str(rng.choice(lighting.PATTERNS, p=[0.3, 0.35, 0.15, 0.2])),
        cast=str(rng.choice(list(lighting.CASTS), p=[0.5, 0.25, 0.25])),
        shot=_shot(frame, rng),
        slant=float(np.clip(rng.normal(0, 0.12), -0.3, 0.3)),
    )


def compose(spec: SceneSpec, sources: DigitSources, seed: int, rng: np.random.Generator) -> Scene:
    """Draws the scene ``spec`` describes; ``rng`` chooses every detail."""
    if sources.development != uses_development_digits(seed):
        raise ValueError(f"seed {seed} draws from the other half of MNIST than these sources")
    width, height = spec.frame
    sheet = papers.sheet_rect(spec.paper, spec.frame, rng)
    inset = 0.05 * min(sheet[2] - sheet[0], sheet[3] - sheet[1])
    region = (
        round(sheet[0] + inset),
        round(sheet[1] + inset),
        round(sheet[2] - inset),
        round(sheet[3] - inset),
    )
    crops, mnist_indices = _crops(spec, sources, rng)
    pen = inks.PENS[spec.pen]
    ratio = inks.stroke_ratio(pen, "whiteboard" if spec.paper == "whiteboard" else "paper", rng)

    def shape(strokes: Strokes, glyph_height: float, stretch: float) -> np.ndarray:
        stroke = max(1.0, ratio * glyph_height)
        return inks.shape_glyph(strokes, glyph_height, stretch, spec.slant, stroke)

    layout = arrange(spec.plan, crops, region, frame_height=height, shape=shape, rng=rng)
    guide = papers.Guide(layout.digit_height, layout.baselines, layout.row_pitch)
    table = papers.desk(spec.frame, rng)
    plane = papers.draw_paper(spec.paper, table, sheet, guide, rng)
    writing = np.zeros((height, width), np.float32)
    for glyph in layout.glyphs:
        _paste(writing, glyph.coverage, glyph.x, glyph.y)
        if glyph.ligature:
            _join(writing, glyph)
    printed = np.zeros((height, width), np.float32)
    word = _clutter(spec, layout, sheet, writing=writing, printed=printed, shape=shape, rng=rng)
    print_colour = clutter.print_colour(rng)
    if printed.any():
        plane *= 1 - printed[..., None] * (1 - print_colour)
    _ink(plane, writing, pen, rng)
    if spec.shadow != "none":
        shade = shadows.shadow_map(spec.shadow, spec.frame, rng)
        plane *= 1 - (1 - shade[..., None]) * SHADOW_TINT
    plane_boxes = [glyph.box for glyph in layout.glyphs]
    matrix = camera.homography(spec.shot, spec.frame, plane_boxes, rng)
    picture = camera.photograph(plane, table, matrix)
    gains = lighting.gain_map(spec.light, spec.cast, spec.frame, rng)
    jpeg = camera.develop(lighting.expose(picture, gains), spec.shot, rng)
    return Scene(
        jpeg=jpeg,
        rows=spec.plan.rows,
        boxes=tuple(camera.project(matrix, box) for box in plane_boxes),
        touching=layout.touching,
        labels=_labels(spec, layout, word, mnist_indices),
        spec=spec,
    )


def _crops(
    spec: SceneSpec, sources: DigitSources, rng: np.random.Generator
) -> tuple[list[list[Strokes]], list[int]]:
    """Each row's digit crops, and the MNIST test indices used (for tracing a failure)."""
    crops: list[list[Strokes]] = []
    indices: list[int] = []
    for row in spec.plan.rows:
        crops.append([])
        for digit in row:
            if spec.source == "mnist":
                crop, index = sources.mnist_digit(int(digit), rng)
                indices.append(index)
            else:
                crop = sources.font_digit(int(digit), str(FONT_ROOT / spec.source))
            crops[-1].append(crop)
    return crops, indices


def _clutter(
    spec: SceneSpec,
    layout: Layout,
    sheet: papers.Rect,
    *,
    writing: np.ndarray,
    printed: np.ndarray,
    shape: Shaper,
    rng: np.random.Generator,
) -> str:
    """Draws the spec's clutter into the printed or the handwritten layer; returns the word."""
    if spec.clutter in clutter.STRUCTURES:
        np.maximum(printed, clutter.structure(spec.clutter, layout, spec.frame, rng), out=printed)
        return ""
    if spec.clutter not in clutter.WORDS_NEAR:
        return ""
    text = str(rng.choice(clutter.WORDS))
    handwritten = spec.clutter == "handwritten-word"
    font = str(FONT_ROOT / rng.choice(HANDWRITING_FONTS)) if handwritten else None
    word_height = layout.digit_height * rng.uniform(0.55, 0.9)
    for shrink in WORD_SHRINKS:
        height = word_height * shrink
        if handwritten:
            coverage = shape(font_strokes(font, text), height, 1.0)
        else:
            crop = text_crop(None, text)
            coverage = inks.filled_glyph(crop, height, height * crop.shape[1] / crop.shape[0])
        place = clutter.word_place(coverage.shape, layout, sheet, rng)
        if place is not None:
            _paste(writing if handwritten else printed, coverage, *place)
            return text
    return ""


def _paste(layer: np.ndarray, coverage: np.ndarray, x: int, y: int) -> None:
    """Adds ``coverage`` to ``layer`` with its top-left at (x, y), clipped to the layer."""
    height, width = layer.shape
    top, left = max(0, y), max(0, x)
    bottom, right = min(height, y + coverage.shape[0]), min(width, x + coverage.shape[1])
    if bottom <= top or right <= left:
        return
    part = coverage[top - y : bottom - y, left - x : right - x]
    np.maximum(layer[top:bottom, left:right], part, out=layer[top:bottom, left:right])


def _join(layer: np.ndarray, glyph: Glyph) -> None:
    """Draws the pen stroke that joins ``glyph`` to the digit before it."""
    assert glyph.ligature is not None, "only glyphs with a ligature are joined"
    x0, y0, x1, y1, width = glyph.ligature
    start = (round(x0 + glyph.x), round(y0 + glyph.y))
    end = (round(x1 + glyph.x), round(y1 + glyph.y))
    cv2.line(layer, start, end, 1.0, max(1, round(width)), cv2.LINE_AA)


def _ink(plane: np.ndarray, writing: np.ndarray, pen: inks.Pen, rng: np.random.Generator) -> None:
    """Lays the pen's ink over the written part of the plane (its bounding box only)."""
    rows = np.flatnonzero(writing.max(axis=1) > 0)
    columns = np.flatnonzero(writing.max(axis=0) > 0)
    if not len(rows):
        return
    window = (slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1))
    alpha = inks.ink_alpha(writing[window], pen, rng)
    colour = np.array(pen.colours[rng.integers(len(pen.colours))], np.float32)
    plane[window] *= 1 - alpha[..., None] * (1 - colour)


def _labels(
    spec: SceneSpec, layout: Layout, word: str, mnist_indices: list[int]
) -> dict[str, str | float | int]:
    """What was drawn, flat, for tables and for tracing a failure back to its cause."""
    shot = spec.shot
    return {
        "condition": spec.condition,
        "frame": f"{spec.frame[0]}x{spec.frame[1]}",
        "paper": spec.paper,
        "shadow": spec.shadow,
        "pen": spec.pen,
        "source": spec.source,
        "light": spec.light,
        "cast": spec.cast,
        "spacing": spec.plan.spacing,
        "clutter": spec.clutter,
        "word": word,
        "rows": len(spec.plan.rows),
        "digits": sum(len(row) for row in spec.plan.rows),
        "digit_height_fraction": round(layout.digit_height / spec.frame[1], 4),
        "rotation_deg": round(shot.rotation_deg, 1),
        "perspective": round(shot.tilt, 3),
        "focus_blur": round(shot.focus_blur, 2),
        "motion_blur": shot.motion_blur,
        "noise": round(shot.noise, 2),
        "jpeg_quality": shot.jpeg_quality,
        "mnist_test_indices": ",".join(str(i) for i in mnist_indices),
    }


def _weighted(weights: dict[str, float], rng: np.random.Generator) -> str:
    names = list(weights)
    return str(rng.choice(names, p=np.array([weights[n] for n in names]) / sum(weights.values())))


def _shot(frame: tuple[int, int], rng: np.random.Generator) -> camera.Shot:
    """The camera's pose and flaws; blur in pixels grows with the frame's size."""
    scale = max(frame) / 1280
    return camera.Shot(
        rotation_deg=float(np.clip(rng.normal(0, 4), -12, 12)),
        tilt=float(rng.uniform(0, 0.06)),
        zoom=float(rng.uniform(0.95, 1.08)),
        focus_blur=0.0 if rng.random() < 0.4 else float(rng.uniform(0.3, 1.5) * scale),
        motion_blur=0 if rng.random() < 0.8 else int(rng.integers(2, 7)),
        sharpen=0.0 if rng.random() < 0.5 else float(rng.uniform(0.2, 0.8)),
        noise=float(rng.uniform(1, 6)),
        jpeg_quality=int(rng.integers(40, 96)),
    )
