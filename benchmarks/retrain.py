"""``python -m benchmarks.retrain``: how long ``/retrain quick`` trains (issue 15: <= 2 minutes
on 2 cores).

    python -m benchmarks.retrain [--quick] [--samples 40] [--out benchmarks/results_retrain.json]

A bot's own retrainer is set up as ``bot.trainer`` sets it up (settings, a SQLite store in a
temporary data folder, the shipped model taken in as the served version), with labelled samples
saved the way users' feedback saves them. Its ``stage_samples`` and ``training_command`` then
give the very ``python -m training`` run a ``/retrain quick`` starts, which is timed as a child:
wall time, its CPU time (user + system, from ``wait4``), its peak resident memory, and the load
average before and after, since the 2 cores are often shared. The quality gate and the switch
that follow training (LiteRT on the few held-out samples) are not timed. ``--quick`` trains 1
epoch on 500 MNIST images (for tests; not for the goal). Prints a markdown table and writes JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image

from benchmarks.measure import machine
from benchmarks.report import markdown, retrain_rows
from bot.model_store import ModelStore
from bot.recognition import RecognitionService
from bot.retrain.retrainer import Mode, Retrainer
from bot.settings import TOKEN_VARIABLE, Env, Settings, load_settings
from bot.storage import LoggedDigit, Store
from bot.trainer import NO_TOKEN
from recognizer import Recognizer
from recognizer.config import DEFAULT_MODEL_DIR, METRICS_FILE
from training.mnist import load_mnist

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results_retrain.json"
MNIST_FILE = REPO_ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"
USER_ID = 5151
"""The admin who labels the samples; any id does, it only owns the rows."""
TRAINING_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Sizes:
    samples: int
    """Labelled samples in the database; every fifth is held out for the gate, as in the bot."""
    epochs: int | None
    limit: int | None
    """RETRAIN_EPOCHS / RETRAIN_LIMIT; None: the bot's defaults (2 epochs, 10,000 images)."""


FULL = Sizes(samples=40, epochs=None, limit=None)
QUICK = Sizes(samples=10, epochs=1, limit=500)


def bot_settings(data_dir: Path, model_dir: Path, mnist: Path, sizes: Sizes) -> Settings:
    """The settings a bot would read from this environment; training gets no token."""
    environ: dict[str, str] = {
        TOKEN_VARIABLE: NO_TOKEN,
        Env.DATA_DIR: str(data_dir),
        Env.MODEL_DIR: str(model_dir),
        Env.DIGITBOT_MNIST_PATH: str(mnist),
    }
    if sizes.epochs is not None:
        environ[Env.RETRAIN_EPOCHS] = str(sizes.epochs)
    if sizes.limit is not None:
        environ[Env.RETRAIN_LIMIT] = str(sizes.limit)
    return load_settings(environ, env_file=None)


def label_samples(store: Store, mnist: Path, count: int) -> None:
    """``count`` answers labelled by their user, as the feedback buttons save them: MNIST test
    digits from the end of the set (the training run scores the served model on the test set,
    so these are images it already knows; the figure is about time, not accuracy)."""
    digits = load_mnist(mnist)
    for index in range(1, count + 1):
        image, label = digits.x_test[-index], int(digits.y_test[-index])
        png = io.BytesIO()
        Image.fromarray(image).save(png, format="PNG")
        answer = store.log_answer(USER_ID, USER_ID, [LoggedDigit(label, 0.9, png.getvalue())])
        store.save_label(answer.prediction_ids[0], USER_ID, label)


def quick_retrain_command(settings: Settings, store: Store) -> tuple[list[str], dict[str, str]]:
    """The retrainer's command line and environment for ``/retrain quick``, samples staged.

    Raises RetrainError as ``/retrain quick`` would refuse (no .keras model, nothing new)."""
    models = ModelStore(settings.models_root, settings.model_versions_keep, store)
    served = models.prepare(settings.model_dir, check=Recognizer.load)
    recognition = RecognitionService(Recognizer.load(served), 1, served)
    retrainer = Retrainer(settings, models, recognition, store)
    retrainer.check(Mode.QUICK)
    retrainer.stage_samples()
    recognition.close()
    return retrainer.training_command(Mode.QUICK), retrainer.training_environment()


def time_child(argv: list[str], env: dict[str, str], logs: Path) -> dict:
    """Run ``argv`` to its end; its wall time, CPU time and peak RSS, and the load around it.

    ``wait4`` gives the child's own resource use (its reaped children included), untouched by
    this process. Output goes to files: a full pipe would stall the child. Raises RuntimeError
    if it fails."""
    load_before = os.getloadavg()
    with (logs / "stdout.txt").open("wb") as out, (logs / "stderr.txt").open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=env, cwd=REPO_ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    load_after = os.getloadavg()
    code = os.waitstatus_to_exitcode(status)
    if code:
        tail = (logs / "stderr.txt").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"training failed ({code}):\n{tail}")
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "user_seconds": round(usage.ru_utime, 1),
        "system_seconds": round(usage.ru_stime, 1),
        "busy_cores": round(cpu / wall, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "load_before": [round(value, 2) for value in load_before],
        "load_after": [round(value, 2) for value in load_after],
    }


def run(sizes: Sizes, model_dir: Path, mnist: Path) -> dict:
    """The ``retrain`` section: the timed run, what it trained on, and the command itself."""
    stamp = machine()
    with tempfile.TemporaryDirectory(prefix="benchmark-retrain-") as folder:
        data_dir = Path(folder)
        settings = bot_settings(data_dir, model_dir, mnist, sizes)
        store = Store(settings.database)
        try:
            label_samples(store, mnist, sizes.samples)
            argv, env = quick_retrain_command(settings, store)
        finally:
            store.close()
        timed = time_child(argv, env, data_dir)
        events = [
            json.loads(line)
            for line in (data_dir / "stdout.txt").read_text().splitlines()
            if line.startswith("{")
        ]
        metrics = json.loads((Path(argv[argv.index("--out") + 1]) / METRICS_FILE).read_text())
    started = next(event for event in events if event["event"] == "start")
    return {
        "machine": stamp,
        **timed,
        "goal_seconds": 120,
        "command": [Path(argv[0]).name, *argv[1:]],
        "epochs": started["epochs"],
        "mnist_train_images": metrics["samples"]["mnist_train"],
        "user_samples_trained": metrics["samples"]["user"],
        "user_samples_held_out": sizes.samples - metrics["samples"]["user"],
        "test_accuracy": metrics["test_accuracy"],
        "served_test_accuracy": metrics["compared_with"]["test_accuracy"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.retrain", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks, not figures")
    parser.add_argument("--samples", type=int, help="labelled samples (default 40; quick 10)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    mnist = os.environ.get(Env.DIGITBOT_MNIST_PATH) or MNIST_FILE
    parser.add_argument("--mnist", type=Path, default=Path(mnist), help="MNIST .npz file")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.samples is not None:
        sizes = Sizes(args.samples, sizes.epochs, sizes.limit)
    section = run(sizes, args.model_dir.resolve(), args.mnist.resolve())
    results = {
        "machine": section["machine"],
        "quick": args.quick,
        "sizes": asdict(sizes),
        "retrain": section,
    }
    table = retrain_rows(section)
    stamp = {"cores": results["machine"]["cores"], "date": results["machine"]["date"]}
    results["table"] = [{**asdict(row), **stamp} for row in table]
    print(markdown(table, results["machine"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
