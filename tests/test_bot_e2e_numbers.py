"""End-to-end: a photo of a number to the real bot process, its answer and the typed correction."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from bot import texts
from emulator import SentMessage, SyncEmulator, User
from recognizer import TooManyDigitsError
from recognizer.config import MAX_DIGITS
from tests.botharness import BotProcess, digit_photo
from tests.conftest import SHARED_DATA
from tests.test_numbers import number_page
from training.mnist import Mnist

WAIT = 20.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PICKS = (3, 2, 1, 18)
"""MNIST test images of 0, 1, 2 and 3."""


@pytest.fixture(scope="module")
def number(mnist: Mnist) -> tuple[str, bytes]:
    digits = "".join(str(int(mnist.y_test[i])) for i in PICKS)
    return digits, number_page([mnist.x_test[i] for i in PICKS])


def ask(emu: SyncEmulator, chat: User, photo: bytes) -> SentMessage:
    sent = emu.send_photo(chat, photo)
    return emu.wait_for_message(
        chat, lambda m: m.reply_to_message_id == sent["message_id"], timeout=WAIT
    )


def test_a_number_is_answered_with_its_digits_and_an_annotated_photo(
    emu: SyncEmulator, user: User, number: tuple[str, bytes]
) -> None:
    digits, photo = number
    answer = ask(emu, user, photo)
    caption = answer.caption or ""
    assert caption.splitlines()[0].endswith(f": {digits}")
    assert "%" not in caption, "each digit's confidence is on the picture, not said twice"
    assert answer.photo is not None
    assert answer.photo.startswith(PNG_SIGNATURE)
    assert answer.button_texts == ["Right", "Wrong"]


def test_one_digit_is_still_answered_with_the_keypad_feedback(
    emu: SyncEmulator, user: User, mnist: Mnist
) -> None:
    answer = ask(emu, user, digit_photo(mnist.x_test[0]))
    assert (answer.caption or "").startswith(f"{mnist.y_test[0]} (")
    emu.press_button(user, answer, text="Wrong")
    keypad = emu.wait_for_edit(user, timeout=WAIT)
    assert keypad.button_texts == [*(str(d) for d in range(10)), "Back"]


def test_right_stores_every_digit_with_its_label(
    emu: SyncEmulator, bot: BotProcess, user: User, number: tuple[str, bytes]
) -> None:
    digits, photo = number
    answer = ask(emu, user, photo)
    emu.press_button(user, answer, text="Right")
    edited = emu.wait_for_edit(user, timeout=WAIT)
    assert texts.number_thanks(None) in (edited.caption or "")
    rows = bot.query("SELECT label FROM samples WHERE user_id = ? ORDER BY id", user.id)
    assert "".join(str(label) for (label,) in rows) == digits


def test_wrong_asks_for_the_number_and_stores_each_typed_digit(
    emu: SyncEmulator, bot: BotProcess, user: User, number: tuple[str, bytes]
) -> None:
    digits, photo = number
    answer = ask(emu, user, photo)
    emu.press_button(user, answer, text="Wrong")
    prompt = emu.wait_for_message(user, lambda m: m.text is not None, timeout=WAIT)
    assert prompt.text == texts.type_number(len(digits))
    assert emu.wait_for_edit(user, timeout=WAIT).button_texts == ["Back"]

    mark = emu.mark()
    emu.send_text(user, "12")
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.wrong_length(
        2, len(digits)
    )
    mark = emu.mark()
    emu.send_text(user, "twelve")
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.not_a_number()
    assert bot.query("SELECT id FROM samples WHERE user_id = ?", user.id) == []

    corrected = "9876"
    mark = emu.mark()
    emu.send_text(user, "98 76")
    reply = emu.wait_for_message(user, since=mark, timeout=WAIT)
    assert reply.text == texts.number_thanks(corrected)
    closed = emu.wait_for_edit(user, since=mark, timeout=WAIT)
    assert closed.message_id == answer.message_id
    assert closed.button_texts == [], "a labelled answer keeps no buttons"
    assert closed.caption == answer.caption, "thanked once, by the reply, not in the answer too"
    thanks = [
        action
        for action in emu.actions(user, ["sent", "edited"], since=mark)
        if action.message and texts.number_thanks(corrected) in action.message.content
    ]
    assert len(thanks) == 1
    rows = bot.query(
        "SELECT label, predicted, png FROM samples WHERE user_id = ? ORDER BY id", user.id
    )
    assert [label for label, _, _ in rows] == [int(d) for d in corrected]
    assert [predicted for _, predicted, _ in rows] == [int(d) for d in digits]
    for _, _, png in rows:
        with Image.open(io.BytesIO(png)) as crop:
            assert crop.size == (28, 28)

    mark = emu.mark()
    emu.send_text(user, "hello")
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.text_hint()


def test_back_cancels_typing(
    emu: SyncEmulator, bot: BotProcess, user: User, number: tuple[str, bytes]
) -> None:
    answer = ask(emu, user, number[1])
    emu.press_button(user, answer, text="Wrong")
    emu.wait_for_edit(user, lambda m: m.button_texts == ["Back"], timeout=WAIT)
    mark = emu.mark()
    emu.press_button(user, answer, text="Back")
    restored = emu.wait_for_edit(user, since=mark, timeout=WAIT)
    assert restored.button_texts == ["Right", "Wrong"]
    mark = emu.mark()
    emu.send_text(user, "1234")
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.text_hint()
    assert bot.query("SELECT id FROM samples WHERE user_id = ?", user.id) == []


TOO_MUCH = {
    "more than twelve digits": (1, MAX_DIGITS + 2),
    "a page of writing": (4, 6),
}
"""Lines of digits, and digits a line."""


@pytest.mark.parametrize("case", TOO_MUCH)
def test_too_long_a_number_or_a_page_gets_a_clear_reply(
    emu: SyncEmulator, user: User, mnist: Mnist, case: str
) -> None:
    lines, count = TOO_MUCH[case]
    page = number_page([mnist.x_test[i] for i in range(count)], rows=lines)
    assert ask(emu, user, page).text == texts.recognizer_refusal(TooManyDigitsError(""))
    answer = ask(emu, user, digit_photo(mnist.x_test[0]))
    assert answer.photo is not None, "the bot keeps answering"


def _served_and_labelled(emu: SyncEmulator, user: User) -> tuple[int, int]:
    """/stats' "Answers served: N in total" and "(R right out of L labelled)": (N, L)."""
    emu.send_command(user, "stats")
    report = emu.wait_for_message(user, timeout=WAIT).content
    served = re.search(r"Answers served: (\d+) in total", report)
    labelled = re.search(r"right out of (\d+) labelled", report)
    assert served is not None, report
    return int(served[1]), int(labelled[1]) if labelled else 0


def test_stats_counts_a_number_as_one_answer(
    emu: SyncEmulator, bot: BotProcess, user: User, number: tuple[str, bytes]
) -> None:
    """Old /stats counted one row per digit: a 4-digit number was 4 answers, 4 labels."""
    served, labelled = _served_and_labelled(emu, user)
    answer = ask(emu, user, number[1])
    emu.press_button(user, answer, text="Right")
    emu.wait_for_edit(user, timeout=WAIT)
    assert _served_and_labelled(emu, user) == (served + 1, labelled + 1)


def test_two_rows_are_answered_row_by_row(emu: SyncEmulator, bot: BotProcess, user: User) -> None:
    """A real phone photo of two rows of digits: the caption shows each row, top to bottom, and
    "Right" stores every digit of both rows."""
    photo = (SHARED_DATA / "real-numbers" / "two-rows-six-digits.jpg").read_bytes()
    answer = ask(emu, user, photo)
    lines = (answer.caption or "").splitlines()
    assert lines[0].endswith("2 rows:")
    assert lines[1] == "134678"
    assert lines[2] == "912532"
    emu.press_button(user, answer, text="Right")
    emu.wait_for_edit(user, timeout=WAIT)
    rows = bot.query("SELECT label FROM samples WHERE user_id = ? ORDER BY id", user.id)
    assert "".join(str(label) for (label,) in rows) == "134678912532"
