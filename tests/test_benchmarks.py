"""``python -m benchmarks --quick`` end to end: every section is measured and reported.

Timings are not asserted (that is the benchmark's job, on a quiet machine); what is checked is
that each part really ran: the real bot answered every photo, the Keras child and the
recognizer child reported, and the table judges goals from the figures it was given.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.measure import percentiles, rss_mb
from benchmarks.report import Row, goal_row, markdown, retrain_rows, rows
from bot import texts
from recognizer import ImageTooLargeError
from tests.conftest import REPO_ROOT, mnist_path

QUICK_TIMEOUT_SECONDS = 240


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    return _quick(tmp_path_factory.mktemp("benchmarks") / "results.json", "benchmarks")


def _quick(out: Path, module: str, *options: str) -> tuple[dict, str]:
    """Run ``python -m <module> --quick`` writing its JSON to ``out``: the JSON and the table."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--quick", f"--out={out}", *options],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=QUICK_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text()), done.stdout


def test_every_section_is_in_the_json(quick_run: tuple[dict, str]) -> None:
    results, _ = quick_run
    assert {"machine", "latency", "inference", "bot", "training", "table"} <= results.keys()
    assert results["quick"] is True
    for stage in ("decode", "read", "chart", "total"):
        assert results["latency"]["recognizer"][stage]["p50"] > 0
        assert results["latency"]["keras"][stage]["p50"] > 0
    for engine in ("litert", "keras"):
        assert {"batch_1", "batch_64"} <= results["inference"][engine].keys()
    start = results["inference"]["start"]
    assert start["tensorflow_rss_mb"] > start["recognizer_rss_mb"] > 0


def test_the_real_bot_answered_every_photo(quick_run: tuple[dict, str]) -> None:
    results, _ = quick_run
    for name in ("production", "local_server"):
        run = results["bot"][name]
        sizes = run["plan"]
        for phase, sent in (("paced", sizes["paced_photos"]), ("burst", sizes["burst_photos"])):
            assert run[phase]["updates_lost"] == 0, (name, phase)
            assert run[phase]["answered"] == run[phase]["photos"] == sent, (name, phase)
        assert run["photos_answered"] == 1 + sizes["paced_photos"] + sizes["burst_photos"]
        assert run["rss_at_rest_mb"] > 0
        assert run["start_to_first_answer_seconds"] > 0
    assert results["bot"]["production"]["plan"]["limiter"] is True
    assert results["bot"]["local_server"]["plan"]["limiter"] is False


def test_every_row_carries_cores_and_date_and_is_printed(quick_run: tuple[dict, str]) -> None:
    results, printed = quick_run
    assert results["table"]
    for row in results["table"]:
        assert row["cores"] >= 1
        assert row["date"].startswith("20")
        assert row["figure"] in printed
    training = results["training"]
    assert 0.9 < training["test_accuracy"] <= 1


def test_percentiles_agree_with_numpy() -> None:
    values = list(np.random.default_rng(3).exponential(5.0, size=301))
    figures = percentiles(values)
    assert figures["p50"] == pytest.approx(np.percentile(values, 50), abs=0.01)
    assert figures["p99"] == pytest.approx(np.percentile(values, 99), abs=0.01)


def test_rss_is_read_from_proc() -> None:
    before = rss_mb()
    ballast = np.ones(64 * 1024 * 1024, np.uint8)
    assert rss_mb() - before >= 50
    del ballast


def test_a_missed_goal_is_marked_and_a_missing_value_is_not_judged() -> None:
    slow = goal_row("s", "slow", 40.0, "ms", ("<= 30", lambda value: value <= 30))
    fast = goal_row("s", "fast", 20.0, "ms", ("<= 30", lambda value: value <= 30))
    absent = goal_row("s", "absent", None, "MB", ("<= 120", lambda value: value <= 120))
    assert (slow.met, fast.met, absent.met) == (False, True, None)
    text = markdown([slow, fast, absent, Row("s", "context", 1.5, "x")], _MACHINE)
    assert "| s | slow | 40 ms | <= 30 | **missed** |" in text
    assert "| s | fast | 20 ms | <= 30 | met |" in text
    assert "| s | absent | n/a | <= 120 |  |" in text


def test_rows_judge_the_results_they_are_given(quick_run: tuple[dict, str]) -> None:
    results = copy.deepcopy(quick_run[0])
    results["latency"]["recognizer"]["total"]["p50"] = 11.0
    judged = {row.figure: row for row in rows(results)}
    assert judged["recognizer total p50"].met is False
    results["latency"]["recognizer"]["total"]["p50"] = 9.0
    assert {row.figure: row for row in rows(results)}["recognizer total p50"].met is True


_MACHINE = {
    "date": "2026-01-01T00:00:00+00:00",
    "cores": 2,
    "processor": "x86_64",
    "python": "3.11",
    "load_average": [0, 0, 0],
}


def test_the_worst_image_memory_case_is_measured_on_the_real_bot(
    quick_run: tuple[dict, str],
) -> None:
    section = quick_run[0]["image_memory"]
    [(name, case)] = section["cases"].items()
    assert name == "7000x7000 RGBA PNG"
    assert case["peak_rss_mb"] >= case["rss_at_rest_mb"] > 0
    assert case["answer"], "the bot answered"
    refusal = texts.recognizer_refusal(ImageTooLargeError(""))
    assert refusal.startswith(case["answer"]), "the huge-image refusal (the report cuts it short)"
    assert section["worst_peak_mb"] == case["peak_rss_mb"]


@pytest.fixture(scope="module")
def retrain_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    """``python -m benchmarks.retrain --quick``: the bot's own quick-retrain command, trained
    for 1 epoch on 500 images, so the test takes well under a minute of CPU."""
    out = tmp_path_factory.mktemp("benchmarks") / "results_retrain.json"
    return _quick(out, "benchmarks.retrain", f"--mnist={mnist_path()}")


@pytest.mark.slow
def test_the_quick_retrain_is_timed_as_the_bot_starts_it(retrain_run: tuple[dict, str]) -> None:
    results, printed = retrain_run
    assert {"machine", "quick", "sizes", "retrain", "table"} <= results.keys()
    assert results["quick"] is True
    section = results["retrain"]
    assert section["wall_seconds"] > 0
    assert section["cpu_seconds"] > 0, "the child's CPU time, from wait4"
    assert section["peak_rss_mb"] > 100, "TensorFlow alone needs more than 100 MB"
    assert 0 < section["busy_cores"] <= section["machine"]["cores"] * 1.1
    assert len(section["load_before"]) == len(section["load_after"]) == 3
    command = section["command"]
    assert command[1:3] == ["-m", "training"]
    # The bot's command line, with the settings the benchmark gave the bot flowing through it.
    served = command[command.index("--init-from") + 1]
    assert command[command.index("--compare-with") + 1] == served
    assert command[command.index("--epochs") + 1] == "1"
    assert command[command.index("--limit") + 1] == "500"
    assert section["epochs"] == 1
    assert section["mnist_train_images"] == 500
    assert (section["user_samples_trained"], section["user_samples_held_out"]) == (8, 2)
    assert 0.9 < section["test_accuracy"] <= 1
    assert results["table"][0]["figure"] == "wall time"
    assert all(row["cores"] and row["date"] for row in results["table"])
    assert f"| wall time | {section['wall_seconds']:g} s | <= 120 |" in printed


@pytest.mark.slow
def test_the_quick_retrain_is_judged_against_two_minutes(retrain_run: tuple[dict, str]) -> None:
    section = copy.deepcopy(retrain_run[0]["retrain"])
    section["wall_seconds"] = 121.0
    assert retrain_rows(section)[0].met is False
    section["wall_seconds"] = 119.0
    assert retrain_rows(section)[0].met is True
