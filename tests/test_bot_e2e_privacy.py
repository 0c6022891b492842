"""End-to-end: a bot in Telegram's privacy mode (the default), in a group.

With privacy mode on, Telegram sends a bot only the group messages meant for it: commands for
it, replies to its messages, messages that mention it. The emulator models that, so these tests
prove that what /help promises in a group reaches the bot and is answered.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot import texts
from emulator import Chat, SentMessage, SyncEmulator
from tests.botharness import BotProcess, digit_photo, reads_as
from tests.conftest import SHARED_DATA
from training.mnist import Mnist

WAIT = 30.0
REPORTED = SHARED_DATA / "reported-cases"
ALBUM = ["doc-scan-mime-image-jpg-2.jpg", "album-4.jpg", "album-7.jpg"]
"""The reported album: a 2, a 4 and a 7."""


@pytest.fixture(scope="module")
def emu() -> Iterator[SyncEmulator]:
    with SyncEmulator(privacy_mode=True) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def bot(emu: SyncEmulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    process = BotProcess(emu, tmp_path_factory.mktemp("bot")).start()
    yield process
    assert process.stop() == 0, process.log


@pytest.fixture(scope="module")
def seven(mnist: Mnist) -> bytes:
    return digit_photo(mnist.x_test[0])


def _replies(emu: SyncEmulator, chat: Chat, sent: dict) -> list[SentMessage]:
    return [m for m in emu.sent_messages(chat) if m.reply_to_message_id == sent["message_id"]]


def _answer(emu: SyncEmulator, chat: Chat, sent: dict) -> SentMessage:
    return emu.wait_for_message(
        chat, lambda m: m.reply_to_message_id == sent["message_id"], timeout=WAIT
    )


def test_the_log_says_what_privacy_mode_means(bot: BotProcess) -> None:
    assert "privacy mode is on" in bot.log


def test_what_help_promises_in_a_group_reaches_the_bot(
    emu: SyncEmulator, bot: BotProcess, seven: bytes
) -> None:
    ada, bob = emu.add_user("PrivAda"), emu.add_user("PrivBob")
    group = emu.add_group("Privacy club", [ada, bob])
    handle = f"@{emu.bot.username}"
    emu.send_command(group, "help", user=ada)
    assert emu.wait_for_message(group, timeout=WAIT).text == texts.help_text(str(emu.bot.username))
    mentioned = emu.send_photo(group, seven, caption=f"{handle} which?", user=ada)
    answer = _answer(emu, group, mentioned)
    assert reads_as(answer.caption, 7)
    reply = emu.send_photo(group, seven, user=bob, reply_to=answer)
    assert reads_as(_answer(emu, group, reply).caption, 7)
    plain = emu.send_photo(group, seven, user=bob)
    command = emu.send_command(group, "digit", user=ada, reply_to=plain)
    assert reads_as(_answer(emu, group, plain).caption, 7), "/digit reads the plain photo"
    assert _replies(emu, group, command) == []


def test_digit_at_the_bot_is_answered_after_another_bot_wrote_and_help_names_it(
    emu: SyncEmulator, bot: BotProcess, seven: bytes
) -> None:
    """With privacy mode on, Telegram sends a bot a bare ``/digit`` only if it was the last bot
    to write in the group; ``/digit@bot`` always. So /help must name the addressed form."""
    ada = emu.add_user("PrivAda2")
    other = emu.add_other_bot("Quizzer", "quizzer_bot")
    group = emu.add_group("Two bots", [ada, other])
    asked = emu.send_text(group, f"/help@{emu.bot.username}", user=ada)
    help_reply = _answer(emu, group, asked).text or ""
    assert f"/digit@{emu.bot.username}" in help_reply
    emu.send_text(group, "Quiz time!", user=other)
    bare_target = emu.send_photo(group, seven, user=ada)
    emu.send_text(group, "/digit", user=ada, reply_to=bare_target)
    addressed_target = emu.send_photo(group, seven, user=ada)
    emu.send_text(group, f"/digit@{emu.bot.username}", user=ada, reply_to=addressed_target)
    assert reads_as(_answer(emu, group, addressed_target).caption, 7)
    time.sleep(1.5)
    assert _replies(emu, group, bare_target) == [], "a bare /digit never reached the bot"


def test_an_album_gets_its_first_photo_read_and_digit_reads_the_others(
    emu: SyncEmulator, bot: BotProcess
) -> None:
    ada = emu.add_user("AlbumPrivAda")
    group = emu.add_group("Album privacy", [ada])
    delivered = emu.stats.updates_created
    album = emu.send_album(
        group,
        [(REPORTED / name).read_bytes() for name in ALBUM],
        caption=f"@{emu.bot.username}",
        user=ada,
    )
    assert emu.stats.updates_created == delivered + 1, "Telegram sends the bot the first only"
    assert reads_as(_answer(emu, group, album[0]).caption, 2)
    for sent, digit in zip(album[1:], (4, 7), strict=True):
        emu.send_command(group, "digit", user=ada, reply_to=sent)
        assert reads_as(_answer(emu, group, sent).caption, digit)
    time.sleep(1)
    assert [len(_replies(emu, group, sent)) for sent in album] == [1, 1, 1]
