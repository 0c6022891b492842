"""The composition root: builds the python-telegram-bot Application and wires every handler.

This is the one module that knows which callback answers which update; the callbacks live in
``bot.handlers`` and know nothing of each other. Handler order matters within a group: the
first match wins, so specific handlers come before the catch-all fallbacks.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    JobQueue,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import crop_expiry, errors, health, i18n, keyboards, model_sync, retrain_reports, texts
from bot import filters as routes
from bot.handlers import admin, commands, fallback, feedback, language, photo, ratelimit, stats
from bot.inbox import KEEP_CLAIMS_EVERY_SECONDS, DurableUpdateProcessor, DurableUpdateQueue
from bot.retrain.jobs import REPORT_EVERY_SECONDS
from bot.services import BotApplication, Services, install, services

_LOGGER = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 8
"""Updates handled at once. Recognition is bounded by its own thread pool anyway; more updates in
flight only mean more open HTTP requests, whose pool bookkeeping grows with the square of their
number (profiled: at 256 it took 40% of the bot's CPU in a burst, and memory grew with it; at
16 still 10%). Eight keep both recognizer threads busy: 2.5 ms less CPU per photo than 16."""

RETRIES_AFTER_FLOOD_CONTROL = 3
"""How often an outgoing call is retried when Telegram answers 429 Too Many Requests."""

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
"""Edits, reactions and the rest are never asked for, so they never need ignoring."""

_COMMANDS = {
    "start": commands.on_start,
    "help": commands.on_help,
    "stats": stats.on_stats,
    "privacy": commands.on_privacy,
    "forget": commands.on_forget,
    "digit": photo.on_digit_command,
    "debug": commands.on_debug,
    "retrain": admin.retrain,
    "rollback": admin.rollback,
    "model": admin.model,
}

_PRIVATE_FALLBACKS = (
    (filters.COMMAND, fallback.hint(texts.unknown_command, "hint: unknown command")),
    (filters.Sticker.ALL, fallback.hint(texts.sticker, "hint: sticker")),
    (filters.VOICE | filters.AUDIO, fallback.hint(texts.voice, "hint: voice")),
    (filters.VIDEO | filters.VIDEO_NOTE, fallback.hint(texts.video, "hint: video")),
    (filters.ANIMATION, fallback.hint(texts.animation, "hint: animation")),
    (filters.Document.ALL, fallback.hint(texts.not_an_image_file, "hint: not an image file")),
    (filters.TEXT, fallback.hint(texts.text_hint, "hint: text")),
    (filters.ALL, fallback.hint(texts.other, "hint: other")),
)
"""Private-chat replies to everything that is not an image; in groups the bot stays quiet."""


def build_application(found: Services) -> BotApplication:
    settings = found.settings
    processor = DurableUpdateProcessor(MAX_CONCURRENT_UPDATES, found.store)
    queue = DurableUpdateQueue(found.store)
    builder = (
        Application.builder()
        .token(settings.token)
        .update_queue(queue)
        .concurrent_updates(processor)
        .connection_pool_size(MAX_CONCURRENT_UPDATES)
        .local_mode(settings.local_mode)
        .defaults(Defaults(allow_sending_without_reply=True))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if settings.file_base_url:
        builder = builder.base_file_url(settings.file_base_url)
    limiter = AIORateLimiter(max_retries=RETRIES_AFTER_FLOOD_CONTROL)
    application: BotApplication = (
        builder.rate_limiter(limiter).build() if settings.outgoing_rate_limit else builder.build()
    )
    processor.serving = lambda: application.running
    queue.taken = lambda: _taking_updates(application)
    processor.on_arrival = routes.ADDRESSED_ALBUM.remember
    install(application.bot_data, found)
    register_handlers(application)
    return application


def _taking_updates(application: BotApplication) -> bool:
    """Whether an update queued now is taken off the queue: from when the updater starts
    receiving (before the application runs, at start-up) until the application stops
    running, which it does right as it queues its stop signal, the last thing it takes."""
    updater = application.updater
    return application.running or (updater is not None and updater.running)


_TYPED_NUMBER = filters.TEXT & ~filters.COMMAND & (routes.PRIVATE | routes.REPLIES_TO_BOT)
"""Text that may be the right number after "Wrong"; the handler lets anything else pass on."""


def register_handlers(application: BotApplication) -> None:
    application.add_handler(TypeHandler(Update, language.use_senders_language), group=-3)
    application.add_handler(MessageHandler(_TYPED_NUMBER, feedback.on_typed_number), group=-2)
    application.add_handler(
        MessageHandler(routes.RATE_LIMITED, ratelimit.enforce_rate_limit), group=-1
    )
    application.add_handler(CallbackQueryHandler(ratelimit.enforce_rate_limit), group=-1)
    for name, callback in _COMMANDS.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(MessageHandler(routes.IMAGE_REQUEST, photo.on_image))
    application.add_handler(CallbackQueryHandler(feedback.on_feedback, pattern=keyboards.PATTERN))
    application.add_handler(
        CallbackQueryHandler(feedback.on_number_feedback, pattern=keyboards.NUMBER_PATTERN)
    )
    application.add_handler(
        CallbackQueryHandler(commands.on_forget_answer, pattern=keyboards.FORGET_PATTERN)
    )
    application.add_handler(CallbackQueryHandler(feedback.on_unknown_button))
    for kind, callback in _PRIVATE_FALLBACKS:
        application.add_handler(MessageHandler(routes.PRIVATE & kind, callback))
    application.add_error_handler(errors.on_error)


async def _post_init(application: BotApplication) -> None:
    """Register the command menus, in every language, schedule the jobs and state, once, what
    this process serves.

    Telegram shows a user the menu registered for their app's language, else the one
    registered without a language, which is English."""
    found = services(application)
    for spoken in i18n.languages():
        code = None if spoken == i18n.SOURCE_LANGUAGE else spoken
        with i18n.speaking(spoken):
            everyone = _menu(texts.commands())
            admins = _menu(texts.commands() + texts.admin_commands())
        await application.bot.set_my_commands(everyone, language_code=code)
        for admin_id in found.settings.admin_ids:
            await _show_admin_commands(application, admin_id, admins, code)
    await _start_jobs(application)
    queue = application.update_queue
    if isinstance(queue, DurableUpdateQueue):
        replayed = await queue.replay(application.bot, mine=True)
        if replayed:
            _LOGGER.info("%d updates received before a stop or crash will be answered", replayed)
        _jobs(application).run_repeating(
            queue.keep_claims_job,
            KEEP_CLAIMS_EVERY_SECONDS,
            first=KEEP_CLAIMS_EVERY_SECONDS,
            name="update claims",
        )
    _log_privacy_mode(application)
    _LOGGER.info(
        "digitbot started as @%s: model %s, data %s, tensorflow loaded: %s",
        application.bot.username,
        found.recognition.model_dir,
        found.settings.data_dir,
        texts.yes_no(commands.tensorflow_loaded()),
    )


def _log_privacy_mode(application: BotApplication) -> None:
    """getMe says whether the bot sees every group message; what that means, for the operator
    (BotFather's /setprivacy switches it; the bot must be re-added to a group to apply it)."""
    if application.bot.bot.can_read_all_group_messages:
        _LOGGER.info(
            "privacy mode is off: in groups I see every message, and read photos that mention "
            "me, reply to me, or belong to an album whose first photo mentions me"
        )
    else:
        _LOGGER.info(
            "privacy mode is on: in groups Telegram sends me only commands, replies to my "
            "messages and messages that mention me, so only such photos are read (an album: "
            "its first photo only); turn it off with BotFather's /setprivacy to read albums"
        )


def _menu(commands: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(name, description) for name, description in commands]


async def _start_jobs(application: BotApplication) -> None:
    """The heartbeat, the crop sweep, the model version poll (``bot.model_sync``) and, with a
    separate trainer, the retrain reports (``bot.retrain_reports``); the first two run once now
    (the bot is healthy once it says it started; crops that expired while it was down go
    first), then the JobQueue repeats them
    from when the application starts until it stops, before ``_post_stop``.

    The first runs are not left to the JobQueue: ``run_repeating(first=0)`` does not run at once
    (python-telegram-bot documents it; APScheduler moves a start in the past to the next
    interval)."""
    jobs = _jobs(application)
    found = services(application)
    health.beat(found.settings)
    await crop_expiry.sweep(found.store)
    beat, sweep = health.BEAT_EVERY_SECONDS, crop_expiry.SWEEP_EVERY_SECONDS
    jobs.run_repeating(health.beat_job, beat, first=beat, name="heartbeat")
    jobs.run_repeating(crop_expiry.sweep_job, sweep, first=sweep, name="crop sweep")
    poll = found.settings.model_poll_seconds
    jobs.run_repeating(model_sync.follow_job, poll, first=poll, name="model version")
    if found.settings.separate_trainer:
        every = REPORT_EVERY_SECONDS
        jobs.run_repeating(retrain_reports.report_job, every, first=every, name="retrain reports")


def _jobs(application: BotApplication) -> JobQueue[ContextTypes.DEFAULT_TYPE]:
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    return jobs


async def _show_admin_commands(
    application: BotApplication, admin_id: int, menu: list[BotCommand], language_code: str | None
) -> None:
    """The admin commands in the admin's own chat menu; Telegram refuses a chat it has never
    seen (an admin who has not started the bot yet), which must not stop the bot."""
    try:
        await application.bot.set_my_commands(
            menu, scope=BotCommandScopeChat(admin_id), language_code=language_code
        )
    except TelegramError as error:
        _LOGGER.warning("could not show the admin commands to user %s: %s", admin_id, error)


async def _post_stop(application: BotApplication) -> None:
    """A running retrain is stopped while the loop still runs; the served model stays. The
    updates the stop left untried are released: they were not tried, so not counted."""
    processor = application.update_processor
    if isinstance(processor, DurableUpdateProcessor):
        await processor.release_left()
    await services(application).retrainer.shutdown()


async def _post_shutdown(application: BotApplication) -> None:
    """Runs to the end whatever fails on the way: the database is always closed."""
    found = services(application)
    try:
        health.stop_beating(found.settings)
    finally:
        found.close()
        _LOGGER.info("database closed")
