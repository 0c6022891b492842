"""The admins' model commands: /retrain [quick|full|cancel], /rollback and /model."""

from __future__ import annotations

import asyncio
import logging
import time
from functools import wraps

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import i18n, texts
from bot.handlers import Callback
from bot.handlers.replies import reply
from bot.model_metrics import read_metrics
from bot.retrain.jobs import ChatRequest, RetrainJobs
from bot.retrain.retrainer import (
    Mode,
    Outcome,
    Progress,
    Refusal,
    Retrainer,
    RetrainError,
    training_installed,
)
from bot.services import services
from bot.update_log import record_outcome

_LOGGER = logging.getLogger(__name__)

EDIT_INTERVAL_SECONDS = 1.0
"""Telegram limits edits per chat; a fast run's epochs are folded into fewer edits."""


def admins_only(handler: Callback) -> Callback:
    """Anyone else gets the polite refusal, and the attempt is logged with the user id."""

    @wraps(handler)
    async def checked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        if not services(context).is_admin(user.id if user else None):
            _LOGGER.warning("refused /%s to non-admin %s", handler.__name__, user and user.id)
            await reply(update, texts.admins_only(), "refused: not an admin")
            return
        await handler(update, context)

    return checked


class ChatListener:
    """Shows a retrain in the admin's chat: one progress message edited, then the result as a
    new message.

    The progress message is sent from the retrain's own task (``started``), not by /retrain
    before it starts the retrain: that send is an await, and two /retrain updates processed
    at once could both pass the "already running" check during it.
    """

    def __init__(self, request: Message) -> None:
        self._request = request
        self._message: Message | None = None
        self._last_edit = time.monotonic()
        self._last_text: str | None = None

    async def started(self, progress: Progress) -> None:
        """Send the one progress message that later edits update."""
        text = texts.retrain_progress(progress)
        try:
            self._message = await self._request.reply_text(text)
        except TelegramError as error:
            # The retrain goes on; its result is still sent as a new message when it ends.
            _LOGGER.warning("cannot send the retrain progress message: %s", error)
        self._last_edit, self._last_text = time.monotonic(), text

    async def progress(self, progress: Progress) -> None:
        if time.monotonic() - self._last_edit >= EDIT_INTERVAL_SECONDS:
            await self._edit(texts.retrain_progress(progress))

    async def finished(self, outcome: Outcome, progress: Progress) -> None:
        """The result is a new message, so the admin's phone notifies them (an edit does not);
        the progress message says it is finished, so it no longer shows a stale stage."""
        await self._edit(texts.retrain_progress(progress))
        try:
            await self._request.reply_text(texts.retrain_outcome(outcome))
        except TelegramError as error:
            _LOGGER.warning("cannot tell the admin how the retrain ended: %s", error)

    async def _edit(self, text: str) -> None:
        if text == self._last_text or self._message is None:
            return
        self._last_edit, self._last_text = time.monotonic(), text
        try:
            await self._message.edit_text(text)
        except TelegramError as error:
            # The chat may be gone; the retrain itself must go on regardless.
            _LOGGER.warning("cannot update the retrain message: %s", error)


@admins_only
async def retrain(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message, admin = update.effective_message, update.effective_user
    if message is None or admin is None:
        return
    retrainer = _retrainer(context)
    argument = (context.args or ["quick"])[0].lower()
    if argument == "cancel":
        try:
            stopping = await retrainer.cancel()
        except RetrainError as error:
            await reply(update, texts.refusal(error.refusal), "retrain cancel too late")
            return
        await reply(
            update,
            texts.retrain_cancelling() if stopping else texts.retrain_not_running(),
            "retrain cancel",
        )
        return
    if argument not in {mode.value for mode in Mode}:
        await reply(update, texts.retrain_usage(), "retrain usage")
        return
    separate = services(context).settings.separate_trainer
    if not separate and not await asyncio.to_thread(training_installed):
        await reply(update, texts.retrain_needs_tensorflow(), "retrain unavailable")
        return
    mode = Mode(argument)
    if separate:
        await _queue(update, context, mode, message)
        return
    refusal = _start_unless_running(retrainer, mode, message)
    if refusal is not None:
        await reply(update, *refusal)
        return
    record_outcome(f"retrain {mode.value} started")
    _LOGGER.info("retrain (%s) started by admin %s", mode.value, admin.id)


def _start_unless_running(
    retrainer: Retrainer, mode: Mode, request: Message
) -> tuple[str, str] | None:
    """Check and claim the one retrain slot atomically: no await, so no other update can run
    in between. Returns the refusal (reply text, log outcome), or None once started."""
    if retrainer.running:
        return texts.retrain_already_running(retrainer.progress), "retrain busy"
    try:
        retrainer.start(mode, ChatListener(request))
    except RetrainError as error:
        return _refused(error)
    return None


def _refused(error: RetrainError) -> tuple[str, str]:
    """The reply text and log outcome for a refused /retrain."""
    if error.refusal is Refusal.ALREADY_RUNNING:  # on another replica, or queued
        return texts.retrain_already_running(error.progress), "retrain busy elsewhere"
    return texts.refusal(error.refusal, error.detail), f"retrain refused: {error}"


async def _queue(
    update: Update, context: ContextTypes.DEFAULT_TYPE, mode: Mode, request: Message
) -> None:
    """Queue the run for the separate trainer, then send the progress message the replicas
    edit as the trainer reports (``bot.retrain_reports``)."""
    found = services(context)
    chat = ChatRequest(request.chat_id, request.message_id, i18n.current())
    try:
        job_id = found.retrainer.enqueue(mode, chat)
    except RetrainError as error:
        await reply(update, *_refused(error))
        return
    record_outcome(f"retrain {mode.value} queued")
    text = texts.retrain_progress(Progress(mode))
    try:
        sent = await request.reply_text(text)
    except TelegramError as error:
        # The run goes on; its result is still sent as a new message when it ends.
        _LOGGER.warning("cannot send the retrain progress message: %s", error)
        return
    await found.db(RetrainJobs(found.store).set_progress_message, job_id, sent.message_id, text)


@admins_only
async def rollback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        version = await _retrainer(context).rollback()
    except RetrainError as error:
        await reply(update, texts.refusal(error.refusal, error.detail), "rollback refused")
        return
    await reply(update, texts.rolled_back(version), f"rolled back to {version}")


@admins_only
async def model(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = services(context)
    served = found.recognition.model_dir
    metrics = await asyncio.to_thread(read_metrics, served)
    versions = await asyncio.to_thread(found.models.versions)
    await reply(update, texts.model_report(served.name, metrics, versions), "model")


def _retrainer(context: ContextTypes.DEFAULT_TYPE) -> Retrainer:
    return services(context).retrainer
