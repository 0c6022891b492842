"""End-to-end: the real bot process in webhook mode, with the emulator POSTing updates to it."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot import texts
from bot.settings import Env
from emulator import SyncEmulator
from emulator.webhook import SECRET_HEADER
from tests.botharness import (
    BotProcess,
    digit_photo,
    first_of_each_digit,
    reads_as,
    replies_to,
    run_bot_once,
)
from tests.ports import listening_port
from training.mnist import Mnist

WAIT = 30.0
SECRET = "webhook_Secret-7f3a9c2e41d8"


@pytest.fixture(scope="module")
def emu() -> Iterator[SyncEmulator]:
    with SyncEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def hook_url() -> str:
    return f"http://127.0.0.1:{listening_port()}/telegram/updates"


@pytest.fixture(scope="module")
def webhook_bot(
    emu: SyncEmulator, hook_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    settings: dict[str, str] = {
        Env.WEBHOOK_URL: hook_url,
        Env.WEBHOOK_PORT: str(urlsplit(hook_url).port),
        Env.WEBHOOK_SECRET_TOKEN: SECRET,
    }
    bot = BotProcess(emu, tmp_path_factory.mktemp("webhook") / "bot", settings).start()
    try:
        yield bot
    finally:
        bot.stop()


def post(url: str, update: dict, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_bot_sets_its_webhook_and_answers_photos_through_it(
    emu: SyncEmulator, webhook_bot: BotProcess, hook_url: str, mnist: Mnist
) -> None:
    assert emu.wait_for_webhook(timeout=WAIT) == hook_url
    alice = emu.add_user("Alice", "alice")
    for index in first_of_each_digit(mnist.y_test)[:4]:
        sent = emu.send_photo(alice, digit_photo(mnist.x_test[index]))
        answer = emu.wait_for_message(alice, replies_to(sent), timeout=WAIT)
        assert reads_as(answer.caption, int(mnist.y_test[index])), answer.caption
    stats = emu.stats
    assert stats.polls == 0, "a webhook bot never calls getUpdates"
    assert stats.webhook_posts >= 4
    assert stats.updates_pending == 0
    assert SECRET not in webhook_bot.log


def test_requests_without_the_right_secret_are_refused(
    emu: SyncEmulator, webhook_bot: BotProcess, hook_url: str
) -> None:
    emu.wait_for_webhook(timeout=WAIT)
    bob = emu.add_user("Bob", "bob")
    chat = emu.private_chat(bob)
    forged = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat.id, "type": "private", "first_name": "Bob"},
            "from": {"id": bob.id, "is_bot": False, "first_name": "Bob"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    assert post(hook_url, forged, {}) == 403
    assert post(hook_url, forged, {SECRET_HEADER: "not-the-secret"}) == 403
    time.sleep(1.5)
    assert emu.sent_messages(bob) == [], "a refused request is never handled"
    assert post(hook_url, forged, {SECRET_HEADER: SECRET}) == 200
    reply = emu.wait_for_message(bob, timeout=WAIT)
    assert texts.help_text(str(emu.bot.username)) in (reply.text or "")


def test_a_webhook_bot_on_postgresql_keeps_answers_and_labels_across_a_restart(
    tmp_path: Path, postgres_url: str, mnist: Mnist
) -> None:
    """The production shape: webhook mode with the database on a PostgreSQL server."""
    with SyncEmulator() as emu:
        _answer_label_restart_and_count(emu, tmp_path, postgres_url, mnist)


def _answer_label_restart_and_count(
    emu: SyncEmulator, tmp_path: Path, postgres_url: str, mnist: Mnist
) -> None:
    url = f"http://127.0.0.1:{listening_port()}/hook"
    settings: dict[str, str] = {
        Env.WEBHOOK_URL: url,
        Env.WEBHOOK_PORT: str(urlsplit(url).port),
        Env.WEBHOOK_SECRET_TOKEN: SECRET,
        Env.DATABASE_URL: postgres_url,
    }
    bot = BotProcess(emu, tmp_path / "bot", settings).start()
    try:
        assert emu.wait_for_webhook(timeout=WAIT) == url
        carol = emu.add_user("Carol", "carol")
        index = first_of_each_digit(mnist.y_test)[7]
        emu.send_photo(carol, digit_photo(mnist.x_test[index]))
        answer = emu.wait_for_message(carol, lambda m: m.photo is not None, timeout=WAIT)
        assert reads_as(answer.caption, 7), answer.caption
        emu.press_button(carol, answer, text="Right")
        emu.wait_for_edit(carol, timeout=WAIT)
        assert bot.stop() == 0
        assert not (bot.data_dir / "digitbot.sqlite3").exists(), "nothing went to SQLite"
        bot.start()
        emu.send_command(carol, "stats")
        try:
            stats = emu.wait_for_message(carol, lambda m: m.photo is not None, timeout=WAIT)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{emu.stats}\n{bot.log[-6000:]}") from None
        assert "Answers served: 1 in total" in (stats.caption or "")
        assert "(1 right out of 1 labelled)" in (stats.caption or "")
    finally:
        bot.kill()


def test_a_port_in_use_is_reported_in_one_line(tmp_path: Path) -> None:
    with SyncEmulator() as emu, socket.socket() as taken:
        port = listening_port()
        taken.bind(("127.0.0.1", port))
        taken.listen()
        settings: dict[str, str] = {
            Env.WEBHOOK_URL: f"http://127.0.0.1:{port}/hook",
            Env.WEBHOOK_PORT: str(port),
            Env.WEBHOOK_SECRET_TOKEN: SECRET,
        }
        bot = BotProcess(emu, tmp_path, settings)
        result = run_bot_once(tmp_path, bot.settings)
    assert result.returncode == 2, result.stderr
    assert f"cannot listen for the webhook on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
