"""The pieces of retraining that need no bot: versioned model folders, the gate, the child."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import texts
from bot.model_store import ModelStore
from bot.recognition import RecognitionService
from bot.retrain.gate import Verdict
from bot.retrain.holdout import newest_training_sample
from bot.retrain.process import Exit, TrainingProcess
from bot.retrain.retrainer import (
    SWITCHING,
    Failure,
    Mode,
    Outcome,
    Progress,
    Result,
    Retrainer,
    RetrainError,
    Stop,
    _explain,
    _learned,
    _record_learned,
    outcome_from_json,
    outcome_json,
)
from bot.settings import Env, load_settings
from bot.storage import Store
from recognizer import Recognizer
from recognizer.config import DEFAULT_MODEL_DIR
from tests.conftest import REPO_ROOT


def test_checking_for_tensorflow_does_not_import_it() -> None:
    """Right on both kinds of install (with or without TensorFlow), and never importing it."""
    installed = importlib.util.find_spec("tensorflow") is not None
    probe = (
        "import sys; from bot.retrain.retrainer import training_installed; "
        "print(training_installed(), "
        "any(n.startswith('tensorflow') and m is not None for n, m in sys.modules.items()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [str(installed), "False"]


@pytest.mark.parametrize(
    ("new_accuracy", "served_right", "new_right", "accepted"),
    [(0.9953, 4, 4, True), (0.9952, 4, 5, False), (0.999, 4, 3, False), (0.999, 3, 4, True)],
)
def test_gate_allows_a_small_mnist_drop_but_no_loss_on_user_samples(
    new_accuracy: float, served_right: int, new_right: int, accepted: bool
) -> None:
    verdict = Verdict(0.9963, new_accuracy, 0.1, 5, served_right, new_right)
    assert verdict.accepted is accepted


def test_progress_text_has_epoch_accuracy_and_time_left() -> None:
    progress = Progress(
        Mode.FULL, epoch=3, epochs=10, val_accuracy=0.9912, eta_s=130, stage="training"
    )
    text = texts.retrain_progress(progress)
    assert "epoch 3/10" in text
    assert "validation accuracy 99.12%" in text
    assert "about 2 min 10 s left" in text
    assert texts.retrain_already_running(progress).startswith(
        "A retrain is already running, epoch 3/10."
    )


async def test_training_process_reports_events_and_its_error(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "print('chatter')\n"
        "print(json.dumps({'event': 'epoch', 'epoch': 1}))\n"
        "print(json.dumps({'event': 'error', 'message': 'MNIST file not found'}))\n"
        "print('last words', file=sys.stderr)\n"
        "sys.exit(2)\n"
    )
    process = TrainingProcess([sys.executable, "-c", script], dict(os.environ))
    await process.start()
    events = [event async for event in process.events()]
    ended = await process.wait()
    assert [event["event"] for event in events] == ["epoch", "error"]
    assert (ended.status, ended.error, ended.stderr_tail) == (
        2,
        "MNIST file not found",
        "last words",
    )
    assert json.dumps(events[0]) == '{"event": "epoch", "epoch": 1}'


async def test_a_cancel_once_the_new_model_is_being_switched_in_is_refused(
    tmp_path: Path, recognizer: Recognizer
) -> None:
    """Past the gate, "the served model stays" would be a false promise: say it is too late."""
    settings = load_settings(
        {Env.TELEGRAM_BOT_TOKEN: "123456:" + "a" * 35, Env.DATA_DIR: str(tmp_path)}, env_file=None
    )
    recognition = RecognitionService(recognizer, 1, DEFAULT_MODEL_DIR)
    store = Store(settings.database)
    models = ModelStore(tmp_path / "models", 3, store)
    retrainer = Retrainer(settings, models, recognition, store)
    switching = asyncio.Event()

    async def last_step() -> None:
        await switching.wait()

    retrainer._task = asyncio.create_task(last_step())
    retrainer.progress = Progress(Mode.QUICK, stage=SWITCHING)
    with pytest.raises(RetrainError, match="being switched in"):
        await retrainer.cancel()
    switching.set()
    await retrainer._task
    assert await retrainer.cancel() is False, "nothing runs any more"
    recognition.close()
    store.close()


@pytest.mark.parametrize(
    ("ended", "failure"),
    [
        (Exit(2, "MNIST file not found: /x", None, "mnist_missing"), Failure.MNIST_MISSING),
        (Exit(2, "could not download MNIST", None, "mnist_download"), Failure.MNIST_DOWNLOAD),
        (Exit(2, "no TF", None, "no_tensorflow"), Failure.NO_TENSORFLOW),
        (Exit(2, "something else", None, "a kind from a newer trainer"), Failure.TRAINING_ERROR),
        (Exit(-9, None, None), Failure.KILLED),
        (Exit(0, None, None), Failure.NO_MODEL_WRITTEN),
        (Exit(1, None, "Segmentation fault"), Failure.EXITED),
    ],
)
def test_why_training_ended_is_told_by_kind(ended: Exit, failure: Failure) -> None:
    assert _explain(ended)[0] is failure


def test_mnist_failures_tell_the_admin_the_setting_not_a_flag() -> None:
    for failure in (Failure.MNIST_MISSING, Failure.MNIST_DOWNLOAD):
        outcome = Outcome(Result.FAILED, Mode.QUICK, 3, failure=failure, detail="/data/m.npz")
        text = texts.retrain_outcome(outcome)
        assert Env.DIGITBOT_MNIST_PATH in text
        assert "--data" not in text


def test_nothing_new_to_learn_is_judged_by_the_newest_training_sample(tmp_path: Path) -> None:
    assert newest_training_sample([]) == 0
    assert newest_training_sample([3, 4, 5, 10]) == 4, "5 and 10 are held out of training"
    model = tmp_path / "model"
    model.mkdir()
    assert _learned(model) == 0, "a model the bot did not train learned none of our samples"
    _record_learned(model, 4)
    assert _learned(model) == 4
    (model / "learned.json").write_text("{broken")
    assert _learned(model) == 0


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome(
            Result.SERVED,
            Mode.QUICK,
            12.5,
            version="v0003",
            verdict=Verdict(0.99, 0.98, 0.1, 5, 4, 5),
        ),
        Outcome(Result.FAILED, Mode.FULL, 3.0, failure=Failure.MNIST_MISSING, detail="/data/x.npz"),
        Outcome(Result.CANCELLED, Mode.FULL, 1.0, stop=Stop.BY_ADMIN),
    ],
)
def test_an_outcome_told_through_the_job_row_reads_the_same(outcome: Outcome) -> None:
    """The trainer writes it, another replica tells the admin: the same text either way."""
    told = outcome_from_json(outcome_json(outcome))
    assert told == outcome
    assert texts.retrain_outcome(told) == texts.retrain_outcome(outcome)


@pytest.mark.parametrize("row", ["", "{}", '{"result": "won"}', "[1]", "null"])
def test_an_unreadable_outcome_row_is_no_outcome(row: str) -> None:
    assert outcome_from_json(row) is None
