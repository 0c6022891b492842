"""The emulator's control API: users and chats, what users send, waiting on the bot, the facade."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time

import aiohttp
import pytest
from aiohttp import web
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram import User as TelegramUser

from bot.settings import Env
from emulator import Emulator, SyncEmulator, WaitTimeoutError
from emulator.entities import entity_text
from tests.conftest import REPO_ROOT


def test_commands_and_mentions_get_entities_in_utf16_units() -> None:
    async def scenario() -> None:
        async with Emulator() as emu:
            alice = emu.add_user("Alice", "alice")
            message = emu.send_text(alice, "🙂 /digit@digit_test_bot hi @bob_the_user x/y")
            found = [(e["type"], entity_text(message["text"], e)) for e in message["entities"]]
            assert found == [
                ("bot_command", "/digit@digit_test_bot"),
                ("mention", "@bob_the_user"),
            ]
            assert message["entities"][0]["offset"] == 3

    asyncio.run(scenario())


async def test_group_messages_command_suffix_reply_and_caption_mention(
    emu: Emulator, bot: Bot
) -> None:
    alice, bob = emu.add_user("Alice", "alice"), emu.add_user("Bob", "bob")
    group = emu.add_group("Digits club", [alice, bob])
    photo = emu.send_photo(group, _png(), caption="@digit_test_bot what is it?", user=alice)

    command = emu.send_command(group, "digit", user=bob, reply_to=photo)

    updates = await bot.get_updates()
    first, second = (update.message for update in updates)
    assert first.chat.type == "group"
    assert first.chat.title == "Digits club"
    assert first.chat.id < 0
    assert first.from_user.id == alice.id
    assert [e.type for e in first.caption_entities] == ["mention"]
    assert command["text"] == "/digit@digit_test_bot"
    assert second.reply_to_message.message_id == first.message_id
    assert second.reply_to_message.photo[-1].file_id == first.photo[-1].file_id


async def test_group_messages_need_a_member_as_sender(emu: Emulator) -> None:
    alice, carol = emu.add_user("Alice"), emu.add_user("Carol")
    group = emu.add_group("Digits club", [alice])
    with pytest.raises(ValueError, match="which user"):
        emu.send_text(group, "hi")
    with pytest.raises(ValueError, match="not a member"):
        emu.send_text(group, "hi", user=carol)


async def test_other_kinds_of_messages_parse_in_python_telegram_bot(
    emu: Emulator, bot: Bot
) -> None:
    alice = emu.add_user("Alice", "alice")
    emu.send_sticker(alice)
    emu.send_voice(alice)
    emu.send_video(alice, caption="look")
    emu.send_animation(alice)

    sticker, voice, video, animation = (u.message for u in await bot.get_updates())

    assert sticker.sticker.emoji == "👍"
    sticker_file = await (await bot.get_file(sticker.sticker.file_id)).download_as_bytearray()
    assert bytes(sticker_file[8:12]) == b"WEBP"
    assert voice.voice.mime_type == "audio/ogg"
    assert video.video.width == 640
    assert video.caption == "look"
    assert animation.animation.mime_type == "video/mp4"
    assert animation.document.file_id == animation.animation.file_id


async def test_a_photo_that_is_no_image_is_refused_by_the_control_api(emu: Emulator) -> None:
    alice = emu.add_user("Alice")
    with pytest.raises(ValueError, match="send only real images"):
        emu.send_photo(alice, b"not an image")


async def test_wait_for_message_sees_only_what_follows_the_users_last_update(
    emu: Emulator, bot: Bot
) -> None:
    alice = emu.add_user("Alice")
    emu.private_chat(alice)
    await bot.send_message(alice.id, "old news")
    emu.send_text(alice, "/start")

    waiting = asyncio.create_task(emu.wait_for_message(alice, timeout=5))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await bot.send_message(alice.id, "welcome")

    assert (await waiting).text == "welcome"


async def test_wait_timeout_lists_what_the_bot_did_instead(emu: Emulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    emu.send_text(alice, "/stats")
    await bot.send_message(alice.id, "Accuracy: 99%")

    with pytest.raises(WaitTimeoutError) as caught:
        await emu.wait_for_message(alice, lambda m: m.photo is not None, timeout=0.3)

    assert "timed out after 0.3s" in str(caught.value)
    assert "'Accuracy: 99%'" in str(caught.value)


async def test_press_button_by_text_and_unknown_button(emu: Emulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    emu.private_chat(alice)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Right", callback_data="ok:1")]])
    await bot.send_message(alice.id, "7?", reply_markup=markup)
    (reply,) = emu.sent_messages(alice)

    query = emu.press_button(alice, reply, text="Right")

    assert query["data"] == "ok:1"
    with pytest.raises(ValueError, match="no callback button"):
        emu.press_button(alice, reply, text="Wrong")


async def test_stats_count_updates_calls_and_reply_latency(emu: Emulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    emu.send_text(alice, "hi")
    updates = await bot.get_updates()
    await asyncio.sleep(0.2)
    await bot.send_message(alice.id, "hello")

    stats = emu.stats
    assert (stats.updates_created, stats.updates_delivered) == (1, len(updates))
    assert stats.calls["sendMessage"] == 1
    assert list(stats.reply_latencies) == [updates[0].update_id]
    assert 0.2 <= stats.reply_latencies[updates[0].update_id] < 5


async def test_wait_for_polling_tells_when_the_bot_is_up(emu: Emulator, bot: Bot) -> None:
    with pytest.raises(WaitTimeoutError, match="did not call getUpdates"):
        await emu.wait_for_polling(timeout=0.2)

    poll = asyncio.create_task(bot.get_updates(timeout=1))
    await emu.wait_for_polling(timeout=5)
    await poll

    assert emu.stats.polls == 1
    with pytest.raises(WaitTimeoutError):
        await emu.wait_for_polling(after=emu.stats.polls, timeout=0.2)


async def test_get_chat_describes_users_and_groups(emu: Emulator, bot: Bot) -> None:
    alice = emu.add_user("Alice", "alice")
    group = emu.add_group("Digits club", [alice], supergroup=True)
    emu.private_chat(alice)

    private, supergroup = await bot.get_chat(alice.id), await bot.get_chat(group.id)

    assert (private.type, private.username) == ("private", "alice")
    assert (supergroup.type, supergroup.title) == ("supergroup", "Digits club")
    assert str(supergroup.id).startswith("-100")


def test_a_malformed_token_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="bot token looks like"):
        Emulator("not-a-token")


def test_sync_facade_serves_a_bot_running_elsewhere() -> None:
    """What end-to-end tests do: the emulator in a thread, the bot in another event loop."""

    async def echo_once(emu: SyncEmulator) -> None:
        async with Bot(emu.token, base_url=emu.api_base_url) as bot:
            (update,) = await bot.get_updates(timeout=5)
            await bot.send_message(update.message.chat_id, update.message.text.upper())

    with SyncEmulator(bot_username="sync_test_bot") as emu:
        alice = emu.add_user("Alice", "alice")
        emu.send_text(alice, "shout")
        asyncio.run(echo_once(emu))

        reply = emu.wait_for_message(alice, lambda m: m.text == "SHOUT", timeout=5)

        assert reply.chat_id == alice.id
        assert emu.bot.username == "sync_test_bot"
        assert emu.stats.updates_delivered == 1
        with pytest.raises(ValueError, match="send only real images"):
            emu.send_photo(alice, b"not an image")
        with pytest.raises(WaitTimeoutError, match="'SHOUT'"):
            emu.wait_for_message(alice, lambda m: m.photo is not None, timeout=0.2)


def test_module_entry_point_prints_the_settings_and_serves() -> None:
    command = [sys.executable, "-m", "emulator", "--port", "0"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().strip() for _ in range(3)]
            settings = dict(line.split("=", 1) for line in lines)
            bot = Bot(
                settings[Env.TELEGRAM_BOT_TOKEN], base_url=settings[Env.TELEGRAM_API_BASE_URL]
            )
            me = asyncio.run(_get_me(bot))
            assert me.username == "digit_test_bot"
            assert settings[Env.TELEGRAM_FILE_BASE_URL].endswith("/file/bot")
        finally:
            process.terminate()
            process.wait(timeout=10)


async def _get_me(bot: Bot) -> TelegramUser:
    async with bot:
        return await bot.get_me()


async def test_long_polls_end_when_the_emulator_stops() -> None:
    emu = await Emulator().start()
    async with Bot(emu.token, base_url=emu.api_base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await emu.wait_for_polling(timeout=10)
        started = time.monotonic()
        await emu.stop()
        assert await poll == ()
        assert time.monotonic() - started < 5


async def test_extra_routes_can_be_served_next_to_the_api() -> None:
    emu = Emulator()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="chat page")

    emu.app.router.add_get("/", page)
    async with emu, aiohttp.ClientSession() as session, session.get(emu.url + "/") as response:
        assert await response.text() == "chat page"


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(buffer, format="PNG")
    return buffer.getvalue()
