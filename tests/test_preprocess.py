"""Preprocessing turns a photo of a digit into what MNIST looks like, whatever the conditions.

Each test renders a real MNIST test digit large onto a synthetic page under one condition and
compares the 28x28 result with the same digit on a clean page, or checks an MNIST property.
"""

from __future__ import annotations

import functools
from dataclasses import astuple

import cv2
import numpy as np
import pytest

from recognizer import Prediction, Recognizer
from recognizer import paper as paper_estimate
from recognizer.components import components
from recognizer.config import (
    CANVAS,
    DIGIT_BOX,
    INK_GRAIN_MULTIPLE,
    LEAST_INK_CONTRAST,
    MIN_INK_CONTRAST,
    MNIST_STROKE_WIDTH,
    STROKE_TOLERANCE,
)
from recognizer.ink import downscale, find_inks, ink_threshold, printed_lines, written
from recognizer.shade import shade_in
from recognizer.stages import Stages
from tests.botharness import digit_photo
from tests.conftest import SHARED_DATA, read_digit
from training.mnist import Mnist

PAGE = (720, 960)  # height, width


def ink_of(mnist: Mnist, index: int, height: int = 260) -> np.ndarray:
    """The digit's ink coverage in [0, 1], upscaled smoothly to a handwriting size."""
    digit = mnist.x_test[index].astype(np.float32) / 255
    return np.clip(cv2.resize(digit, (height, height), interpolation=cv2.INTER_CUBIC), 0, 1)


def page_with(ink: np.ndarray, paper: float = 235, pen: float = 30, at=(230, 350)) -> np.ndarray:
    page = np.full(PAGE, paper, np.float32)
    top, left = at
    region = page[top : top + ink.shape[0], left : left + ink.shape[1]]
    region[:] = region * (1 - ink) + pen * ink
    return np.clip(page, 0, 255).astype(np.uint8)


@functools.cache
def shipped() -> Recognizer:
    return Recognizer.load()


def preprocess(picture: np.ndarray, stages: Stages | None = None) -> Prediction:
    """The one digit the whole pipeline reads in a picture, with the 28x28 image it rendered."""
    reading = shipped().read(picture, stages)
    assert len(reading.digits) == 1, f"read as {reading.number!r}, not one digit"
    return reading.digits[0]


def similarity(one: Prediction, other: Prediction) -> float:
    """Correlation of two 28x28 results: 1 means the model sees the same thing."""
    a, b = one.image.astype(np.float64).ravel(), other.image.astype(np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_mnist_digit_passes_unharmed(mnist: Mnist) -> None:
    for image in mnist.x_test[:20]:
        assert np.array_equal(preprocess(image).image, image)


def test_black_on_white_28x28_is_only_inverted(mnist: Mnist) -> None:
    image = mnist.x_test[5]
    assert np.array_equal(preprocess(255 - image).image, image)


@pytest.mark.parametrize("index", range(6))
def test_result_is_fitted_and_centred_like_mnist(mnist: Mnist, index: int) -> None:
    result = preprocess(page_with(ink_of(mnist, index)))
    image = result.image.astype(np.float64)
    ys, xs = np.nonzero(image > 10)
    longest = max(ys.max() - ys.min(), xs.max() - xs.min()) + 1
    assert DIGIT_BOX - 2 <= longest <= DIGIT_BOX + 2
    rows, cols = np.indices(image.shape)
    assert (rows * image).sum() / image.sum() == pytest.approx(14, abs=1)
    assert (cols * image).sum() / image.sum() == pytest.approx(14, abs=1)
    assert result.image.max() == 255, "stroke cores are saturated, as in MNIST"


@pytest.mark.parametrize("index", range(4))
def test_light_on_dark_reads_like_dark_on_light(mnist: Mnist, index: int) -> None:
    ink = ink_of(mnist, index)
    paper = preprocess(page_with(ink, paper=235, pen=30))
    blackboard = preprocess(page_with(ink, paper=40, pen=220))
    assert similarity(paper, blackboard) > 0.9


@pytest.mark.parametrize("index", range(4))
def test_shadows_and_gradients_do_not_become_ink(mnist: Mnist, index: int) -> None:
    page = page_with(ink_of(mnist, index)).astype(np.float32)
    ys, xs = np.mgrid[0 : PAGE[0], 0 : PAGE[1]]
    light = 1.0 - 0.45 * xs / PAGE[1] - 0.2 * ys / PAGE[0]
    light[:, : PAGE[1] // 4] *= 0.55  # a hard shadow over the left quarter
    lit = np.clip(page * light, 0, 255).astype(np.uint8)
    assert similarity(preprocess(page.astype(np.uint8)), preprocess(lit)) > 0.9


@pytest.mark.parametrize("index", range(3))
def test_a_shadow_inside_the_frame_is_not_taken_for_thick_writing(mnist: Mnist, index: int) -> None:
    """A phone held over the page casts a broad, soft-edged shadow that reaches no side of the
    frame. It is far broader for its height than a marker's stroke, so the paper is still
    estimated for the pen's thin strokes: the shadow adds no ink and the digit reads alike."""
    clean = page_with(ink_of(mnist, index, height=160), at=(280, 200))
    phone = np.ones(PAGE, np.float32)
    cv2.rectangle(phone, (540, 120), (740, 560), 0.55, thickness=-1)
    shade = cv2.GaussianBlur(phone, (0, 0), 6)
    shadowed = np.clip(clean * shade, 0, 255).astype(np.uint8)
    near_ink = cv2.dilate(ink_mask(clean).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert (ink_mask(shadowed) & ~near_ink).mean() < 0.001, "no shadow becomes ink"
    assert similarity(preprocess(clean), preprocess(shadowed)) > 0.95


def strength_with_digit(
    mnist: Mnist, index: int, side: int, at: tuple[int, int], level: float
) -> np.ndarray:
    """A working-size ink strength map (float32, 384x512) holding one MNIST test digit."""
    strength = np.zeros((384, 512), np.float32)
    top, left = at
    strength[top : top + side, left : left + side] = level * ink_of(mnist, index, height=side)
    return strength


def shade_of(strength: np.ndarray) -> np.ndarray:
    """bool: what ``shade_in`` takes out of the ink at or above the threshold in ``strength``."""
    return shade_in(components((strength >= MIN_INK_CONTRAST).astype(np.uint8)), strength)


def test_a_hard_shadows_wedge_across_the_frame_is_shade(mnist: Mnist) -> None:
    """A hard shadow's wedge reaching from the top of the frame to the bottom is too narrow for
    its height to count as broad, but it is sixteen times as thick as the writing beside it,
    which is darker: it is a shape, not a stroke, and goes whole; the digit stays."""
    strength = strength_with_digit(mnist, 0, side=56, at=(150, 330), level=0.75)
    wedge = np.zeros(strength.shape, np.uint8)
    cv2.fillPoly(wedge, [np.array([(125, 0), (295, 0), (210, 383)], np.int32)], 1)
    strength[wedge > 0] = 0.58
    shaded = shade_of(strength)
    assert shaded[wedge > 0].all()
    assert not shaded[150:206, 330:386].any()


def test_a_fat_marker_digit_beside_a_faint_hairline_is_no_shade(mnist: Mnist) -> None:
    """A marker digit filling the frame is many times as thick as a sheet's faint edge beside
    it, but that edge is no writing darker than the digit: the digit is kept whole."""
    strength = strength_with_digit(mnist, 3, side=340, at=(20, 60), level=1.0)
    marker = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))
    strength = 0.7 * cv2.dilate(strength, marker)
    cv2.line(strength, (480, 10), (482, 80), 0.25, 2)
    shaded = shade_of(strength)
    assert not shaded[:, :420].any()


def hand_shade(palm: tuple[int, int], darkening: float = 0.5) -> np.ndarray:
    """Light over a page (1 = full light) with a hand's shadow: a palm about as wide as the
    fingers are long, and four fingers three times as broad as a marker's stroke, edges
    softened a little."""
    light = np.ones(PAGE, np.float32)
    x, y = palm
    cv2.ellipse(light, (x, y), (90, 95), 0, 0, 360, darkening, thickness=-1)
    for finger in range(4):
        tip = (x - 75 + 50 * finger, y - 230 + round(25 * abs(finger - 1.5)))
        cv2.line(light, (x - 55 + 36 * finger, y - 40), tip, darkening, thickness=30)
    return cv2.GaussianBlur(light, (0, 0), 2)


@pytest.mark.parametrize("index", range(3))
@pytest.mark.parametrize("where", ["beside", "touching"])
def test_a_hands_shadow_is_not_read_as_writing(mnist: Mnist, index: int, where: str) -> None:
    """A hand held over the page shades it in broad shapes (fingers are wider than the strokes
    the paper estimate allows for) that are weaker than the pen's ink: they are taken out, also
    where the digit overlaps them, and the digit reads as on a clean page. Where a stroke
    crosses a finger's soft edge, a sliver of the edge may stay with it."""
    clean = page_with(ink_of(mnist, index, height=160), at=(200, 420))
    palm = (300, 520) if where == "beside" else (450, 520)
    shaded = np.clip(clean * hand_shade(palm), 0, 255).astype(np.uint8)
    before, after = preprocess(clean), preprocess(shaded)
    assert after.digit == before.digit
    assert within(astuple(after.box), astuple(before.box), slack=6 if where == "beside" else 25)
    assert similarity(before, after) > (0.9 if where == "beside" else 0.7)


@pytest.mark.parametrize("index", [0, 2, 4, 6])
def test_a_small_digit_above_a_dark_hands_fingertips_is_read_alone(
    mnist: Mnist, recognizer: Recognizer, index: int
) -> None:
    """Fingers as broad as the kernel the ink settles under are filled in as ink, and the
    fingertips touching a small digit merge with it into one unreadable glyph. The reading under
    a narrower rung's paper, where the fingers stay paper, is far surer, and wins (each of these
    fails without it)."""
    clean = page_with(ink_of(mnist, index, height=100), at=(200, 420))
    shaded = np.clip(clean * hand_shade((400, 540), darkening=0.6), 0, 255).astype(np.uint8)
    assert recognizer.read(shaded).number == str(mnist.y_test[index])


@pytest.mark.parametrize("index", [0, 2, 4, 8])
def test_a_dark_hands_fingers_beside_a_small_digit_are_not_read_as_1s(
    mnist: Mnist, recognizer: Recognizer, index: int
) -> None:
    """Beside a small digit, a hand's fingers are as narrow for their height as strokes and
    come out of the paper estimate as tall, fat, faint 1s. Twice as thick as the digit's
    strokes and half as dark, they are shade (each of these fails without that rule)."""
    clean = page_with(ink_of(mnist, index, height=100), at=(200, 420))
    shaded = np.clip(clean * hand_shade((450, 520), darkening=0.6), 0, 255).astype(np.uint8)
    assert recognizer.read(shaded).number == str(mnist.y_test[index])


def test_a_phones_shadow_as_dark_as_the_ink_is_not_read(mnist: Mnist) -> None:
    """A phone held low casts a shadow as dark as a ballpoint's ink: no darker than the
    writing, but a shape many times as thick as the pen's strokes, so it is no digit and the
    digit beside it is read as on a clean page (its box within the pixel or two the paper's
    estimate moves a faint stroke's edge by)."""
    clean = page_with(ink_of(mnist, 0, height=160), pen=110, at=(300, 560))
    phone = np.ones(PAGE, np.float32)
    cv2.rectangle(phone, (120, 60), (300, 560), 0.5, thickness=-1)
    shaded = np.clip(clean * cv2.GaussianBlur(phone, (0, 0), 2), 0, 255).astype(np.uint8)
    before, after = preprocess(clean), preprocess(shaded)
    assert after.digit == before.digit
    assert within(astuple(after.box), astuple(before.box), slack=3)
    assert similarity(before, after) > 0.9


@pytest.mark.parametrize("index", [0, 1, 3, 10])
def test_a_digit_crossed_by_a_hard_shadows_edge_reads_as_on_a_clean_page(
    mnist: Mnist, recognizer: Recognizer, index: int
) -> None:
    """A hard shadow's wedge coming down from the top of the page, one edge across the digit:
    the paper's closing fills the wedge's point more with every wider kernel, so the ink never
    settles on the ladder and the coarse paper, which fills the wedge in as ink, is only the
    likeliest estimate. Where the model does not read that ink surely, the ladder's papers are
    read too, and the surest reading is the digit's (two of these four fail without)."""
    clean = page_with(ink_of(mnist, index, height=160), at=(280, 400))
    light = np.ones(PAGE, np.float32)
    cv2.fillPoly(light, [np.array([(294, 0), (650, 0), (561, 487)], np.int32)], 0.5)
    shaded = np.clip(clean * light, 0, 255).astype(np.uint8)
    assert recognizer.read(shaded).number == recognizer.read(clean).number


@pytest.mark.parametrize(("digit", "image_format"), [(5, "JPEG"), (3, "WEBP")])
def test_a_thick_strokes_fragment_does_not_outscore_the_whole_digit(
    mnist: Mnist, recognizer: Recognizer, digit: int, image_format: str
) -> None:
    """An MNIST digit blown up to half of a 480 px photo: its ink never settles on the paper's
    ladder, and the coarse paper's reading of it is not sure (0.96-0.97). A narrow rung's paper
    hollows its thick strokes into a fragment that reads as a 1 a few percent more surely; only
    a layout clearly surer than the likeliest paper's wins, so the whole digit stands."""
    index = int(np.flatnonzero(mnist.y_test == digit)[0])
    photo = digit_photo(mnist.x_test[index], image_format)
    assert recognizer.read(photo).number == str(digit)


def with_flash(
    page: np.ndarray, centre: tuple[float, float], radius: float, glare: float
) -> np.ndarray:
    """A camera flash's hot spot: light reflected off the surface adds to paper and ink alike,
    brightest at ``centre`` (``glare`` x 255 added there) and fading over ``radius`` pixels;
    wherever the sum passes 255 the sensor clips, so the paper is blown out to pure white.
    """
    ys, xs = np.mgrid[0 : page.shape[0], 0 : page.shape[1]]
    spot = np.exp(-((ys - centre[0]) ** 2 + (xs - centre[1]) ** 2) / (2 * radius**2))
    return np.clip(page + 255 * glare * spot, 0, 255).astype(np.uint8)


def ink_mask(page: np.ndarray) -> np.ndarray:
    """Where the pipeline sees ink at all, before it picks the digit out of it."""
    return next(find_inks(page)).strength >= MIN_INK_CONTRAST


def within(inner: tuple[int, ...], outer: tuple[int, ...], slack: int) -> bool:
    """Whether box ``inner`` (x, y, width, height) lies inside ``outer`` give or take ``slack``."""
    x, y, w, h = inner
    left, top, width, height = outer
    return (
        x >= left - slack
        and y >= top - slack
        and x + w <= left + width + slack
        and y + h <= top + height + slack
    )


def jpeg(image: np.ndarray) -> bytes:
    """A phone's photo is a JPEG: its ringing around blown-out edges and specks comes along."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return encoded.tobytes()


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("where", ["beside", "over"])
def test_flash_hot_spot_does_not_become_ink(
    mnist: Mnist, recognizer: Recognizer, index: int, where: str
) -> None:
    """A blown-out flash reflection beside the digit, or over part of its strokes, adds no ink
    and leaves the reading alone.

    Under the spot the strokes really are washed out (lighter ink on clipped white paper), so
    the 28x28 result is not compared pixel for pixel: what matters is that the glare's rim is
    never taken for a stroke, the box stays the digit's, and the model reads the same digit.
    """
    # Grey paper in a dim room: only the spot is blown out, so an estimate of the paper that
    # spread the spot's brightness around it would take the paper beside it for ink.
    clean = page_with(ink_of(mnist, index), paper=200)
    x, y, w, h = astuple(preprocess(clean).box)
    if where == "beside":  # blown out right up to the digit's right edge
        flashed = with_flash(clean, (y + 0.3 * h, x + w + 45), radius=45, glare=1.0)
        assert (flashed[y : y + h, x + w : x + w + 45] == 255).mean() > 0.2, "it is blown out"
    else:  # over the upper right of the digit, strokes still visible through it
        flashed = with_flash(clean, (y + 0.25 * h, x + 0.75 * w), radius=40, glare=0.6)
        assert flashed[y : y + h // 2, x + w // 2 : x + w].max() == 255, "it is blown out"
    near_ink = cv2.dilate(ink_mask(clean).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert not (ink_mask(flashed) & ~near_ink).any(), "no ink appears where there was none"
    assert within(astuple(preprocess(flashed).box), (x, y, w, h), slack=2)
    assert read_digit(recognizer, jpeg(flashed)).digit == read_digit(recognizer, jpeg(clean)).digit


@pytest.mark.parametrize("index", range(4))
def test_a_flash_spot_on_grainy_paper_is_no_light_ink(
    mnist: Mnist, recognizer: Recognizer, index: int
) -> None:
    """A blown-out flash spot in the middle of grey, grainy paper is the brightest thing there,
    so brightness alone says light-on-dark; the paper's grain gives light specks, but no light
    strokes, while the pen's digit is one: the digit is read dark on light."""
    clean = page_with(ink_of(mnist, index, height=100), paper=170, pen=90, at=(600, 820))
    grain = np.random.default_rng(index).normal(0, 14, clean.shape)
    grainy = np.clip(clean + grain, 0, 255).astype(np.uint8)
    flashed = with_flash(grainy, (360, 480), radius=50, glare=1.0)
    assert read_digit(recognizer, jpeg(flashed)).digit == int(mnist.y_test[index])


@pytest.mark.parametrize("index", range(6))
def test_marker_under_a_shadow_over_most_of_the_sheet_is_read_dark_on_light(
    mnist: Mnist, recognizer: Recognizer, index: int
) -> None:
    """A hard shadow over the lower three quarters of the sheet makes the shade the typical
    brightness and the lit band the light extreme, and a marker's strokes are too thick to
    count as thin dark strokes against it, so the picture looks like light ink on a dark
    board; the digit under the shadow is still read, dark on light."""
    marker = cv2.dilate(ink_of(mnist, index), np.ones((11, 11), np.uint8))
    page = page_with(marker, at=(330, 350)).astype(np.float32)
    light = np.ones(PAGE, np.float32)
    cv2.fillPoly(light, [np.array([[0, 200], [960, 120], [960, 720], [0, 720]], np.int32)], 0.45)
    shaded = np.clip(page * light, 0, 255).astype(np.uint8)
    assert paper_estimate._is_light_on_dark(downscale(shaded)[0]), "brightness: light-on-dark"
    assert read_digit(recognizer, jpeg(shaded)).digit == int(mnist.y_test[index])


@pytest.mark.parametrize("index", range(4))
def test_specks_and_dust_are_ignored(mnist: Mnist, recognizer: Recognizer, index: int) -> None:
    """Hundreds of small dark dots (dust, crumbs, sensor specks) all over the page, some right
    beside the strokes, are left out of the digit: same crop, same 28x28 image, same reading.
    """
    clean = page_with(ink_of(mnist, index))
    dusty = clean.copy()
    rng = np.random.default_rng(index)
    for _ in range(400):
        centre = (int(rng.integers(PAGE[1])), int(rng.integers(PAGE[0])))
        radius, shade = int(rng.integers(1, 4)), int(rng.integers(20, 90))
        cv2.circle(dusty, centre, radius, shade, thickness=-1, lineType=cv2.LINE_AA)
    dusty = np.minimum(dusty, clean)
    assert ink_mask(dusty).sum() > ink_mask(clean).sum() + 300, "the specks are seen as ink"
    before, after = preprocess(clean), preprocess(dusty)
    assert within(astuple(after.box), astuple(before.box), slack=6)
    assert similarity(before, after) > 0.9
    assert read_digit(recognizer, jpeg(dusty)).digit == read_digit(recognizer, jpeg(clean)).digit


@pytest.mark.parametrize("pattern", ["ruled", "squared"])
def test_printed_lines_are_removed(mnist: Mnist, pattern: str) -> None:
    ink = ink_of(mnist, 7)
    clean = page_with(ink)
    lined = clean.copy()
    for y in range(17, PAGE[0], 40):
        cv2.line(lined, (0, y), (PAGE[1], y + 12), 150, 2)  # slightly skewed, like a photo
    if pattern == "squared":
        for x in range(9, PAGE[1], 40):
            cv2.line(lined, (x, 0), (x - 10, PAGE[0]), 150, 2)
    lined = np.minimum(lined, clean)
    assert similarity(preprocess(clean), preprocess(lined)) > 0.85


@pytest.mark.parametrize("index", [0, 1, 3])
def test_squared_paper_seen_at_a_slant_is_removed(mnist: Mnist, index: int) -> None:
    """Seen at a slant, squared paper's two families of lines are no longer square to each
    other: here the rows are level and the columns lean 3.6 degrees. Each family is levelled at
    its own angle, so neither is left behind as strokes beside or through the digit."""
    clean = page_with(ink_of(mnist, index))
    squared = clean.copy()
    for y in range(17, PAGE[0], 40):
        cv2.line(squared, (0, y), (PAGE[1], y), 150, 2)
    for x in range(-60, PAGE[1] + 60, 40):
        cv2.line(squared, (x, 0), (x - 45, PAGE[0]), 150, 2)
    squared = np.minimum(squared, clean)
    before, after = preprocess(clean), preprocess(squared)
    assert after.digit == before.digit
    assert similarity(before, after) > 0.8, "only what the lines cross may be lost"


@pytest.mark.parametrize("index", [0, 3, 4, 8])
def test_thick_lines_of_squared_paper_seen_close_up_are_removed(mnist: Mnist, index: int) -> None:
    """Seen close up, squared paper has few lines, as thick as a ballpoint's strokes: here one
    row line through the digit's top and two column lines, 7 px thick. They are printed lines
    all the same, not a 1 and not part of the digit."""
    clean = page_with(ink_of(mnist, index))
    squared = clean.copy()
    cv2.line(squared, (0, 300), (PAGE[1], 312), 150, 7)
    for x in (300, 700):
        cv2.line(squared, (x, 0), (x - 8, PAGE[0]), 150, 7)
    squared = np.minimum(squared, clean)
    before, after = preprocess(clean), preprocess(squared)
    assert after.digit == before.digit
    assert similarity(before, after) > 0.8, "only what the lines cross may be lost"


def test_a_lone_row_line_among_column_lines_is_a_printed_line(mnist: Mnist) -> None:
    """Squared paper seen close up may show one row line, near the top, and a few column lines.
    A lone line counts only when it is far longer than other ink is tall; the column lines
    are printed lines, not ink to measure it against, so the row line is found too."""
    strength = strength_with_digit(mnist, 7, side=140, at=(120, 180), level=0.8)
    row_line = np.zeros(strength.shape, np.uint8)
    cv2.line(row_line, (0, 60), (511, 66), 1, 2)
    strength[row_line > 0] = 0.3
    for x in (100, 400):
        cv2.line(strength, (x, 0), (x - 4, 383), 0.3, 2)
    assert printed_lines(strength, None)[row_line > 0].mean() > 0.8


def comb_field(mnist: Mnist, indices: range, tilt: float) -> np.ndarray:
    """A page with a printed comb field nearly as wide as the frame, ``tilt`` off level, a
    grey-lined box around each of the MNIST test digits ``indices``."""
    page = np.full(PAGE, 235, np.float32)
    left, top, side, tall = 60, 250, 120, 170
    for box, index in enumerate(indices):
        y, x = top + 30, left + box * side + 5
        region = page[y : y + 110, x : x + 110]
        digit = ink_of(mnist, index, height=110)
        region[:] = region * (1 - digit) + 30 * digit
    for y in (top, top + tall):
        cv2.line(page, (left, y), (left + len(indices) * side, y + round(tilt * 840)), 120, 2)
    for box in range(len(indices) + 1):
        x, drop = left + box * side, round(tilt * box * side)
        cv2.line(page, (x, top + drop), (x, top + tall + drop), 120, 2)
    return np.clip(page, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("start", [0, 7, 14])
def test_the_dividers_of_a_tilted_comb_field_are_not_read(
    mnist: Mnist, recognizer: Recognizer, start: int
) -> None:
    """Across the frame, a comb field's top and bottom are traced as printed lines, which cuts
    its dividers loose: each is a 1 running from one line to the other, taller than the digits,
    and no line crosses it. They are printed structure; the digits in the boxes are read."""
    indices = range(start, start + 7)
    field = comb_field(mnist, indices, tilt=0.02)
    assert recognizer.read(field).number == "".join(str(mnist.y_test[i]) for i in indices)


def test_shadow_touching_the_edge_is_not_taken_for_the_digit(mnist: Mnist) -> None:
    page = page_with(ink_of(mnist, 3, height=180))
    page[:, :120] = 60  # a dark object along the left edge
    result = preprocess(page)
    x, y, width, height = astuple(result.box)
    assert x >= 350
    assert x + width <= 350 + 180
    assert y >= 230
    assert 100 <= height <= 150, "the digit alone: 180 px minus MNIST's empty margins"


@pytest.mark.parametrize("index", range(3))
def test_the_edge_of_a_sheet_beside_the_digit_is_not_read(mnist: Mnist, index: int) -> None:
    """A sticky note or a sheet on a desk shows its edge as a long, thin, slightly slanted dark
    line; it is far thinner for its length than any pen stroke, so it is no "1" beside the
    digit: one digit, the same crop as on a page without the edge."""
    clean = page_with(ink_of(mnist, index))
    edged = clean.copy()
    cv2.line(edged, (760, 150), (785, 620), 120, 4, cv2.LINE_AA)
    edged = np.minimum(edged, clean)
    before, after = preprocess(clean), preprocess(edged)
    assert astuple(after.box) == astuple(before.box)
    assert similarity(before, after) > 0.99


@pytest.mark.parametrize(("lines", "top"), [((200,), 8), ((200,), 60), ((80, 200), 8)])
def test_a_1_filling_a_tight_crop_of_ruled_paper_is_still_read(
    lines: tuple[int, ...], top: int
) -> None:
    """A lone column line beside ruled lines may be squared paper seen close up or a margin,
    but a 1 photographed close on lined paper is one too: it is pen-dark, printed lines are
    faint, so it stays a 1."""
    page = np.full((240, 480), 235, np.uint8)
    for y in lines:
        cv2.line(page, (0, y), (479, y + 2), 190, 2)
    cv2.line(page, (240, top), (236, 232), 30, 12)
    assert preprocess(page).digit == 1


def test_a_thin_straight_1_alone_is_still_read() -> None:
    """The edge rule never leaves a picture without its digit: a 1 drawn as one thin straight
    line (a canvas with a fine brush) is thin enough to pass for an edge, and still read."""
    page = np.full(PAGE, 235, np.uint8)
    cv2.line(page, (480, 110), (470, 610), 30, 2, cv2.LINE_AA)
    assert preprocess(page).digit == 1


def test_separate_strokes_of_one_digit_are_kept_together(mnist: Mnist) -> None:
    """A 5 whose cap was lifted off the paper still reads as one digit."""
    five = int(np.flatnonzero(mnist.y_test == 5)[0])
    ink = ink_of(mnist, five)
    whole = preprocess(page_with(ink))
    cut = ink.copy()
    cut[88:96, :] = 0  # lift the pen between cap and body
    pieces, _ = cv2.connectedComponents((cut > 0.5).astype(np.uint8))
    assert pieces - 1 >= 2, "the test digit really is in pieces"
    broken = preprocess(page_with(cut))
    assert broken.box.height >= 0.9 * whole.box.height
    assert similarity(whole, broken) > 0.85


def test_digits_written_in_strong_italics_are_read(mnist: Mnist, recognizer: Recognizer) -> None:
    """Italic handwriting leans right far more than MNIST's writers do (here 42 degrees); an 8
    whose waist then looks like a 0's side, a 9 like a 1. Sheared back to MNIST's lean, the
    first 100 test digits read as they do upright (one of them, a 7 leaning on its own, may
    still fail), where leaving the lean read 95."""
    lean = 0.9
    shear = np.array([[1, -lean, lean * 160], [0, 1, 0]], np.float32)
    right = 0
    for index in range(100):
        italic = cv2.warpAffine(ink_of(mnist, index, height=160), shear, (304, 160))
        reading = recognizer.read(page_with(italic, at=(280, 330)))
        right += reading.number == str(mnist.y_test[index])
    assert right >= 99


@pytest.mark.parametrize("pen", ["hairline", "marker"])
def test_stroke_width_is_brought_toward_mnist(mnist: Mnist, pen: str) -> None:
    binary = (ink_of(mnist, 0, height=400) > 0.5).astype(np.uint8)
    if pen == "hairline":
        # The ridge of the distance transform: the stroke's centre line, about 3 px wide.
        depth = cv2.distanceTransform(binary, cv2.DIST_L2, 5)
        ridge = (depth >= cv2.dilate(depth, np.ones((3, 3), np.uint8))) & (depth > 2)
        stroke = cv2.dilate(ridge.astype(np.uint8), np.ones((3, 3), np.uint8))
    else:
        stroke = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (45, 45)))
    result = preprocess(page_with(stroke.astype(np.float32)))
    core = (result.image >= 128).astype(np.uint8)
    contours, _ = cv2.findContours(core, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, closed=True) for contour in contours)
    width = 2 * core.sum() / perimeter
    tolerance = STROKE_TOLERANCE * 1.3
    assert MNIST_STROKE_WIDTH / tolerance <= width <= MNIST_STROKE_WIDTH * tolerance


def test_every_stage_can_be_inspected(mnist: Mnist) -> None:
    stages: dict[str, np.ndarray] = {}
    result = preprocess(page_with(ink_of(mnist, 1)), stages)
    names = [name.split("-", 1)[1] for name in stages]
    assert names[:3] == ["gray", "paper", "ink"]
    assert names[-1] == "mnist"
    assert np.array_equal(next(reversed(stages.values())), result.image)
    assert all(image.dtype == np.uint8 for image in stages.values())
    assert result.image.shape == (CANVAS, CANVAS)


def test_ink_counted_by_table_is_the_ink_the_darkening_finds() -> None:
    """The paper's kernel is chosen by counting ink through a table of the lightest ink for
    each paper brightness; it must mark exactly the pixels whose darkening reaches the ink
    threshold: for every pair of paper and pen brightness, and on a real photo's paper."""
    papers = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 256, axis=1)
    bases = np.ascontiguousarray(papers.T)
    inked = paper_estimate._darkening(bases, papers.astype(np.float32)) >= MIN_INK_CONTRAST
    assert np.array_equal(paper_estimate._inked(bases, papers), inked)
    assert 0 < inked.sum() < inked.size
    photo = cv2.imread(str(SHARED_DATA / "real-numbers" / "two-rows-six-digits.jpg"), 0)
    assert photo is not None
    closed = paper_estimate._close_beyond_edges(photo, 15)
    inked = paper_estimate._darkening(photo, closed.astype(np.float32)) >= MIN_INK_CONTRAST
    assert np.array_equal(paper_estimate._inked(photo, closed), inked)
    assert inked.any()


def test_the_ink_threshold_is_lowered_only_on_smooth_paper() -> None:
    """Paper grain as strong as a faint pencil keeps the threshold at MIN_INK_CONTRAST; on
    smooth paper it drops (never below LEAST_INK_CONTRAST), so faint strokes count as ink."""
    rng = np.random.default_rng(5)
    smooth, fine, grainy = (
        np.abs(rng.normal(0, spread, (384, 512))).astype(np.float32)
        for spread in (0.005, 0.03, 0.06)
    )
    assert ink_threshold(smooth) == LEAST_INK_CONTRAST
    grain = float(np.percentile(fine, 90))
    assert ink_threshold(fine) == pytest.approx(INK_GRAIN_MULTIPLE * grain, rel=0.05)
    assert LEAST_INK_CONTRAST < ink_threshold(fine) < MIN_INK_CONTRAST
    assert ink_threshold(grainy) == MIN_INK_CONTRAST


def test_faint_ink_counts_only_where_it_joins_darker_ink_or_is_all_there_is() -> None:
    """On smooth paper: a stroke that fades between two dark stretches is one piece; a faint
    line touching one dark stroke (a strip of tape's edge) and faint marks apart from darker
    writing (a shadow's outline) are no ink; a page written only faintly is read faintly."""
    paper = np.zeros((300, 400), np.float32)
    strength = paper.copy()
    cv2.line(strength, (50, 40), (50, 140), 0.5, 4)  # one pencil stroke...
    cv2.line(strength, (50, 140), (50, 170), 0.15, 4)  # ...that fades...
    cv2.line(strength, (50, 170), (50, 260), 0.5, 4)  # ...and comes back
    cv2.line(strength, (200, 60), (200, 240), 0.5, 4)
    cv2.line(strength, (202, 150), (380, 170), 0.15, 2)  # tape's edge touching a stroke
    cv2.circle(strength, (300, 60), 25, 0.15, 2)  # a faint mark on its own
    inked = written(strength)
    assert ink_threshold(strength) < 0.15 < MIN_INK_CONTRAST
    assert components(inked.astype(np.uint8))[0] - 1 == 2
    assert inked[155, 50], "the faded stretch joins the stroke"
    assert not inked[161, 300], "the tape's edge is no ink"
    assert not inked[35, 300], "the faint mark is no ink"
    faint_only = np.where(strength > 0, 0.15, 0).astype(np.float32)
    assert np.array_equal(written(faint_only), faint_only > 0)


def test_a_faint_digit_dark_only_in_grains_counts_whole_beside_darker_ink() -> None:
    """A pencil's digit is dark only here and there (its grains pass MIN_INK_CONTRAST): beside
    a darker piece elsewhere (a sticky note's edge) it still counts whole, while a faint mark
    with no dark grain in it (a shadow's soft outline) still does not."""
    strength = np.zeros((300, 400), np.float32)
    cv2.line(strength, (380, 10), (380, 290), 0.5, 3)  # the note's edge, darker than the pencil
    cv2.circle(strength, (100, 150), 40, 0.12, 2)  # a pencil 0...
    for x, y in ((60, 150), (140, 150), (100, 110)):
        strength[y, x] = 0.3  # ...dark in three grains
    cv2.circle(strength, (250, 150), 40, 0.12, 2)  # a faint outline, no grain
    inked = written(strength)
    assert ink_threshold(strength) < 0.12
    assert inked[[150, 190, 150], [60, 100, 139]].all(), "the whole 0"
    assert not inked[190, 250], "the outline without grains is no ink"
    assert inked[150, 380], "the edge is ink as ever"
