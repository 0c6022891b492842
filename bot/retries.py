"""Retrying Bot API calls that failed for a passing reason, with backoff.

Telegram answers 5xx now and then, and connections time out or drop; one such failure must not
cost a user their answer. Only transient errors are retried: a 400 (bad request) or 403 (the
user blocked the bot) would fail the same way again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")

BACKOFF_SECONDS = (0.5, 1.5, 3.0)
"""Waits before the 2nd, 3rd and 4th attempt (each stretched by up to 20% jitter): Telegram's
hiccups pass within seconds; longer, the user is asked to send the photo again."""


def is_transient(error: BaseException) -> bool:
    """5xx answers, timeouts and dropped connections: python-telegram-bot raises NetworkError
    (or its TimedOut) for all of them, and BadRequest, a NetworkError too, for 400."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


async def with_retries(
    call: Callable[[], Awaitable[T]], what: str, keep_trying: Callable[[], bool]
) -> T:
    """``await call()``, again after each transient failure; the last failure is raised.

    ``what`` names the call in the log (no ids of users, no token). ``keep_trying`` is asked
    before each retry: once the bot is stopping, a failure is final, so a stop waits for at
    most one more call per update in progress (the update stays stored for the next start).
    """
    for wait in BACKOFF_SECONDS:
        try:
            return await call()
        except NetworkError as error:
            if not is_transient(error) or not keep_trying():
                raise
            _LOGGER.warning("%s failed (%s); trying again in %.1f s", what, error, wait)
        await asyncio.sleep(wait * (1 + random.random() / 5))
    return await call()
