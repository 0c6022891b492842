"""Liveness for container supervisors: a heartbeat file the bot keeps fresh, and the check.

The heartbeat is written by a job on the bot's event loop (python-telegram-bot's JobQueue), so
a loop that hangs (not only a process that dies) lets it go stale. The check runs in a separate
process (``--healthcheck``, the Docker HEALTHCHECK) and never talks to Telegram.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from telegram.ext import ContextTypes

from bot.model_store import served_locally
from bot.services import services
from bot.settings import Settings
from bot.storage import StorageError, explain_os_error, probe_database, probe_writable
from recognizer import Recognizer, RecognizerError

_LOGGER = logging.getLogger(__name__)

HEARTBEAT_FILE = "heartbeat"
BEAT_EVERY_SECONDS = 15.0
STALE_AFTER_SECONDS = 90.0
"""Six missed beats: long enough for a busy moment, short enough to catch a hung bot."""
DATABASE_TIMEOUT_SECONDS = 5
"""How long the check waits to connect to the database (or for SQLite's lock): well inside
the Dockerfile's 15 s HEALTHCHECK timeout, with the model's load before it."""


def heartbeat_path(settings: Settings) -> Path:
    return settings.data_dir / HEARTBEAT_FILE


def beat(settings: Settings) -> None:
    """Touch the heartbeat file; a full or read-only disk is logged, and the check then fails."""
    path = heartbeat_path(settings)
    try:
        path.touch()
    except OSError as error:
        _LOGGER.warning("cannot write the heartbeat %s: %s", path, error)


async def beat_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback, every BEAT_EVERY_SECONDS while the bot serves."""
    beat(services(context).settings)


def stop_beating(settings: Settings) -> None:
    """Remove the file once the jobs have stopped: a stopped bot is not a healthy one."""
    path = heartbeat_path(settings)
    try:
        path.unlink(missing_ok=True)
    except OSError as error:  # e.g. the data folder became read-only
        _LOGGER.warning("cannot remove the heartbeat %s: %s", path, error)


def problem(settings: Settings) -> str | None:
    """Why the bot is unhealthy, or None: the served model must load, the data folder be
    writable (a bot that cannot store anything refuses every photo), the beat be fresh and the
    database accept a write (with DATABASE_URL it lives elsewhere and can be gone while all the
    rest is fine). The database comes last: before the first beat it may not exist yet."""
    version = served_locally(settings.models_root) if settings.models_root.is_dir() else None
    model_dir = settings.models_root / version if version else settings.model_dir
    try:
        Recognizer.load(model_dir)
    except RecognizerError as error:
        return f"the model in {model_dir} does not load: {error}"
    try:
        probe_writable(settings.data_dir)
    except OSError as error:
        return explain_os_error(settings.data_dir, error)
    beat = heartbeat_path(settings)
    try:
        age = time.time() - beat.stat().st_mtime
    except OSError:
        return f"no heartbeat at {beat}: the bot is not running"
    if age > STALE_AFTER_SECONDS:
        return f"the heartbeat is {age:.0f} s old: the bot is stuck"
    try:
        probe_database(settings.database, DATABASE_TIMEOUT_SECONDS)
    except StorageError as error:
        return str(error)
    return None
