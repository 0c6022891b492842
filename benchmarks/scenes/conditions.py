"""The conditions reported one by one, and the issue's accuracy target for each kind.

A condition fixes what it is named for and draws everything else from the common mixture
(``scene``): a ``single-squared`` scene has any shadow, pen, light and camera; a
``single-shadow-hand`` scene any paper.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.scenes.clutter import STRUCTURES, WORDS_NEAR
from benchmarks.scenes.papers import PAPERS
from benchmarks.scenes.shadows import SHADOWS

TARGETS = {"single": 0.99, "number": 0.97, "touching": 0.90}
"""Issue 12's targets: whole answer right (every row, in order)."""


@dataclass(frozen=True)
class Condition:
    name: str
    kind: str
    """``single``, ``number`` or ``touching``: which of the issue's targets applies."""
    digits: tuple[int, int] = (1, 1)
    """Fewest and most digits per row."""
    rows: int = 1
    spacing: str = "natural"
    paper: str | None = None
    """None: drawn from the mixture."""
    shadow: str | None = None
    clutter: tuple[str, ...] = ("none",)
    touching: bool = False

    @property
    def target(self) -> float:
        return TARGETS[self.kind]


CONDITIONS = (
    *(Condition(f"single-{paper}", "single", paper=paper) for paper in PAPERS),
    *(Condition(f"single-shadow-{s}", "single", shadow=s) for s in SHADOWS if s != "none"),
    Condition("numbers-natural", "number", digits=(2, 8)),
    Condition("numbers-wide", "number", digits=(2, 8), spacing="wide"),
    Condition("two-rows", "number", digits=(2, 8), rows=2),
    Condition("three-rows", "number", digits=(2, 6), rows=3),
    Condition("touching-pair", "touching", digits=(2, 8), touching=True),
    Condition("printed-lines", "number", digits=(1, 8), clutter=STRUCTURES),
    Condition("words-nearby", "number", digits=(1, 8), clutter=WORDS_NEAR),
)


def condition_named(name: str) -> Condition:
    """Raises KeyError listing the known names."""
    for condition in CONDITIONS:
        if condition.name == name:
            return condition
    raise KeyError(f"no condition {name!r}; known: {', '.join(c.name for c in CONDITIONS)}")
