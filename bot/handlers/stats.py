"""/stats: how good the model is, on the test set and according to users."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import ContextTypes

from bot import texts
from bot.model_metrics import read_metrics
from bot.services import services
from bot.stats_chart import render_accuracy_chart
from bot.update_log import record_outcome


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    found = services(context)
    usage = await found.db(found.store.usage)
    metrics = await asyncio.to_thread(read_metrics, found.recognition.model_dir)
    report = texts.stats(metrics, usage, datetime.now(UTC))
    if metrics is None:
        record_outcome("stats without model figures")
        await message.reply_text(report)
        return
    chart = await asyncio.to_thread(render_accuracy_chart, metrics.per_digit)
    await message.reply_photo(chart, caption=report)
    record_outcome("stats")
