"""Telegram's outgoing webhook: after setWebhook, pending updates are POSTed to the bot's URL.

As Telegram does: each update is sent as a JSON body with the ``X-Telegram-Bot-Api-Secret-Token``
header (when a secret was set), up to ``max_connections`` requests at once; an update is
confirmed only by a 2xx answer, anything else (another status, a refused or dropped connection,
a timeout) is recorded for getWebhookInfo and the update is sent again after a growing delay.
Telegram does not publish its retry schedule; the emulator's is short so tests stay fast, and
configurable (``Emulator(webhook_retry=...)``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from emulator.updates import UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_MAX_CONNECTIONS = 40
MAX_CONNECTIONS = 100
DELIVERY_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """Seconds before the n-th retry of an update: ``first * 2**(n-1)``, at most ``longest``."""

    first: float = 0.05
    longest: float = 2.0

    def delay(self, attempt: int) -> float:
        return float(min(self.first * 2 ** max(attempt - 1, 0), self.longest))


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int


class Webhook:
    """Delivers the queue's updates to the configured URL while a webhook is set."""

    def __init__(self, queue: UpdateQueue, retry: RetryPolicy | None = None) -> None:
        self._queue = queue
        self._retry = retry or RetryPolicy()
        self.config: WebhookConfig | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.posts = 0
        self.failures = 0
        self._session: aiohttp.ClientSession | None = None
        self._dispatcher: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    async def set(self, config: WebhookConfig) -> None:
        """Replaces any previous webhook; updates in flight to the old URL are sent again."""
        await self.delete()
        self.config = config
        self._queue.webhook_active = True
        self._queue.wake()  # a long poll in progress ends with 409, as Telegram's does
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT_SECONDS)
        )
        self._dispatcher = asyncio.create_task(self._dispatch(config))

    async def delete(self) -> None:
        self.config = None
        self._queue.webhook_active = False
        self.last_error_date = self.last_error_message = None
        await self.close()

    async def close(self) -> None:
        """Stops delivering; updates not yet confirmed stay pending."""
        tasks = [*self._deliveries, *filter(None, [self._dispatcher])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._dispatcher = None
        self._deliveries.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def info(self) -> dict[str, Any]:
        """getWebhookInfo's WebhookInfo object."""
        result: dict[str, Any] = {
            "url": self.config.url if self.config else "",
            "has_custom_certificate": False,
            "pending_update_count": self._queue.pending_count,
        }
        if self.config is not None:
            result["max_connections"] = self.config.max_connections
            if self._queue.allowed is not None:
                result["allowed_updates"] = sorted(self._queue.allowed)
        if self.last_error_date is not None:
            result["last_error_date"] = self.last_error_date
            result["last_error_message"] = self.last_error_message
        return result

    async def _dispatch(self, config: WebhookConfig) -> None:
        while True:
            free = config.max_connections - len(self._deliveries)
            chosen = self._queue.take(free) if free > 0 else []
            for update in chosen:
                task = asyncio.create_task(self._deliver(config, update))
                self._deliveries.add(task)
                task.add_done_callback(self._finished)
            await self._queue.wait_for_change()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._deliveries.discard(task)
        self._queue.wake()

    async def _deliver(self, config: WebhookConfig, update: dict[str, Any]) -> None:
        """Sends one update until the bot confirms it; returns it to the queue if cancelled."""
        headers = {SECRET_HEADER: config.secret_token} if config.secret_token else {}
        attempt = 0
        try:
            while True:
                error = await self._post(config.url, update, headers)
                if error is None:
                    self._queue.acknowledge(update["update_id"])
                    return
                self.failures += 1
                self.last_error_date = int(time.time())
                self.last_error_message = error
                attempt += 1
                await asyncio.sleep(self._retry.delay(attempt))
        except asyncio.CancelledError:
            self._queue.release(update["update_id"])
            raise

    async def _post(self, url: str, update: dict[str, Any], headers: dict[str, str]) -> str | None:
        """None when the bot answered 2xx, else the reason as getWebhookInfo words it."""
        assert self._session is not None
        self.posts += 1
        try:
            async with self._session.post(url, json=update, headers=headers) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as error:
            return f"Connection error: {type(error).__name__}"


def checked_url(url: str) -> str:
    """The webhook URL, if it is one Telegram could call.

    Telegram insists on HTTPS on ports 443, 80, 88 or 8443; the emulator runs on loopback
    without certificates, so it also accepts plain HTTP and any port.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("bad webhook: an HTTPS URL must be provided for webhook")
    return url
