"""Turns the benchmark sections into table rows with goals, and renders the markdown table.

Goals come from issue 7 and are stated for a 2-core server; a row without a goal is context
(a stage's share, the baseline, a figure capped by design).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    section: str
    figure: str
    value: float | int | None
    unit: str
    goal: str = ""
    met: bool | None = None
    """None: no goal for this row, or no value (a --quick run answers fewer than 1,000 photos)."""

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: ""}[self.met]


Goal = tuple[str, Callable[[float], bool]]
"""The goal as the table shows it, and the test a value must pass."""


def goal_row(section: str, figure: str, value: float | None, unit: str, goal: Goal) -> Row:
    text, passes = goal
    return Row(section, figure, value, unit, text, None if value is None else passes(value))


def rows(results: dict) -> list[Row]:
    """Every figure of ``python -m benchmarks`` in table order."""
    return [
        *_latency_rows(results["latency"]),
        *_inference_rows(results["inference"]),
        *_bot_rows(results["bot"]),
        *_training_rows(results["training"]),
        *_image_memory_rows(results["image_memory"]),
    ]


def _latency_rows(latency: dict) -> list[Row]:
    section = "1 Latency per 1280x960 JPEG"
    ours, keras = latency["recognizer"], latency["keras"]
    stage_rows = [
        Row(section, f"recognizer {stage} p50", ours[stage]["p50"], "ms")
        for stage in ("decode", "read", "chart")
    ]
    return [
        *stage_rows,
        goal_row(section, "recognizer total p50", ours["total"]["p50"], "ms", _at_most(10)),
        Row(section, "recognizer total p99", ours["total"]["p99"], "ms"),
        Row(section, "Keras way read p50 (model.predict)", keras["read"]["p50"], "ms"),
        Row(section, "Keras way total p50", keras["total"]["p50"], "ms"),
        Row(section, "Keras way total p99", keras["total"]["p99"], "ms"),
        Row(section, "Keras way / recognizer, total p50", latency["keras_ratio_total_p50"], "x"),
    ]


def _inference_rows(inference: dict) -> list[Row]:
    section = "2 Inference alone, LiteRT vs Keras"
    found = []
    for batch in ("batch_1", "batch_64"):
        litert, keras = inference["litert"][batch], inference["keras"][batch]
        found += [
            Row(section, f"LiteRT {batch.replace('_', ' ')} p50 per call", litert["p50"], "ms"),
            Row(
                section, f"Keras predict {batch.replace('_', ' ')} p50 per call", keras["p50"], "ms"
            ),
            Row(section, f"Keras / LiteRT, {batch.replace('_', ' ')}", _ratio(keras, litert), "x"),
        ]
    start = inference["start"]
    return [
        *found,
        Row(section, "import recognizer + load model", start["recognizer_seconds"], "s"),
        Row(section, "import tensorflow + load_model", start["tensorflow_seconds"], "s"),
        Row(section, "RSS after recognizer import + load", start["recognizer_rss_mb"], "MB"),
        Row(section, "RSS after tensorflow import + load", start["tensorflow_rss_mb"], "MB"),
    ]


def _bot_rows(bot: dict) -> list[Row]:
    production, local = bot["production"], bot["local_server"]
    throughput = "3 Bot throughput"
    memory = "4 Memory and start (production settings)"
    found = [
        Row(
            throughput,
            "production (outgoing limiter ~30 req/s = 2 per photo): photos/s",
            production["burst"]["photos_per_second"],
            "photos/s",
            "capped by design",
        ),
        goal_row(
            throughput,
            "limiter off (local Bot API server): photos/s",
            local["burst"]["photos_per_second"],
            "photos/s",
            _at_least(100),
        ),
        Row(
            throughput,
            "limiter off: bot CPU per photo",
            local["burst"]["bot_cpu_ms_per_photo"],
            "ms",
        ),
        Row(
            throughput,
            "limiter off: emulator CPU per photo, on the same cores",
            local["burst"]["emulator_cpu_ms_per_photo"],
            "ms",
        ),
        Row(
            throughput,
            "limiter off: what the bot's CPU per photo allows with the cores to itself",
            local["burst"]["bot_alone_photos_per_second"],
            "photos/s",
        ),
    ]
    for name, run in (("production", production), ("limiter off", local)):
        paced = run["paced"]
        rate = f"{run['plan']['paced_rate']:g}/s"
        found += [
            goal_row(
                throughput,
                f"{name}, paced {rate}: update-to-reply p50",
                paced["update_to_reply_ms"]["p50"],
                "ms",
                _at_most(30),
            ),
            goal_row(
                throughput,
                f"{name}, paced {rate}: update-to-reply p99",
                paced["update_to_reply_ms"]["p99"],
                "ms",
                _below(250),
            ),
            Row(
                throughput,
                f"{name}, burst: update-to-reply p50 (queued while frozen)",
                run["burst"]["update_to_reply_ms"]["p50"],
                "ms",
            ),
            goal_row(
                throughput,
                f"{name}: updates lost (paced + burst)",
                paced["updates_lost"] + run["burst"]["updates_lost"],
                "updates",
                _exactly(0),
            ),
        ]
    at_mark = production["rss_after_1000_photos_mb"]
    return [
        *found,
        goal_row(memory, "bot RSS at rest", production["rss_at_rest_mb"], "MB", _at_most(120)),
        goal_row(memory, "bot RSS after 1,000 photos", at_mark, "MB", _at_most(120)),
        Row(
            memory,
            f"bot RSS after all {production['photos_answered']} photos",
            production["rss_at_end_mb"],
            "MB",
        ),
        goal_row(
            memory,
            "process start to first answered photo",
            production["start_to_first_answer_seconds"],
            "s",
            _at_most(1),
        ),
    ]


def _training_rows(training: dict) -> list[Row]:
    section = "5 Training (shipped run, models/metrics.json)"
    return [
        Row(
            section,
            "seconds to validation accuracy 99.5%",
            training["seconds_to_validation_99_5"],
            "s",
        ),
        Row(section, "whole training", training["training_seconds"], "s"),
        Row(section, "final MNIST test accuracy", training["test_accuracy"], ""),
    ]


def _at_most(limit: float) -> Goal:
    return f"<= {limit:g}", lambda value: value <= limit


def _at_least(limit: float) -> Goal:
    return f">= {limit:g}", lambda value: value >= limit


def _below(limit: float) -> Goal:
    return f"< {limit:g}", lambda value: value < limit


def _exactly(expected: float) -> Goal:
    return f"{expected:g}", lambda value: value == expected


def _ratio(numerator: dict, denominator: dict) -> float:
    return round(numerator["p50"] / denominator["p50"], 1)


def _image_memory_rows(section: dict) -> list[Row]:
    """Issue 13: any image the bot accepts, two at once, within 250 MB for the whole bot."""
    name = "6 Bot peak memory, one image file sent twice at once"
    found = [
        Row(name, case, figures["peak_rss_mb"], "MB") for case, figures in section["cases"].items()
    ]
    worst = section["worst_peak_mb"]
    return [*found, goal_row(name, "worst case", worst, "MB", _at_most(section["goal_mb"]))]


def retrain_rows(retrain: dict) -> list[Row]:
    """Issue 15: ``/retrain quick``'s training run within 2 minutes on 2 cores. The CPU time is
    the figure a busy machine does not inflate; busy cores = CPU time / wall time shows how much
    of the cores the run got."""
    section = f"7 /retrain quick (python -m training child, epochs: {retrain['epochs']})"
    goal = _at_most(retrain["goal_seconds"])
    return [
        goal_row(section, "wall time", retrain["wall_seconds"], "s", goal),
        Row(section, "CPU time (user + system)", retrain["cpu_seconds"], "s"),
        Row(section, "busy cores (CPU time / wall time)", retrain["busy_cores"], ""),
        Row(section, "peak RSS", retrain["peak_rss_mb"], "MB"),
        Row(section, "cores", retrain["machine"]["cores"], ""),
        Row(section, "load average (1 min) before", retrain["load_before"][0], ""),
        Row(section, "load average (1 min) after", retrain["load_after"][0], ""),
        Row(section, "MNIST training images", retrain["mnist_train_images"], ""),
        Row(section, "user samples trained on", retrain["user_samples_trained"], ""),
        Row(section, "user samples held out for the gate", retrain["user_samples_held_out"], ""),
        Row(section, "new model's MNIST test accuracy", retrain["test_accuracy"], ""),
    ]


def markdown(table: list[Row], machine: dict) -> str:
    lines = [
        f"Measured {machine['date']} on {machine['cores']} cores ({machine['processor']}, "
        f"Python {machine['python']}, load average {machine['load_average']}).",
        "",
        "| Section | Figure | Value | Goal | |",
        "|---|---|---:|---|---|",
    ]
    for row in table:
        value = "n/a" if row.value is None else f"{row.value:g} {row.unit}".strip()
        lines.append(f"| {row.section} | {row.figure} | {value} | {row.goal} | {row.verdict} |")
    return "\n".join(lines)
