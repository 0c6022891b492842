"""The independent scene generator (benchmarks/scenes): deterministic per seed, every condition
produced as named, and the ground truth (rows, boxes, touching pair) matching what is drawn."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image

from benchmarks.scenes import CONDITIONS, DEV_SEED, EVAL_SEED, DigitSources, generate, scenes
from benchmarks.scenes.camera import Shot
from benchmarks.scenes.conditions import condition_named
from benchmarks.scenes.layout import DIGIT_WIDTH, GAPS
from benchmarks.scenes.reading import NaiveBaseline, read_rows
from benchmarks.scenes.scene import Scene, compose, sample_spec
from benchmarks.scenes.seeds import scene_rng
from benchmarks.scenes.sources import load_mnist_test
from benchmarks.scenes.verdicts import EXTRA, MISSED, NOTHING, ROWS, WRONG, failure
from recognizer.config import DEFAULT_MODEL_DIR
from tests.conftest import mnist_path

STILL = Shot(rotation_deg=0, tilt=0, zoom=1, focus_blur=0, motion_blur=0, sharpen=0, noise=0,
             jpeg_quality=95)  # fmt: skip
"""A camera square over the page: plane coordinates are picture coordinates."""

INK_BELOW = 150
"""Gray level under which a clean render's pixel is ink (board ~235, marker < 90)."""


@pytest.fixture(scope="module")
def sources() -> DigitSources:
    return DigitSources.load(mnist_path(), EVAL_SEED)


def clean(condition: str, index: int, sources: DigitSources, **plan_changes: Any) -> Scene:
    """The scene's own layout on a whiteboard (it fills the frame: no desk shows), in even
    light, through a still camera, in marker: only the writing is dark."""
    spec = sample_spec(condition_named(condition), scene_rng(EVAL_SEED, condition, index, 0))
    spec = replace(spec, paper="whiteboard", shadow="none", pen="marker", light="even",
                   cast="neutral", shot=STILL, clutter="none",
                   plan=replace(spec.plan, **plan_changes))  # fmt: skip
    return compose(spec, sources, EVAL_SEED, scene_rng(EVAL_SEED, condition, index, 1))


def gray(scene: Scene) -> np.ndarray:
    picture = cv2.imdecode(np.frombuffer(scene.jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert picture is not None, "scenes are JPEGs OpenCV reads"
    return picture


def test_a_seed_gives_the_same_scene_every_time(sources: DigitSources) -> None:
    first = generate("touching-pair", EVAL_SEED, 3, sources)
    again = generate("touching-pair", EVAL_SEED, 3, sources)
    other = generate("touching-pair", EVAL_SEED + 1, 3, sources)
    assert first.jpeg == again.jpeg
    assert (first.rows, first.boxes, first.labels) == (again.rows, again.boxes, again.labels)
    assert other.jpeg != first.jpeg


def test_a_scene_depends_on_its_index_not_on_how_many_are_asked(sources: DigitSources) -> None:
    listed = list(scenes("numbers-natural", EVAL_SEED, 3, sources))
    assert listed[2].jpeg == generate("numbers-natural", EVAL_SEED, 2, sources).jpeg
    assert len({scene.jpeg for scene in listed}) == 3


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: c.name)
def test_every_condition_draws_what_it_is_named_for(condition, sources: DigitSources) -> None:
    scene = generate(condition, EVAL_SEED, 0, sources)
    picture = Image.open(io.BytesIO(scene.jpeg))
    assert picture.format == "JPEG"
    assert f"{picture.width}x{picture.height}" == scene.labels["frame"]
    assert 10_000 < len(scene.jpeg) < 2_000_000
    assert len(scene.rows) == condition.rows
    assert all(row.isdigit() for row in scene.rows)
    assert all(condition.digits[0] <= len(row) <= condition.digits[1] for row in scene.rows)
    assert len(scene.boxes) == sum(map(len, scene.rows))
    assert all(0 <= x0 < x1 <= picture.width and 0 <= y0 < y1 <= picture.height
               for x0, y0, x1, y1 in scene.boxes)  # fmt: skip
    assert scene.labels["condition"] == condition.name
    assert scene.labels["paper"] == (condition.paper or scene.labels["paper"])
    assert scene.labels["shadow"] == (condition.shadow or scene.labels["shadow"])
    assert scene.labels["clutter"] in condition.clutter
    assert (scene.touching is not None) == condition.touching
    assert float(scene.labels["digit_height_fraction"]) >= 0.03


def test_words_nearby_scenes_hold_a_word(sources: DigitSources) -> None:
    words = [generate("words-nearby", EVAL_SEED, i, sources).labels["word"] for i in range(6)]
    assert all(words), words


@pytest.mark.parametrize(
    ("condition", "index"),
    [("numbers-natural", 0), ("two-rows", 1), ("three-rows", 2), ("single-white", 3)],
)
def test_boxes_hold_all_the_ink_and_each_box_some(
    condition: str, index: int, sources: DigitSources
) -> None:
    scene = clean(condition, index, sources)
    ink = gray(scene) < INK_BELOW
    covered = np.zeros_like(ink)
    for x0, y0, x1, y1 in scene.boxes:
        assert ink[y0:y1, x0:x1].sum() > 10
        covered[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2] = True
    assert not (ink & ~covered).any()


def test_boxes_run_in_reading_order(sources: DigitSources) -> None:
    scene = clean("two-rows", 0, sources)
    first = len(scene.rows[0])
    top, bottom = scene.boxes[:first], scene.boxes[first:]
    assert max(b[3] for b in top) < min(b[1] for b in bottom)
    for row in (top, bottom):
        centres = [(b[0] + b[2]) / 2 for b in row]
        assert centres == sorted(centres)


@pytest.mark.parametrize("index", range(4))
def test_the_touching_pair_is_one_piece_of_ink(index: int, sources: DigitSources) -> None:
    scene = clean("touching-pair", index, sources)
    assert scene.touching is not None
    left, right = (scene.boxes[i] for i in scene.touching)
    ink = (gray(scene) < INK_BELOW).astype(np.uint8)
    _, labels = cv2.connectedComponents(ink, connectivity=8)
    only_left = labels[left[1] : left[3], left[0] : min(left[2], right[0])]
    only_right = labels[right[1] : right[3], max(right[0], left[2]) : right[2]]
    shared = set(np.unique(only_left)) & set(np.unique(only_right)) - {0}
    assert shared, f"{scene.rows}: digits {scene.touching} do not touch"


@pytest.mark.parametrize(
    ("condition", "low", "high"),
    [("numbers-wide", *GAPS["wide"]), ("numbers-natural", *GAPS["natural"])],
)
def test_gaps_are_the_spacing_asked_for(
    condition: str, low: float, high: float, sources: DigitSources
) -> None:
    for index in range(3):
        scene = clean(condition, index, sources, row_tilt_deg=0.0)
        width = (
            DIGIT_WIDTH
            * float(scene.labels["digit_height_fraction"])
            * int(str(scene.labels["frame"]).split("x")[1])
        )
        gaps = [b[0] - a[2] for a, b in zip(scene.boxes, scene.boxes[1:], strict=False)]
        assert all(low * width - 2 <= gap <= high * width + 2 for gap in gaps), gaps


@pytest.mark.parametrize(("quantile", "low", "high"), [(0.0, 0.045, 0.06), (1.0, 0.6, 0.92)])
def test_digit_size_runs_from_a_twentieth_of_the_frame_to_filling_it(
    quantile: float, low: float, high: float, sources: DigitSources
) -> None:
    scene = clean("single-white", 5, sources, size_quantile=quantile)
    frame_height = int(str(scene.labels["frame"]).split("x")[1])
    _, y0, _, y1 = scene.boxes[0]
    assert low <= float(scene.labels["digit_height_fraction"]) <= high
    assert 0.8 * low <= (y1 - y0) / frame_height <= 1.1 * high


def test_development_and_evaluation_use_different_mnist_digits(sources: DigitSources) -> None:
    development = DigitSources.load(mnist_path(), DEV_SEED)
    assert not set(development.indices) & set(sources.indices)
    used = generate("numbers-natural", EVAL_SEED, 0, sources).labels["mnist_test_indices"]
    if used:
        assert set(map(int, str(used).split(","))) <= set(sources.indices)
    with pytest.raises(ValueError, match="other half"):
        generate("single-white", DEV_SEED, 0, sources)


def test_mnist_is_read_from_the_path_given(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.npz"):
        load_mnist_test(tmp_path / "missing.npz")
    assert len(load_mnist_test(mnist_path()).labels) == 10_000


def test_verdicts_name_the_kind_of_failure() -> None:
    assert failure(["12", "3"], ["12", "3"]) is None
    assert failure(["12", "3"], ["3", "12"]) == WRONG
    assert failure(["12"], []) == NOTHING
    assert failure(["12", "3"], ["123"]) == ROWS
    assert failure(["1234"], ["14"]) == MISSED
    assert failure(["1"], ["118"]) == EXTRA


def test_naive_baseline_reads_a_centred_mnist_digit_and_refuses_garbage(mnist) -> None:
    naive = NaiveBaseline(DEFAULT_MODEL_DIR)
    right = 0
    for image, label in zip(mnist.x_test[:20], mnist.y_test[:20], strict=True):
        page = cv2.resize(255 - image, (280, 280), interpolation=cv2.INTER_CUBIC)
        right += naive.read_rows(cv2.imencode(".png", page)[1].tobytes()) == [str(label)]
    assert right >= 18
    assert naive.read_rows(b"not an image") == []


def test_read_rows_gives_rows_of_digits_or_none(recognizer, sources: DigitSources) -> None:
    blank = cv2.imencode(".jpg", np.full((480, 640, 3), 235, np.uint8))[1].tobytes()
    assert read_rows(recognizer, blank) == []
    rows = read_rows(recognizer, clean("single-white", 0, sources).jpeg)
    assert rows
    assert all(isinstance(row, str) and row.isdigit() for row in rows)
