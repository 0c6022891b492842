"""Update callbacks, one module per kind of conversation; ``bot.application`` wires them up."""

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
"""What python-telegram-bot calls for an update: a coroutine function of the update and context."""
