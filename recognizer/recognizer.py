"""The recognizer: one pipeline from image to reading.

decode -> ink -> layout (rows, digits) -> render (28x28 the MNIST way) -> model. The layout
stage asks the model (through ``_Judge``) how surely candidate glyphs read as digits, so the
model decides how touching digits are cut.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from recognizer.components import boxes_inside
from recognizer.config import (
    ADDED_ROW_LEAST,
    CANVAS,
    DEFAULT_MODEL_DIR,
    LEAST_LIKENESS,
    LEFT_OUT_DOUBT,
    MERGE_HEIGHTS,
    MERGED_DIGITS,
    MOSTLY_STICKS,
    SETTLED_SURE_LAYOUT,
    STICK_DOUBT,
    SURE_LAYOUT,
    SURER_LAYOUT,
    UNSURE_BELOW,
    WHOLE_DIGIT_STROKE,
)
from recognizer.decode import decode
from recognizer.errors import RecognizerError
from recognizer.ink import Ink, find_inks
from recognizer.layout import Layout, find_layout, glyph_thickness, is_stick
from recognizer.model import DigitModel, Model, Scores
from recognizer.prediction import Box, Prediction, Reading, Row
from recognizer.render import as_mnist, render
from recognizer.segmentation import Glyph
from recognizer.stages import Stages, record

ImageInput = bytes | np.ndarray
"""Encoded image bytes (JPEG, PNG, GIF, WebP...) or a gray, RGB or RGBA array."""


class Recognizer:
    """Reads the handwritten digits in a picture; safe to share between threads."""

    def __init__(self, model: Model) -> None:
        self._model = model

    @classmethod
    def load(cls, model_dir: str | Path = DEFAULT_MODEL_DIR) -> Recognizer:
        """Load the exported model; raises ModelLoadError with the fix in its message."""
        return cls(DigitModel.load(Path(model_dir)))

    def read(self, image: ImageInput, stages: Stages | None = None) -> Reading:
        """Every digit in the picture, in rows read top to bottom, each left to right.

        ``stages`` collects intermediate images if given. Raises the RecognizerError family:
        ImageDecodeError, ImageTooLargeError, ImageTooSmallError (the input), NoDigitError
        (nothing like handwriting), TooManyDigitsError (a long number or a page of writing).
        """
        decoded = decode(image)
        mnist = as_mnist(decoded.gray)
        if mnist is not None:
            record(stages, "mnist", mnist)
            prediction = self._predictions([mnist], [(0, 0, CANVAS, CANVAS)])[0]
            return Reading((Row((prediction,)),), decoded.gray, decoded.scale)
        ink, judge, layout = self._surest_layout(find_inks(decoded.gray, stages), stages)
        if stages is not None and len(layout.rows) == 1 and len(layout.rows[0]) == 1:
            render(ink.strength, layout.rows[0][0], stages)  # a lone digit's steps, for --debug
        to_photo = ink.scale * decoded.scale
        rows = tuple(
            Row(tuple(judge.prediction(glyph, to_photo) for glyph in glyphs))
            for glyphs in layout.rows
        )
        return Reading(rows, decoded.gray, decoded.scale, layout.other_writing)

    def _surest_layout(
        self, inks: Iterator[Ink], stages: Stages | None
    ) -> tuple[Ink, _Judge, Layout]:
        """The layout of the ink the model reads most surely, with its ink and its judge.

        Each ink is one estimate of the paper (``find_inks``), the likeliest first. Its layout
        stands when the model reads it surely and it left no ink out as other writing: its
        joint likeness, the product of its glyphs' likeness (``_digit_likeness``), is
        SURE_LAYOUT or more for the likeliest paper, or SETTLED_SURE_LAYOUT for any paper the
        ink settled under (the other polarity's, after a light-on-dark verdict that a hard
        shadow misled: a coarse paper's guess reads the shade's blobs or pieces surely too).
        Otherwise the layout with the highest joint likeness wins: shadow edges read as extra
        digits, digits merged with a shadow or hollow strokes are unsure. The first paper's
        layout gives way only to one SURER_LAYOUT times as likely: two readings of the same
        clean digit differ by chance, and a narrow kernel that hollows a thick stroke leaves a
        fragment the model reads as a sure 1. A layout mostly of sticks read as 1, or with a row
        of nothing else, or of 1s only, counts STICK_DOUBT times as likely (MOSTLY_STICKS), and
        is not sure under the first paper: slivers of edges and a hand's fingers read as surely
        as written 1s. A layout that left ink out as other writing counts LEFT_OUT_DOUBT times
        as likely in that comparison, however sure: under a wrong paper, digits broken or merged
        with shade read as no digit and are left out, and the few glyphs left (a sure 1)
        outscore a paper under which every digit reads. A layout found only inside the first
        paper's sure digits reads their fragments and is passed over (WHOLE_DIGIT_STROKE). A
        layout that reads every row of the best so far and whole rows more, each sure
        (``_reads_more``), takes its place however its joint likeness compares: a paper that took
        a row out with a shadow reads the rest as surely as one that kept it; so does one that
        reads a row's digits and sure digits more at its ends. Rows of sticks towering over the
        layout's digits need not be read (``_towering_sticks``), and a layout that left ink out
        as other writing takes the place only of one like slivers: a frame's or a shadow's edge
        beside a small number reads as a sure 1 under one paper while another reads the number
        and leaves the edge out as too big to be its writing. A layout with a
        glyph that holds the best layout's whole digits so far (``_merges_digits``) merged them
        with shade taken for ink, and is passed over; a best layout whose glyph holds a later
        layout's whole digits gives way to it, whatever their likeness. (Only the best so far
        is compared: a layout that lost to a best that later gave way is not weighed again.)
        Raises the first RecognizerError when no ink holds a digit.
        """
        best: _Candidate | None = None
        failure: RecognizerError | None = None
        bar = -np.inf
        whole = np.empty((0, 4), np.int64)
        for index, ink in enumerate(inks):
            judge = _Judge(self._model, ink.strength)
            try:
                layout = find_layout(ink, judge, stages if index == 0 else None)
            except RecognizerError as error:
                failure = failure or error
                continue
            glyphs = [glyph for row in layout.rows for glyph in row]
            boxes = np.array([glyph.box for glyph in glyphs], np.int64)
            if boxes_inside(whole, boxes).any(axis=0).all():
                continue  # fragments of digits the likeliest paper read whole
            if best is not None and _merges_digits(boxes, best.written):
                continue  # the best layout's digits, merged with shade into big glyphs
            likeness = judge(glyphs)
            joint = float(np.log(np.maximum(likeness, LEAST_LIKENESS)).sum())
            slivers = _like_slivers(layout, judge)
            if slivers:
                joint += np.log(STICK_DOUBT)
            if layout.other_writing:
                joint += np.log(LEFT_OUT_DOUBT)
            elif (index == 0 or ink.settled) and joint >= np.log(
                SETTLED_SURE_LAYOUT if ink.settled else SURE_LAYOUT
            ):
                return ink, judge, layout
            is_whole = _whole_digits(glyphs, likeness)
            written = boxes[is_whole & ~_read_as_one(glyphs, judge)]
            candidate = _Candidate(joint, ink, judge, layout, boxes, written, slivers)
            if best is None or joint > max(best.joint, bar) or _merges_digits(best.boxes, written):
                best = candidate
            elif (
                not slivers
                and (best.slivers or not layout.other_writing)
                and _reads_more(layout, judge, best.layout, best.judge)
            ):
                best = replace(candidate, joint=max(joint, best.joint))
            if index == 0:
                bar = joint + np.log(SURER_LAYOUT)
                whole = boxes[is_whole]
        if best is None:
            assert failure is not None  # find_inks gives one ink at least
            raise failure
        return best.ink, best.judge, best.layout

    def _predictions(
        self, images: list[np.ndarray], boxes: list[tuple[int, int, int, int]]
    ) -> tuple[Prediction, ...]:
        scores = self._model.scores(np.stack(images))
        return tuple(
            _prediction(image, box, probabilities)
            for image, box, probabilities in zip(images, boxes, scores.digits, strict=True)
        )


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One paper's judged layout, as ``_surest_layout`` weighs it against the others."""

    joint: float
    """The log of its glyphs' joint likeness, lowered for doubts (slivers, writing left out)."""
    ink: Ink
    judge: _Judge
    layout: Layout
    boxes: np.ndarray
    """int (N, 4): its glyphs' boxes, x, y, width, height in the working image."""
    written: np.ndarray
    """int (M, 4): the boxes of its glyphs read as whole digits (``_whole_digits``), sticks
    read as 1 left out: a paper's or a shadow's edge leaves slivers read as sure 1s."""
    slivers: bool
    """Whether it reads as edges and shadows do (``_like_slivers``)."""


@dataclass(frozen=True, slots=True)
class _Judged:
    image: np.ndarray
    box: tuple[int, int, int, int]
    digits: np.ndarray
    likeness: float


_GlyphKey = tuple[tuple[int, int, int, int], bytes]
"""A glyph's box and ink: all its rendering depends on."""


class _Judge:
    """How surely glyphs read as digits: rendered and run through the model in one batch.

    Each distinct glyph (its box and ink) is rendered and scored once: the layout judges the
    same glyphs (often several times, as hypotheses are compared, and cut afresh from the same
    piece) that the reading then reports, and a picture's lone digit was judged when the layout
    found it. The model's cost is per image, so every image not run again saves its share.
    """

    def __init__(self, model: Model, strength: np.ndarray) -> None:
        self._model = model
        self._strength = strength
        self._judged: dict[_GlyphKey, _Judged] = {}

    def __call__(self, glyphs: Sequence[Glyph]) -> np.ndarray:
        fresh = {key: glyph for glyph in glyphs if (key := _key(glyph)) not in self._judged}
        if fresh:
            rendered = [render(self._strength, glyph) for glyph in fresh.values()]
            scores = self._model.scores(np.stack([image for image, _ in rendered]))
            likeness = _digit_likeness(scores)
            for index, (key, (image, box)) in enumerate(zip(fresh, rendered, strict=True)):
                self._judged[key] = _Judged(
                    image, box, scores.digits[index], float(likeness[index])
                )
        return np.array([self._judged[_key(glyph)].likeness for glyph in glyphs])

    def digit(self, glyph: Glyph) -> int:
        """The digit a judged glyph reads as most likely."""
        return int(np.argmax(self._judged[_key(glyph)].digits))

    def prediction(self, glyph: Glyph, to_photo: float) -> Prediction:
        """A judged glyph as the reading reports it; ``to_photo``: working size over the
        sender's size."""
        judged = self._judged[_key(glyph)]
        return _prediction(judged.image, _on_photo(judged.box, to_photo), judged.digits)


def _like_slivers(layout: Layout, judge: _Judge) -> bool:
    """Whether a judged layout reads as what edges and shadows do: mostly sticks read as 1
    (MOSTLY_STICKS), a row of nothing else, or 1s only, two or more (a hand's fingers)."""
    sticks = [_read_as_one(row, judge) for row in layout.rows]
    ones = [judge.digit(glyph) == 1 for row in layout.rows for glyph in row]
    return bool(
        np.concatenate(sticks).mean() > MOSTLY_STICKS
        or any(row.all() for row in sticks)
        or (len(ones) > 1 and all(ones))
    )


def _reads_more(layout: Layout, judge: _Judge, other: Layout, other_judge: _Judge) -> bool:
    """Whether a judged layout reads every row of ``other`` (another paper's judged layout) and
    more: whole rows more, each of ADDED_ROW_LEAST glyphs or more, or digits more at the ends of
    a row of ADDED_ROW_LEAST or more (``_holds``), every glyph added read surely (UNSURE_BELOW)
    and none a stick read as 1: digits the other paper lost, taken out with a shadow as shade or
    too faint under it. Its extra glyphs lower the joint likeness, which must not count against
    it. Rows of ``other`` that are an edge's slivers need not be read (``_towering_sticks``)."""
    height = float(np.median([glyph.box[3] for row in layout.rows for glyph in row]))
    theirs = [
        _digits(row, other_judge)
        for row in other.rows
        if not _towering_sticks(row, other_judge, height)
    ]
    added: list[Glyph] = []
    for row in layout.rows:
        digits = _digits(row, judge)
        match = next((their for their in theirs if _holds(digits, their)), None)
        if match is None:
            if len(row) < ADDED_ROW_LEAST:
                return False
            added.extend(row)
            continue
        theirs.remove(match)
        start = digits.index(match)
        added.extend([*row[:start], *row[start + len(match) :]])
    return (
        bool(added)
        and not theirs
        and bool((judge(added) >= UNSURE_BELOW).all())
        and not _read_as_one(added, judge).any()
    )


def _holds(digits: str, theirs: str) -> bool:
    """Whether a row read as ``digits`` reads another paper's row ``theirs`` with digits more
    on its ends; a lone digit is held only as itself: another paper's sliver read as a 1 is
    in many numbers."""
    return digits == theirs or (len(theirs) >= ADDED_ROW_LEAST and theirs in digits)


def _towering_sticks(row: Sequence[Glyph], judge: _Judge, height: float) -> bool:
    """Whether a judged row is sticks read as 1 only, each MERGE_HEIGHTS times as tall as
    ``height`` (another layout's median glyph height, pixels) or more: a paper's or a shadow's
    edge beside a small number, which the layout that read the number left out as too big to
    be its writing (ROW_SIZE_SHARE)."""
    return bool(_read_as_one(row, judge).all()) and all(
        glyph.box[3] >= MERGE_HEIGHTS * height for glyph in row
    )


def _digits(glyphs: Sequence[Glyph], judge: _Judge) -> str:
    """The digits a judged row of glyphs reads as, in order."""
    return "".join(str(judge.digit(glyph)) for glyph in glyphs)


def _read_as_one(glyphs: Sequence[Glyph], judge: _Judge) -> np.ndarray:
    """bool (N,): which judged glyphs are sticks (``is_stick``) read as a 1."""
    return np.array([is_stick(glyph) and judge.digit(glyph) == 1 for glyph in glyphs], bool)


def _merges_digits(boxes: np.ndarray, digits: np.ndarray) -> bool:
    """Whether any of ``boxes`` (int (N, 4)) holds MERGED_DIGITS or more of ``digits`` (int
    (M, 4), another paper's whole digits), each MERGE_HEIGHTS times shorter than it or more: a
    paper that took a hard shadow's wedge or a hand's fingers for ink read the digits written
    across them as part of one big glyph."""
    shorter = digits[None, :, 3] * MERGE_HEIGHTS <= boxes[:, 3, None]
    held = boxes_inside(boxes, digits) & shorter
    return bool((held.sum(axis=1) >= MERGED_DIGITS).any())


def _whole_digits(glyphs: Sequence[Glyph], likeness: np.ndarray) -> np.ndarray:
    """bool (N,): which glyphs are read surely (UNSURE_BELOW or more) and drawn in strokes
    (WHOLE_DIGIT_STROKE): a shadow's wedge read as a 1 holds no digit whole."""
    return np.array(
        [
            sure >= UNSURE_BELOW and glyph_thickness(glyph) < WHOLE_DIGIT_STROKE * glyph.box[3]
            for glyph, sure in zip(glyphs, likeness, strict=True)
        ],
        bool,
    )


def _key(glyph: Glyph) -> _GlyphKey:
    return glyph.box, glyph.mask.tobytes()


def _digit_likeness(scores: Scores) -> np.ndarray:
    """The most likely digit's probability times the probability of being a digit at all."""
    likeness: np.ndarray = scores.digits.max(axis=1) * (1 - scores.not_digit)
    return likeness


def _on_photo(box: tuple[int, int, int, int], scale: float) -> tuple[int, int, int, int]:
    """A box of the working image moved onto the sender's picture (``scale``: working size over
    the sender's size)."""
    x, y, width, height = (round(value / scale) for value in box)
    return x, y, width, height


def _prediction(
    image: np.ndarray, box: tuple[int, int, int, int], probabilities: np.ndarray
) -> Prediction:
    digit = int(np.argmax(probabilities))
    return Prediction(
        digit=digit,
        confidence=float(probabilities[digit]),
        probabilities=tuple(float(p) for p in probabilities),
        image=image,
        box=Box(*box),
    )
