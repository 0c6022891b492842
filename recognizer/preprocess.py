"""A photo of a handwritten digit in, a 28x28 MNIST-style image out.

An MNIST model only works on what MNIST looks like: a white digit on black, its strokes about
2 px wide, fitted into a 20x20 box and placed by centre of mass in a 28x28 field. A phone photo
differs in every respect (lighting, paper, polarity, lines, size, position), so each stage below
removes one difference. Every stage works on a small copy of the photo to stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.config import (
    BACKGROUND_KERNEL_FRACTION,
    BACKGROUND_SIDE,
    CANVAS,
    DARKEST_PAPER,
    DIGIT_BOX,
    LINE_COVERAGE,
    LINE_INK_RATIO,
    LINE_MAX_TILT,
    LINE_ROWS,
    LINE_SLANT_TOLERANCE,
    LINE_STRIPS,
    LINE_THICKNESS,
    LINE_TILT_GAIN,
    LINE_TILT_STEP,
    MERGE_GAP_FRACTION,
    MIN_COMPONENT_FRACTION,
    MIN_INK_CONTRAST,
    MNIST_CENTRE,
    MNIST_STROKE_WIDTH,
    STROKE_SCALE,
    STROKE_TOLERANCE,
    WORK_SIDE,
)
from recognizer.errors import NoDigitError

Stages = dict[str, np.ndarray]
"""Intermediate images by stage name, collected only when debugging (``--debug DIR``)."""

NO_DIGIT = (
    "I couldn't find a handwritten digit in this picture. "
    "Please photograph one digit, dark on light paper, filling a good part of the frame."
)


@dataclass(frozen=True, slots=True)
class Preprocessed:
    """The model's input and where it came from."""

    image: np.ndarray
    """uint8 (28, 28), white digit on black."""
    box: tuple[int, int, int, int]
    """x, y, width, height of the digit, in pixels of the grayscale input."""


def preprocess(gray: np.ndarray, stages: Stages | None = None) -> Preprocessed:
    """Find the digit in an upright uint8 grayscale photo and render it as MNIST would."""
    mnist = _as_mnist(gray)
    if mnist is not None:
        _record(stages, "mnist", mnist)
        return Preprocessed(mnist, (0, 0, CANVAS, CANVAS))
    return read_digit(find_ink(gray, stages), stages)


Components = tuple[int, np.ndarray, np.ndarray, np.ndarray]
"""cv2.connectedComponentsWithStats: count, labels, stats, centroids."""


@dataclass(frozen=True, slots=True)
class Ink:
    """A photo's ink at the working size, found once whether it is read as a digit or a number."""

    strength: np.ndarray
    """float32 in [0, 1]: how much darker than its local paper each pixel is."""
    lines: np.ndarray
    """bool: the printed lines of ruled or squared paper."""
    pieces: Components
    """The connected pieces of ink once the printed lines are taken out."""
    scale: float
    """Working size over the photo's size, to map boxes back onto the photo."""


def find_ink(gray: np.ndarray, stages: Stages | None = None) -> Ink:
    """Flatten the lighting, settle the polarity, trace the printed lines and label the pieces
    of ink left: what reading one digit and reading a number both start from."""
    work, scale = downscale(gray)
    _record(stages, "gray", work)
    strength = ink_strength(work, stages)
    lines = printed_lines(strength, stages)
    pieces = components(((strength >= MIN_INK_CONTRAST) & ~lines).astype(np.uint8))
    return Ink(strength, lines, pieces, scale)


def read_digit(ink: Ink, stages: Stages | None = None) -> Preprocessed:
    """The most plausible digit in the ink, rendered as MNIST would."""
    binary = ink.strength >= MIN_INK_CONTRAST
    _record(stages, "binary", binary)
    mask = _digit_mask(ink, binary, stages)
    digit, (x, y, w, h) = crop(ink.strength, mask)
    _record(stages, "crop", digit)
    digit = normalise_stroke(digit, stages)
    image = fit_mnist(digit)
    _record(stages, "mnist", image)
    left, top, width, height = (round(value / ink.scale) for value in (x, y, w, h))
    return Preprocessed(image, (left, top, width, height))


def _record(stages: Stages | None, name: str, image: np.ndarray) -> None:
    if stages is None:
        return
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    elif image.dtype != np.uint8:
        image = np.clip(image * 255, 0, 255).astype(np.uint8)
    stages[f"{len(stages):02d}-{name}"] = image


def _as_mnist(gray: np.ndarray) -> np.ndarray | None:
    """A 28x28 digit image is already MNIST-shaped: re-fitting it would only blur it.

    Only the polarity is checked (by its border, which MNIST keeps empty), so an image that is
    black on white is inverted and otherwise kept pixel for pixel.
    """
    if gray.shape != (CANVAS, CANVAS):
        return None
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if border.mean() > 127:
        gray = 255 - gray
        border = 255 - border
    if border.mean() > 40 or gray.max() < 128:
        return None
    return gray.copy()


def downscale(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """Shrink to the working size; area averaging keeps thin strokes as fainter lines."""
    height, width = gray.shape
    scale = min(1.0, WORK_SIDE / max(height, width))
    if scale == 1.0:
        return gray, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), scale


def ink_strength(work: np.ndarray, stages: Stages | None = None) -> np.ndarray:
    """How much darker than its local paper each pixel is, in [0, 1], for either ink polarity.

    The paper's brightness is estimated on a coarse copy by a morphological closing: it erases
    dark strokes narrower than its kernel and keeps broad changes (gradients, shadows, the edge of
    the sheet), so dividing by the estimate flattens the lighting. Light-on-dark pictures
    (chalk, white-on-black drawings) are inverted first.
    """
    height, width = work.shape
    factor = min(1.0, BACKGROUND_SIDE / max(height, width))
    coarse_size = (max(1, round(width * factor)), max(1, round(height * factor)))
    coarse = cv2.resize(work, coarse_size, interpolation=cv2.INTER_AREA)
    side = max(3, round(BACKGROUND_KERNEL_FRACTION * max(coarse_size)) | 1)
    if _is_light_on_dark(work):
        work, coarse = 255 - work, 255 - coarse
    closed = _close_beyond_edges(coarse, side)
    # Upsampling blurs the step at a sheet's edge; pulling the estimate 2 coarse pixels inward
    # keeps the table beside the sheet from reading as darker than "its paper".
    closed = cv2.erode(closed, np.ones((5, 5), np.uint8))
    paper = cv2.resize(closed, (width, height), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    _record(stages, "paper", paper / 255)
    ink: np.ndarray = (paper - work) / np.maximum(paper, DARKEST_PAPER)
    np.clip(ink, 0, 1, out=ink)
    _record(stages, "ink", ink)
    return ink


def _close_beyond_edges(coarse: np.ndarray, side: int) -> np.ndarray:
    """Morphological closing on a copy extended by replication past the frame.

    Without it, a dark band along the edge (the table around a sheet, a shadow coming in from a
    side) is thinner than the kernel inside the frame and would be filled in as if it were ink.
    """
    padded = cv2.copyMakeBorder(coarse, side, side, side, side, cv2.BORDER_REPLICATE)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, kernel)
    return closed[side:-side, side:-side]


def _is_light_on_dark(work: np.ndarray) -> bool:
    """Whether the strokes are lighter than the paper.

    People photograph the digit in the middle of the frame, where the paper is the typical
    brightness and the ink is the extreme that departs from it most; lighting changes and
    sensor noise move both extremes alike. The edges of the frame are left out: a table or
    shadow there would otherwise pass for the "paper".
    """
    height, width = work.shape
    middle = work[height // 5 : height - height // 5 : 2, width // 5 : width - width // 5 : 2]
    darkest, typical, lightest = np.percentile(middle, (0.5, 50, 99.5))
    return bool(lightest - typical > typical - darkest)


def printed_lines(ink: np.ndarray, stages: Stages | None) -> np.ndarray:
    """Lines of ruled or squared paper: thin straight runs crossing the whole image.

    Handwriting never crosses a photo edge to edge in one straight stroke; printed lines do,
    even when faint, or a few degrees off level. The image is cut into strips across the line
    direction; in each strip a row mostly covered by (slightly smeared) ink is a line candidate,
    and it is a line when most strips agree on it, so a digit filling one strip never counts.
    Only the thin, faint part of a line is removed: a pen stroke crossing it keeps its pixels.
    Printed lines are fainter than pen and break up at the ink threshold, so they are traced at
    a lower one.
    """
    faint = ink >= MIN_INK_CONTRAST / 2
    tilt = _line_tilt(faint)
    image = _rotate(faint.astype(np.uint8), tilt)
    across_rows = cv2.morphologyEx(image, cv2.MORPH_OPEN, np.ones((LINE_THICKNESS, 1), np.uint8))
    across_columns = cv2.morphologyEx(image, cv2.MORPH_OPEN, np.ones((1, LINE_THICKNESS), np.uint8))
    horizontal = _lines_along_rows(image).astype(bool) & (across_rows == 0)
    vertical = _lines_along_rows(np.ascontiguousarray(image.T)).T.astype(bool) & (
        across_columns == 0
    )
    lines = _rotate((horizontal | vertical).astype(np.uint8), -tilt).astype(bool) & faint
    if lines.any():
        lines &= ink <= LINE_INK_RATIO * np.median(ink[lines])
    _record(stages, "lines", lines)
    return lines


def _line_tilt(faint: np.ndarray) -> float:
    """The angle (degrees) that best turns the printed lines level, 0 when there are none.

    Turned level, a family of lines piles its ink into a few rows, so the row sums are most
    uneven (largest sum of squares); handwriting barely changes that, so without lines the
    best angle is noise and level (no turn at all) is kept. Within a few degrees a
    turn moves each pixel up or down in proportion to its column, so the rows are summed
    without turning any image, on a half-size copy, by binning the inked pixels.
    """
    small = cv2.resize(faint.astype(np.float32), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    ys, xs = np.nonzero(small)
    if ys.size == 0:
        return 0.0
    weights = small[ys, xs]
    across = xs - small.shape[1] / 2
    reach = int(np.ceil(small.shape[1] / 2 * np.sin(np.radians(LINE_MAX_TILT)))) + 1

    def lined_up(angle: float) -> float:
        # cv2's turn by +angle (counter-clockwise on screen) lifts the right side: rows fall
        # by the column's distance from the centre times the sine.
        rows = np.rint(ys - across * np.sin(np.radians(angle))).astype(np.intp) + reach
        return float(np.square(np.bincount(rows, weights=weights)).sum())

    # Every other step first, then the steps beside the best: the score rises smoothly
    # towards the true tilt, so this finds the same angle at half the cost.
    coarse = np.arange(-LINE_MAX_TILT, LINE_MAX_TILT + LINE_TILT_STEP, 2 * LINE_TILT_STEP)
    scores = {angle: lined_up(angle) for angle in {*coarse.tolist(), 0.0}}
    best = max(scores, key=scores.__getitem__)
    for angle in (best - LINE_TILT_STEP, best + LINE_TILT_STEP):
        if abs(angle) <= LINE_MAX_TILT:
            scores[angle] = lined_up(angle)
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] >= LINE_TILT_GAIN * scores[0.0] else 0.0


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """The image turned about its centre, same size, what turns in from outside left empty."""
    if degrees == 0:
        return image
    height, width = image.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_NEAREST)


def _lines_along_rows(image: np.ndarray) -> np.ndarray:
    """Pixels of rows that most strips see as (nearly) fully inked: horizontal printed lines.

    Within a narrow strip even a slanted line stays within a few rows, so only those rows are
    marked, leaving the handwriting between the lines of dense squared paper alone.
    """
    height, width = image.shape
    strip = -(-width // LINE_STRIPS)
    padded = np.zeros((height, strip * LINE_STRIPS), np.uint8)
    padded[:, :width] = cv2.dilate(image, np.ones((LINE_ROWS, 1), np.uint8))
    strips = padded.reshape(height, LINE_STRIPS, strip)
    widths = np.minimum(strip, width - strip * np.arange(LINE_STRIPS)).clip(1)
    covered = strips.sum(axis=2) / widths >= LINE_COVERAGE
    smear = np.ones((LINE_SLANT_TOLERANCE, 1), np.uint8)
    nearby = cv2.dilate(covered.astype(np.uint8), smear).sum(axis=1, keepdims=True)
    agreed = covered & (nearby >= LINE_STRIPS - LINE_STRIPS // 4)
    if _runs(agreed.any(axis=1)) < 2:
        # Printed lines come as a family; one lone straight stroke across a tight crop is more
        # likely the digit itself (a 1, the stem of a 4) than a margin.
        return np.zeros_like(image)
    marked = np.repeat(agreed, strip, axis=1)[:, :width].astype(np.uint8)
    return cv2.dilate(marked, np.ones((LINE_ROWS, 1), np.uint8))


def _runs(flags: np.ndarray) -> int:
    """How many separate runs of True a 1-D array holds."""
    return int(np.count_nonzero(np.diff(flags.astype(np.int8), prepend=0) == 1))


def _digit_mask(ink: Ink, binary: np.ndarray, stages: Stages | None) -> np.ndarray:
    """The ink that makes up the digit, printed lines removed.

    A tightly cropped 1 can look like a printed line; if nothing plausible is left without the
    "lines", they were the digit.
    """
    try:
        mask = _most_plausible_ink(ink.pieces)
    except NoDigitError:
        mask = _most_plausible_ink(components(binary.astype(np.uint8)))
    else:
        mask |= _crossings(mask, ink.lines & binary)
    _record(stages, "digit-mask", mask)
    return mask


def _crossings(mask: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Line pixels where a pen stroke crosses a printed line, to give the stroke back.

    Removing a line cuts every stroke that crosses it; a short closing across the line's
    direction bridges those cuts but not the line itself, which has no digit ink beyond it.
    """
    image = mask.astype(np.uint8)
    span = LINE_THICKNESS + 2
    across_rows = cv2.morphologyEx(image, cv2.MORPH_CLOSE, np.ones((span, 1), np.uint8))
    across_columns = cv2.morphologyEx(image, cv2.MORPH_CLOSE, np.ones((1, span), np.uint8))
    crossed: np.ndarray = lines & (np.maximum(across_rows, across_columns) > 0)
    return crossed


def _most_plausible_ink(pieces: Components) -> np.ndarray:
    """The most plausible stroke plus the pieces beside it."""
    count, labels, stats, centroids = pieces
    height, width = labels.shape
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    candidates = np.flatnonzero(areas >= MIN_COMPONENT_FRACTION * height * width) + 1
    if count <= 1 or candidates.size == 0:
        raise NoDigitError(NO_DIGIT)
    scores = np.array([plausibility(stats[i], centroids[i], labels.shape) for i in candidates])
    if scores.max() <= 0:
        raise NoDigitError(NO_DIGIT)
    seed = int(candidates[np.argmax(scores)])
    chosen = _with_neighbours(seed, candidates, stats, labels.shape)
    return np.isin(labels, chosen)


def components(image: np.ndarray) -> Components:
    """8-connected components; 16-bit labels (much faster) wherever they cannot overflow."""
    height, width = image.shape
    most = ((height + 1) // 2) * ((width + 1) // 2) + 1
    label_type = cv2.CV_16U if most < np.iinfo(np.uint16).max else cv2.CV_32S
    return cv2.connectedComponentsWithStats(image, connectivity=8, ltype=label_type)


def plausibility(stat: np.ndarray, centroid: np.ndarray, shape: tuple[int, int]) -> float:
    """Ink amount, favouring the middle of the frame and disfavouring what touches its edge.

    People centre what they photograph; shadows, paper edges and fingers come in from the sides.
    A blob that fills its whole box and most of the frame is a shadow or a dark object, not a
    stroke.
    """
    height, width = shape
    x, y, w, h, area = (int(v) for v in stat)
    offset = float(np.hypot((centroid[0] - width / 2) / width, (centroid[1] - height / 2) / height))
    score = area / (1 + (offset / 0.3) ** 2)
    if x == 0 or y == 0 or x + w == width or y + h == height:
        score *= 0.25
    if (area > 0.6 * w * h and w * h > 0.25 * width * height) or is_rule(stat, shape):
        score *= 0.05
    return score


def is_rule(stat: np.ndarray, shape: tuple[int, int]) -> bool:
    """A thin straight band across the whole frame: a lone margin or underline, not a stroke."""
    height, width = shape
    w, h = int(stat[cv2.CC_STAT_WIDTH]), int(stat[cv2.CC_STAT_HEIGHT])
    return (w >= 0.9 * width and h <= 0.1 * width) or (h >= 0.9 * height and w <= 0.1 * height)


def _with_neighbours(
    seed: int, candidates: np.ndarray, stats: np.ndarray, shape: tuple[int, int]
) -> list[int]:
    """Grow the digit by nearby components: the cap of a 5, a stroke broken by a ruled line."""
    left, top = stats[seed, cv2.CC_STAT_LEFT], stats[seed, cv2.CC_STAT_TOP]
    right = left + stats[seed, cv2.CC_STAT_WIDTH]
    bottom = top + stats[seed, cv2.CC_STAT_HEIGHT]
    gap = MERGE_GAP_FRACTION * max(stats[seed, cv2.CC_STAT_HEIGHT], stats[seed, cv2.CC_STAT_WIDTH])
    least = 0.03 * stats[seed, cv2.CC_STAT_AREA]
    chosen, grown = [seed], True
    while grown:
        grown = False
        for label in candidates:
            if label in chosen or stats[label, cv2.CC_STAT_AREA] < least:
                continue
            if is_rule(stats[label], shape):
                continue
            x, y, w, h = stats[label, :4]
            dx = max(left - (x + w), x - right, 0)
            dy = max(top - (y + h), y - bottom, 0)
            if max(dx, dy) <= gap:
                chosen.append(int(label))
                left, top = min(left, x), min(top, y)
                right, bottom = max(right, x + w), max(bottom, y + h)
                grown = True
    return chosen


def crop(ink: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The digit's ink, anti-aliased edges included, scaled so its strokes' core reads as 1."""
    halo = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    left, top, width, height = cv2.boundingRect(halo)  # far cheaper than np.nonzero
    window = np.s_[top : top + height, left : left + width]
    digit = np.where(halo[window] > 0, ink[window], 0)
    core = np.percentile(ink[window][mask[window]], 90)
    digit = np.clip(digit / max(core, MIN_INK_CONTRAST), 0, 1).astype(np.float32)
    return digit, (left, top, width, height)


def normalise_stroke(digit: np.ndarray, stages: Stages | None) -> np.ndarray:
    """Bring hairlines and fat marker strokes toward MNIST's stroke width.

    The digit is resized so its long side is a fixed multiple of the 20 px box, the stroke width
    is estimated as 2 * area / perimeter (exact for long strokes), and a round dilation or erosion
    makes up the difference.
    """
    height, width = digit.shape
    factor = STROKE_SCALE * DIGIT_BOX / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    large = cv2.resize(digit, size, interpolation=interpolation)
    target = MNIST_STROKE_WIDTH * STROKE_SCALE
    width_now = _stroke_width(large >= 0.5)
    if width_now == 0 or target / STROKE_TOLERANCE <= width_now <= target * STROKE_TOLERANCE:
        return large
    change = round(min(abs(target - width_now), target))
    if change < 1:
        return large
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (change + 1, change + 1))
    if width_now < target:
        adjusted = cv2.dilate(large, kernel)
    else:
        adjusted = cv2.erode(large, kernel)
        if (adjusted >= 0.5).sum() < 0.3 * (large >= 0.5).sum():
            return large
    _record(stages, "stroke", adjusted)
    return adjusted


def _stroke_width(binary: np.ndarray) -> float:
    contours, _ = cv2.findContours(binary.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    perimeter = sum(cv2.arcLength(contour, closed=True) for contour in contours)
    return 2 * float(binary.sum()) / perimeter if perimeter else 0.0


def fit_mnist(digit: np.ndarray) -> np.ndarray:
    """Fit into 20x20 keeping the aspect ratio, then centre the mass in 28x28, as MNIST did."""
    ys, xs = np.nonzero(digit > 0.05)
    if ys.size == 0:
        raise NoDigitError(NO_DIGIT)
    digit = digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    height, width = digit.shape
    factor = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    boxed = cv2.resize(digit, size, interpolation=interpolation)
    canvas = np.zeros((CANVAS, CANVAS), np.float32)
    top, left = (CANVAS - size[1]) // 2, (CANVAS - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = boxed
    total = canvas.sum()
    if total <= 0:
        raise NoDigitError(NO_DIGIT)
    rows, cols = np.indices(canvas.shape)
    shift_y = round(MNIST_CENTRE - float((rows * canvas).sum() / total))
    shift_x = round(MNIST_CENTRE - float((cols * canvas).sum() / total))
    canvas *= 1 / canvas.max()  # MNIST's stroke cores are saturated
    translation = np.array([[1, 0, shift_x], [0, 1, shift_y]], np.float32)
    moved: np.ndarray = cv2.warpAffine(
        canvas, translation, (CANVAS, CANVAS), flags=cv2.INTER_NEAREST
    )
    return np.clip(moved * 255 + 0.5, 0, 255).astype(np.uint8)
