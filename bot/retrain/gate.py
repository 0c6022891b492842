"""The quality gate: a retrained model is served only if it is not worse than the served one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """Both models' figures and whether the new one may replace the served one."""

    served_accuracy: float | None
    """MNIST test accuracy from the served model's metrics.json; None if it has none."""
    new_accuracy: float
    max_drop_pp: float
    holdout_size: int
    served_holdout_correct: int
    new_holdout_correct: int

    @property
    def drop_pp(self) -> float:
        if self.served_accuracy is None:
            return 0.0
        return (self.served_accuracy - self.new_accuracy) * 100

    @property
    def mnist_ok(self) -> bool:
        # A hair of tolerance: accuracies are ratios of counts, printed to 0.01pp.
        return self.drop_pp <= self.max_drop_pp + 1e-9

    @property
    def holdout_ok(self) -> bool:
        return self.new_holdout_correct >= self.served_holdout_correct

    @property
    def accepted(self) -> bool:
        return self.mnist_ok and self.holdout_ok
