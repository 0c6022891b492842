"""A second, independent generator of photo-like pictures of handwritten digits and numbers.

Written without reading the recognizer's internals nor the project's own photo generator,
so that accuracy is never measured only on pictures made by the same hands
that tuned the pipeline. Each scene is a JPEG as a phone would send it, with its ground truth:
the rows of digits in reading order, each digit's box, and labels naming every condition drawn
(paper, shadow, lighting, pen, digit source, size, spacing, camera, clutter).

Seeds (see ``seeds``):

- ``DEV_SEED`` (1) is the development seed: look at its pictures, debug on them, tune on them.
  It draws MNIST digits from the first half of the MNIST **test** set.
- ``EVAL_SEED`` (20261130) is the evaluation seed: ``python -m benchmarks.scenes`` reports on
  it and the tests hold their floors on it. Never tune anything on it; never look at its
  failures to choose a fix. Any seed other than ``DEV_SEED`` draws from the second half of the
  MNIST test set, so no digit seen while developing appears in an evaluation.

Every scene depends only on (seed, condition, index), never on how many scenes are asked for
or in which order.
"""

from benchmarks.scenes.conditions import CONDITIONS, Condition, condition_named
from benchmarks.scenes.scene import Scene, generate, scenes
from benchmarks.scenes.seeds import DEV_SEED, EVAL_SEED
from benchmarks.scenes.sources import DigitSources

__all__ = [
    "CONDITIONS",
    "DEV_SEED",
    "EVAL_SEED",
    "Condition",
    "DigitSources",
    "Scene",
    "condition_named",
    "generate",
    "scenes",
]
