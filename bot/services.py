"""What the handlers and jobs share: settings, recognition, storage, the rate limiters, the model
versions and the retrainer.

Built once by ``bot.__main__`` and put in ``bot_data``, so a handler reaches everything through
``services(context)`` and nothing is a module-level global that tests would have to patch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar, cast

from telegram.ext import Application, ContextTypes, ExtBot, JobQueue

from bot.admin_notices import NoticeLimiter
from bot.model_store import ModelStore
from bot.ratelimit import SharedRateLimiter, UserRateLimiter
from bot.recognition import RecognitionService
from bot.retrain.retrainer import Retrainer
from bot.settings import Settings
from bot.storage import Store

_KEY = "services"

P = ParamSpec("P")
T = TypeVar("T")

BotApplication = Application[
    ExtBot[Any],
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]
"""The bot's Application: default context types, with or without the outgoing rate limiter."""


@dataclass
class Services:
    settings: Settings
    recognition: RecognitionService
    store: Store
    rate_limiter: UserRateLimiter | SharedRateLimiter
    models: ModelStore
    retrainer: Retrainer
    admin_notices: NoticeLimiter = field(default_factory=NoticeLimiter)
    started_at: float = field(default_factory=time.monotonic)

    async def db(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a Store method on a worker thread: SQLite may wait on disk or on a lock."""
        return await asyncio.to_thread(call, *args, **kwargs)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids

    def close(self) -> None:
        self.recognition.close()
        self.store.close()


def install(bot_data: dict[str, object], services_: Services) -> None:
    bot_data[_KEY] = services_


def services(holder: ContextTypes.DEFAULT_TYPE | BotApplication) -> Services:
    """The shared services, from a handler's context or from the application itself."""
    return cast(Services, holder.bot_data[_KEY])
