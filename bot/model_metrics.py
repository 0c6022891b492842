"""The served model's figures, read from the ``metrics.json`` that training writes beside it.

Read on every /stats rather than cached, so a retrained model's figures show up at once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from recognizer.config import METRICS_FILE
from recognizer.contracts import MetricsFile

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelMetrics:
    test_accuracy: float
    per_digit: tuple[float, ...]
    """Accuracy on the test images of each digit 0-9."""
    trained_at: datetime | None
    compared_accuracy: float | None = None
    """For a retrained model: the model served then, scored on the same test images."""


def read_metrics(model_dir: Path) -> ModelMetrics | None:
    """The figures, or None (logged) when the file is missing or not what training writes."""
    path = model_dir / METRICS_FILE
    try:
        data: MetricsFile = json.loads(path.read_text(encoding="utf-8"))
        return ModelMetrics(
            test_accuracy=float(data["test_accuracy"]),
            per_digit=tuple(float(data["per_digit_accuracy"][str(d)]) for d in range(10)),
            trained_at=_timestamp(data.get("created_at")),
            compared_accuracy=_compared(data.get("compared_with")),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        _LOGGER.warning("no model figures for /stats: %s unreadable (%s)", path, error)
        return None


def _compared(value: object) -> float | None:
    if isinstance(value, dict) and isinstance(value.get("test_accuracy"), int | float):
        return float(value["test_accuracy"])
    return None


def _timestamp(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
