"""Durable updates: each update is stored before Telegram learns it was received, and marked
handled once answered, so a crash at any moment loses nothing and answers nothing twice.

python-telegram-bot's Updater confirms a batch of updates to Telegram with the offset of its
*next* getUpdates call, which it makes only after putting every update of the batch into the
application's update queue. ``DurableUpdateQueue.put`` stores the update first, so whatever
Telegram considers delivered is on disk. (In webhook mode the web server also awaits ``put``
before answering 200, so the same holds there.) On start-up, stored updates not marked handled
are queued again; ``DurableUpdateProcessor`` skips an update handled already or in progress,
whichever way it came (replayed, or delivered again by Telegram), by its update_id.

One moment stays open: Telegram has taken an answer but the bot has not recorded it yet (the
photo handler records it with the update in one commit right after sendPhoto returns). A crash
then gets the update answered again after the restart: twice, rather than never.

Replicas sharing a database (webhook mode behind a load balancer) share the inbox: the replica
that stores an update claims it (``REPLICA_ID``) and renews its claims every few seconds while
it lives; the others take over the updates whose claims lapsed, and an update Telegram sends
again goes only to the replica holding it (see ``Store.keep_updates``, ``claim_unfinished``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from telegram import Bot, Update
from telegram.ext import ContextTypes

from bot.storage import CLAIM_SECONDS, StorageError, Store
from bot.update_log import LoggedUpdateProcessor

_LOGGER = logging.getLogger(__name__)

KEEP_CLAIMS_EVERY_SECONDS = CLAIM_SECONDS / 3
"""How often a replica renews its claims: a claim outlives two missed renewals."""


@dataclass
class _Fate:
    update_id: int
    keep: bool = False


_current: ContextVar[_Fate | None] = ContextVar("update_fate", default=None)


def current_update_id() -> int | None:
    """The id of the update being handled, so its answer and "handled" go in one commit."""
    fate = _current.get()
    return fate.update_id if fate is not None else None


def keep_for_later() -> None:
    """The update being handled could not be answered for a passing reason (Telegram down):
    leave it stored unhandled, so the next start tries again."""
    fate = _current.get()
    if fate is not None:
        fate.keep = True


class DurableUpdateQueue(asyncio.Queue[object]):
    """The application's update queue; ``put`` stores an update before queueing it."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self.taken: Callable[[], bool] = lambda: True
        """False once the application has stopped taking updates off this queue; set by the
        composition root."""

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            payload = json.dumps(item.to_dict(), ensure_ascii=False)
            try:
                ours = await asyncio.to_thread(
                    self._store.keep_updates, [(item.update_id, payload)]
                )
            except StorageError as error:
                # Serving beats refusing: the update is handled, only not crash-proof.
                _LOGGER.error("cannot store update %s: %s", item.update_id, error)
            else:
                if item.update_id not in ours:
                    _LOGGER.debug("update %s is answered elsewhere or already", item.update_id)
                    return
            if not self.taken():
                # In webhook mode the web server's stop leaves requests it received running;
                # one whose update is stored only after the application queued its stop signal
                # would wait in the queue for good, and the application's stop waits for every
                # queued update to be taken (it hung until the SIGKILL). Stored and claimed,
                # it is answered after the restart or, once the claim lapses, by a replica.
                _LOGGER.debug("stopping: update %s is left stored", item.update_id)
                return
        await super().put(item)

    async def replay(self, bot: Bot, *, mine: bool) -> int:
        """Claim and queue stored updates nobody answered; returns how many.

        At start-up (``mine``) those this replica left when it stopped or crashed, and those
        of any replica whose claim lapsed; later, periodically, only the lapsed ones: a dead
        replica's updates are answered by the others.
        """
        return await self._replay(bot, mine=mine, serving=lambda: True)

    async def _replay(self, bot: Bot, *, mine: bool, serving: Callable[[], bool]) -> int:
        stored, given_up = await asyncio.to_thread(self._store.claim_unfinished, mine=mine)
        if given_up:
            _LOGGER.error(
                "gave up %d updates: every replica that took them ended before they were handled",
                given_up,
            )
        if not serving():
            # Stopping: python-telegram-bot waits for every queued update to be taken off the
            # queue, and nothing takes one queued after its stop signal. Left claimed, they
            # are answered after the restart or, once the claims lapse, by another replica.
            await asyncio.to_thread(self._store.release_updates, [i for i, _ in stored])
            return 0
        for _, payload in stored:
            self.put_nowait(Update.de_json(json.loads(payload), bot))
        return len(stored)

    async def keep_claims_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The JobQueue callback, every KEEP_CLAIMS_EVERY_SECONDS while the application runs:
        renew this replica's claims on the updates it is answering and, unless it is stopping,
        take over the updates of replicas whose claims lapsed."""
        application = context.application
        await self._keep(application.bot, lambda: application.running)

    async def _keep(self, bot: Bot, serving: Callable[[], bool]) -> None:
        try:
            await asyncio.to_thread(self._store.renew_claims)
            taken = await self._replay(bot, mine=False, serving=serving)
        except StorageError as error:
            _LOGGER.error("cannot renew or take over stored updates: %s", error)
            return
        if taken:
            _LOGGER.info("took over %d updates another replica received and did not answer", taken)


class DurableUpdateProcessor(LoggedUpdateProcessor):
    """Handles each update_id once, and marks it handled in the store when done.

    Once the application stops, updates still waiting are left stored for the next start
    instead of being handled: a stop only waits for the answers already in progress.
    """

    def __init__(self, max_concurrent_updates: int, store: Store) -> None:
        super().__init__(max_concurrent_updates)
        self._store = store
        self._in_progress: set[int] = set()
        self._left: list[int] = []
        self.serving: Callable[[], bool] = lambda: True
        """False once the application is stopping; set by the composition root."""
        self.on_arrival: Callable[[Update], None] = lambda update: None
        """Called for each update as it arrives, in arrival order, before anything awaits:
        handling runs concurrently, so what must see updates in order is done here."""

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        if not isinstance(update, Update):
            await super().do_process_update(update, coroutine)
            return
        self.on_arrival(update)
        update_id = update.update_id
        if update_id in self._in_progress or not self.serving():
            if update_id not in self._in_progress:
                self._left.append(update_id)
            _close(coroutine)
            return
        self._in_progress.add(update_id)
        try:
            if await self._handled(update_id):
                _LOGGER.debug("update %s was handled already", update_id)
                _close(coroutine)
                return
            fate = _Fate(update_id)
            token = _current.set(fate)
            try:
                await super().do_process_update(update, coroutine)
            finally:
                _current.reset(token)
            if not fate.keep:
                await self._finish(update_id)
        finally:
            self._in_progress.discard(update_id)

    async def release_left(self) -> None:
        """Once stopped: the updates left untried were not tried (``Store.release_updates``)."""
        try:
            await asyncio.to_thread(self._store.release_updates, self._left)
        except StorageError as error:
            _LOGGER.error("cannot release %d updates left by the stop: %s", len(self._left), error)
        self._left.clear()

    async def _handled(self, update_id: int) -> bool:
        try:
            return await asyncio.to_thread(self._store.update_done, update_id)
        except StorageError as error:
            _LOGGER.error("cannot check update %s: %s", update_id, error)
            return False

    async def _finish(self, update_id: int) -> None:
        try:
            await asyncio.to_thread(self._store.finish_update, update_id)
        except StorageError as error:
            _LOGGER.error("cannot mark update %s handled: %s", update_id, error)


def _close(coroutine: Awaitable[object]) -> None:
    """Drop a handling that will not run (it was never started)."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
