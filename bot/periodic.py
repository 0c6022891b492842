"""A job the bot repeats on its event loop while it serves (the heartbeat, the crop sweep)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class Periodic:
    """Runs ``job`` at once and then every ``every_seconds`` until stopped.

    The job handles its own errors: an exception escaping it would end the repetition, and the
    bot would go on without it.
    """

    def __init__(self, job: Callable[[], Awaitable[object]], every_seconds: float) -> None:
        self._job = job
        self._every_seconds = every_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._repeat())

    async def stop(self) -> None:
        """Cancel and wait, so the job never runs on what the caller closes next."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _repeat(self) -> None:
        while True:
            await self._job()
            await asyncio.sleep(self._every_seconds)
