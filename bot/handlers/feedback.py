"""The Right / Wrong buttons under each answer: the digit keypad for one digit, and for a
number, the right number typed as a message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import CallbackQuery, ForceReply, Message, Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import keyboards, texts
from bot.services import Services, services
from bot.storage import LabelStatus
from bot.update_log import record_outcome

Press = TypeVar("Press")


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    pressed = await _genuine_press(
        update, context, keyboards.parse, lambda press: (press.prediction_id, 1)
    )
    if pressed is None:
        return
    query, press, found = pressed
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


async def _genuine_press(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    parse: Callable[[str], Press | None],
    answer_ids: Callable[[Press], tuple[int, int]],
) -> tuple[CallbackQuery, Press, Services] | None:
    """The button's parsed data, if it names the answer it sits under (``answer_ids``: its
    first prediction id and how many digits); else the press is answered and None returned."""
    query = update.callback_query
    if query is None:
        return None
    press = parse(query.data or "")
    if press is None:
        await on_unknown_button(update, context)
        return None
    found = services(context)
    if not await _genuine(found, query, *answer_ids(press)):
        await _refuse_forged(query)
        return None
    return query, press, found


async def _genuine(found: Services, query: CallbackQuery, first_id: int, count: int) -> bool:
    """The ids in the button name exactly the answer shown in the message it was pressed on."""
    message = query.message
    chat_id = message.chat.id if message is not None else None
    message_id = message.message_id if message is not None else None
    return await found.db(found.store.press_matches, first_id, count, chat_id, message_id)


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
    """ "Wrong" was pressed under a number's answer; the typed number labels its digits."""

    press: keyboards.NumberPress
    answer: Message | None
    """The answer the buttons were under, thanked once the number is typed."""


async def on_number_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Right / Wrong / Back under a number's answer; "Wrong" asks for the number as text."""
    pressed = await _genuine_press(
        update, context, keyboards.parse_number, lambda press: (press.first_id, press.count)
    )
    if pressed is None:
        return
    query, press, found = pressed
    user_id = query.from_user.id
    status = await found.db(found.store.label_status, press.first_id, user_id)
    record_outcome(f"number {press.choice}: {status.value}")
    if status is not LabelStatus.OPEN:
        await query.answer(texts.label_refused(status))
        return
    user_data = context.user_data if context.user_data is not None else {}
    if press.choice == keyboards.RIGHT:
        await _confirm_number(query, found, press, user_id)
        return
    if press.choice == keyboards.BACK:
        user_data.pop(_TYPING, None)
        await query.answer()
        await query.edit_message_reply_markup(
            reply_markup=keyboards.number_right_or_wrong(press.first_id, press.count)
        )
        return
    answer = query.message if isinstance(query.message, Message) else None
    user_data[_TYPING] = _Correction(press, answer)
    await query.answer(texts.type_number_toast())
    await query.edit_message_reply_markup(
        reply_markup=keyboards.number_typing(press.first_id, press.count)
    )
    if isinstance(query.message, Message):
        await query.message.reply_text(
            texts.type_number(press.count), reply_markup=ForceReply(selective=True)
        )


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
        await message.reply_text(texts.wrong_length(len(typed), press.count))
    else:
        found = services(context)
        statuses = [
            await found.db(found.store.save_label, prediction_id, user.id, int(digit))
            for prediction_id, digit in zip(press.prediction_ids, typed, strict=True)
        ]
        user_data.pop(_TYPING, None)
        refused = [s for s in statuses if s is not LabelStatus.SAVED]
        record_outcome(f"number typed: {refused[0].value if refused else 'saved'}")
        text = texts.label_refused(refused[0]) if refused else texts.number_thanks(typed)
        await message.reply_text(text)
        if not refused and correction.answer is not None:
            # Thanked once, just above; the answer only loses its buttons: labelled is done.
            await correction.answer.edit_reply_markup(reply_markup=None)
    raise ApplicationHandlerStop


async def _confirm_number(
    query: CallbackQuery, found: Services, press: keyboards.NumberPress, user_id: int
) -> None:
    statuses = [
        await found.db(found.store.save_label, prediction_id, user_id, None)
        for prediction_id in press.prediction_ids
    ]
    refused = [s for s in statuses if s is not LabelStatus.SAVED]
    if refused:
        await query.answer(texts.label_refused(refused[0]))
        return
    await query.answer(texts.label_saved())
    if isinstance(query.message, Message):
        # The answer says it was confirmed, and its buttons go: labelled is done.
        caption = f"{query.message.caption or ''}\n\n{texts.number_thanks(None)}"
        await query.message.edit_caption(caption=caption, reply_markup=None)
