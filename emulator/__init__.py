"""A fake Telegram Bot API server for end-to-end tests and the local playground.

`Emulator` is the asyncio core, `SyncEmulator` a blocking facade that runs it in a thread.
"""

from emulator.core import Emulator, EmulatorStats
from emulator.errors import ApiError
from emulator.models import BotAction, Chat, SentMessage, User
from emulator.recorder import WaitTimeoutError
from emulator.sync import SyncEmulator

__all__ = [
    "ApiError",
    "BotAction",
    "Chat",
    "Emulator",
    "EmulatorStats",
    "SentMessage",
    "SyncEmulator",
    "User",
    "WaitTimeoutError",
]
