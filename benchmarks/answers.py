"""Matching the bot's answers to the photos the emulator's users sent, for the load benchmarks.

The bot quotes the photo it answers, so an answer is matched to its own photo even when one
user has many photos in flight (the emulator's per-chat latency would credit the first answer
in a chat to all of them).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from emulator import SyncEmulator

Photo = tuple[int, int]
"""A photo a user sent: (chat id, message id), what the bot's answer quotes."""

ANSWER_TIMEOUT_SECONDS = 300
POLL_SECONDS = 0.02


def wait_for_answers(
    emu: SyncEmulator,
    sent: dict[Photo, float],
    cursor: int,
    each_poll: Callable[[int], None] | None = None,
) -> dict[Photo, float]:
    """When (emulator time, s) the first answer quoting each photo in ``sent`` came, for the
    bot's messages after ``cursor``; photos unanswered after ANSWER_TIMEOUT_SECONDS are left
    out. ``each_poll`` is told how many are answered so far, every POLL_SECONDS."""
    answered: dict[Photo, float] = {}
    deadline = time.perf_counter() + ANSWER_TIMEOUT_SECONDS
    while len(answered) < len(sent) and time.perf_counter() < deadline:
        time.sleep(POLL_SECONDS)
        for action in emu.actions(kinds=["sent"], since=cursor):
            cursor = action.seq
            if action.message is None:
                continue
            photo = (action.chat_id, action.message.reply_to_message_id)
            if photo in sent and photo not in answered:
                answered[photo] = action.time
        if each_poll is not None:
            each_poll(len(answered))
    return answered
