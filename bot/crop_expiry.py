"""Deletes unlabelled crops once they expire, also while nobody uses the bot.

``Store.log_answer`` purges expired crops as it writes, so a busy bot never needed more.
A quiet one writes nothing, and the crops of its last answers would then outlive the
PENDING_CROP_HOURS that /privacy promises. This task sweeps at start-up and then every few
minutes, on a worker thread like every other database call.
"""

from __future__ import annotations

import asyncio
import logging

from bot.periodic import Periodic
from bot.storage import StorageError, Store

_LOGGER = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 600.0
"""Crops outlive their promised lifetime by at most this much; a sweep is one indexed DELETE."""


class CropSweeper:
    """Purges expired crops now and then every ``every_seconds`` until stopped."""

    def __init__(self, store: Store, every_seconds: float = SWEEP_EVERY_SECONDS) -> None:
        self._store = store
        self._sweeping = Periodic(self.sweep, every_seconds)

    def start(self) -> None:
        """The first sweep runs at once: crops that expired while the bot was down go first."""
        self._sweeping.start()

    async def stop(self) -> None:
        """Stop before the store closes, so no sweep runs on a closed connection."""
        await self._sweeping.stop()

    async def sweep(self) -> int:
        """One purge; a busy or failing database is logged and tried again next time."""
        try:
            purged = await asyncio.to_thread(self._store.purge_expired_crops)
        except StorageError as error:
            _LOGGER.warning("cannot delete expired crops: %s", error)
            return 0
        if purged:
            _LOGGER.info("deleted %d expired unlabelled crops", purged)
        return purged
