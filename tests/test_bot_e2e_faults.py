"""End-to-end: the real bot against a misbehaving Bot API and a hostile client.

Faults are injected by the emulator per method (5xx, dropped connections, timeouts, getFile
answering with a path on the bot's own machine); presses carry forged callback data as a
modified client can send. One bot serves the module; each test talks to it as a fresh user.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot import texts
from bot.settings import Env
from bot.storage import LabelStatus
from emulator import Chat, SentMessage, SyncEmulator, User
from recognizer import ImageTooLargeError
from tests.botharness import BotProcess, digit_photo, reads_as, wait_until
from tests.conftest import SHARED_DATA
from training.mnist import Mnist

RATE_LIMIT = 8
WAIT = 30.0
QUIET = 1.5
"""Seconds to watch for a second, unwanted message after the expected one."""

REPORTED = SHARED_DATA / "reported-cases"


@pytest.fixture(scope="module")
def bot_settings() -> dict[str, str]:
    return {Env.RATE_LIMIT_MESSAGES: str(RATE_LIMIT), Env.RATE_LIMIT_WINDOW_SECONDS: "600"}


@pytest.fixture(autouse=True)
def no_faults_left(emu: SyncEmulator) -> Iterator[None]:
    """Each test's faults end with it, so they never reach the next test's messages."""
    yield
    emu.clear_faults()


@pytest.fixture(scope="module")
def seven(mnist: Mnist) -> tuple[int, bytes]:
    return int(mnist.y_test[0]), digit_photo(mnist.x_test[0])


def replies_to(emu: SyncEmulator, chat: Chat | User, sent: dict) -> list[SentMessage]:
    return [m for m in emu.sent_messages(chat) if m.reply_to_message_id == sent["message_id"]]


def only_reply(emu: SyncEmulator, chat: Chat | User, sent: dict) -> SentMessage:
    """The bot's one reply to ``sent``: waits for it, then makes sure no second one follows."""
    wait_until(lambda: bool(replies_to(emu, chat, sent)), WAIT, "a reply")
    time.sleep(QUIET)
    [reply] = replies_to(emu, chat, sent)
    return reply


def ask(emu: SyncEmulator, chat: User, photo: bytes) -> SentMessage:
    return only_reply(emu, chat, emu.send_photo(chat, photo))


def press_answer(emu: SyncEmulator, chat: User, answer: SentMessage, data: str) -> str | None:
    """Forge a press on ``answer`` and return the text the bot answered the press with."""
    since = emu.mark()
    query = emu.forge_press(chat, answer, data)
    action = emu.wait_for(
        chat,
        lambda a: a.details.get("callback_query_id") == query["id"],
        kinds=["callback_answer"],
        since=since,
        timeout=5,
    )
    return action.details["text"]


def first_id(answer: SentMessage) -> int:
    return int(answer.buttons[0][0]["callback_data"].split(":")[1])


# -- forged and unknown button presses -------------------------------------------------------


def test_a_forged_huge_digit_count_is_refused_at_once(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    """Old code looped over a billion ids before answering: the whole bot froze."""
    answer = ask(emu, user, seven[1])
    started = time.monotonic()
    refusal = press_answer(emu, user, answer, f"nb:{first_id(answer)}:1000000000:right")
    assert time.monotonic() - started < 3
    assert refusal == texts.unknown_button()
    assert reads_as(ask(emu, user, seven[1]).caption, seven[0]), "the bot still answers"


@pytest.mark.parametrize(
    "data", ["fb:9223372036854775808:wrong", "nb:99999999999999999999:2:right", "fb:0:right"]
)
def test_out_of_range_ids_get_a_notice_not_a_traceback(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes], data: str
) -> None:
    answer = ask(emu, user, seven[1])
    assert press_answer(emu, user, answer, data) == texts.unknown_button()
    assert "OverflowError" not in bot.log
    assert "Traceback" not in bot.log


def test_ids_of_another_answer_are_refused(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes]
) -> None:
    first = ask(emu, user, seven[1])
    second = ask(emu, user, seven[1])
    forged = f"fb:{first_id(second)}:3"
    assert press_answer(emu, user, first, forged) == texts.label_refused(LabelStatus.UNKNOWN)
    assert press_answer(emu, user, first, f"nb:{first_id(first)}:2:right") == (
        texts.label_refused(LabelStatus.UNKNOWN)
    ), "a one-digit answer is not a two-digit number"
    assert press_answer(emu, user, first, f"nb:{first_id(first)}:1:right") == (
        texts.label_refused(LabelStatus.UNKNOWN)
    ), "nor a one-digit row of a number: it has the keypad"
    assert press_answer(emu, user, second, f"fb:{first_id(second)}:right") == texts.label_saved()


@pytest.mark.parametrize(
    "data",
    [
        "hello",
        "fb:12:right\n",
        "fb:12:maybe",
        "nb:5:0:right",
        "nb:5:2:right\n",
        "fg:{user}:yes\n",
        "fg:{user}:no\n",
        "",
    ],
)
def test_unknown_callback_data_gets_a_short_notice(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes], data: str
) -> None:
    """A trailing newline once slipped past a pattern ending in ``$`` into the /forget handler,
    which then left the button spinning: every pattern must reject it."""
    answer = ask(emu, user, seven[1])
    forged = data.format(user=user.id)
    assert press_answer(emu, user, answer, forged) == texts.unknown_button()


def test_presses_share_the_rate_limit_and_each_is_answered(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes]
) -> None:
    answer = ask(emu, user, seven[1])
    notices = [press_answer(emu, user, answer, "hello") for _ in range(RATE_LIMIT + 2)]
    assert notices[: RATE_LIMIT - 1] == [texts.unknown_button()] * (RATE_LIMIT - 1)
    assert all((notice or "").startswith("Easy there!") for notice in notices[RATE_LIMIT - 1 :])


# -- transient Bot API failures: retried, one answer -----------------------------------------


FAULTS = {
    "getFile 500": ("fail", "getFile"),
    "getFile dropped": ("drop", "getFile"),
    "download 502": ("fail", "download"),
    "download dropped": ("drop", "download"),
    "sendPhoto 500": ("fail", "sendPhoto"),
    "sendPhoto dropped": ("drop", "sendPhoto"),
}


@pytest.mark.parametrize("case", FAULTS)
def test_transient_failures_are_retried_and_answered_once(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes], case: str
) -> None:
    kind, method = FAULTS[case]
    if kind == "fail":
        emu.fail_next(method, 2, status=502 if method == "download" else 500)
    else:
        emu.drop_next(method, 2)
    assert reads_as(ask(emu, user, seven[1]).caption, seven[0])


def test_a_timed_out_get_file_is_retried(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes]
) -> None:
    emu.slow_down("getFile", 8.0, count=1)  # python-telegram-bot gives up after 5 s
    assert reads_as(ask(emu, user, seven[1]).caption, seven[0])


@pytest.mark.parametrize("method", ["download", "sendPhoto"])
def test_a_timed_out_download_or_answer_is_retried_and_answered_once(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes], method: str
) -> None:
    """python-telegram-bot stops waiting after 5 s: the retry brings the answer, and the
    user gets exactly one (the emulator drops a call whose client has gone)."""
    emu.slow_down(method, 8.0, count=1)
    sent = emu.send_photo(user, seven[1])
    assert reads_as(only_reply(emu, user, sent).caption, seven[0])


@pytest.mark.parametrize("method", ["getFile", "download"])
def test_telegram_down_for_long_gets_one_send_it_again(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes], method: str
) -> None:
    emu.fail_next(method, 20)
    reply = only_reply(emu, user, emu.send_photo(user, seven[1]))
    assert reply.text == texts.send_again()


def test_an_answer_never_sent_is_not_counted(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    emu.fail_next("sendPhoto", 20, chat=user)
    reply = only_reply(emu, user, emu.send_photo(user, seven[1]))
    assert reply.text == texts.send_again()
    [(sent, unsent)] = bot.query(
        "SELECT COUNT(sent_at), COUNT(*) - COUNT(sent_at) FROM answers WHERE chat_id = ?",
        user.id,
    )
    assert (sent, unsent) == (0, 1)


# -- getFile pointing at the bot's own disk --------------------------------------------------


def test_local_paths_from_get_file_are_never_read(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes], tmp_path: Path
) -> None:
    """Old code read any path that exists on the bot's machine: a digit PNG here, which it then
    answered as if the user had sent it."""
    local = tmp_path / "local-digit.png"
    local.write_bytes(digit_photo(np.asarray(Image.open(io.BytesIO(seven[1])).convert("L"))))
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as sparse:
        sparse.truncate(1536 * 2**20)
    for path in (str(local), "/etc/passwd", str(huge), "/no/such/file.png"):
        emu.answer_get_file_with(path)
        reply = only_reply(emu, user, emu.send_photo(user, seven[1]))
        assert reply.text == texts.send_again(), path
    assert "TELEGRAM_LOCAL_MODE is off" in bot.log


# -- what people really send -----------------------------------------------------------------


def reported(name: str) -> bytes:
    return (REPORTED / name).read_bytes()


def expected_reading(name: str) -> str:
    for line in (REPORTED / "expected.tsv").read_text().splitlines()[1:]:
        expected, file_name, _ = line.split("\t")
        if file_name == name:
            return expected
    raise KeyError(name)


FILES = {
    "MIME image/jpg": ("doc-scan-mime-image-jpg-2.jpg", "doc-scan.jpg", "image/jpg"),
    "MIME IMAGE/JPEG, .JFIF": ("doc-scan-mime-image-jpg-2.jpg", "SCAN.JFIF", "IMAGE/JPEG"),
    "no extension, no MIME": ("doc-scan-mime-image-jpg-2.jpg", "scan", "application/octet-stream"),
    "AVIF": ("doc-avif-7.avif", "IMG_0001.avif", "image/avif"),
    "HEIC": ("doc-iphone-7.heic", "IMG_0002.HEIC", "image/heic"),
    "JPEG without end marker": ("jpeg-missing-eoi-7.jpg", "cut.jpg", "image/jpeg"),
    "16-bit gray PNG": ("gray16-7.png", "deep.png", "image/png"),
    "CMYK JPEG": ("cmyk-7.jpg", "print.jpg", "image/jpeg"),
    "strokes in alpha": ("alpha-black-on-transparent-7.png", "drawing.png", "image/png"),
    "EXIF orientation 3": ("exif-orientation3-6.jpg", "upside-down.jpg", "image/jpeg"),
}


@pytest.mark.parametrize("case", FILES)
def test_reported_image_files_are_read(emu: SyncEmulator, user: User, case: str) -> None:
    source, file_name, mime_type = FILES[case]
    sent = emu.send_document(user, reported(source), file_name, mime_type)
    answer = only_reply(emu, user, sent)
    assert reads_as(answer.caption, int(expected_reading(source))), answer.content


def test_a_file_that_is_no_image_is_told_so_whatever_its_name(
    emu: SyncEmulator, user: User
) -> None:
    sent = emu.send_document(user, b"%PDF-1.7\n" + bytes(500), "scan.jpg", "image/jpeg")
    assert only_reply(emu, user, sent).text == texts.not_an_image_file()


def test_a_huge_png_is_refused_from_its_header(
    emu: SyncEmulator, bot: BotProcess, user: User
) -> None:
    """7000x7000 RGBA: 200 KB on the wire, 1.3 GB if it were decoded."""
    canvas = np.zeros((7000, 7000, 4), np.uint8)
    canvas[3000:4000, 3400:3600, 3] = 255
    buffer = io.BytesIO()
    Image.fromarray(canvas, "RGBA").save(buffer, format="PNG")
    sent = emu.send_document(user, buffer.getvalue(), "huge.png")
    assert only_reply(emu, user, sent).content == texts.recognizer_refusal(ImageTooLargeError(""))


def test_an_album_addressed_in_its_first_caption_is_read_photo_by_photo(
    emu: SyncEmulator, bot: BotProcess
) -> None:
    assert "privacy mode is off" in bot.log
    ada, bob = emu.add_user("AlbumAda"), emu.add_user("AlbumBob")
    group = emu.add_group("Album club", [ada, bob])
    names = ["doc-scan-mime-image-jpg-2.jpg", "album-4.jpg", "album-7.jpg"]
    album = emu.send_album(
        group, [reported(n) for n in names], caption=f"@{emu.bot.username} what?", user=ada
    )
    for sent, name in zip(album, names, strict=True):
        answer = only_reply(emu, group, sent)
        assert reads_as(answer.caption, int(expected_reading(name))), name
    unaddressed = emu.send_album(group, [reported(n) for n in names], caption="ours", user=bob)
    time.sleep(QUIET)
    assert not any(replies_to(emu, group, sent) for sent in unaddressed)
