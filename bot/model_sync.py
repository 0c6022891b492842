"""Every replica serves the model version the database names, within seconds of a change.

A retrain, a /rollback on another replica or the trainer service changes ``served_model``; each
replica reads it every ``MODEL_POLL_SECONDS`` (a python-telegram-bot JobQueue job, one indexed
read), and on a change writes the version into its cache, loads it and swaps its recognizer.
Polling rather than LISTEN/NOTIFY works on SQLite too and survives lost connections unaided.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import ContextTypes

from bot.model_store import ModelStore, ModelStoreError
from bot.recognition import RecognitionService
from bot.services import services
from bot.storage import StorageError
from recognizer import Recognizer, RecognizerError

_LOGGER = logging.getLogger(__name__)


async def follow(models: ModelStore, recognition: RecognitionService) -> str | None:
    """Serve the database's version if this process serves another; returns the version
    switched to, else None. A version that does not load, or a database that cannot be read,
    is logged and the served model stays: the next poll tries again."""
    try:
        wanted = await asyncio.to_thread(models.active_version)
        if wanted is None or wanted == recognition.model_dir.name:
            return None
        path = await asyncio.to_thread(models.path, wanted)
        recognizer = await asyncio.to_thread(Recognizer.load, path)
        await asyncio.to_thread(models.point_at, wanted)
    except (StorageError, ModelStoreError, RecognizerError, OSError) as error:
        _LOGGER.warning("cannot follow the served model version: %s", error)
        return None
    previous = recognition.model_dir.name
    recognition.swap(recognizer, path)
    _LOGGER.info("now serving model %s (was %s), as the database says", wanted, previous)
    return wanted


async def follow_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback, every MODEL_POLL_SECONDS while the bot serves."""
    found = services(context)
    await follow(found.models, found.recognition)
