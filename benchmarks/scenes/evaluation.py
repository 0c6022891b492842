"""Scores readers on a condition's scenes: the loop shared by the benchmark and the tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from benchmarks.scenes.conditions import Condition
from benchmarks.scenes.scene import generate
from benchmarks.scenes.sources import DigitSources
from benchmarks.scenes.verdicts import failure

Reader = Callable[[bytes], list[str]]
"""JPEG bytes -> rows read, top to bottom."""

EXAMPLES_KEPT = 8


@dataclass
class Tally:
    """One reader on one condition: how many right, and the failures by kind."""

    scenes: int = 0
    correct: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, object]] = field(default_factory=list)
    """The first failures: scene index, truth, answer and the scene's labels."""
    marks: list[bool] = field(default_factory=list)
    """Right or wrong, scene by scene: a smaller set's figure is a prefix of a larger one's."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.scenes if self.scenes else 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "scenes": self.scenes,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "failures": dict(self.failures.most_common()),
            "examples": self.examples,
            "right_by_scene": "".join("1" if mark else "0" for mark in self.marks),
        }


def evaluate(
    condition: Condition,
    seed: int,
    count: int,
    sources: DigitSources,
    readers: Mapping[str, Reader],
) -> dict[str, Tally]:
    """Every reader on scenes 0 .. count-1 of ``condition`` for ``seed``."""
    tallies = {name: Tally() for name in readers}
    for index in range(count):
        scene = generate(condition, seed, index, sources)
        for name, read in readers.items():
            answer = read(scene.jpeg)
            verdict = failure(scene.rows, answer)
            tally = tallies[name]
            tally.scenes += 1
            tally.marks.append(verdict is None)
            if verdict is None:
                tally.correct += 1
                continue
            tally.failures[verdict] += 1
            if len(tally.examples) < EXAMPLES_KEPT:
                tally.examples.append(
                    {"index": index, "truth": list(scene.rows), "answer": answer,
                     "failure": verdict, "labels": scene.labels}
                )  # fmt: skip
    return tallies
