"""Photo in, answer out: the digit or number, confidences, a picture and the feedback buttons.

One digit is answered with its chart, its caption and Right/Wrong (Wrong opens the 0-9 keypad);
a number gets its annotated photo, the per-digit confidences and Right/Wrong for the whole
number (Wrong asks for the right number to be typed).
"""

from __future__ import annotations

import logging
import threading

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import Forbidden, TelegramError
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.handlers.replies import reply
from bot.images import image_of
from bot.recognition import NumberAnswer
from bot.services import services
from bot.storage import Store
from bot.update_log import record_outcome
from recognizer import RecognizerError

_LOGGER = logging.getLogger(__name__)

_LOGGING = threading.Lock()
"""Held while one answer's digits are logged, so a number's prediction ids are consecutive
(its feedback buttons name them by the first id and the count)."""


async def on_image(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo or image file sent to the bot (routing already checked it is addressed to us)."""
    message = update.effective_message
    if message is not None:
        await answer_image(message, context)


async def on_digit_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/digit`` as a reply to a photo: how a group asks about someone's picture."""
    message = update.effective_message
    if message is None:
        return
    target = message.reply_to_message
    if target is None:
        await reply(update, texts.DIGIT_NEEDS_REPLY, "digit without a reply")
    elif image_of(target) is None:
        await reply(update, texts.DIGIT_REPLY_NOT_IMAGE, "digit on a message without an image")
    else:
        await answer_image(target, context)


async def answer_image(source: Message, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read the image in ``source`` and reply to it; its sender owns the answer's feedback.

    Replies always quote the photo, also in private chats, so that answers to a burst of
    photos (which finish in any order) can be told apart.
    """
    image = image_of(source)
    if image is None:
        return
    found = services(context)
    limit = found.settings.max_image_bytes
    if await _refused_as_too_large(source, image.size, limit):
        return
    await _show_uploading(source, context)
    telegram_file = await context.bot.get_file(image.file_id)
    if await _refused_as_too_large(source, telegram_file.file_size, limit):
        return
    data = bytes(await telegram_file.download_as_bytearray())
    if await _refused_as_too_large(source, len(data), limit):
        return
    try:
        answer = await found.recognition.read_number(data)
    except RecognizerError as error:
        record_outcome(f"refused: {type(error).__name__}")
        await source.reply_text(str(error), do_quote=True)
        return
    owner = source.from_user.id if source.from_user else 0
    first_id = await found.db(_log_answer, found.store, owner, source.chat_id, answer)
    reading = answer.reading
    if len(reading.digits) == 1:
        prediction = reading.digits[0]
        caption = texts.caption(prediction)
        keyboard = keyboards.right_or_wrong(first_id)
        outcome = f"answered {prediction.digit} ({prediction.confidence:.3f})"
    else:
        caption = texts.number_caption(reading)
        keyboard = keyboards.number_right_or_wrong(first_id, len(reading.digits))
        outcome = f"answered number {reading.number} ({reading.confidence:.3f})"
    await source.reply_photo(
        answer.picture_png, caption=caption, reply_markup=keyboard, do_quote=True
    )
    record_outcome(outcome)


def _log_answer(store: Store, owner: int, chat_id: int, answer: NumberAnswer) -> int:
    """Log each digit with its crop (kept until labelled); returns the first prediction id."""
    pairs = zip(answer.reading.digits, answer.crop_pngs, strict=True)
    with _LOGGING:
        ids = [
            store.log_prediction(owner, chat_id, p.digit, p.confidence, crop) for p, crop in pairs
        ]
    return ids[0]


async def _refused_as_too_large(source: Message, size: int | None, limit: int) -> bool:
    """Check every size we learn (message, getFile, download): clients may omit it."""
    if size is None or size <= limit:
        return False
    record_outcome("refused: too large")
    await source.reply_text(texts.too_large(size, limit), do_quote=True)
    return True


async def _show_uploading(source: Message, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "sending photo..." status is a courtesy: failing to show it must not cost the answer."""
    try:
        await context.bot.send_chat_action(source.chat_id, ChatAction.UPLOAD_PHOTO)
    except Forbidden:
        raise  # blocked by the user: no point reading a photo nobody will see answered
    except TelegramError as error:
        _LOGGER.info("could not show the upload status in chat %s: %s", source.chat_id, error)
