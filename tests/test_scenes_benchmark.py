"""``python -m benchmarks.scenes``: per-condition table and JSON, on a tiny run."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.scenes import EVAL_SEED
from benchmarks.scenes.__main__ import main
from tests.conftest import mnist_path


def test_benchmark_prints_each_condition_against_its_target_and_writes_json(
    tmp_path: Path, capsys
) -> None:
    out = tmp_path / "scenes.json"
    main(["--count", "2", "--condition", "single-white", "--condition", "touching-pair",
          "--mnist", str(mnist_path()), "--out", str(out)])  # fmt: skip
    report = json.loads(out.read_text())
    assert report["seed"] == EVAL_SEED
    assert report["seed_role"] == "evaluation"
    assert list(report["conditions"]) == ["single-white", "touching-pair"]
    for name, target in (("single-white", 0.99), ("touching-pair", 0.90)):
        result = report["conditions"][name]
        assert result["target"] == target
        for reader in ("recognizer", "naive"):
            tally = result[reader]
            assert tally["scenes"] == 2
            assert tally["correct"] + sum(tally["failures"].values()) == 2
            assert tally["right_by_scene"].count("1") == tally["correct"]
            assert tally["accuracy"] == tally["correct"] / 2
    assert set(report["kinds"]) == {"single", "touching"}
    printed = capsys.readouterr().out
    assert "| single-white | 2 |" in printed
    assert ">= 90% |" in printed
    assert "Recognizer failures by kind" in printed
