"""End-to-end: starting, stopping, crashing and loading the real bot process.

These need their own bot processes (bad settings, restarts, kill -9, a locked database), so
they live apart from ``test_bot_e2e.py``'s one long-lived bot.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import texts
from bot.settings import Env
from bot.storage import PENDING_CROP_HOURS, LabelStatus
from emulator import SentMessage, SyncEmulator, User
from recognizer.config import MODEL_FILE
from tests.botharness import (
    BotProcess,
    digit_photo,
    first_of_each_digit,
    model_dir,
    reads_as,
    replies_to,
    run_bot_once,
    wait_until,
)
from tests.ports import listening_port
from training.mnist import Mnist

WAIT = 30.0
A_TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"
"""Shaped like a real token; these runs fail before it is ever sent anywhere."""


@pytest.fixture
def emu() -> Iterator[SyncEmulator]:
    with SyncEmulator() as emulator:
        yield emulator


@pytest.fixture
def launch(emu: SyncEmulator, tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    """Starts bot processes for a test and kills any still running when it ends, pass or fail."""
    started: list[BotProcess] = []

    def start(settings: dict[str, str] | None = None) -> BotProcess:
        process = BotProcess(emu, tmp_path / "bot", settings).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


@pytest.fixture(scope="module")
def photos(mnist: Mnist) -> list[tuple[int, bytes]]:
    """One JPEG photo of each digit, with its true label."""
    return [
        (int(mnist.y_test[i]), digit_photo(mnist.x_test[i]))
        for i in first_of_each_digit(mnist.y_test)
    ]


def _answer_to(emu: SyncEmulator, chat: User, sent: dict) -> SentMessage:
    return emu.wait_for_message(chat, replies_to(sent), timeout=WAIT)


# -- start-up failures ----------------------------------------------------------------------


def _write_garbage_database(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "digitbot.sqlite3").write_bytes(b"this is not a database" * 100)


def _write_garbage_model(model_dir: Path) -> None:
    model_dir.mkdir()
    (model_dir / MODEL_FILE).write_bytes(b"this is not a model" * 100)


STARTUP_FAILURES: dict[str, tuple[dict[str, str], str]] = {
    "no token": ({}, "TELEGRAM_BOT_TOKEN is not set"),
    "malformed token": ({Env.TELEGRAM_BOT_TOKEN: "12345:short secret"}, "malformed"),
    "bad number": (
        {Env.TELEGRAM_BOT_TOKEN: A_TOKEN, Env.RATE_LIMIT_MESSAGES: "lots"},
        "RATE_LIMIT_MESSAGES must be a number",
    ),
    "bad admin ids": ({Env.TELEGRAM_BOT_TOKEN: A_TOKEN, Env.ADMIN_IDS: "alice"}, Env.ADMIN_IDS),
    "no model": (
        {Env.TELEGRAM_BOT_TOKEN: A_TOKEN, Env.MODEL_DIR: "no-such-dir"},
        "cannot load the model",
    ),
    "corrupt model": (
        {Env.TELEGRAM_BOT_TOKEN: A_TOKEN, Env.MODEL_DIR: "broken-model"},
        "MODEL_DIR=broken-model): The model at",
    ),
    "damaged database": ({Env.TELEGRAM_BOT_TOKEN: A_TOKEN}, "damaged"),
}


@pytest.mark.parametrize("case", STARTUP_FAILURES)
def test_startup_problem_exits_2_with_one_clear_line(tmp_path: Path, case: str) -> None:
    settings, expected = STARTUP_FAILURES[case]
    data_dir = tmp_path / "data"
    if case == "damaged database":
        _write_garbage_database(data_dir)
    if case == "corrupt model":
        _write_garbage_model(tmp_path / "broken-model")
    result = run_bot_once(tmp_path, {Env.DATA_DIR: str(data_dir), **settings})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("digitbot: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert "short secret" not in result.stderr, "a malformed token is not echoed"


def test_a_token_telegram_rejects_exits_2(emu: SyncEmulator, tmp_path: Path) -> None:
    bot_id, _, secret = emu.token.partition(":")
    wrong = f"{bot_id}:{secret[::-1]}"
    result = run_bot_once(
        tmp_path,
        {
            Env.TELEGRAM_BOT_TOKEN: wrong,
            Env.TELEGRAM_API_BASE_URL: emu.api_base_url,
            Env.DATA_DIR: str(tmp_path / "data"),
            Env.MODEL_DIR: str(model_dir()),
        },
    )
    assert result.returncode == 2
    ours = [line for line in result.stderr.splitlines() if line.startswith("digitbot:")]
    assert ours == ["digitbot: Telegram rejected TELEGRAM_BOT_TOKEN: check it with @BotFather"]
    assert "Traceback" not in result.stderr
    assert secret[::-1] not in result.stderr


def test_an_unreachable_api_exits_1_with_one_line(tmp_path: Path) -> None:
    result = run_bot_once(
        tmp_path,
        {
            Env.TELEGRAM_BOT_TOKEN: A_TOKEN,
            Env.TELEGRAM_API_BASE_URL: "http://127.0.0.1:9/bot",
            Env.DATA_DIR: str(tmp_path / "data"),
            Env.MODEL_DIR: str(model_dir()),
        },
    )
    assert result.returncode == 1
    ours = [line for line in result.stderr.splitlines() if line.startswith("digitbot:")]
    assert len(ours) == 1
    assert ours[0].startswith("digitbot: cannot reach the Telegram Bot API")
    assert "Traceback" not in result.stderr
    assert A_TOKEN.partition(":")[2] not in result.stderr


# -- health ---------------------------------------------------------------------------------


def _healthcheck(bot: BotProcess) -> subprocess.CompletedProcess[str]:
    return run_bot_once(bot.workdir, bot.settings, "--healthcheck")


def test_healthcheck_is_healthy_only_while_the_bot_serves(
    launch: Callable[..., BotProcess],
) -> None:
    bot = launch()
    serving = _healthcheck(bot)
    assert serving.returncode == 0, serving.stderr
    assert serving.stdout.strip() == "digitbot: healthy"
    assert bot.stop() == 0
    stopped = _healthcheck(bot)
    assert stopped.returncode == 1
    assert "no heartbeat" in stopped.stderr
    assert "Traceback" not in stopped.stderr


def test_healthcheck_calls_a_silent_bot_stuck(launch: Callable[..., BotProcess]) -> None:
    bot = launch()
    assert bot.kill() != 0
    long_ago = time.time() - 600
    os.utime(bot.data_dir / "heartbeat", (long_ago, long_ago))
    stuck = _healthcheck(bot)
    assert stuck.returncode == 1
    assert "the bot is stuck" in stuck.stderr


def test_healthcheck_finds_an_unreachable_postgresql_at_once(
    launch: Callable[..., BotProcess], postgres_url: str
) -> None:
    """The data folder and the heartbeat can be fine while the database is gone: the check
    also makes the store's start-up write, on a connection that gives up quickly."""
    bot = launch({Env.DATABASE_URL: postgres_url})
    serving = _healthcheck(bot)
    assert serving.returncode == 0, serving.stderr
    nothing_there = f"postgresql://postgres:hunter2@127.0.0.1:{listening_port()}/digitbot"
    started = time.monotonic()
    gone = run_bot_once(
        bot.workdir, {**bot.settings, Env.DATABASE_URL: nothing_there}, "--healthcheck"
    )
    assert time.monotonic() - started < 20
    assert gone.returncode == 1
    [line] = [line for line in gone.stderr.splitlines() if "unhealthy" in line]
    assert "127.0.0.1" in line, "names the database"
    assert "hunter2" not in line, "never its password"
    assert "Traceback" not in gone.stderr


# -- restarts and crashes -------------------------------------------------------------------


def test_stats_and_pending_labels_survive_restart_and_kill_9(
    emu: SyncEmulator, launch: Callable[..., BotProcess], photos: list[tuple[int, bytes]]
) -> None:
    bot = launch()
    alice = emu.add_user("Alice")
    first = _answer_to(emu, alice, emu.send_photo(alice, photos[2][1]))
    emu.press_button(alice, first, text="Right")
    emu.wait_for_edit(alice, timeout=WAIT)
    assert bot.stop() == 0

    bot.start()
    second = _answer_to(emu, alice, emu.send_photo(alice, photos[5][1]))
    # Kill once the bot has recorded the answer: a kill in the milliseconds between Telegram
    # taking it and that record gets the photo answered again after the restart (bot.inbox).
    bot.wait_for_log(f"user={alice.id} chat={alice.id} kind=photo outcome=answered 5")
    assert bot.kill() == -9

    bot.start()
    emu.press_button(alice, second, text="Wrong")
    emu.wait_for_edit(alice, lambda m: "Back" in m.button_texts, timeout=WAIT)
    mark = emu.mark()
    emu.press_button(alice, second, text="6")
    emu.wait_for_edit(alice, lambda m: not m.buttons, since=mark, timeout=WAIT)
    emu.send_command(alice, "stats")
    report = emu.wait_for_message(alice, timeout=WAIT).content
    assert "Answers served: 2 in total, 2 in the last 24 h" in report
    assert "(1 right out of 2 labelled)" in report
    assert sorted(bot.query("SELECT label, predicted FROM samples")) == [(2, 2), (6, 5)]
    assert bot.stop() == 0


def test_crops_that_expired_while_the_bot_was_down_are_deleted_at_start_up(
    emu: SyncEmulator, launch: Callable[..., BotProcess], photos: list[tuple[int, bytes]]
) -> None:
    bot = launch()
    alice = emu.add_user("Alice")
    answer = _answer_to(emu, alice, emu.send_photo(alice, photos[4][1]))
    assert bot.stop() == 0
    expired = time.time() - PENDING_CROP_HOURS * 3600 - 60
    with sqlite3.connect(bot.data_dir / "digitbot.sqlite3") as database:
        database.execute("UPDATE pending_crops SET created_at = ?", (expired,))
    database.close()

    bot.start()
    bot.wait_for_log("deleted 1 expired unlabelled crops")
    assert bot.query("SELECT prediction_id FROM pending_crops") == []
    emu.press_button(alice, answer, text="Right")
    refusal = emu.wait_for(alice, kinds=["callback_answer"], timeout=WAIT)
    assert refusal.details["text"] == texts.label_refused(LabelStatus.EXPIRED)
    assert bot.stop() == 0


def test_a_locked_database_loses_no_label(
    emu: SyncEmulator, launch: Callable[..., BotProcess], photos: list[tuple[int, bytes]]
) -> None:
    bot = launch()
    alice = emu.add_user("Alice")
    answer = _answer_to(emu, alice, emu.send_photo(alice, photos[7][1]))
    locker = sqlite3.connect(bot.data_dir / "digitbot.sqlite3", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    emu.press_button(alice, answer, text="Right")
    refusal = emu.wait_for(alice, kinds=["callback_answer"], timeout=WAIT)
    assert refusal.details["text"] == texts.storage_down()
    assert refusal.details["show_alert"] is True
    locker.execute("ROLLBACK")
    locker.close()
    assert emu.sent_messages(alice)[-1].button_texts == ["Right", "Wrong"], "still labellable"
    emu.press_button(alice, answer, text="Right")
    emu.wait_for_edit(alice, timeout=WAIT)
    assert bot.query("SELECT label FROM samples") == [(7,)]
    assert "locked" in bot.log
    assert bot.stop() == 0


# -- load -----------------------------------------------------------------------------------


def test_fifty_users_at_once_all_get_the_right_answer(
    emu: SyncEmulator, launch: Callable[..., BotProcess], photos: list[tuple[int, bytes]]
) -> None:
    bot = launch({Env.LOG_LEVEL: "INFO"})
    users = [emu.add_user(f"User{n}") for n in range(50)]
    expected: dict[tuple[int, int], tuple[int, dict[str, Any]]] = {}
    """(user id, message id) of each photo sent: its digit and the message."""
    barrier = threading.Barrier(len(users))

    def send_two(index: int, user: User) -> None:
        barrier.wait()
        for offset in (0, 1):
            digit, photo = photos[(index + offset) % 10]
            sent = emu.send_photo(user, photo)
            expected[(user.id, sent["message_id"])] = digit, sent

    started = time.monotonic()
    threads = [threading.Thread(target=send_two, args=pair) for pair in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for (user_id, _), (digit, sent) in expected.items():
        user = next(u for u in users if u.id == user_id)
        answer = emu.wait_for_message(user, replies_to(sent), since=0, timeout=60)
        assert reads_as(answer.caption, digit), answer.caption
    elapsed = time.monotonic() - started
    stats = emu.stats
    assert stats.updates_created == stats.updates_delivered == 100
    assert bot.query("SELECT COUNT(*) FROM predictions") == [(100,)]
    wait_until(lambda: bot.log.count("outcome=answered") == 100, WAIT, "100 answers logged")
    print(f"100 photos from 50 users answered in {elapsed:.1f} s")
    assert bot.stop() == 0
