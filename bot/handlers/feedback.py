"""The Right / Wrong buttons and the digit keypad under each answer."""

from __future__ import annotations

from telegram import CallbackQuery, Message, Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.services import Services, services
from bot.storage import LabelStatus
from bot.update_log import record_outcome


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    press = keyboards.parse(query.data or "") if query else None
    if query is None or press is None:
        return
    found = services(context)
    user_id = query.from_user.id
    if press.choice in (keyboards.WRONG, keyboards.BACK):
        await _switch_keyboard(query, found, press, user_id)
        return
    status = await found.db(found.store.save_label, press.prediction_id, user_id, press.label)
    record_outcome(f"label {press.choice}: {status.value}")
    if status is not LabelStatus.SAVED:
        await query.answer(texts.LABEL_REFUSED[status])
        return
    await query.answer(texts.LABEL_SAVED)
    if isinstance(query.message, Message):
        original = query.message.caption or ""
        await query.edit_message_caption(
            caption=f"{original}\n\n{texts.thanks(press.label)}", reply_markup=None
        )


async def _switch_keyboard(
    query: CallbackQuery, found: Services, press: keyboards.FeedbackPress, user_id: int
) -> None:
    """Open the keypad on "Wrong" and close it on "Back", for the photo's sender only."""
    status = await found.db(found.store.label_status, press.prediction_id, user_id)
    record_outcome(f"label {press.choice}: {status.value}")
    if status is not LabelStatus.OPEN:
        await query.answer(texts.LABEL_REFUSED[status])
        return
    opening = press.choice == keyboards.WRONG
    await query.answer(texts.PICK_DIGIT if opening else None)
    keyboard = keyboards.digit_keypad if opening else keyboards.right_or_wrong
    await query.edit_message_reply_markup(reply_markup=keyboard(press.prediction_id))
