"""``python -m benchmarks``: every speed, memory and start-up figure (issues 7 and 13) in one run.

    python -m benchmarks [--quick] [--out benchmarks/results.json]

Prints one markdown table (figure, goal, met/missed) and writes the sections as JSON, each
stamped with the machine's core count and the date. TensorFlow is only ever imported in a
child process (benchmarks.keras_baseline), so the recognizer's figures are never polluted by
its threads or memory. ``--quick`` runs every part at a small size (for tests; not for goals).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks import bot_load, image_memory
from benchmarks.accuracy import REPO_ROOT
from benchmarks.latency import inference_alone, landscape_photos, measure, summary
from benchmarks.measure import machine, run_child
from benchmarks.report import markdown, rows
from recognizer import Recognizer
from recognizer.config import DEFAULT_MODEL_DIR, METRICS_FILE
from recognizer.contracts import MetricsFile
from recognizer.model import DigitModel

DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results.json"


@dataclass(frozen=True)
class Sizes:
    photos: int
    """Distinct 1280x960 JPEGs for the latency section (the bot cycles through them too)."""
    rounds: int
    repeats: int
    """Model calls per batch size in the inference section."""
    paced: int
    paced_rate: float
    burst: int
    production_burst: int
    """Smaller: with the limiter on, the burst only shows the cap (~15 photos/s); 800 makes
    1,001 answered photos with the cold start and paced phases, for the memory figure."""


FULL = Sizes(
    photos=40, rounds=5, repeats=200, paced=200, paced_rate=10, burst=2000, production_burst=800
)
QUICK = Sizes(photos=4, rounds=1, repeats=5, paced=5, paced_rate=10, burst=10, production_burst=5)


def latency_and_inference(sizes: Sizes, model_dir: Path) -> tuple[dict, dict]:
    """Sections 1 and 2: the recognizer here, the same photos through Keras in a child."""
    photos = landscape_photos(sizes.photos, seed=7)
    model = DigitModel.load(model_dir)
    ours = summary(measure(photos, Recognizer(model), sizes.rounds))
    litert = inference_alone(lambda images: model.scores(images).digits, sizes.repeats)
    with tempfile.TemporaryDirectory(prefix="benchmark-photos-") as folder:
        for index, photo in enumerate(photos):
            (Path(folder) / f"{index:04d}.jpg").write_bytes(photo)
        keras = run_child(
            "benchmarks.keras_baseline",
            [
                folder,
                f"--rounds={sizes.rounds}",
                f"--repeats={sizes.repeats}",
                f"--model-dir={model_dir}",
            ],
        )
    start = run_child("benchmarks.recognizer_start", [f"--model-dir={model_dir}"])
    stamp = machine()
    latency = {
        "machine": stamp,
        "photos": len(photos),
        "rounds": sizes.rounds,
        "recognizer": ours,
        "keras": keras["stages"],
        "keras_ratio_total_p50": round(keras["stages"]["total"]["p50"] / ours["total"]["p50"], 1),
    }
    inference = {
        "machine": stamp,
        "repeats": sizes.repeats,
        "litert": litert,
        "keras": keras["inference"],
        "start": {
            "recognizer_seconds": round(start["import_seconds"] + start["load_seconds"], 3),
            "tensorflow_seconds": round(keras["import_seconds"] + keras["load_seconds"], 3),
            "recognizer_rss_mb": start["rss_after_load_mb"],
            "tensorflow_rss_mb": keras["rss_after_load_mb"],
            "recognizer_detail": start,
            "tensorflow_detail": {
                k: v for k, v in keras.items() if k not in ("stages", "inference")
            },
        },
    }
    return latency, inference


def bot(sizes: Sizes) -> dict:
    """Sections 3 and 4: the bot process with production settings, then with the limiter off."""
    photos = landscape_photos(min(sizes.photos, 50), seed=11)
    runs = {}
    for name, limiter, burst in (
        ("production", True, sizes.production_burst),
        ("local_server", False, sizes.burst),
    ):
        plan = bot_load.LoadPlan(sizes.paced, sizes.paced_rate, burst, limiter=limiter)
        runs[name] = {"machine": machine(), **bot_load.run(plan, photos)}
    return runs


def training(model_dir: Path) -> dict:
    """Section 5 comes from the shipped training run: retraining here would take ~46 minutes."""
    metrics: MetricsFile = json.loads((model_dir / METRICS_FILE).read_text())
    return {
        "source": str(model_dir / METRICS_FILE),
        "trained_at": metrics["created_at"],
        "training_seconds": metrics["training_seconds"],
        "seconds_to_validation_99_5": metrics["seconds_to_validation_99_5"],
        "test_accuracy": metrics["test_accuracy"],
        "versions": metrics.get("versions"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks, not figures")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    latency, inference = latency_and_inference(sizes, args.model_dir)
    results = {
        "machine": machine(),
        "quick": args.quick,
        "sizes": asdict(sizes),
        "latency": latency,
        "inference": inference,
        "bot": bot(sizes),
        "image_memory": image_memory.run(args.quick),
        "training": training(args.model_dir),
    }
    table = rows(results)
    results["table"] = [{**asdict(row), **_stamp(results)} for row in table]
    print(markdown(table, results["machine"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten: {args.out}")


def _stamp(results: dict) -> dict:
    return {"cores": results["machine"]["cores"], "date": results["machine"]["date"]}


if __name__ == "__main__":
    main()
