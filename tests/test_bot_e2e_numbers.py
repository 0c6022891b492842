"""End-to-end: a photo of a number to the real bot process, its answer and the typed correction."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from bot import texts
from bot.storage import LabelStatus
from emulator import SentMessage, SyncEmulator, User
from recognizer import TooManyDigitsError
from recognizer.config import MAX_DIGITS
from tests.botharness import JPEG_SIGNATURE, WAIT, BotProcess, ask, confirm_right, digit_photo
from tests.conftest import SHARED_DATA
from tests.test_bot_e2e_faults import press_answer
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
    assert "%" not in caption, "each digit's confidence is on the picture, not said twice"
    assert answer.photo is not None
    assert answer.photo.startswith(JPEG_SIGNATURE), "a number's picture is a photo: JPEG"
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
    edited = confirm_right(emu, user, photo)
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
    confirm_right(emu, user, number[1])
    assert _served_and_labelled(emu, user) == (served + 1, labelled + 1)


TWO_ROWS = ("12345", "67890")
"""The rows of ``two-rows-five-digits.jpg``, a real phone photo (MANIFEST.tsv)."""

ROW_BUTTONS = ["Row 1 ✓", "Row 1 ✗", "Row 2 ✓", "Row 2 ✗"]


@pytest.fixture(scope="module")
def two_rows() -> bytes:
    return (SHARED_DATA / "real-numbers" / "two-rows-five-digits.jpg").read_bytes()


def labels_by_row(bot: BotProcess, user: User) -> dict[int, str]:
    """The user's stored labels, each row's digits in order, keyed by the row they were read in."""
    found = bot.query(
        "SELECT p.row_index, s.label FROM samples s JOIN predictions p ON p.id = s.prediction_id"
        " WHERE s.user_id = ? ORDER BY p.id",
        user.id,
    )
    rows: dict[int, str] = {}
    for row, label in found:
        rows[row] = rows.get(row, "") + str(label)
    return rows


def row_data(answer: SentMessage, place: int, choice: str) -> str:
    """The callback data of row ``place``'s button for ``choice`` (right, wrong) on ``answer``."""
    line = answer.buttons[place - 1]
    return next(str(b["callback_data"]) for b in line if b["callback_data"].endswith(choice))


def test_two_rows_are_answered_row_by_row_with_buttons_for_each_row(
    emu: SyncEmulator, user: User, two_rows: bytes
) -> None:
    """A real phone photo of two rows: the caption shows each row, top to bottom, and each
    row gets its own line of buttons."""
    answer = ask(emu, user, two_rows)
    lines = (answer.caption or "").splitlines()
    assert lines[0].endswith("2 rows:")
    assert lines[1:3] == list(TWO_ROWS)
    assert answer.button_texts == ROW_BUTTONS
    assert [len(line) for line in answer.buttons] == [2, 2]


def test_one_row_is_confirmed_and_the_other_corrected_by_typing(
    emu: SyncEmulator, bot: BotProcess, user: User, two_rows: bytes
) -> None:
    """Row 2's "Wrong", then row 1's "Right" while row 2 waits: each labels its own digits, the
    typed number must have row 2's length, and the answer keeps buttons for open rows only."""
    answer = ask(emu, user, two_rows)
    emu.press_button(user, answer, text="Row 2 ✗")
    prompt = emu.wait_for_message(user, lambda m: m.text is not None, timeout=WAIT)
    assert prompt.text == texts.type_row(2, 5)
    typing = emu.wait_for_edit(user, timeout=WAIT)
    assert typing.button_texts == ["Row 1 ✓", "Row 1 ✗", "Row 2: Back"]

    mark = emu.mark()
    emu.press_button(user, answer, text="Row 1 ✓")
    confirmed = emu.wait_for_edit(user, since=mark, timeout=WAIT)
    assert confirmed.caption == f"{answer.caption}\n\n{texts.row_thanks(1, None)}"
    assert confirmed.button_texts == ["Row 2: Back"], "row 2 still waits for its number"
    assert labels_by_row(bot, user) == {0: TWO_ROWS[0]}

    mark = emu.mark()
    emu.send_text(user, "6789")
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.wrong_length(4, 5, 2)
    assert labels_by_row(bot, user) == {0: TWO_ROWS[0]}, "nothing stored for a wrong length"

    mark = emu.mark()
    emu.send_text(user, "678 90")
    assert emu.wait_for_message(user, since=mark, timeout=WAIT).text == texts.row_thanks(
        2, TWO_ROWS[1]
    )
    closed = emu.wait_for_edit(user, since=mark, timeout=WAIT)
    assert closed.message_id == answer.message_id
    assert closed.button_texts == [], "both rows labelled: no buttons left"
    assert labels_by_row(bot, user) == {0: TWO_ROWS[0], 1: TWO_ROWS[1]}
    predicted = bot.query("SELECT predicted FROM samples WHERE user_id = ? ORDER BY id", user.id)
    assert "".join(str(digit) for (digit,) in predicted) == "".join(TWO_ROWS)


def test_forged_presses_across_rows_or_answers_are_refused(
    emu: SyncEmulator, bot: BotProcess, user: User, two_rows: bytes
) -> None:
    """A modified client can send any ids: only exactly one row of the answer it presses on
    counts, never two rows, part of a row, two answers or a one-digit press on a number."""
    answer = ask(emu, user, two_rows)
    other = ask(emu, user, two_rows)
    first = int(row_data(answer, 1, "right").split(":")[1])
    second_answer = int(row_data(other, 1, "right").split(":")[1])
    forged = [
        f"nb:{first}:10:right",  # both rows as one
        f"nb:{first + 3}:4:wrong",  # the end of row 1 and the start of row 2
        f"nb:{first}:4:right",  # row 1 cut short
        f"nb:{first + 1}:5:right",  # row 1 shifted into row 2
        f"nb:{first + 5}:10:right",  # row 2 and the other answer's row 1
        f"nb:{second_answer}:5:right",  # a row of another answer
        f"fb:{first}:right",  # one digit of a number
        f"fb:{first}:7",
    ]
    refused = texts.label_refused(LabelStatus.UNKNOWN)
    assert [press_answer(emu, user, answer, data) for data in forged] == [refused] * len(forged)
    assert bot.query("SELECT id FROM samples WHERE user_id = ?", user.id) == []
    assert press_answer(emu, user, answer, row_data(answer, 2, "right")) == texts.label_saved()
    assert labels_by_row(bot, user) == {1: TWO_ROWS[1]}


def test_row_buttons_survive_a_restart_and_a_second_press_labels_nothing(
    emu: SyncEmulator, bot: BotProcess, user: User, two_rows: bytes
) -> None:
    """The rows are stored, not remembered: after a restart the other row's buttons still work,
    and the confirmed row's button pressed again is refused as already labelled."""
    answer = ask(emu, user, two_rows)
    row_1 = row_data(answer, 1, "right")
    emu.press_button(user, answer, text="Row 1 ✓")
    emu.wait_for_edit(user, timeout=WAIT)
    assert bot.stop() == 0, bot.log
    bot.start()
    already = texts.label_refused(LabelStatus.ALREADY_LABELLED)
    assert press_answer(emu, user, answer, row_1) == already
    mark = emu.mark()
    emu.press_button(user, answer, text="Row 2 ✗")
    prompt = emu.wait_for_message(user, lambda m: m.text is not None, since=mark, timeout=WAIT)
    assert prompt.text == texts.type_row(2, 5)
    mark = emu.mark()
    emu.send_text(user, TWO_ROWS[1])
    emu.wait_for_edit(user, lambda m: m.button_texts == [], since=mark, timeout=WAIT)
    assert labels_by_row(bot, user) == {0: TWO_ROWS[0], 1: TWO_ROWS[1]}
