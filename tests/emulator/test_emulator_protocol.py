"""The emulator speaks the Bot API: driven by a real python-telegram-bot `Bot` over real HTTP."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import numpy as np
import pytest
from PIL import Image, ImageDraw
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.request import HTTPXRequest

from emulator import Emulator, User
from tests.conftest import SHARED_DATA

# python-telegram-bot's own RetryAfter constructor reads its deprecated int `retry_after`.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


def picture(size: tuple[int, int], image_format: str = "PNG", mode: str = "RGB") -> bytes:
    """A real image with some structure (a dark stroke on paper), encoded by Pillow."""
    image = Image.new(mode, size, "white" if mode != "RGBA" else (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.line([(width // 3, height // 5), (width // 2, height * 4 // 5)], fill="black", width=9)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=label.lower()) for label in labels]]
    )


@pytest.fixture
async def flood_limited() -> AsyncIterator[tuple[Emulator, Bot]]:
    async with Emulator(flood_limits=True) as emu:
        request = HTTPXRequest(connection_pool_size=64)
        async with Bot(emu.token, base_url=emu.api_base_url, request=request) as bot:
            yield emu, bot


@pytest.fixture
def alice(emu: Emulator) -> User:
    return emu.add_user("Alice", "alice")


async def test_get_me_describes_the_bot_of_the_token(emu: Emulator, bot: Bot) -> None:
    me = await bot.get_me()

    assert me.is_bot
    assert me.username == "digit_test_bot"
    assert str(me.id) == emu.token.split(":")[0]


async def test_a_given_token_is_the_one_accepted() -> None:
    token = "123456:" + "A" * 35
    async with Emulator(token) as emu, Bot(token, base_url=emu.api_base_url) as bot:
        assert (await bot.get_me()).id == 123456


async def test_wrong_token_is_unauthorized_and_malformed_one_not_found(emu: Emulator) -> None:
    wrong = emu.token.split(":")[0] + ":" + "x" * 35
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{emu.api_base_url}{wrong}/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(f"{emu.api_base_url}nonsense/getMe") as response:
            assert response.status == 404
    with pytest.raises(InvalidToken):
        async with Bot(wrong, base_url=emu.api_base_url) as bot:
            await bot.get_me()


async def test_unknown_method_is_not_found_like_telegram(emu: Emulator) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{emu.api_base_url}{emu.token}/sendCarrierPigeon") as response,
    ):
        assert response.status == 404
        assert (await response.json())["description"] == "Not Found"


async def test_methods_accept_json_bodies_and_any_letter_case(emu: Emulator, alice: User) -> None:
    emu.private_chat(alice)
    url = f"{emu.api_base_url}{emu.token}/SENDMESSAGE"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"chat_id": alice.id, "text": "hi"}) as response,
    ):
        body = await response.json()
    assert body["ok"] is True
    assert body["result"]["text"] == "hi"


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.3)
    assert not poll.done(), "getUpdates must wait while nothing is pending"
    started = time.monotonic()
    emu.send_text(alice, "hello")

    updates = await asyncio.wait_for(poll, 5)

    assert time.monotonic() - started < 2
    assert [update.message.text for update in updates] == ["hello"]
    assert updates[0].message.from_user.id == alice.id


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_updates_stay_until_confirmed_by_offset(emu: Emulator, bot: Bot, alice: User) -> None:
    for text in ("one", "two", "three"):
        emu.send_text(alice, text)

    first = await bot.get_updates(limit=2)
    again = await bot.get_updates()
    after = await bot.get_updates(offset=first[-1].update_id + 1)
    confirmed = await bot.get_updates(offset=after[-1].update_id + 1)

    assert [u.message.text for u in first] == ["one", "two"]
    assert [u.message.text for u in again] == ["one", "two", "three"]
    assert [u.message.text for u in after] == ["three"]
    assert confirmed == ()
    assert emu.stats.updates_delivered == 3


async def test_allowed_updates_filters_kinds(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.send_text(alice, "text")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    assert len(await bot.get_updates(allowed_updates=[])) == 1


async def test_a_second_poller_cuts_off_the_first(bot: Bot, emu: Emulator) -> None:
    async with Bot(emu.token, base_url=emu.api_base_url) as other:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await emu.wait_for_polling(timeout=10)
        second = asyncio.create_task(other.get_updates(timeout=1))
        with pytest.raises(Conflict, match=r"(?i)only one bot instance"):
            await first
        assert await second == ()


async def test_delete_webhook_can_drop_pending_updates(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.send_text(alice, "stale")
    assert (await bot.get_webhook_info()).pending_update_count == 1

    await bot.delete_webhook(drop_pending_updates=True)

    assert await bot.get_updates() == ()


async def test_send_photo_upload_arrives_with_the_exact_bytes(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    png = picture((1000, 600))
    emu.private_chat(alice)

    message = await bot.send_photo(alice.id, png, caption="7 (99.8% sure)")

    sent = emu.sent_messages(alice)
    assert [m.photo for m in sent] == [png]
    assert sent[0].caption == "7 (99.8% sure)"
    widths = [size.width for size in message.photo]
    assert widths == sorted(widths)
    assert widths[-1] == 1000
    assert message.photo[-1].height == 600
    assert len(message.photo) >= 3, "Telegram adds downscaled sizes below the full one"


async def test_get_file_downloads_the_uploaded_photo_and_its_thumbnails(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    png = picture((900, 900))
    emu.private_chat(alice)
    message = await bot.send_photo(alice.id, png)

    full = await (await bot.get_file(message.photo[-1].file_id)).download_as_bytearray()
    thumb = await (await bot.get_file(message.photo[0].file_id)).download_as_bytearray()

    assert bytes(full) == png
    assert (await bot.get_file(message.photo[-1].file_id)).file_path.endswith(".png")
    with Image.open(io.BytesIO(bytes(thumb))) as image:
        assert image.format == "JPEG"
        assert max(image.size) == message.photo[0].width == 90


async def test_a_photo_can_be_resent_by_file_id(emu: Emulator, bot: Bot, alice: User) -> None:
    png = picture((300, 200))
    emu.private_chat(alice)
    first = await bot.send_photo(alice.id, png)

    await bot.send_photo(alice.id, first.photo[-1].file_id)

    assert [m.photo for m in emu.sent_messages(alice)] == [png, png]
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.send_photo(alice.id, "no-such-file-id")


async def test_send_photo_rejects_bytes_that_are_no_image(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.private_chat(alice)
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(alice.id, b"definitely not a picture")


async def test_a_users_photo_reaches_the_bot_as_telegram_sizes(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.send_photo(alice, picture((3000, 2000), mode="RGBA"), caption="what is it?")

    (update,) = await bot.get_updates()
    sizes = update.message.photo
    data = await (await bot.get_file(sizes[-1].file_id)).download_as_bytearray()

    assert update.message.caption == "what is it?"
    assert [size.width for size in sizes] == [90, 320, 800, 1280, 2560]
    with Image.open(io.BytesIO(bytes(data))) as image:
        assert image.format == "JPEG"
        assert image.size == (2560, 1707)
        assert image.getpixel((5, 5)) == pytest.approx((255, 255, 255), abs=3)


async def test_a_16_bit_gray_photo_arrives_as_the_picture_it_shows(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    """A scanner's 16-bit PNG (a reported case) goes as the app shows it, not clipped white."""
    original = (SHARED_DATA / "reported-cases" / "gray16-7.png").read_bytes()
    emu.send_photo(alice, original)

    (update,) = await bot.get_updates()
    data = await (await bot.get_file(update.message.photo[-1].file_id)).download_as_bytearray()

    with Image.open(io.BytesIO(original)) as image:
        assert image.mode.startswith("I"), "the case is a 16-bit picture"
        shown = np.asarray(image, np.float64) / 257
    with Image.open(io.BytesIO(bytes(data))) as image:
        sent = np.asarray(image.convert("L"), np.float64)
    assert sent.shape == shown.shape
    assert sent.std() > 20, "the digit is still there"
    assert np.abs(sent - shown).mean() < 3


async def test_a_user_document_keeps_name_type_and_bytes(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    png = picture((64, 64))
    emu.send_document(alice, png, "digit.png")

    (update,) = await bot.get_updates()
    document = update.message.document
    data = await (await bot.get_file(document.file_id)).download_as_bytearray()

    assert (document.file_name, document.mime_type, document.file_size) == (
        "digit.png",
        "image/png",
        len(png),
    )
    assert bytes(data) == png


async def test_files_above_twenty_megabytes_cannot_be_downloaded(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.send_document(alice, bytes(20 * 1024 * 1024 + 1), "huge.png")

    (update,) = await bot.get_updates()

    assert update.message.document.file_size == 20 * 1024 * 1024 + 1
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(update.message.document.file_id)


async def test_send_document_upload(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.private_chat(alice)
    message = await bot.send_document(alice.id, b"a,b\n1,2\n", filename="table.csv")

    assert message.document.file_name == "table.csv"
    assert message.document.mime_type == "text/csv"
    assert emu.sent_messages(alice)[0].document == b"a,b\n1,2\n"


async def test_edit_text_and_markup_are_applied_and_recorded(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.private_chat(alice)
    sent = await bot.send_message(alice.id, "7?", reply_markup=keyboard("Right", "Wrong"))

    await bot.edit_message_text("Thanks!", chat_id=alice.id, message_id=sent.message_id)

    edited = await emu.wait_for_edit(alice, since=0)
    assert edited.text == "Thanks!"
    assert edited.buttons == [], "an edit without reply_markup removes the keyboard"
    assert [m.text for m in emu.sent_messages(alice)] == ["Thanks!"]
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Thanks!", chat_id=alice.id, message_id=sent.message_id)


async def test_edit_reply_markup_replaces_the_keyboard(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.private_chat(alice)
    sent = await bot.send_message(alice.id, "7?", reply_markup=keyboard("Right", "Wrong"))

    await bot.edit_message_reply_markup(
        chat_id=alice.id, message_id=sent.message_id, reply_markup=keyboard(*"0123456789")
    )

    (message,) = emu.sent_messages(alice)
    assert message.button_texts == list("0123456789")
    assert message.is_edited


async def test_edit_caption_and_media_of_a_photo(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.private_chat(alice)
    first, second = picture((200, 200)), picture((300, 100), "JPEG")
    sent = await bot.send_photo(alice.id, first, caption="3?")

    await bot.edit_message_caption(chat_id=alice.id, message_id=sent.message_id, caption="3!")
    await bot.edit_message_media(
        InputMediaPhoto(second, caption="chart"), chat_id=alice.id, message_id=sent.message_id
    )

    (message,) = emu.sent_messages(alice)
    assert (message.caption, message.photo) == ("chart", second)
    with pytest.raises(BadRequest, match=r"(?i)no text in the message"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=sent.message_id)


async def test_editing_a_missing_message_fails(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.private_chat(alice)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=alice.id, message_id=999)


async def test_callback_query_from_a_pressed_button_and_its_answer(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.private_chat(alice)
    sent = await bot.send_message(alice.id, "7?", reply_markup=keyboard("Right", "Wrong"))

    emu.press_button(alice, sent.message_id, text="Wrong")
    (update,) = await bot.get_updates()
    query = update.callback_query
    await bot.answer_callback_query(query.id, text="Which digit was it?")

    assert query.data == "wrong"
    assert query.from_user.id == alice.id
    assert query.message.message_id == sent.message_id
    assert emu.callback_answers(alice)[0]["text"] == "Which digit was it?"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)


async def test_set_my_commands_is_registered(emu: Emulator, bot: Bot) -> None:
    commands = [BotCommand("start", "Say hello"), BotCommand("stats", "How good am I?")]

    await bot.set_my_commands(commands)

    assert emu.commands() == [
        {"command": "start", "description": "Say hello"},
        {"command": "stats", "description": "How good am I?"},
    ]
    assert await bot.get_my_commands() == tuple(commands)
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Not Valid", "x")])


async def test_injected_flood_limit_raises_retry_after(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.private_chat(alice)
    emu.flood_next("sendMessage", retry_after=3)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "hi")
    await bot.send_message(alice.id, "hi again")

    assert "Retry in 3 seconds" in str(caught.value)
    assert [m.text for m in emu.sent_messages(alice)] == ["hi again"]


async def test_the_bot_cannot_write_first(emu: Emulator, bot: Bot, alice: User) -> None:
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(alice.id, "hi")


async def test_a_user_who_blocked_the_bot_gives_forbidden(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.block_bot(alice)

    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(alice.id, "hi")
    emu.unblock_bot(alice)
    await bot.send_message(alice.id, "hi")


async def test_injected_server_error_and_slowness(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.private_chat(alice)
    emu.fail_next("sendMessage", status=500)
    emu.slow_down("sendChatAction", 0.5, count=1)

    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "hi")
    started = time.monotonic()
    await bot.send_chat_action(alice.id, "upload_photo")

    assert time.monotonic() - started >= 0.5
    assert emu.chat_actions(alice) == ["upload_photo"]


async def test_a_garbled_answer_is_unreadable_and_nothing_is_sent(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.private_chat(alice)
    emu.garble_next("sendMessage", chat=alice)

    with pytest.raises((AttributeError, TypeError)):
        await bot.send_message(alice.id, "lost")
    assert emu.sent_messages(alice) == []
    await bot.send_message(alice.id, "arrives")
    assert [m.text for m in emu.sent_messages(alice)] == ["arrives"]


async def test_flood_limit_per_group_when_enabled(flood_limited: tuple[Emulator, Bot]) -> None:
    emu, bot = flood_limited
    group = emu.add_group("Digits club", [emu.add_user("Alice")])

    for n in range(20):
        await bot.send_message(group.id, f"message {n}")

    with pytest.raises(RetryAfter):
        await bot.send_message(group.id, "21st within seconds")


async def test_flood_limit_overall_when_enabled(flood_limited: tuple[Emulator, Bot]) -> None:
    emu, bot = flood_limited
    alice = emu.add_user("Alice")
    emu.private_chat(alice)

    started = time.monotonic()
    results = await asyncio.gather(
        *(bot.send_message(alice.id, f"message {n}") for n in range(60)), return_exceptions=True
    )
    elapsed = time.monotonic() - started

    refused = [result for result in results if isinstance(result, RetryAfter)]
    assert len(refused) + len(emu.sent_messages(alice)) == 60
    # A burst of 30 passes, then 30 a second: the rest is refused.
    assert 30 <= len(emu.sent_messages(alice)) <= 31 + 30 * elapsed
    assert refused


async def test_html_is_parsed_into_entities_and_bad_html_refused(
    emu: Emulator, bot: Bot, alice: User
) -> None:
    emu.private_chat(alice)

    message = await bot.send_message(alice.id, "<b>7</b> &lt;sure&gt;", parse_mode="HTML")

    assert message.text == "7 <sure>"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 1)]
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(alice.id, "x < 5", parse_mode="HTML")


async def test_bad_send_parameters_fail_like_telegram(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.private_chat(alice)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(alice.id, "hi", reply_to_message_id=77)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            alice.id,
            "hi",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("a", callback_data="d" * 65)]]
            ),
        )


async def test_delete_message(emu: Emulator, bot: Bot, alice: User) -> None:
    emu.private_chat(alice)
    sent = await bot.send_message(alice.id, "bye")

    assert await bot.delete_message(alice.id, sent.message_id)

    assert emu.sent_messages(alice) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
