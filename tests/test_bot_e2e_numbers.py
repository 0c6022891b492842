"""End-to-end: a photo of a number to the real bot process, its answer and the typed correction.

One bot with default settings serves the module (``tests.botharness``' fixtures); each test is
a fresh user.
"""

from __future__ import annotations

import pytest
from PIL import Image

from bot import texts
from emulator import SyncEmulator, User
from recognizer.config import MAX_DIGITS
from recognizer.segment import PAGE_OF_TEXT, TOO_MANY_DIGITS
from tests.botharness import PNG_SIGNATURE, WAIT, BotProcess, ask, digit_photo
from tests.test_numbers import number_page
from training.mnist import Mnist

PICKS = (3, 2, 1, 18)
"""MNIST test images of 0, 1, 2 and 3."""


@pytest.fixture(scope="module")
def number(mnist: Mnist) -> tuple[str, bytes]:
    digits = "".join(str(int(mnist.y_test[i])) for i in PICKS)
    return digits, number_page([mnist.x_test[i] for i in PICKS])


def test_a_number_is_answered_with_its_digits_and_an_annotated_photo(
    emu: SyncEmulator, user: User, number: tuple[str, bytes]
) -> None:
    digits, photo = number
    answer = ask(emu, user, photo)
    caption = answer.caption or ""
    assert caption.splitlines()[0].endswith(f": {digits}")
    assert caption.splitlines()[1].count("%") == len(digits), "one confidence per digit"
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
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.NOT_A_NUMBER
    assert bot.query("SELECT id FROM samples WHERE user_id = ?", user.id) == []

    corrected = "9876"
    mark = emu.mark()
    emu.send_text(user, "98 76")
    reply = emu.wait_for_message(user, since=mark, timeout=WAIT)
    assert reply.text == texts.number_thanks(corrected)
    thanked = emu.wait_for_edit(user, since=mark, timeout=WAIT)
    assert thanked.message_id == answer.message_id
    assert (thanked.caption or "").endswith(texts.number_thanks(corrected))
    assert thanked.button_texts == [], "a labelled answer keeps no buttons"
    rows = bot.query(
        "SELECT id, label, predicted FROM samples WHERE user_id = ? ORDER BY id", user.id
    )
    assert [label for _, label, _ in rows] == [int(d) for d in corrected]
    assert [predicted for _, _, predicted in rows] == [int(d) for d in digits]
    for sample_id, label, _ in rows:
        with Image.open(bot.data_dir / "samples" / str(label) / f"{sample_id}.png") as crop:
            assert crop.size == (28, 28)

    mark = emu.mark()
    emu.send_text(user, "hello")
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.TEXT_HINT


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
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.TEXT_HINT
    assert bot.query("SELECT id FROM samples WHERE user_id = ?", user.id) == []


TOO_MUCH = {
    "more than twelve digits": (1, MAX_DIGITS + 2, TOO_MANY_DIGITS),
    "a page of writing": (4, 6, PAGE_OF_TEXT),
}
"""Lines of digits, digits a line, and the reply."""


@pytest.mark.parametrize("case", TOO_MUCH)
def test_too_long_a_number_or_a_page_gets_a_clear_reply(
    emu: SyncEmulator, user: User, mnist: Mnist, case: str
) -> None:
    lines, count, expected = TOO_MUCH[case]
    page = number_page([mnist.x_test[i] for i in range(count)], rows=lines)
    assert ask(emu, user, page).text == expected
    answer = ask(emu, user, digit_photo(mnist.x_test[0]))
    assert answer.photo is not None, "the bot keeps answering"
