"""End-to-end: the real bot process against the emulated Bot API, observed from outside.

One bot serves the whole module (starting it is the slow part); every test talks to it as its
own fresh user (``tests.botharness``' fixtures), so the tests stay independent of each other's
chats, rate limits and samples.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from bot import texts
from bot.settings import Env
from bot.storage import LabelStatus
from emulator import BotAction, Chat, SentMessage, SyncEmulator, User
from recognizer import ImageDecodeError, ImageTooLargeError, NoDigitError
from tests.botharness import (
    PNG_SIGNATURE,
    WAIT,
    BotProcess,
    ask,
    confirm_right,
    digit_photo,
    first_of_each_digit,
    model_dir,
    reads_as,
    replies_to,
    wait_until,
)
from training.mnist import Mnist

ADMIN_ID = 4242
RATE_LIMIT = 12

_names = itertools.count(1)


@pytest.fixture(scope="module")
def bot_settings() -> dict[str, str]:
    return {
        Env.ADMIN_IDS: str(ADMIN_ID),
        Env.RATE_LIMIT_MESSAGES: str(RATE_LIMIT),
        Env.RATE_LIMIT_WINDOW_SECONDS: "600",
        Env.MAX_IMAGE_MB: "1",
    }


@pytest.fixture(scope="module")
def admin(emu: SyncEmulator, bot: BotProcess) -> User:
    """The bot's admin, who has started a chat with it (bots cannot write first)."""
    admin = emu.add_user("Admin", user_id=ADMIN_ID)
    emu.send_command(admin, "start")
    emu.wait_for_message(admin, timeout=WAIT)
    return admin


@pytest.fixture(scope="module")
def seven(mnist: Mnist) -> tuple[int, bytes]:
    """The first MNIST test digit (a 7) as a JPEG photo, with its true label."""
    return int(mnist.y_test[0]), digit_photo(mnist.x_test[0])


def reply_text(emu: SyncEmulator, chat: User) -> str:
    return emu.wait_for_message(chat, timeout=WAIT).content


# -- photo in, answer out -------------------------------------------------------------------


def test_commands_are_registered_at_startup(emu: SyncEmulator, bot: BotProcess) -> None:
    everyone = [command["command"] for command in emu.commands()]
    assert everyone == [name for name, _ in texts.commands()]
    admin_scope = {"type": "chat", "chat_id": ADMIN_ID}
    admin_menu = [c["command"] for c in emu.commands(admin_scope)]
    assert admin_menu == [name for name, _ in texts.commands() + texts.admin_commands()]
    assert {"retrain", "rollback", "model"} <= set(admin_menu) - set(everyone)
    english = {c["command"]: c["description"] for c in emu.commands()}
    russian = {c["command"]: c["description"] for c in emu.commands(language_code="ru")}
    assert russian.keys() == english.keys()
    assert russian["help"] == "Как сделать хорошее фото"
    assert english["help"] == "How to take a good photo"
    russian_admin = {c["command"]: c["description"] for c in emu.commands(admin_scope, "ru")}
    assert russian_admin["retrain"].startswith("Дообучить модель")


def test_real_digit_photos_are_read_with_a_chart(
    emu: SyncEmulator, user: User, mnist: Mnist
) -> None:
    for index in first_of_each_digit(mnist.y_test):
        digit = int(mnist.y_test[index])
        answer = ask(emu, user, digit_photo(mnist.x_test[index]))
        assert reads_as(answer.caption, digit), answer.caption
        assert answer.photo is not None
        assert answer.photo.startswith(PNG_SIGNATURE)
        assert answer.button_texts == ["Right", "Wrong"]
    assert emu.chat_actions(user).count("upload_photo") == 10


def test_confident_caption_reads_digit_and_percentage(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes]
) -> None:
    digit, photo = seven
    caption = ask(emu, user, photo).caption or ""
    number, _, rest = caption.partition(" (")
    assert number == str(digit)
    assert rest.endswith("% sure)")
    assert 80 <= float(rest.removesuffix("% sure)")) <= 100


@pytest.mark.parametrize(
    ("image_format", "file_name"),
    [("JPEG", "scan.jpg"), ("PNG", "digit.png"), ("WEBP", "d.webp")],
)
def test_images_sent_as_files_are_read(
    emu: SyncEmulator, user: User, mnist: Mnist, image_format: str, file_name: str
) -> None:
    index = first_of_each_digit(mnist.y_test)[3]
    emu.send_document(user, digit_photo(mnist.x_test[index], image_format), file_name)
    answer = emu.wait_for_message(user, timeout=WAIT)
    assert reads_as(answer.caption, 3)
    assert answer.photo is not None


# -- feedback -------------------------------------------------------------------------------


def test_right_stores_the_crop_with_label_user_and_time(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    digit, photo = seven
    edited = confirm_right(emu, user, photo)
    assert texts.thanks(None) in (edited.caption or "")
    assert edited.buttons == []
    [(label, predicted, created_at, png)] = bot.query(
        "SELECT label, predicted, created_at, png FROM samples WHERE user_id = ?", user.id
    )
    assert label == predicted == digit
    assert created_at > 0
    assert not (bot.data_dir / "samples").exists(), "in the database, on no replica's disk"
    with Image.open(io.BytesIO(png)) as crop:
        assert crop.size == (28, 28)
        assert crop.mode == "L"
        pixels = np.asarray(crop)
    assert pixels[0, 0] == 0, "the crop is white on black, like MNIST"
    assert pixels.max() > 200


def test_wrong_opens_a_keypad_and_stores_the_chosen_digit(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    answer = ask(emu, user, seven[1])
    emu.press_button(user, answer, text="Wrong")
    keypad = emu.wait_for_edit(user, timeout=WAIT)
    assert keypad.button_texts == [*(str(d) for d in range(10)), "Back"]
    mark = emu.mark()
    emu.press_button(user, answer, text="Back")
    assert emu.wait_for_edit(user, since=mark, timeout=WAIT).button_texts == ["Right", "Wrong"]
    emu.press_button(user, answer, text="Wrong")
    emu.wait_for_edit(user, lambda m: "Back" in m.button_texts, timeout=WAIT)
    mark = emu.mark()
    emu.press_button(user, answer, text="1")
    edited = emu.wait_for_edit(user, lambda m: not m.buttons, since=mark, timeout=WAIT)
    assert texts.thanks(1) in (edited.caption or "")
    [(label, predicted, png)] = bot.query(
        "SELECT label, predicted, png FROM samples WHERE user_id = ?", user.id
    )
    assert (label, predicted) == (1, seven[0])
    with Image.open(io.BytesIO(png)) as crop:
        assert crop.size == (28, 28), "the crop is kept with its label"


def test_only_the_28x28_crop_is_kept_never_the_photo(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    ask(emu, user, seven[1])
    [(png,)] = bot.query(
        "SELECT c.png FROM pending_crops AS c JOIN predictions AS p ON p.id = c.prediction_id"
        " WHERE p.user_id = ?",
        user.id,
    )
    with Image.open(io.BytesIO(png)) as crop:
        assert crop.size == (28, 28)


def test_forget_deletes_my_samples(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    confirm_right(emu, user, seven[1])
    emu.send_command(user, "forget")
    question = emu.wait_for_message(user, timeout=WAIT)
    assert question.content == texts.forget_question()
    assert question.button_texts == [texts.forget_yes(), texts.forget_no()]
    assert bot.query("SELECT id FROM samples WHERE user_id = ?", user.id) != [], "asked first"

    emu.press_button(user, question, text=texts.forget_no())
    kept = emu.wait_for_edit(user, timeout=WAIT)
    assert (kept.content, kept.button_texts) == (texts.forget_kept(), [])
    assert bot.query("SELECT id FROM samples WHERE user_id = ?", user.id) != []

    emu.send_command(user, "forget")
    question = emu.wait_for_message(user, lambda m: m.button_texts != [], timeout=WAIT)
    emu.press_button(user, question, text=texts.forget_yes())
    done = emu.wait_for_edit(user, lambda m: m.message_id == question.message_id, timeout=WAIT)
    assert (done.content, done.button_texts) == (texts.forgotten(1), [])
    assert bot.query("SELECT id FROM samples WHERE user_id = ?", user.id) == []
    assert bot.query("SELECT id FROM predictions WHERE user_id = ?", user.id) == []


def test_a_russian_speaking_user_is_answered_in_russian(
    emu: SyncEmulator, bot: BotProcess, seven: tuple[int, bytes]
) -> None:
    """Telegram tells the bot each user's app language; the replies, buttons and captions
    follow it, and an unknown language gets English."""
    russian = emu.add_user("Ivan", language_code="ru")
    emu.send_command(russian, "start")
    assert reply_text(emu, russian).startswith("Привет! Я читаю рукописные цифры.")
    answer = ask(emu, russian, seven[1])
    assert (answer.caption or "").startswith(f"{seven[0]} (уверенность ")
    assert answer.button_texts == ["Верно", "Неверно"]
    emu.press_button(russian, answer, text="Неверно")
    keypad = emu.wait_for_edit(russian, timeout=WAIT)
    assert keypad.button_texts[-1] == "Назад"
    assert emu.callback_answers(russian)[-1]["text"] == "Какая это цифра?"
    emu.send_text(russian, "привет")
    assert reply_text(emu, russian).startswith("Пришлите фото рукописной цифры")
    emu.send_photo(russian, _blank_photo())
    assert reply_text(emu, russian).startswith("Я не нашёл на этой картинке")
    emu.send_command(russian, "stats")
    russian_stats = emu.wait_for_message(russian, timeout=WAIT)
    assert "Ответов дано: всего" in russian_stats.content
    assert russian_stats.content.endswith("График: точность на тесте по цифрам (MNIST).")

    german = emu.add_user("Greta", language_code="de")
    emu.send_command(german, "start")
    assert reply_text(emu, german) == texts.start()
    emu.send_command(german, "stats")
    english_stats = emu.wait_for_message(german, timeout=WAIT)
    assert english_stats.content.endswith("Chart: test accuracy per digit (MNIST).")
    # The chart draws no words (its font has no Cyrillic): the same picture in every language.
    assert russian_stats.photo is not None
    assert russian_stats.photo == english_stats.photo


# -- commands -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("start", lambda _bot: texts.start()),
        ("help", texts.help_text),
        ("privacy", lambda _bot: "28x28"),
    ],
)
def test_informational_commands(
    emu: SyncEmulator, user: User, command: str, expected: Callable[[str], str]
) -> None:
    """``expected`` is given the bot's username, which /help names."""
    emu.send_command(user, command)
    assert expected(str(emu.bot.username)) in reply_text(emu, user)


def test_stats_shows_model_figures_usage_and_live_accuracy(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    confirm_right(emu, user, seven[1])
    before = _usage(bot)
    emu.send_command(user, "stats")
    stats = emu.wait_for_message(user, timeout=WAIT)
    after = _usage(bot)
    metrics = json.loads((model_dir() / "metrics.json").read_text())
    caption = stats.caption or ""
    assert f"{metrics['test_accuracy']:.2%}" in caption
    served = re.search(r"Answers served: (\d+) in total, (\d+) in the last 24 h", caption)
    feedback = re.search(r"\((\d+) right out of (\d+) labelled\)", caption)
    assert served is not None, caption
    assert feedback is not None, caption
    shown = (int(served[1]), int(served[2]), int(feedback[1]), int(feedback[2]))
    # Other tests' answers may still be landing: the figures lie between the database's counts
    # just before and just after /stats, and include this test's own answer.
    for low, figure, high in zip(before, shown, after, strict=True):
        assert low <= figure <= high, (before, shown, after)
    assert min(shown) >= 1
    assert shown[0] == shown[1], "every answer of this run is from the last 24 h"
    assert stats.photo is not None
    with Image.open(io.BytesIO(stats.photo)) as chart:
        assert chart.width >= 400


def _usage(bot: BotProcess) -> tuple[int, int, int, int]:
    """Answers sent in total and in the last day, answers labelled in full and right, and
    answers labelled in full, counted from the database's rows: a number is one answer, right
    only when every digit's label agrees."""
    [(served,)] = bot.query("SELECT COUNT(*) FROM answers WHERE sent_at IS NOT NULL")
    [(labelled, right)] = bot.query(
        "SELECT COUNT(*), SUM(correct) FROM ("
        " SELECT MIN(s.label = s.predicted) AS correct FROM answers a"
        " JOIN predictions p ON p.answer_id = a.id JOIN samples s ON s.prediction_id = p.id"
        " GROUP BY a.id, a.digits HAVING COUNT(s.id) = a.digits)"
    )
    return served, served, right or 0, labelled


def test_debug_shows_tensorflow_is_not_loaded(
    emu: SyncEmulator, bot: BotProcess, admin: User
) -> None:
    emu.send_command(admin, "debug")
    assert "tensorflow loaded: no" in reply_text(emu, admin)
    assert "tensorflow loaded: no" in bot.log


def test_debug_is_for_admins_only(emu: SyncEmulator, user: User) -> None:
    emu.send_command(user, "debug")
    assert reply_text(emu, user) == texts.admins_only()


# -- everything else gets a useful reply ----------------------------------------------------


def _noise_png(side: int) -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _blank_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (480, 480), (236, 236, 230)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _huge_canvas_png() -> bytes:
    """A small file that decodes to 56 megapixels: refused from its header."""
    buffer = io.BytesIO()
    Image.new("1", (8000, 7000), 1).save(buffer, format="PNG")
    return buffer.getvalue()


BAD_INPUTS = {
    "text": (lambda emu, u: emu.send_text(u, "hello"), texts.text_hint()),
    "unknown command": (lambda emu, u: emu.send_command(u, "frobnicate"), texts.unknown_command()),
    "sticker": (lambda emu, u: emu.send_sticker(u), texts.sticker()),
    "voice": (lambda emu, u: emu.send_voice(u), texts.voice()),
    "video": (lambda emu, u: emu.send_video(u), texts.video()),
    "gif": (lambda emu, u: emu.send_animation(u), texts.animation()),
    "pdf": (
        lambda emu, u: emu.send_document(u, b"%PDF-1.4 not really", "notes.pdf"),
        texts.not_an_image_file(),
    ),
    "too many bytes": (
        lambda emu, u: emu.send_document(u, _noise_png(900), "big.png"),
        "up to 1 MB",
    ),
    "too many pixels": (
        lambda emu, u: emu.send_document(u, _huge_canvas_png(), "huge.png"),
        texts.recognizer_refusal(ImageTooLargeError("")),
    ),
    "corrupt jpeg": (
        lambda emu, u: emu.send_document(u, b"\xff\xd8\xff\xe0" + bytes(300), "broken.jpg"),
        texts.recognizer_refusal(ImageDecodeError("")),
    ),
    "no digit": (
        lambda emu, u: emu.send_photo(u, _blank_photo()),
        texts.recognizer_refusal(NoDigitError("")),
    ),
}


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_bad_input_gets_a_friendly_reply(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes], kind: str
) -> None:
    send, expected = BAD_INPUTS[kind]
    send(emu, user)
    reply = emu.wait_for_message(user, timeout=WAIT)
    assert expected in reply.content
    assert reply.content != texts.internal_error()
    assert reply.photo is None
    assert reads_as(ask(emu, user, seven[1]).caption, seven[0]), "still serving"


# -- groups ---------------------------------------------------------------------------------


@pytest.fixture
def group(emu: SyncEmulator, bot: BotProcess):
    alice = emu.add_user(f"Alice{next(_names)}")
    bob = emu.add_user(f"Bob{next(_names)}")
    return emu.add_group(f"Group{next(_names)}", [alice, bob]), alice, bob


def _replies_to(emu: SyncEmulator, chat: Chat, message: dict) -> list[SentMessage]:
    return list(filter(replies_to(message), emu.sent_messages(chat)))


def _answers(query: dict) -> Callable[[BotAction], bool]:
    """Matches the bot's answer to the callback query ``query``."""
    return lambda action: action.details.get("callback_query_id") == query["id"]


def test_group_photos_are_read_only_when_addressed_to_the_bot(
    emu: SyncEmulator, group, seven: tuple[int, bytes]
) -> None:
    chat, alice, bob = group
    handle = f"@{emu.bot.username}"
    ignored = [
        emu.send_photo(chat, seven[1], user=alice),
        emu.send_photo(chat, seven[1], caption="look at this", user=bob),
        emu.send_text(chat, "what a nice 7", user=alice),
    ]
    mentioned = emu.send_photo(chat, seven[1], caption=f"{handle} which digit?", user=bob)
    answer = emu.wait_for_message(chat, replies_to(mentioned), timeout=WAIT)
    replied = emu.send_photo(chat, seven[1], user=alice, reply_to=answer)
    emu.wait_for_message(chat, replies_to(replied), timeout=WAIT)
    for message in ignored:
        assert _replies_to(emu, chat, message) == []
    assert len(emu.sent_messages(chat)) == 2


def test_digit_command_reads_the_photo_it_replies_to(
    emu: SyncEmulator, bot: BotProcess, group, seven: tuple[int, bytes]
) -> None:
    chat, alice, bob = group
    photo = emu.send_photo(chat, seven[1], user=bob)
    emu.send_command(chat, "digit", user=alice, reply_to=photo)
    answer = emu.wait_for_message(chat, replies_to(photo), timeout=WAIT)
    assert reads_as(answer.caption, seven[0])
    [(owner,)] = bot.query("SELECT user_id FROM predictions WHERE chat_id = ?", chat.id)
    assert owner == bob.id, "the photo's sender owns the answer"
    emu.send_command(chat, "digit", user=alice)
    assert emu.wait_for_message(chat, timeout=WAIT).content == texts.digit_needs_reply()


def test_only_the_photo_sender_can_label_it(
    emu: SyncEmulator, bot: BotProcess, group, seven: tuple[int, bytes]
) -> None:
    chat, alice, bob = group
    photo = emu.send_photo(chat, seven[1], caption=f"@{emu.bot.username}", user=alice)
    answer = emu.wait_for_message(chat, replies_to(photo), timeout=WAIT)
    for button in ("Right", "Wrong"):
        query = emu.press_button(chat, answer, text=button, user=bob)
        emu.wait_for(chat, _answers(query), kinds=["callback_answer"], timeout=WAIT)
    refusals = [a["text"] for a in emu.callback_answers(chat)]
    assert refusals == [texts.label_refused(LabelStatus.NOT_OWNER)] * 2
    assert emu.sent_messages(chat)[-1].button_texts == ["Right", "Wrong"]
    assert bot.query("SELECT id FROM samples WHERE user_id IN (?, ?)", alice.id, bob.id) == []
    emu.press_button(chat, answer, text="Right", user=alice)
    emu.wait_for_edit(chat, timeout=WAIT)
    assert len(bot.query("SELECT id FROM samples WHERE user_id = ?", alice.id)) == 1


# -- load and faults ------------------------------------------------------------------------


def test_rate_limit_tells_the_user_once_and_spares_others(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    for _ in range(RATE_LIMIT + 3):
        emu.send_text(user, "hi")
    other = emu.add_user("Patient")
    assert reads_as(ask(emu, other, seven[1]).caption, seven[0])

    def replies() -> list[str]:
        return [m.content for m in emu.sent_messages(user)]

    wait_until(lambda: len(replies()) == RATE_LIMIT + 1, WAIT, "hints and one limit notice")
    assert replies().count(texts.text_hint()) == RATE_LIMIT
    [notice] = [reply for reply in replies() if reply != texts.text_hint()]
    assert notice.startswith("Easy there!")
    assert f"up to {RATE_LIMIT} messages per 600 seconds" in notice
    bot.wait_for_log(f"user={user.id} chat={user.id} kind=text outcome=rate limited (silently)")
    assert len(replies()) == RATE_LIMIT + 1


def test_a_slow_chat_does_not_hold_up_others(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes]
) -> None:
    emu.slow_down("sendPhoto", 3.0, count=1, chat=user)
    slow = emu.send_photo(user, seven[1])
    other = emu.add_user("Quick")
    quick = ask(emu, other, seven[1])
    slow_answer = emu.wait_for(
        user,
        lambda a: a.message is not None and a.message.reply_to_message_id == slow["message_id"],
        timeout=WAIT,
    )
    [quick_action] = [a for a in emu.actions(other, ["sent"]) if a.message == quick]
    assert quick_action.seq < slow_answer.seq
    assert slow_answer.time - quick_action.time > 1.5


def test_flood_control_is_waited_out(
    emu: SyncEmulator, user: User, seven: tuple[int, bytes]
) -> None:
    emu.flood_next("sendPhoto", retry_after=1, chat=user)
    assert reads_as(ask(emu, user, seven[1]).caption, seven[0])


def test_server_errors_and_blocked_users_are_survived(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    emu.fail_next("sendPhoto", chat=user)
    assert reads_as(ask(emu, user, seven[1]).caption, seven[0]), "the 500 was retried"
    assert "sendPhoto failed" in bot.log
    blocker = emu.add_user("Blocker")
    emu.block_bot(blocker)
    emu.send_photo(blocker, seven[1])
    assert reads_as(ask(emu, user, seven[1]).caption, seven[0])
    bot.wait_for_log(f"user={blocker.id} chat={blocker.id} kind=photo outcome=error: Forbidden")
    assert "blocked the bot" in bot.log


def test_an_unexpected_error_is_apologised_for_and_admins_get_one_short_notice(
    emu: SyncEmulator, bot: BotProcess, user: User, admin: User, seven: tuple[int, bytes]
) -> None:
    """A Bot API answer the bot cannot read is a bug to look into, not a user's mistake."""
    mark = emu.mark()
    emu.garble_next("sendPhoto", count=2, chat=user)
    for _ in range(2):
        emu.send_photo(user, seven[1])
        assert emu.wait_for_message(user, timeout=WAIT).content == texts.internal_error()
    failed = f"user={user.id} chat={user.id} kind=photo outcome=error: "
    wait_until(lambda: bot.log.count(failed) == 2, WAIT, "both errors handled")
    assert bot.log.count(": unexpected error") >= 2, "each error is logged with its traceback"
    notices = [
        action.message.content
        for action in emu.actions(admin, ["sent"], since=mark)
        if action.message is not None
    ]
    assert len(notices) == 1, "the second error within the interval is only counted"
    [notice] = notices
    assert notice.startswith("Unexpected error: ")
    assert "(update: photo)" in notice
    assert " at bot/" in notice, "where in the bot's code it was raised"
    for private in (emu.token, emu.token.partition(":")[2], str(user.id), user.first_name):
        assert private not in notice
    assert reads_as(ask(emu, user, seven[1]).caption, seven[0]), "still serving"


def test_each_update_is_logged_once_with_latency_and_outcome(
    emu: SyncEmulator, bot: BotProcess, user: User, seven: tuple[int, bytes]
) -> None:
    ask(emu, user, seven[1])
    bot.wait_for_log(f"user={user.id} chat={user.id} kind=photo outcome=")
    lines = [line for line in bot.log.splitlines() if f"user={user.id} " in line]
    assert len(lines) == 1
    assert f"kind=photo outcome=answered {seven[0]} " in lines[0]
    assert "latency_ms=" in lines[0]


def test_the_token_never_appears_in_the_log(emu: SyncEmulator, bot: BotProcess) -> None:
    secret = emu.token.partition(":")[2]
    log = bot.log
    assert "getUpdates" in log, "the log is at DEBUG level, request URLs included"
    assert secret not in log
    assert emu.token not in log
