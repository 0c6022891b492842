"""The admin's chat hears of a retrain the separate trainer runs, from whichever replica polls.

With ``SEPARATE_TRAINER=on`` the replica that queued a /retrain sent its progress message and
may since have stopped; every replica runs this JobQueue job every ``REPORT_EVERY_SECONDS``.
Each change of the progress text is claimed in the job's row before the message is edited, and
the end before the result is sent, so one replica does each, once.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import i18n, texts
from bot.retrain.jobs import ReportRow, RetrainJobs
from bot.retrain.retrainer import FINISHED, Mode, Progress, outcome_from_json
from bot.services import services
from bot.storage import StorageError

_LOGGER = logging.getLogger(__name__)


async def report_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback: bring every queued run's chat up to date."""
    jobs = RetrainJobs(services(context).store)
    try:
        rows = await asyncio.to_thread(jobs.to_report)
    except StorageError as error:
        _LOGGER.warning("cannot read the retrains to report: %s", error)
        return
    for row in rows:
        with i18n.speaking(row.language):
            await _report(context.bot, jobs, row)


async def _report(bot: Bot, jobs: RetrainJobs, row: ReportRow) -> None:
    try:
        mode = Mode(row.mode)
    except ValueError:
        return
    finished = not row.active
    progress = Progress(
        mode,
        epoch=row.epoch,
        epochs=row.epochs,
        val_accuracy=row.val_accuracy,
        eta_s=row.eta_s,
        stage=FINISHED if finished else row.stage,
    )
    text = texts.retrain_progress(progress)
    if finished and not await asyncio.to_thread(jobs.mark_reported, row.id):
        return  # another replica tells the admin
    if text != row.shown and await asyncio.to_thread(jobs.mark_shown, row.id, row.shown, text):
        await _edit(bot, row, text)
    if finished:
        outcome = outcome_from_json(row.outcome) if row.outcome else None
        result = texts.retrain_outcome(outcome) if outcome else texts.retrain_interrupted()
        try:
            await bot.send_message(row.chat_id, result, reply_to_message_id=row.request_message_id)
        except TelegramError as error:
            _LOGGER.warning("cannot tell the admin how the retrain ended: %s", error)


async def _edit(bot: Bot, row: ReportRow, text: str) -> None:
    if row.progress_message_id is None:
        return
    try:
        await bot.edit_message_text(text, chat_id=row.chat_id, message_id=row.progress_message_id)
    except TelegramError as error:
        _LOGGER.warning("cannot update the retrain message: %s", error)
