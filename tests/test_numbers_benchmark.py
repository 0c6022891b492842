"""``python -m benchmarks.numbers``: the figures table and its JSON, on a tiny run."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.numbers import LENGTHS, NumberScore, main
from tests.conftest import mnist_path


def test_score_tells_segmentation_from_classification_mistakes() -> None:
    score = NumberScore()
    score.add("2026", "2026")
    score.add("2026", "202")
    score.add("2026", "2028")
    score.add("2026", None)
    assert (score.right, score.wrong_count, score.misread, score.refused) == (1, 1, 1, 1)
    assert score.accuracy == 0.25
    assert score.mistakes == ["2026 read as 202", "2026 read as 2028", "2026 read as None"]


def test_benchmark_prints_a_table_and_writes_json(tmp_path: Path, capsys) -> None:
    out = tmp_path / "numbers.json"
    main(["--count", "2", "--mnist-file", str(mnist_path()), "--out", str(out)])
    report = json.loads(out.read_text())
    assert len(report["sets"]) == 2 * len(LENGTHS)
    four = report["sets"]["4 digits, separated"]
    assert four["total"] == 2
    outcomes = four["right"] + four["wrong_count"] + four["misread"] + four["refused"]
    assert outcomes == four["total"], "every photo is counted once, right or with its mistake"
    assert four["accuracy"] == four["right"] / four["total"]
    assert "| 4 digits, touching pair | 2 |" in capsys.readouterr().out
