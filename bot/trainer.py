"""``python -m bot.trainer`` / ``digitbot-trainer``: one process that runs every retrain for the
bot replicas sharing a database, so the replicas need no TensorFlow.

With ``SEPARATE_TRAINER=on`` a replica only queues an admin's /retrain in ``retrain_jobs``;
this service takes each queued run, trains it as a child process exactly as a bot would
(``bot.retrain``), writes its progress into the row, and the model the quality gate accepts
becomes the served version, which every replica loads within seconds (``bot.model_sync``). The
replicas tell the admin (``bot.retrain_reports``). Stop it with SIGTERM: a run in progress is
stopped and the served model stays. It never talks to Telegram, so it holds no token.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import os
import signal
import sys
from typing import NoReturn

from bot import model_sync
from bot.logs import configure_logging
from bot.model_store import ModelStore, ModelStoreError
from bot.recognition import RecognitionService
from bot.retrain.jobs import RetrainJobs
from bot.retrain.retrainer import Mode, Retrainer
from bot.settings import TOKEN_VARIABLE, Settings, SettingsError, load_settings
from bot.storage import StorageError, Store
from recognizer import Recognizer, RecognizerError

_LOGGER = logging.getLogger(__name__)

EXIT_CONFIG = 2

TAKE_EVERY_SECONDS = 2.0
"""How often the trainer looks for a queued run (and follows the served version)."""

NO_TOKEN = "0000000000:trainer-is-given-no-telegram-token"
"""Stands in for the token the shared settings require: the trainer must not hold the real one."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="digitbot-trainer",
        description="Run the retrains the bot replicas queue (SEPARATE_TRAINER=on), one at a "
        "time, and publish their models into the shared database. Settings come from the "
        "environment or a .env file, as for digitbot; it needs the train extra (TensorFlow).",
    )
    parser.parse_args(argv)
    if importlib.util.find_spec("tensorflow") is None:
        _fail(
            "TensorFlow is not installed, and every retrain needs it: install the train extra "
            '(pip install -e ".[train]") or run the full image'
        )
    environ = dict(os.environ)
    environ[TOKEN_VARIABLE] = NO_TOKEN
    try:
        settings = load_settings(environ)
    except SettingsError as error:
        _fail(str(error))
    configure_logging(settings.log_level, ())
    asyncio.run(serve(settings))


async def serve(settings: Settings) -> None:
    """Take and run queued retrains one after the other until SIGTERM or SIGINT."""
    try:
        store = Store(settings.database, replica=settings.replica_id)
    except StorageError as error:
        _fail(str(error))
    try:
        models = ModelStore(settings.models_root, settings.model_versions_keep, store)
        served = models.prepare(settings.model_dir, check=Recognizer.load)
        recognition = RecognitionService(Recognizer.load(served), 1, served)
    except (ModelStoreError, RecognizerError, StorageError) as error:
        store.close()
        _fail(f"cannot load the served model: {error}")
    retrainer = Retrainer(settings, models, recognition, store)
    retrainer.clear_stale_state()
    jobs = RetrainJobs(store)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopping.set)
    _LOGGER.info("digitbot trainer started as %s: waiting for retrains", settings.replica_id)
    try:
        while not stopping.is_set():
            if not retrainer.running:
                await _take_one(jobs, retrainer, models, recognition)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), TAKE_EVERY_SECONDS)
    finally:
        await retrainer.shutdown()
        recognition.close()
        store.close()
        _LOGGER.info("digitbot trainer stopped")


async def _take_one(
    jobs: RetrainJobs, retrainer: Retrainer, models: ModelStore, recognition: RecognitionService
) -> None:
    """Fine-tune what the replicas serve now (a /rollback may have changed it), then start
    the queued run, if there is one."""
    await model_sync.follow(models, recognition)
    try:
        taken = await asyncio.to_thread(jobs.take_queued)
    except StorageError as error:
        _LOGGER.warning("cannot look for queued retrains: %s", error)
        return
    if taken is None:
        return
    job_id, mode = taken
    _LOGGER.info("taking retrain %d (%s)", job_id, mode)
    retrainer.run_job(job_id, Mode(mode))


def _fail(message: str) -> NoReturn:
    print(f"digitbot-trainer: {message}", file=sys.stderr)
    sys.exit(EXIT_CONFIG)


if __name__ == "__main__":
    main()
