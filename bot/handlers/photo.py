"""Photo in, answer out: the digit or number, confidences, a picture and the feedback buttons.

One digit is answered with its chart, its caption and Right/Wrong (Wrong opens the 0-9 keypad);
a number gets its annotated photo, the per-digit confidences and Right/Wrong for each row
(Wrong asks for the right number of that row to be typed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction
from telegram.error import Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.downloads import DownloadRefusedError, FileTooLargeError, download
from bot.handlers.replies import reply
from bot.images import image_of
from bot.inbox import current_update_id
from bot.recognition import NumberAnswer
from bot.retries import is_transient, with_retries
from bot.services import services
from bot.storage import LoggedDigit, StorageError
from bot.update_log import record_outcome
from recognizer import RecognizerError, sniff

_LOGGER = logging.getLogger(__name__)


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
        await reply(update, texts.digit_needs_reply(), "digit without a reply")
    elif image_of(target) is None:
        await reply(update, texts.digit_reply_not_image(), "digit on a message without an image")
    else:
        await answer_image(target, context)


async def answer_image(source: Message, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Read the image in ``source`` and reply to it; its sender owns the answer's feedback.

    Replies always quote the photo, also in private chats, so that answers to a burst of
    photos (which finish in any order) can be told apart. Telegram failing for a moment
    (getFile, the download, sendPhoto) is retried; failing for longer gets the user one
    "please send it again", never silence.
    """
    image = image_of(source)
    if image is None:
        return
    found = services(context)
    limit = found.settings.max_image_bytes
    if await _refused_as_too_large(source, image.size, limit):
        return
    await _show_uploading(source, context)
    try:
        data = await _fetch(context, image.file_id, limit, found.settings.local_mode)
    except FileTooLargeError as error:
        await _refused_as_too_large(source, error.size, limit)
        return
    except DownloadRefusedError as error:
        _LOGGER.warning("refused to download a file in chat %s: %s", source.chat_id, error)
        await _send_again(source, context, "refused: cannot download")
        return
    except NetworkError as error:
        if not is_transient(error) or not context.application.running:
            raise  # a stop keeps the update stored: it is answered after the restart
        await _send_again(source, context, "failed: Telegram unavailable for the download")
        return
    if not sniff.is_image(data):
        record_outcome("refused: not an image file")
        await source.reply_text(texts.not_an_image_file(), do_quote=True)
        return
    try:
        answer = await found.recognition.read(data)
    except RecognizerError as error:
        record_outcome(f"refused: {type(error).__name__}")
        await source.reply_text(texts.recognizer_refusal(error), do_quote=True)
        return
    await _send_answer(source, context, answer)


async def _fetch(
    context: ContextTypes.DEFAULT_TYPE, file_id: str, limit: int, local_mode: bool
) -> bytes:
    """getFile then the download, each retried on transient errors."""
    bot = context.bot
    running = _running(context)
    telegram_file = await with_retries(lambda: bot.get_file(file_id), "getFile", running)
    return await with_retries(
        lambda: download(bot, telegram_file, limit, local_mode=local_mode),
        "file download",
        running,
    )


def _running(context: ContextTypes.DEFAULT_TYPE) -> Callable[[], bool]:
    """False once the bot is stopping: then failed calls are not retried (see with_retries)."""
    application = context.application
    return lambda: application.running


async def _send_answer(
    source: Message, context: ContextTypes.DEFAULT_TYPE, answer: NumberAnswer
) -> None:
    """Log the answer, send it (retrying), then mark it sent: /stats counts only those."""
    found = services(context)
    owner = source.from_user.id if source.from_user else 0
    reading = answer.reading
    logged = await found.db(found.store.log_answer, owner, source.chat_id, _logged(answer))
    keyboard: InlineKeyboardMarkup | None
    if len(reading.digits) == 1:
        prediction = reading.digits[0]
        caption = texts.caption(prediction)
        keyboard = keyboards.right_or_wrong(logged.prediction_ids[0])
        outcome = f"answered {prediction.digit} ({prediction.confidence:.3f})"
    else:
        caption = texts.number_caption(reading)
        keyboard = keyboards.number_feedback(logged.rows)
        numbers = " / ".join(row.number for row in reading.rows)  # one log line per update
        outcome = f"answered number {numbers} ({reading.confidence:.3f})"
    try:
        sent = await with_retries(
            lambda: source.reply_photo(
                answer.picture, caption=caption, reply_markup=keyboard, do_quote=True
            ),
            "sendPhoto",
            _running(context),
        )
    except NetworkError as error:
        if not is_transient(error) or not context.application.running:
            raise  # a stop keeps the update stored: it is answered after the restart
        await _send_again(source, context, "failed: Telegram unavailable for sendPhoto")
        return
    record_outcome(outcome)
    try:
        await found.db(found.store.mark_sent, logged.id, sent.message_id, current_update_id())
    except StorageError as error:
        # The user has the answer; only /stats misses it. No second message about it.
        _LOGGER.error("cannot mark answer %s sent: %s", logged.id, error)


def _logged(answer: NumberAnswer) -> list[LoggedDigit]:
    """Each digit as it is logged, row after row, with its row: a row's feedback buttons name
    its digits only."""
    placed = [(place, p) for place, row in enumerate(answer.reading.rows) for p in row.digits]
    return [
        LoggedDigit(p.digit, p.confidence, crop, place)
        for (place, p), crop in zip(placed, answer.crop_pngs, strict=True)
    ]


async def _send_again(source: Message, context: ContextTypes.DEFAULT_TYPE, outcome: str) -> None:
    """The one reply when Telegram kept failing: if even this fails, the error handler keeps
    the update stored so it is tried again after a restart."""
    record_outcome(outcome)
    await with_retries(
        lambda: source.reply_text(texts.send_again(), do_quote=True),
        "sendMessage (send again)",
        _running(context),
    )


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
