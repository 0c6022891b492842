"""End-to-end: a webhook-mode bot on PostgreSQL stopped (SIGTERM) again and again while photos
keep arriving.

In webhook mode python-telegram-bot's web server hands over requests it received before the
stop while the application is already stopping; each stop must still end quickly, with exit
status 0, and every photo, those that came in meanwhile included, is answered exactly once
after the restarts, however many restarts the backlog lived through.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.settings import Env
from emulator import SyncEmulator, User
from emulator.webhook import RetryPolicy
from tests.botharness import BotProcess, digit_photo, first_of_each_digit, wait_until
from tests.ports import listening_port
from training.mnist import Mnist

USERS = 10
PHOTOS = 1000
"""Sent as fast as the emulator takes them: webhook requests are in flight at the first stops,
and a backlog is left at every one."""
STOPS = 5
"""More than MAX_REPLAYS: the backlog is claimed again at each start, but a stop that leaves an
update untried must not count towards giving it up."""
ANSWERS_BETWEEN_STOPS = 20
GRACE_SECONDS = 30
"""compose.yaml's stop_grace_period: a stop must be over well within it."""
WAIT = 180.0


@pytest.fixture
def emu() -> Iterator[SyncEmulator]:
    with SyncEmulator(webhook_retry=RetryPolicy(first=0.05, longest=1.0)) as emulator:
        yield emulator


@pytest.fixture
def webhook_bot(emu: SyncEmulator, tmp_path: Path, postgres_url: str) -> Iterator[BotProcess]:
    port = listening_port()
    settings: dict[str, str] = {
        Env.WEBHOOK_URL: f"http://127.0.0.1:{port}/telegram",
        Env.WEBHOOK_PORT: str(port),
        Env.WEBHOOK_SECRET_TOKEN: "stop_Secret-0123456789",
        Env.DATABASE_URL: postgres_url,
        Env.RATE_LIMIT_MESSAGES: str(PHOTOS),
    }
    process = BotProcess(emu, tmp_path / "bot", settings)
    yield process
    process.kill()


def _answers(emu: SyncEmulator, users: list[User]) -> Counter[tuple[int, int]]:
    """How many times the bot answered each photo: (user id, the message id it quotes)."""
    return Counter(
        (user.id, m.reply_to_message_id)
        for user in users
        for m in emu.sent_messages(user)
        if m.photo is not None and m.reply_to_message_id is not None
    )


def _more_answers(emu: SyncEmulator, users: list[User]) -> Callable[[], bool]:
    """Whether ANSWERS_BETWEEN_STOPS more photos were answered than now."""
    enough = len(_answers(emu, users)) + ANSWERS_BETWEEN_STOPS
    return lambda: len(_answers(emu, users)) >= enough


def test_a_webhook_stop_under_load_is_quick_and_loses_nothing(
    emu: SyncEmulator, webhook_bot: BotProcess, mnist: Mnist
) -> None:
    photos = [digit_photo(mnist.x_test[i]) for i in first_of_each_digit(mnist.y_test)]
    users = [emu.add_user(f"User {n}", f"user{n}") for n in range(USERS)]
    webhook_bot.start()
    emu.wait_for_webhook(timeout=60)
    sent: list[tuple[int, int]] = []

    def send() -> None:
        for n in range(PHOTOS):
            user = users[n % USERS]
            sent.append((user.id, emu.send_photo(user, photos[n % len(photos)])["message_id"]))

    sender = threading.Thread(target=send)
    sender.start()
    stops: list[tuple[int, float]] = []
    streaming: list[bool] = []
    backlog: list[bool] = []
    try:
        for _ in range(STOPS):
            wait_until(_more_answers(emu, users), WAIT, "more answers")
            streaming.append(sender.is_alive())
            backlog.append(len(_answers(emu, users)) < PHOTOS)
            started = time.monotonic()
            status = webhook_bot.stop(timeout=GRACE_SECONDS)
            stops.append((status, time.monotonic() - started))
            webhook_bot.start()
    finally:
        sender.join()
    assert streaming[0], "the first stop came while photos were arriving"
    assert all(backlog), "every stop left photos to answer after the restart"
    assert [status for status, _ in stops] == [0] * STOPS, webhook_bot.log
    slowest = max(took for _, took in stops)
    assert slowest < GRACE_SECONDS / 2, f"a stop took {slowest:.1f} s"
    wait_until(lambda: len(_answers(emu, users)) == PHOTOS, WAIT, "every photo answered")
    time.sleep(2)  # a duplicate would come right after
    answers = _answers(emu, users)
    assert sorted(answers) == sorted(sent)
    assert set(answers.values()) == {1}, f"answered twice: {answers.most_common(3)}"
