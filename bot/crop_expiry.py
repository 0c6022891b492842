"""Deletes unlabelled crops once they expire, also while nobody uses the bot.

``Store.log_answer`` purges expired crops as it writes, which covers a busy bot. A quiet one
writes nothing, and the crops of its last answers would then outlive the PENDING_CROP_HOURS that
/privacy promises. A sweep runs once at start-up and then, as a python-telegram-bot JobQueue
job, every few minutes; it deletes them on a worker thread like every other database call.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import ContextTypes

from bot.services import services
from bot.storage import StorageError, Store

_LOGGER = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 600.0
"""Crops outlive their promised lifetime by at most this much; a sweep is one indexed DELETE."""


async def sweep(store: Store) -> int:
    """One purge; returns the crops deleted. A busy or failing database is logged (0 deleted)
    and tried again at the next sweep."""
    try:
        purged = await asyncio.to_thread(store.purge_expired_crops)
    except StorageError as error:
        _LOGGER.warning("cannot delete expired crops: %s", error)
        return 0
    if purged:
        _LOGGER.info("deleted %d expired unlabelled crops", purged)
    return purged


async def sweep_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback: one sweep of the bot's store."""
    await sweep(services(context).store)
