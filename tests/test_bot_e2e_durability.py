"""End-to-end: a burst of photos survives kill -9 and a stop; each is answered exactly once.

python-telegram-bot confirms a batch of updates to Telegram (the offset of its next getUpdates)
long before it has handled them; the bot stores each update first, and answers what it stored
but did not answer when it starts again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.settings import Env
from emulator import SyncEmulator, User
from tests.botharness import BotProcess, digit_photo, first_of_each_digit, wait_until
from training.mnist import Mnist

BURST = 60
KILL_AFTER = 15
WAIT = 120.0
GRACE_SECONDS = 30
"""compose.yaml's stop_grace_period: a stop must be over well within it."""


@pytest.fixture
def emu() -> Iterator[SyncEmulator]:
    with SyncEmulator() as emulator:
        yield emulator


@pytest.fixture
def bot(emu: SyncEmulator, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(emu, tmp_path / "bot", {Env.RATE_LIMIT_MESSAGES: str(BURST * 2)})
    yield process
    process.kill()


@pytest.fixture(scope="module")
def photos(mnist: Mnist) -> list[bytes]:
    return [digit_photo(mnist.x_test[i]) for i in first_of_each_digit(mnist.y_test)]


def _burst(emu: SyncEmulator, photos: list[bytes]) -> tuple[User, list[int]]:
    user = emu.add_user("Burst")
    sent = [emu.send_photo(user, photos[i % len(photos)]) for i in range(BURST)]
    return user, [message["message_id"] for message in sent]


def _answers(emu: SyncEmulator, user: User) -> Counter[int]:
    """How many times the bot answered each of the user's photos (by the photo it quotes)."""
    quoted = [m.reply_to_message_id for m in emu.sent_messages(user) if m.photo is not None]
    return Counter(message_id for message_id in quoted if message_id is not None)


def _all_answered_once(
    emu: SyncEmulator, user: User, photo_ids: list[int], wait_for: Callable[[], bool]
) -> None:
    wait_until(wait_for, WAIT, "every photo answered")
    time.sleep(2)  # a duplicate would come right after
    answers = _answers(emu, user)
    assert sorted(answers) == sorted(photo_ids), "every photo answered"
    assert set(answers.values()) == {1}, f"answered twice: {answers.most_common(3)}"


def test_kill_9_mid_burst_loses_no_photo_and_answers_none_twice(
    emu: SyncEmulator, bot: BotProcess, photos: list[bytes]
) -> None:
    bot.start()
    user, photo_ids = _burst(emu, photos)
    wait_until(lambda: sum(_answers(emu, user).values()) >= KILL_AFTER, WAIT, "some answers")
    # Hold further answers at the server, so the kill lands while none is half-way between
    # Telegram accepting it and the bot recording that (the one moment no bot can make safe:
    # Telegram has no idempotent send). Held calls are dropped when their client dies.
    emu.slow_down("sendPhoto", 60.0)
    time.sleep(0.5)
    bot.kill()
    answered_before = sum(_answers(emu, user).values())
    assert answered_before < BURST, "the kill came mid-burst"
    emu.clear_faults()
    bot.start()
    _all_answered_once(emu, user, photo_ids, lambda: len(_answers(emu, user)) == BURST)
    assert "will be answered" in bot.log


def test_a_stop_mid_burst_is_quick_and_the_rest_is_answered_after_the_restart(
    emu: SyncEmulator, bot: BotProcess, photos: list[bytes]
) -> None:
    bot.start()
    user, photo_ids = _burst(emu, photos)
    wait_until(lambda: sum(_answers(emu, user).values()) >= KILL_AFTER, WAIT, "some answers")
    started = time.monotonic()
    assert bot.stop(timeout=GRACE_SECONDS) == 0, bot.log
    assert time.monotonic() - started < GRACE_SECONDS / 2
    assert "database closed" in bot.log
    bot.start()
    _all_answered_once(emu, user, photo_ids, lambda: len(_answers(emu, user)) == BURST)
