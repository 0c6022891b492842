"""The emulator's webhook: setWebhook/deleteWebhook/getWebhookInfo driven by a real
python-telegram-bot `Bot`, and deliveries received by a real HTTP server in the test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from emulator import Emulator, User
from emulator.webhook import SECRET_HEADER, RetryPolicy
from tests.ports import listening_port

SECRET = "s3cret_token-42"


@dataclass
class Receiver:
    """A webhook endpoint: records every POST; answers with the statuses queued, then 200."""

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            body = await request.json()
            self.requests.append((dict(request.headers), body))
            self.arrived.set()
            await asyncio.sleep(self.delay)
            return web.Response(status=self.statuses.pop(0) if self.statuses else 200)
        finally:
            self.in_flight -= 1

    def update_ids(self) -> list[int]:
        return [body["update_id"] for _, body in self.requests]


async def serve(receiver: Receiver, port: int) -> web.AppRunner:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    found = Receiver()
    port = listening_port()
    runner = await serve(found, port)
    yield found, f"http://127.0.0.1:{port}/hook"
    await runner.cleanup()


@pytest.fixture
def alice(emu: Emulator) -> User:
    return emu.add_user("Alice", "alice")


async def until(condition: Any, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def test_updates_are_posted_with_the_secret_and_confirmed_by_200(
    emu: Emulator, bot: Bot, receiver: tuple[Receiver, str], alice: User
) -> None:
    hook, url = receiver
    assert await bot.set_webhook(url, secret_token=SECRET)
    sent = emu.send_text(alice, "hello")
    await until(lambda: hook.requests)
    headers, body = hook.requests[0]
    assert headers[SECRET_HEADER] == SECRET
    assert headers["Content-Type"].startswith("application/json")
    assert body["message"]["text"] == "hello"
    assert body["message"]["message_id"] == sent["message_id"]
    await until(lambda: emu.stats.updates_pending == 0)
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count, info.last_error_date) == (url, 0, None)
    assert emu.stats.updates_delivered == 1


async def test_without_a_secret_no_header_is_sent(
    emu: Emulator, bot: Bot, receiver: tuple[Receiver, str], alice: User
) -> None:
    hook, url = receiver
    await bot.set_webhook(url)
    emu.send_text(alice, "hello")
    await until(lambda: hook.requests)
    assert SECRET_HEADER not in hook.requests[0][0]


async def test_a_delivery_without_200_is_retried_and_reported(
    emu: Emulator, bot: Bot, receiver: tuple[Receiver, str], alice: User
) -> None:
    hook, url = receiver
    hook.statuses = [500, 403]
    await bot.set_webhook(url, secret_token=SECRET)
    emu.send_text(alice, "hello")
    await until(lambda: len(hook.requests) == 3)
    await until(lambda: emu.stats.updates_pending == 0)
    assert len(set(hook.update_ids())) == 1, "the same update, sent again"
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"
    assert info.last_error_date is not None
    assert (emu.stats.webhook_posts, emu.stats.webhook_failures) == (3, 2)
    await asyncio.sleep(0.3)
    assert len(hook.requests) == 3, "a confirmed update is never sent again"


async def test_updates_wait_while_the_bot_is_down_and_arrive_when_it_is_up(
    bot: Bot, alice: User, emu: Emulator
) -> None:
    port = listening_port()
    await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
    for number in range(3):
        emu.send_text(alice, f"message {number}")
    await until(lambda: emu.stats.webhook_failures >= 3)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 3
    assert info.last_error_message == "Connection refused"
    late = Receiver()
    runner = await serve(late, port)
    try:
        await until(lambda: len(late.requests) == 3)
        await until(lambda: emu.stats.updates_pending == 0)
        assert sorted(body["message"]["text"] for _, body in late.requests) == [
            "message 0",
            "message 1",
            "message 2",
        ]
    finally:
        await runner.cleanup()


async def test_get_updates_is_refused_while_a_webhook_is_set(
    emu: Emulator, bot: Bot, receiver: tuple[Receiver, str], alice: User
) -> None:
    _, url = receiver
    await bot.set_webhook(url)
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    emu.send_text(alice, "after")
    [update] = await bot.get_updates(timeout=1)
    assert update.message is not None
    assert update.message.text == "after"


async def test_a_long_poll_ends_with_conflict_when_a_webhook_is_set(
    emu: Emulator, bot: Bot, receiver: tuple[Receiver, str]
) -> None:
    _, url = receiver
    poll = asyncio.create_task(bot.get_updates(timeout=5, read_timeout=10))
    await emu.wait_for_polling()
    await bot.set_webhook(url)
    with pytest.raises(Conflict):
        await poll


async def test_drop_pending_updates_and_allowed_updates(
    emu: Emulator, bot: Bot, receiver: tuple[Receiver, str], alice: User
) -> None:
    hook, url = receiver
    emu.send_text(alice, "old, dropped")
    await bot.set_webhook(url, drop_pending_updates=True, allowed_updates=["callback_query"])
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.allowed_updates == ("callback_query",)
    emu.send_text(alice, "not asked for")
    await asyncio.sleep(0.2)
    assert hook.requests == []
    await bot.set_webhook(url, allowed_updates=["message"])
    await until(lambda: hook.requests)
    assert hook.requests[0][1]["message"]["text"] == "not asked for"


async def test_at_most_max_connections_deliveries_at_once(
    emu: Emulator, bot: Bot, receiver: tuple[Receiver, str], alice: User
) -> None:
    hook, url = receiver
    hook.delay = 0.05
    await bot.set_webhook(url, max_connections=2)
    assert (await bot.get_webhook_info()).max_connections == 2
    for number in range(8):
        emu.send_text(alice, f"message {number}")
    await until(lambda: emu.stats.updates_pending == 0)
    assert len(set(hook.update_ids())) == 8
    assert hook.most_in_flight == 2


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ({"url": "ftp://example.org/hook"}, "(?i)https url must be provided"),
        (
            {"url": "http://127.0.0.1:1/hook", "secret_token": "spaces are not allowed"},
            "(?i)secret",
        ),
        ({"url": "http://127.0.0.1:1/hook", "secret_token": "x" * 257}, "(?i)secret"),
    ],
)
async def test_bad_webhook_settings_are_refused(
    bot: Bot, arguments: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(BadRequest, match=complaint):
        await bot.set_webhook(**arguments)
    assert (await bot.get_webhook_info()).url == ""


async def test_an_empty_url_deletes_the_webhook(bot: Bot, receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    await bot.set_webhook(url)
    await bot.set_webhook("")
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


def test_the_retry_delay_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(first=0.1, longest=1.0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
