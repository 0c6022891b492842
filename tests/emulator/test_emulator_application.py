"""A real python-telegram-bot Application (polling, rate limiter) runs against the emulator,
the way the digitbot process will."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator import Emulator

# python-telegram-bot's own RetryAfter constructor reads its deprecated int `retry_after`.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

COMMANDS = [BotCommand("start", "Say hello")]


async def shout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await context.bot.send_chat_action(update.effective_chat.id, "typing")
    await update.message.reply_text(update.message.text.upper())


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(r"Hello *there*\! Send me a digit\.", parse_mode="MarkdownV2")


async def register_commands(application: Application) -> None:
    await application.bot.set_my_commands(COMMANDS)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(flood_limits=True) as running:
        yield running


@pytest.fixture
async def application(emu: Emulator) -> AsyncIterator[Application]:
    app = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.api_base_url)
        .base_file_url(emu.file_base_url)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .concurrent_updates(True)
        .post_init(register_commands)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, shout))
    async with app:
        await register_commands(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=2, drop_pending_updates=True)
        await emu.wait_for_polling(timeout=10)
        yield app
        await app.updater.stop()
        await app.stop()


async def test_startup_registers_commands_and_answers(
    emu: Emulator, application: Application
) -> None:
    alice = emu.add_user("Alice", "alice")
    emu.send_command(alice, "start")

    reply = await emu.wait_for_message(alice, timeout=10)

    assert reply.text == "Hello there! Send me a digit."
    assert [e["type"] for e in reply.raw["entities"]] == ["bold"]
    assert emu.commands() == [c.to_dict() for c in COMMANDS]


async def test_fifty_users_at_once_lose_no_update(emu: Emulator, application: Application) -> None:
    users = [emu.add_user(f"User {n}") for n in range(50)]
    for n, user in enumerate(users):
        emu.send_text(user, f"hello {n}")

    replies = await asyncio.gather(*(emu.wait_for_message(user, timeout=20) for user in users))

    assert [reply.text for reply in replies] == [f"HELLO {n}" for n in range(50)]
    assert all(emu.chat_actions(user) == ["typing"] for user in users)
    stats = emu.stats
    assert stats.updates_delivered == 50
    assert len(stats.reply_latencies) == 50
    assert stats.calls["sendMessage"] == 50, "the rate limiter kept within the flood limits"


async def test_rate_limiter_waits_out_an_injected_flood_limit(
    emu: Emulator, application: Application
) -> None:
    alice = emu.add_user("Alice")
    emu.flood_next("sendMessage", retry_after=1, chat=alice)
    emu.send_text(alice, "patience")

    reply = await emu.wait_for_message(alice, timeout=10)

    assert reply.text == "PATIENCE"
    assert emu.stats.calls["sendMessage"] == 2
    assert 1 <= next(iter(emu.stats.reply_latencies.values())) < 5
