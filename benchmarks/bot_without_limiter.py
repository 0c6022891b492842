"""``python -m bot`` with python-telegram-bot's outgoing rate limiter switched off.

The production bot keeps AIORateLimiter's Telegram-safe ~30 requests/s on purpose; behind a
local Bot API server (which has no such cap) that limit is the bottleneck. The bot has no
setting for this yet, so this launcher passes the limiter's own "0 = no limit" options and then
runs the unchanged entry point; once the bot reads a setting, the benchmark should use it.
"""

from __future__ import annotations

import functools

from telegram.ext import AIORateLimiter

from bot import application
from bot.__main__ import main

if __name__ == "__main__":
    application.AIORateLimiter = functools.partial(  # type: ignore[misc]
        AIORateLimiter, overall_max_rate=0, group_max_rate=0
    )
    main()
