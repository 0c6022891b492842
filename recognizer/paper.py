"""The paper under the ink: its local brightness, so that only the writing reads as ink.

A phone photo's paper is lit unevenly: gradients, soft shadows and the hard edges of a hand's,
a phone's or a window's shadow. A morphological closing estimates the paper by erasing every
dark structure narrower than its kernel; a step (a shadow's edge) passes through a closing
unchanged, so the kernel only has to be wider than the pen's strokes, not than the digit. Too
wide a kernel fills in the shadows' narrow parts (fingers, the gap at a corner) and blurs their
edges into "ink"; too narrow a one hollows out marker strokes. The kernel is therefore chosen
per photo: the narrowest one past which the ink stops growing (the strokes are whole).
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from recognizer.components import components
from recognizer.config import (
    BACKGROUND_KERNEL_FRACTION,
    BACKGROUND_SIDE,
    DARKEST_PAPER,
    LIGHT_INK_SHARE,
    MIN_COMPONENT_FRACTION,
    MIN_INK_CONTRAST,
    MIN_STROKE_REACH,
    OTHER_RUNGS,
    POLARITY_KERNEL,
    POLARITY_MARGIN,
    STROKE_KERNEL_GROWTH,
    STROKE_KERNEL_PER_HEIGHT,
    STROKE_KERNELS,
    STROKE_KERNELS_MIN_SIDE,
    STROKE_TILES,
    THICK_STROKE,
    THICK_STROKE_SHARE,
    WORK_SIDE,
)
from recognizer.stages import Stages, record


def ink_strengths(
    work: np.ndarray, stages: Stages | None = None
) -> Iterator[tuple[np.ndarray, bool]]:
    """How much darker than its local paper each pixel is, under each plausible estimate of the
    paper, the likeliest first: float32 (H, W) in [0, 1] each, for either ink polarity, of an
    upright uint8 (H, W) working image, and whether the ink settled under that paper (the
    ladder found its kernel). ``stages`` records the first. Lazy: the others cost a closing
    each, and are only wanted when the first is not read surely.

    The likeliest paper is a closing with the kernel ``_stroke_kernel`` picks. Pictures too
    small for its ladder (a drawing on a small canvas, where the digit fills the frame) have
    only the paper estimated on a coarse copy with a kernel wider than any stroke. So do
    pictures whose ink never settles on the ladder, but there the coarse paper is only the
    likeliest: hard shadows keep the ink growing (a closing fills a shadow's corners and narrow
    parts more with every rung), and the coarse kernel fills them in as ink. The ladder's
    middle rungs follow, as they do a settled kernel: where the ink settled early (a fine grid,
    grain) a faint pencil stroke can still be hollow, and where late (a shadow's fingers) the
    closing may have filled in what touches the digit.

    A light-on-dark verdict (``_is_light_on_dark``) is only the likelier polarity: a hard
    shadow over most of a sheet makes the lit paper the light extreme, and marker strokes too
    thick for its thin-stroke check leave no evidence against it. The same papers of the
    dark-on-light picture follow then, and the model's reading decides.
    """
    light_on_dark = _is_light_on_dark(work)
    base = 255 - work if light_on_dark else work
    if max(work.shape) < STROKE_KERNELS_MIN_SIDE:
        yield _recorded(*_against_coarse_paper(base), stages), True
        return
    yield from _papers(base, stages)
    if light_on_dark:
        yield from _papers(work, None)


def _papers(base: np.ndarray, stages: Stages | None) -> Iterator[tuple[np.ndarray, bool]]:
    """``ink_strengths`` for one polarity (``base``: the ink darker than the paper): the
    settled or coarse paper's ink first, then the ladder's middle rungs'."""
    side = _stroke_kernel(base)
    if side is None:
        yield _recorded(*_against_coarse_paper(base), stages), False
    else:
        yield _recorded(*_against_paper(base, side), stages), True
    for rung in _kernels(base.shape)[OTHER_RUNGS]:
        if rung != side:
            yield _against_paper(base, rung)[1], False


def _stroke_kernel(base: np.ndarray) -> int | None:
    """The narrowest closing kernel (odd px) that takes the strokes in whole; None when the ink
    never settles within the ladder, or the writing is too thick for it.

    Kernels are tried narrow to wide (scaled with the image); the first one that adds little
    ink in any tile over the one before it has taken the strokes in whole (a kernel narrower
    than a marker's stroke sees a speck's worth of its corners at most, which proves nothing).
    The next wider one is used, and wider still for thick writing (``_thick_writing_kernel``),
    because printed lines and specks can settle the count while a thick stroke is still hollow.
    """
    least = MIN_COMPONENT_FRACTION * base.size
    kernels = _kernels(base.shape)
    previous = np.zeros((STROKE_TILES, STROKE_TILES))
    for rung, side in enumerate(kernels[:-1]):
        mass = _ink_by_tile(_inked(base, _close_beyond_edges(base, side)))
        if previous.sum() >= least and np.all(mass <= STROKE_KERNEL_GROWTH * previous + least):
            chosen = max(kernels[rung + 1], _thick_writing_kernel(base))
            return chosen if chosen <= kernels[-1] else None
        previous = mass
    return None


def _ink_by_tile(ink: np.ndarray) -> np.ndarray:
    """float (STROKE_TILES, STROKE_TILES): inked pixels in each tile of a grid over the image.

    Counted by tile, not over the whole image: ruled or squared paper's lines are spread all
    over it and would hide the growth of the one place where a marker's strokes fill in.
    """
    height, width = ink.shape
    rows = _tile_edges(height)
    columns = _tile_edges(width)
    tiles = np.empty((STROKE_TILES, STROKE_TILES))
    for i in range(STROKE_TILES):
        for j in range(STROKE_TILES):
            tiles[i, j] = np.count_nonzero(ink[rows[i] : rows[i + 1], columns[j] : columns[j + 1]])
    return tiles


def _tile_edges(length: int) -> list[int]:
    """Where each of the STROKE_TILES tiles along a side of ``length`` px starts, and the end:
    pixel ``k`` is in tile ``k * STROKE_TILES // length``.

    Counting each tile's slice directly costs a tenth of summing the whole image tile by tile
    with ``np.add.reduceat`` (which first converts every pixel to an integer).
    """
    return [-(-tile * length // STROKE_TILES) for tile in range(STROKE_TILES)] + [length]


def _thick_writing_kernel(base: np.ndarray) -> int:
    """A kernel wide enough for the thick strokes of the tallest thick writing, 3 px at least,
    found in the ink against the coarse paper (which never hollows a stroke).

    Printed lines and specks can settle the ink count while a marker's strokes are still
    hollow. A stroke is a bounded share of its digit's height, so the kernel follows the
    tallest piece of thick ink (what a small opening leaves: no printed line, no ballpoint
    stroke) that neither touches the frame nor crosses it, as shadows coming in from a side do,
    and whose broadest part is a stroke for its height: a phone's or a hand's shadow inside the
    frame is far broader for its height than any marker's stroke. Where no such piece is
    found, the pieces' cores (THICK_STROKE px or more from their edge) are tried: squared
    paper's lines survive the opening where a print is blurred, and join a digit that fills
    the frame to the frame's edges.
    """
    ink = _inked(base, _coarse_paper(base)).astype(np.uint8)
    thick = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((THICK_STROKE, THICK_STROKE), np.uint8))
    depth = cv2.distanceTransform(thick, cv2.DIST_L2, 3)
    tallest = _tallest_stroke_drawn(thick, depth)
    core = depth >= THICK_STROKE
    if not tallest and core.any():
        tallest = _tallest_stroke_drawn(core.astype(np.uint8), depth)
    return max(3, round(STROKE_KERNEL_PER_HEIGHT * tallest) | 1)


def _tallest_stroke_drawn(thick: np.ndarray, depth: np.ndarray) -> int:
    """The height (px) of the tallest piece of uint8 (H, W) ``thick`` ink inside the frame whose
    broadest part (twice its deepest float32 ``depth``, the distance to its edge) is a stroke
    for its height, 0 when none is. Given cores, their heights are the strokes' less about
    twice THICK_STROKE: the kernel comes out a little narrower, still far wider than the
    ladder's rung that hollowed the stroke."""
    _, labels, stats, _ = components(thick)
    height, width = thick.shape
    x, y, w, h = (stats[:, k] for k in range(4))
    inside = (x > 0) & (y > 0) & (x + w < width) & (y + h < height)
    for label in sorted(np.flatnonzero(inside[1:]) + 1, key=lambda label: -h[label]):
        box = slice(y[label], y[label] + h[label]), slice(x[label], x[label] + w[label])
        breadth = 2 * float(depth[box][labels[box] == label].max())
        if breadth <= THICK_STROKE_SHARE * h[label]:
            return int(h[label])
    return 0


def _kernels(shape: tuple[int, ...]) -> list[int]:
    """The ladder of closing kernels (odd px) for an image of ``shape``."""
    factor = max(shape) / WORK_SIDE
    return [max(3, round(side * factor) | 1) for side in STROKE_KERNELS]


def _recorded(paper: np.ndarray, ink: np.ndarray, stages: Stages | None) -> np.ndarray:
    record(stages, "paper", paper / 255)
    record(stages, "ink", ink)
    return ink


def _against_paper(base: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
    """The paper (float32, 0-255) as a closing with a ``side`` px square, and the ink against
    it."""
    paper = _close_beyond_edges(base, side).astype(np.float32)
    return paper, _darkening(base, paper)


def _darkening(base: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """(paper - base) / paper, the paper no darker than DARKEST_PAPER, in [0, 1]: float32
    ``paper`` minus uint8 ``base`` is float32 already, and dividing and clipping in place
    saves two temporaries of the image's size (run 4-6 times a photo)."""
    ink: np.ndarray = paper - base
    ink /= np.maximum(paper, DARKEST_PAPER)
    np.clip(ink, 0, 1, out=ink)
    return ink


def _inked(base: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """bool (H, W): where uint8 ``base`` is ink against uint8 ``paper``, exactly as
    ``_darkening(base, paper) >= MIN_INK_CONTRAST`` says, without computing the darkening: the
    paper's kernel and the thick-writing check only count inked pixels, and looking up the
    lightest ink for each paper brightness costs a fifth of the float image."""
    return np.asarray(base < cv2.LUT(paper, _INK_BELOW))


def _ink_below() -> np.ndarray:
    """uint8 (256,): for each paper brightness, one more than the lightest base that reads as
    ink. ``_darkening`` is evaluated on every pair, so the table agrees with it exactly: for a
    given paper its float32 steps never rise as the base gets lighter, so the inked bases are
    0 .. n - 1; and a base of 255 is never ink, so n fits a byte."""
    paper = np.repeat(np.arange(256, dtype=np.float32)[:, None], 256, axis=1)
    base = np.broadcast_to(np.arange(256, dtype=np.uint8), (256, 256))
    below: np.ndarray = (_darkening(base, paper) >= MIN_INK_CONTRAST).sum(axis=1).astype(np.uint8)
    return below


_INK_BELOW = _ink_below()


def _against_coarse_paper(base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The paper estimated on a coarse copy with a kernel wider than any marker stroke even
    when the digit fills the frame, and the ink against it."""
    paper = _coarse_paper(base).astype(np.float32)
    return paper, _darkening(base, paper)


def _coarse_paper(base: np.ndarray) -> np.ndarray:
    """uint8 (H, W): the paper of uint8 ``base`` estimated on a coarse copy with a kernel wider
    than any marker stroke even when the digit fills the frame."""
    height, width = base.shape
    factor = min(1.0, BACKGROUND_SIDE / max(height, width))
    coarse_size = (max(1, round(width * factor)), max(1, round(height * factor)))
    coarse = cv2.resize(base, coarse_size, interpolation=cv2.INTER_AREA)
    side = max(3, round(BACKGROUND_KERNEL_FRACTION * max(coarse_size)) | 1)
    closed = _close_beyond_edges(coarse, side)
    # Upsampling blurs the step at a sheet's edge; pulling the estimate 2 coarse pixels inward
    # keeps the table beside the sheet from reading as darker than "its paper".
    closed = cv2.erode(closed, np.ones((5, 5), np.uint8))
    return np.asarray(cv2.resize(closed, (width, height), interpolation=cv2.INTER_LINEAR))


def _close_beyond_edges(image: np.ndarray, side: int) -> np.ndarray:
    """Morphological closing on a copy extended by replication past the frame.

    Without it, a dark band along the edge (the table around a sheet, a shadow coming in from a
    side) is thinner than the kernel inside the frame and would be filled in as if it were ink.
    """
    padded = cv2.copyMakeBorder(image, side, side, side, side, cv2.BORDER_REPLICATE)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, kernel)
    return np.asarray(closed[side:-side, side:-side])


def _is_light_on_dark(work: np.ndarray) -> bool:
    """Whether the strokes are lighter than the paper.

    Brightness decides first. A big shadow can make the typical brightness dark and pass the
    lit paper for light ink, and a flash spot can be the lightest thing on pale paper, so a
    light-on-dark verdict stands only when little of the picture is light (chalk on a board),
    or unless dark thin strokes (narrower than a small kernel, and long: shadows and lighting
    are broad, grain is specks) clearly outweigh light thin strokes. The opposite check is not
    made: on plain paper, glare and JPEG ringing give light thin structure enough to outweigh a
    small, faint digit.
    """
    if not _is_light_on_dark_by_brightness(work):
        return False
    if max(work.shape) < STROKE_KERNELS_MIN_SIDE or _light_share(work) < LIGHT_INK_SHARE:
        return True
    side = max(3, round(POLARITY_KERNEL * max(work.shape) / WORK_SIDE) | 1)
    reach = MIN_STROKE_REACH * max(work.shape)
    dark = _thin_strokes(_inked(work, _close_beyond_edges(work, side)), reach)
    light = _thin_strokes(_inked(255 - work, _close_beyond_edges(255 - work, side)), reach)
    return dark < POLARITY_MARGIN * max(1, light)


def _light_share(work: np.ndarray) -> float:
    """The share of the picture nearer the light extreme than the typical brightness: chalk
    strokes on a board are a few percent of it, the lit paper beside a big shadow far more."""
    typical, lightest = np.percentile(work[::2, ::2], (50, 99.5))
    return float(np.mean(work[::2, ::2] > (typical + lightest) / 2))


def _thin_strokes(thin: np.ndarray, reach: float) -> int:
    """Pixels of the thin structure ``thin`` that reach ``reach`` px or more: strokes, not the
    specks of grain (chalk's dark gaps between grains, paper texture, JPEG noise)."""
    _, _, stats, _ = components(thin.astype(np.uint8))
    long = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]) >= reach
    return int(stats[1:, cv2.CC_STAT_AREA][long].sum())


def _is_light_on_dark_by_brightness(work: np.ndarray) -> bool:
    """Whether the extreme departing most from the typical brightness is the light one.

    The paper is the typical brightness and the ink is the extreme that departs from it most;
    lighting changes and sensor noise move both extremes alike. People photograph writing in
    the middle of the frame, and a table or shadow at the edges would pass for the "paper", so
    the middle decides, unless it holds no contrast at all: then the writing is elsewhere (a
    drawing in a corner of its canvas) and the whole picture decides.
    """
    height, width = work.shape
    middle = work[height // 5 : height - height // 5 : 2, width // 5 : width - width // 5 : 2]
    for region in (middle, work[::2, ::2]):
        darkest, typical, lightest = (float(v) for v in np.percentile(region, (0.5, 50, 99.5)))
        if lightest - darkest >= MIN_INK_CONTRAST * max(typical, lightest, DARKEST_PAPER):
            break
    return bool(lightest - typical > typical - darkest)
