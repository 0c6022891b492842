"""``python -m benchmarks.scenes``: the recognizer and the naive baseline on the independent
generator's scenes, condition by condition, next to issue 12's targets.

    python -m benchmarks.scenes [--count 100] [--seed EVAL_SEED] [--out PATH]

Prints a markdown table (accuracy: every row of the answer right, in order) and the
recognizer's failures by kind, and writes both as JSON. The default seed is the evaluation
seed: report on it, never tune on it; develop with ``--seed 1`` (DEV_SEED).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

from benchmarks.measure import machine
from benchmarks.scenes.conditions import CONDITIONS, TARGETS, condition_named
from benchmarks.scenes.evaluation import Tally, evaluate
from benchmarks.scenes.reading import NaiveBaseline, read_rows
from benchmarks.scenes.seeds import DEV_SEED, EVAL_SEED
from benchmarks.scenes.sources import DEFAULT_MNIST, DigitSources
from recognizer import Recognizer
from recognizer.config import DEFAULT_MODEL_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results_scenes.json"
READERS = ("recognizer", "naive")


def run(
    count: int, seed: int, model_dir: Path, mnist: Path, names: list[str] | None = None
) -> dict:
    """Every condition (or those ``names``d) scored for both readers; the JSON's content."""
    sources = DigitSources.load(mnist, seed)
    recognizer = Recognizer.load(model_dir)
    readers: dict[str, Callable[[bytes], list[str]]] = {
        "recognizer": partial(read_rows, recognizer),
        "naive": NaiveBaseline(model_dir).read_rows,
    }
    conditions = [condition_named(n) for n in names] if names else list(CONDITIONS)
    results = {}
    for condition in conditions:
        tallies = evaluate(condition, seed, count, sources, readers)
        results[condition.name] = {
            "kind": condition.kind,
            "target": condition.target,
            **{name: tally.as_json() for name, tally in tallies.items()},
        }
    return {
        "machine": machine(),
        "seed": seed,
        "seed_role": "development" if seed == DEV_SEED else "evaluation",
        "count": count,
        "targets": TARGETS,
        "conditions": results,
        "kinds": _by_kind(results),
    }


def _by_kind(results: dict) -> dict:
    """Single digits, numbers and touching pairs pooled over their conditions."""
    pooled: dict[str, dict[str, Tally]] = {}
    for result in results.values():
        kind = pooled.setdefault(result["kind"], {name: Tally() for name in READERS})
        for name in READERS:
            kind[name].scenes += result[name]["scenes"]
            kind[name].correct += result[name]["correct"]
    return {
        kind: {"target": TARGETS[kind], **{n: round(t.accuracy, 4) for n, t in tallies.items()}}
        for kind, tallies in pooled.items()
    }


def markdown(report: dict) -> str:
    """The per-condition table, the pooled kinds, then the recognizer's failures by kind."""
    stamp = report["machine"]
    lines = [
        f"Independent generator (benchmarks/scenes), seed {report['seed']} "
        f"({report['seed_role']}), {report['count']} scenes per condition, {stamp['date']}.",
        "",
        "| Condition | Scenes | Recognizer | Naive baseline | Target | |",
        "|---|---:|---:|---:|---:|---|",
    ]
    rows = [(name, r) for name, r in report["conditions"].items()]
    rows += [(f"**all {kind}**", {**r, "pooled": True}) for kind, r in report["kinds"].items()]
    for name, result in rows:
        ours, naive = _accuracy(result, "recognizer"), _accuracy(result, "naive")
        scenes = "" if result.get("pooled") else result["recognizer"]["scenes"]
        verdict = "met" if ours >= result["target"] else "**missed**"
        lines.append(
            f"| {name} | {scenes} | {ours:.1%} | {naive:.1%} | >= {result['target']:.0%} "
            f"| {verdict} |"
        )
    lines += ["", "Recognizer failures by kind:", "", "| Condition | Failures |", "|---|---|"]
    for name, result in report["conditions"].items():
        kinds = ", ".join(f"{k} {n}" for k, n in result["recognizer"]["failures"].items())
        lines.append(f"| {name} | {kinds or 'none'} |")
    return "\n".join(lines)


def _accuracy(result: dict, reader: str) -> float:
    value = result[reader]
    return value if isinstance(value, float) else value["accuracy"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenes", description=__doc__)
    parser.add_argument("--count", type=int, default=100, help="scenes per condition")
    parser.add_argument("--seed", type=int, default=EVAL_SEED)
    parser.add_argument("--condition", action="append", dest="names", metavar="NAME",
                        help="only this condition (repeatable)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST, help="mnist.npz")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    report = run(args.count, args.seed, args.model_dir, args.mnist, args.names)
    print(markdown(report))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
