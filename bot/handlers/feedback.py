"""The Right / Wrong buttons under each answer: the digit keypad for one digit, and for a
number, the right number typed as a message, row by row when the photo held several rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import CallbackQuery, ForceReply, MaybeInaccessibleMessage, Message, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import keyboards, texts
from bot.services import Services, services
from bot.storage import AnswerRow, LabelStatus
from bot.update_log import record_outcome

Press = TypeVar("Press")


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pressed = await parsed_press(update, context, keyboards.parse)
    if pressed is None:
        return
    query, press = pressed
    found = services(context)
    rows = await _pressed_rows(found, query, range(press.prediction_id, press.prediction_id + 1))
    if rows is None or len(rows) != 1:
        await _refuse_forged(query)
        return
    user_id = query.from_user.id
    if press.choice in (keyboards.WRONG, keyboards.BACK):
        await _switch_keyboard(query, found, press, user_id)
        return
    status = await found.db(found.store.save_label, press.prediction_id, user_id, press.label)
    record_outcome(f"label {press.choice}: {status.value}")
    if status is not LabelStatus.SAVED:
        await query.answer(texts.label_refused(status))
        return
    await query.answer(texts.label_saved())
    if isinstance(query.message, Message):
        original = query.message.caption or ""
        await query.edit_message_caption(
            caption=f"{original}\n\n{texts.thanks(press.label)}", reply_markup=None
        )


async def parsed_press(
    update: Update, context: ContextTypes.DEFAULT_TYPE, parse: Callable[[str], Press | None]
) -> tuple[CallbackQuery, Press] | None:
    """The pressed button and its data as ``parse`` reads it; None for anything else (a button
    whose data it cannot read gets the short notice of ``on_unknown_button``)."""
    query = update.callback_query
    if query is None:
        return None
    press = parse(query.data or "")
    if press is None:
        await on_unknown_button(update, context)
        return None
    return query, press


async def _pressed_rows(
    found: Services, query: CallbackQuery, ids: range
) -> tuple[AnswerRow, ...] | None:
    """The rows of the answer a button names, if its ids are exactly one of its rows and the
    answer is the one shown in the message it was pressed on; None for a forged press (ids
    spanning two rows or two answers, another chat's answer, a row cut short)."""
    rows = await _rows_of(found, query.message, ids.start)
    return rows if any(row.prediction_ids == tuple(ids) for row in rows) else None


async def _rows_of(
    found: Services, message: MaybeInaccessibleMessage | None, prediction_id: int
) -> tuple[AnswerRow, ...]:
    """The stored rows of the answer holding ``prediction_id`` if it is the one in ``message``."""
    chat_id = message.chat.id if message is not None else None
    message_id = message.message_id if message is not None else None
    return await found.db(found.store.answer_rows, prediction_id, chat_id, message_id)


async def _refuse_forged(query: CallbackQuery) -> None:
    record_outcome("button: not this answer's")
    await query.answer(texts.label_refused(LabelStatus.UNKNOWN))


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other callback data (an old keyboard, a modified client): a short notice, so the
    button stops spinning."""
    query = update.callback_query
    if query is not None:
        record_outcome("button: unknown")
        await query.answer(texts.unknown_button())


async def _switch_keyboard(
    query: CallbackQuery, found: Services, press: keyboards.FeedbackPress, user_id: int
) -> None:
    """Open the keypad on "Wrong" and close it on "Back", for the photo's sender only."""
    status = await found.db(found.store.label_status, press.prediction_id, user_id)
    record_outcome(f"label {press.choice}: {status.value}")
    if status is not LabelStatus.OPEN:
        await query.answer(texts.label_refused(status))
        return
    opening = press.choice == keyboards.WRONG
    await query.answer(texts.pick_digit() if opening else None)
    keyboard = keyboards.digit_keypad if opening else keyboards.right_or_wrong
    await query.edit_message_reply_markup(reply_markup=keyboard(press.prediction_id))


_TYPING = "number_correction"
"""user_data key: the _Correction the user was asked to type the right number for."""


@dataclass(frozen=True)
class _Correction:
    """ "Wrong" was pressed under a row of a number's answer; the typed number labels the
    digits of that row only."""

    press: keyboards.NumberPress
    place: int | None
    """The row's place (from 1) when the answer has several rows; None for a one-row answer."""
    answer: Message | None
    """The answer the buttons were under, whose buttons follow once the number is typed."""


async def on_number_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Right / Wrong / Back under a row of a number's answer; "Wrong" asks for that row's
    number as text."""
    pressed = await parsed_press(update, context, keyboards.parse_number)
    if pressed is None:
        return
    query, press = pressed
    found = services(context)
    rows = await _pressed_rows(found, query, press.prediction_ids)
    if rows is None or sum(len(row.prediction_ids) for row in rows) < 2:
        await _refuse_forged(query)  # a one-digit answer has the keypad, not these buttons
        return
    user_id = query.from_user.id
    status = await found.db(found.store.label_status, press.first_id, user_id)
    record_outcome(f"number {press.choice}: {status.value}")
    if status is not LabelStatus.OPEN:
        await query.answer(texts.label_refused(status))
        return
    user_data = context.user_data if context.user_data is not None else {}
    if press.choice == keyboards.RIGHT:
        await _confirm_row(query, found, press, rows, user_data)
    elif press.choice == keyboards.BACK:
        if _typing_in(user_data, rows) == press.first_id:
            user_data.pop(_TYPING, None)
        await query.answer()
        await query.edit_message_reply_markup(reply_markup=keyboards.number_feedback(rows))
    else:
        await _ask_for_row(query, press, rows, user_data)


def _place(rows: Sequence[AnswerRow], press: keyboards.NumberPress) -> int | None:
    """The pressed row's place from 1, or None when the answer has only that row."""
    if len(rows) == 1:
        return None
    return next(p for p, row in enumerate(rows, 1) if row.prediction_ids[0] == press.first_id)


def _typing_in(user_data: dict[Any, Any], rows: Sequence[AnswerRow]) -> int | None:
    """The first id of the row of this answer the user is typing a number for, if any."""
    correction = user_data.get(_TYPING)
    if not isinstance(correction, _Correction):
        return None
    first = correction.press.first_id
    return first if any(row.prediction_ids[0] == first for row in rows) else None


async def _ask_for_row(
    query: CallbackQuery,
    press: keyboards.NumberPress,
    rows: Sequence[AnswerRow],
    user_data: dict[Any, Any],
) -> None:
    """After "Wrong": the row's buttons become Back, and the user is asked to type its number."""
    answer = query.message if isinstance(query.message, Message) else None
    place = _place(rows, press)
    user_data[_TYPING] = _Correction(press, place, answer)
    await query.answer(texts.type_number_toast())
    await query.edit_message_reply_markup(
        reply_markup=keyboards.number_feedback(rows, typing=press.first_id)
    )
    if answer is not None:
        prompt = (
            texts.type_number(press.count) if place is None else texts.type_row(place, press.count)
        )
        await answer.reply_text(prompt, reply_markup=ForceReply(selective=True))


async def on_typed_number(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The right number, typed after "Wrong"; any other text goes on to the usual handlers."""
    message = update.effective_message
    user = update.effective_user
    user_data = context.user_data if context.user_data is not None else {}
    correction = user_data.get(_TYPING)
    if message is None or user is None or not isinstance(correction, _Correction):
        return
    press = correction.press
    typed = "".join((message.text or "").split())
    if not typed.isdecimal() or not typed.isascii():
        await message.reply_text(texts.not_a_number())
    elif len(typed) != press.count:
        await message.reply_text(texts.wrong_length(len(typed), press.count, correction.place))
    else:
        found = services(context)
        refused = await _label_row(found, press, user.id, typed)
        user_data.pop(_TYPING, None)
        record_outcome(f"number typed: {refused.value if refused else 'saved'}")
        if refused is not None:
            await message.reply_text(texts.label_refused(refused))
        else:
            await message.reply_text(_thanks(correction.place, typed))
            await _close_row(found, correction, user_data)
    raise ApplicationHandlerStop


def _thanks(place: int | None, typed: str | None) -> str:
    """Thanks for a labelled row (``typed`` None: confirmed), naming it if there are several."""
    return texts.number_thanks(typed) if place is None else texts.row_thanks(place, typed)


async def _close_row(found: Services, correction: _Correction, user_data: dict[Any, Any]) -> None:
    """After a typed number: the answer keeps buttons only for the rows still to label.

    Thanked once, by the reply; the answer itself only loses the row's buttons.
    """
    answer = correction.answer
    if answer is None:
        return
    rows = await _rows_of(found, answer, correction.press.first_id)
    keyboard = keyboards.number_feedback(rows, typing=_typing_in(user_data, rows))
    await answer.edit_reply_markup(reply_markup=keyboard)


async def _label_row(
    found: Services, press: keyboards.NumberPress, user_id: int, typed: str | None
) -> LabelStatus | None:
    """Label each digit of the pressed row (``typed`` None: as read); the first refusal, if
    any digit was refused."""
    labels = [None] * press.count if typed is None else [int(digit) for digit in typed]
    for prediction_id, label in zip(press.prediction_ids, labels, strict=True):
        status = await found.db(found.store.save_label, prediction_id, user_id, label)
        if status is not LabelStatus.SAVED:
            return status
    return None


async def _confirm_row(
    query: CallbackQuery,
    found: Services,
    press: keyboards.NumberPress,
    rows: Sequence[AnswerRow],
    user_data: dict[Any, Any],
) -> None:
    """ "Right" under a row: its digits are labelled as read, the answer says thanks for it
    and keeps buttons only for the rows still to label."""
    refused = await _label_row(found, press, query.from_user.id, None)
    if refused is not None:
        await query.answer(texts.label_refused(refused))
        return
    await query.answer(texts.label_saved())
    message = query.message
    if isinstance(message, Message):
        now = await _rows_of(found, message, press.first_id)
        caption = f"{message.caption or ''}\n\n{_thanks(_place(rows, press), None)}"
        keyboard = keyboards.number_feedback(now, typing=_typing_in(user_data, now))
        await message.edit_caption(caption=caption, reply_markup=keyboard)
