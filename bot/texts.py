"""Every sentence the bot says, in one place so tone and facts stay consistent.

Each text is a function, called while an update is handled, so it comes out in the sender's
language (``bot.i18n``): the English here is gettext's message id, and the translations live
in ``bot/locales/<language>/LC_MESSAGES/digitbot.po``. Placeholders are named (``{digit}``) so
a translation may reorder them. Numbers and percentages are formatted for the language too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.i18n import gettext as _
from bot.i18n import ngettext, percent
from bot.model_metrics import ModelMetrics
from bot.retrain.gate import Verdict
from bot.retrain.retrainer import (
    CHECKING,
    FINISHED,
    STARTING,
    SWITCHING,
    TRAINING,
    Failure,
    Outcome,
    Progress,
    Refusal,
    Result,
    Stop,
)
from bot.storage import LabelStatus, Usage
from recognizer import (
    ImageDecodeError,
    ImageTooLargeError,
    ImageTooSmallError,
    NoDigitError,
    Prediction,
    Reading,
    RecognizerError,
    TooManyDigitsError,
)
from recognizer.config import MAX_DIGITS
from recognizer.contracts import EXPORT_STAGE

# -- commands and the menu ---------------------------------------------------------------------


def start() -> str:
    return _(
        "Hi! I read handwritten digits.\n\n"
        "Write a digit (0-9), or a number of up to {max_digits} digits, on paper, take a photo "
        "and send it to me: I'll tell you what it says, how sure I am, and show you what I saw."
        "\n\n/help: how to take a good photo\n/stats: how good I am\n/privacy: what I keep"
    ).format(max_digits=MAX_DIGITS)


def help_text(bot_username: str) -> str:
    """``bot_username`` without the @. In a group the command to reply is ``/digit@<it>``: in
    privacy mode Telegram sends a bot a bare ``/digit`` only if it was the last bot to write
    there (core.telegram.org/bots/features#privacy-mode), but ``/digit@<it>`` always."""
    return _(
        "How to get a good answer:\n"
        "• one digit or one number per photo, written large with a dark pen or marker on plain "
        "light paper, the digits side by side with a little space between them;\n"
        "• fill most of the photo with the digit, in even light, without shadows over it;\n"
        "• send it as a photo, or as an image file (JPEG, PNG, WebP, HEIC or AVIF).\n\n"
        "Under each answer press Right or Wrong: your corrections teach me.\n"
        "In a group, I read a photo whose caption mentions me (@{bot}), a photo sent as a "
        "reply to one of my messages, or the photo you reply /digit@{bot} to. An album: "
        "mention me in the caption of its first photo. If the group's member list says I have "
        "no access to messages (Telegram's privacy mode, on by default), Telegram shows me only "
        "the album's first photo: reply /digit@{bot} to each of the others.\n\n"
        "Commands: /stats, /privacy, /forget"
    ).format(bot=bot_username)


def commands() -> list[tuple[str, str]]:
    """The menu registered with Telegram at start-up, once per language."""
    return [
        ("start", _("What this bot does")),
        ("help", _("How to take a good photo")),
        ("stats", _("How accurate the model is")),
        ("digit", _("Reply to a photo to read it (in groups)")),
        ("privacy", _("What is stored about you")),
        ("forget", _("Delete the samples you labelled")),
    ]


def admin_commands() -> list[tuple[str, str]]:
    """Added to the menu in each admin's own chat only: nobody else is offered them."""
    return [
        ("retrain", _("Retrain the model: quick, full or cancel")),
        ("rollback", _("Serve the previous model version")),
        ("model", _("The served model version and its figures")),
    ]


def privacy(pending_hours: int) -> str:
    return _(
        "What I keep:\n"
        "• for each answer: when, who asked, in which chat, the digit and my confidence;\n"
        "• the 28x28 picture I read, for {hours} hours, so you can tell me whether I was right;\n"
        "• when you press Right or Wrong: that small picture with your label, your user id "
        "and the time, to retrain me.\n\n"
        "I never keep your photos. /forget deletes your labelled pictures and removes your "
        "user id from my log."
    ).format(hours=pending_hours)


# -- /forget -----------------------------------------------------------------------------------


def forget_question() -> str:
    return _(
        "Delete every picture you labelled for me and remove your user id from my log? "
        "This can't be undone."
    )


def forget_yes() -> str:
    return _("Yes, delete")


def forget_no() -> str:
    return _("No, keep them")


def forget_kept() -> str:
    return _("Nothing was deleted.")


def forget_not_yours() -> str:
    return _("Only the person who sent /forget can answer this.")


def forgotten(count: int) -> str:
    if count == 0:
        return _("Done. You had no labelled samples; your user id is gone from my log.")
    return ngettext(
        "Done: I deleted your {count} labelled sample and your user id from my log.",
        "Done: I deleted your {count} labelled samples and your user id from my log.",
        count,
    ).format(count=count)


# -- answers -----------------------------------------------------------------------------------


def caption(prediction: Prediction) -> str:
    """'7 (99.8% sure)', or a hedged answer naming the runner-up when the model is unsure."""
    sure = _("{digit} ({confidence} sure)").format(
        digit=prediction.digit, confidence=percent(prediction.confidence)
    )
    if not prediction.is_unsure:
        return sure
    return _(
        "Maybe {answer}, but I'm not confident: it could also be a {runner_up}. "
        "A larger, darker digit helps: /help"
    ).format(answer=sure, runner_up=prediction.runner_up)


def number_caption(reading: Reading) -> str:
    """'I read: 2026' (several rows: one line each); the picture shows each digit's confidence,
    so the caption names only the digits it is unsure of, with their runner-up, and says when
    writing that is not digits was left out."""
    if len(reading.rows) == 1:
        lines = [_("I read: {number}").format(number=reading.number)]
    else:
        count = len(reading.rows)
        lines = [
            ngettext("I read {count} row:", "I read {count} rows:", count).format(count=count),
            *(row.number for row in reading.rows),
        ]
    for place, prediction in enumerate(reading.digits, start=1):
        if prediction.is_unsure:
            lines.append(
                _("Not sure about digit {place}: {digit}, or maybe {runner_up}?").format(
                    place=place, digit=prediction.digit, runner_up=prediction.runner_up
                )
            )
    if reading.other_writing:
        lines.append(_("(I left out writing that isn't digits.)"))
    return "\n".join(lines)


def recognizer_refusal(error: RecognizerError) -> str:
    """What to tell the sender of an image the recognizer refused, by the kind of refusal."""
    if isinstance(error, TooManyDigitsError):
        return _(
            "I read one number of up to {max_digits} digits at a time, and this looks longer, "
            "or like a page of writing. Please photograph just the number, filling a good part "
            "of the frame."
        ).format(max_digits=MAX_DIGITS)
    if isinstance(error, NoDigitError):
        return _(
            "I couldn't find a handwritten digit in this picture. Please photograph one digit, "
            "dark on light paper, filling a good part of the frame."
        )
    if isinstance(error, ImageTooLargeError):
        return _(
            "This image has far too many pixels for me. Please send it as a photo (Telegram "
            "shrinks it) or make it smaller."
        )
    if isinstance(error, ImageTooSmallError):
        return _("This image is too small to hold a readable digit. Please send a larger photo.")
    if isinstance(error, ImageDecodeError):
        return _(
            "I can't read this file as a picture: it is empty, broken or not an image. "
            "Please send a photo, or a JPEG, PNG, WebP, HEIC or AVIF file."
        )
    return internal_error()


# -- feedback buttons --------------------------------------------------------------------------


def right() -> str:
    return _("Right")


def wrong() -> str:
    return _("Wrong")


def back() -> str:
    return _("Back")


def row_right(place: int) -> str:
    """A row's "Right" under an answer of several rows: says which row it confirms."""
    return _("Row {place} ✓").format(place=place)


def row_wrong(place: int) -> str:
    return _("Row {place} ✗").format(place=place)


def row_back(place: int) -> str:
    return _("Row {place}: Back").format(place=place)


def thanks(label: int | None) -> str:
    """Appended to the answer once labelled; ``None`` means the user confirmed it."""
    if label is None:
        return _("Thanks for confirming! Saved to help me learn.")
    return _("Thanks! Saved as {digit}: I'll learn from it.").format(digit=label)


def label_saved() -> str:
    return _("Saved, thank you!")


def pick_digit() -> str:
    return _("Which digit is it?")


def label_refused(status: LabelStatus) -> str:
    """Why a button press did nothing."""
    refusals = {
        LabelStatus.ALREADY_LABELLED: _("This answer is already labelled, thanks."),
        LabelStatus.EXPIRED: _("This answer can't be labelled any more. Send the photo again?"),
        LabelStatus.NOT_OWNER: _("Only the person who sent the photo can label it."),
        LabelStatus.UNKNOWN: _("I don't know this answer any more. Send the photo again?"),
    }
    return refusals.get(status, refusals[LabelStatus.UNKNOWN])


def type_number(count: int) -> str:
    return ngettext(
        "Which number is it? Type its {count} digit, for example {example}.",
        "Which number is it? Type its {count} digits, for example {example}.",
        count,
    ).format(count=count, example=("1234567890" * 2)[:count])


def type_row(place: int, count: int) -> str:
    """Asked after a row's "Wrong" under an answer of several rows: only that row is typed."""
    return ngettext(
        "Which number is in row {place}? Type its {count} digit, for example {example}.",
        "Which number is in row {place}? Type its {count} digits, for example {example}.",
        count,
    ).format(place=place, count=count, example=("1234567890" * 2)[:count])


def wrong_length(typed: int, count: int, place: int | None = None) -> str:
    """The typed number has the wrong length: ``count`` digits were found in the photo, or in
    row ``place`` when only that row of several is being corrected."""
    if place is None:
        found = ngettext(
            "I found {count} digit in the photo.", "I found {count} digits in the photo.", count
        ).format(count=count)
    else:
        found = ngettext(
            "I found {count} digit in row {place}.", "I found {count} digits in row {place}.", count
        ).format(count=count, place=place)
    return ngettext(
        "That's {typed} digit, but {found} Please type all of them, left to right (or press "
        "Back under my answer).",
        "That's {typed} digits, but {found} Please type all of them, left to right (or press "
        "Back under my answer).",
        typed,
    ).format(typed=typed, found=found)


def not_a_number() -> str:
    return _("Please type just the digits of the number, like 2026 (or press Back).")


def type_number_toast() -> str:
    return _("Type the right number in the chat.")


def number_thanks(number: str | None) -> str:
    """Said once a number is labelled; ``None`` means the user confirmed it."""
    if number is None:
        return thanks(None)
    return _("Thanks! Saved as {number}: I'll learn from each digit.").format(number=number)


def row_thanks(place: int, number: str | None) -> str:
    """Said once one row of several is labelled; ``None`` means the user confirmed it."""
    if number is None:
        return _("Row {place} confirmed, thanks! Saved to help me learn.").format(place=place)
    return _("Thanks! Row {place} saved as {number}: I'll learn from each digit.").format(
        place=place, number=number
    )


# -- everything that is not a photo ------------------------------------------------------------


def text_hint() -> str:
    return _(
        "Send me a photo of a handwritten digit or number and I'll read it. "
        "Tips for a good photo: /help"
    )


def sticker() -> str:
    return _("Nice sticker! I only read handwritten digits though: send me a photo of one.")


def voice() -> str:
    return _("I can't listen, sorry: write the digit on paper and send me a photo of it.")


def video() -> str:
    return _("I read still photos, not videos: send me a photo of a handwritten digit.")


def animation() -> str:
    return _("GIFs are fun, but I read still photos: send me a photo of a handwritten digit.")


def not_an_image_file() -> str:
    return _(
        "I can't read that file. Send a photo, or an image file: JPEG, PNG, WebP, HEIC or AVIF."
    )


def unknown_button() -> str:
    return _("This button doesn't do anything any more.")


def send_again() -> str:
    return _(
        "Sorry, Telegram had trouble passing your photo to me (or my answer back). "
        "Please send it again."
    )


def other() -> str:
    return _("I only understand photos of handwritten digits (and a few commands: /help).")


def unknown_command() -> str:
    return _("I don't know that command. Here is what I can do: /help")


def digit_needs_reply() -> str:
    return _("Reply /digit to a message with a photo of a digit, and I'll read it.")


def digit_reply_not_image() -> str:
    return _("The message you replied to has no photo or image file I can read.")


def admins_only() -> str:
    return _("Sorry, that command is for the bot's admins.")


def storage_down() -> str:
    return _(
        "My database isn't available right now, so I couldn't record that. "
        "Please try again in a minute."
    )


def internal_error() -> str:
    return _("Sorry, something went wrong on my side. Please try again.")


def too_large(size_bytes: int, limit_bytes: int) -> str:
    return _(
        "That file is {size} MB; I accept images up to {limit} MB. Send it as a photo "
        "(Telegram shrinks it) or make it smaller."
    ).format(size=f"{size_bytes / 2**20:.1f}", limit=f"{limit_bytes / 2**20:g}")


def rate_limited(limit: int, window_seconds: float, retry_in: float) -> str:
    return _(
        "Easy there! I read up to {limit} messages per {window} seconds from each person. "
        "Please try again in {retry} s."
    ).format(limit=limit, window=f"{window_seconds:g}", retry=max(1, round(retry_in)))


def yes_no(flag: bool) -> str:
    """For the log and /debug, which stay in English."""
    return "yes" if flag else "no"


def debug_report(*, tensorflow_loaded: bool, model_dir: str, uptime_seconds: float) -> str:
    """An operator's report, in English like the log it is checked against."""
    return (
        f"tensorflow loaded: {yes_no(tensorflow_loaded)}\n"
        f"model dir: {model_dir}\n"
        f"uptime: {uptime_seconds:.0f} s"
    )


# -- /stats ------------------------------------------------------------------------------------


def stats(metrics: ModelMetrics | None, usage: Usage, now: datetime) -> str:
    """The /stats message: what its chart (accuracy per digit) does not show. With figures it is
    the chart's caption and ends with the chart's title, which the picture leaves out (its
    font has no Cyrillic)."""
    lines = [_model_lines(metrics, now)]
    lines.append(
        _("Answers served: {total} in total, {last_day} in the last 24 h.").format(
            total=usage.predictions_total, last_day=usage.predictions_last_day
        )
    )
    if usage.feedback_total:
        share = usage.feedback_correct / usage.feedback_total
        lines.append(
            _(
                "Live accuracy from your feedback: {share} ({right} right out of {total} labelled)."
            ).format(share=percent(share), right=usage.feedback_correct, total=usage.feedback_total)
        )
    else:
        lines.append(_("Live accuracy: no feedback yet. Press Right or Wrong under an answer!"))
    if metrics is not None:
        lines.append(_("Chart: test accuracy per digit (MNIST)."))
    return "\n\n".join(lines)


def _model_lines(metrics: ModelMetrics | None, now: datetime) -> str:
    if metrics is None:
        return _("Model figures are not available (no readable metrics.json beside the model).")
    if metrics.trained_at is None:
        trained = _("Model trained at an unknown time.")
    else:
        trained_at = metrics.trained_at.astimezone(UTC)
        trained = _("Model trained {when} UTC ({age} ago).").format(
            when=f"{trained_at:%Y-%m-%d %H:%M}", age=_age(now - trained_at)
        )
    accuracy = _("Test accuracy (MNIST): {accuracy}").format(
        accuracy=percent(metrics.test_accuracy, 2)
    )
    return f"{trained}\n{accuracy}"


def _age(elapsed: timedelta) -> str:
    minutes = max(0, int(elapsed.total_seconds() // 60))
    if minutes < 60:
        return ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)
    if minutes < 48 * 60:
        hours = minutes // 60
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    days = minutes // (24 * 60)
    return ngettext("{n} day", "{n} days", days).format(n=days)


# -- retraining, /model and /rollback (admins) ------------------------------------------------


def retrain_usage() -> str:
    return _(
        "/retrain or /retrain quick: fine-tune the served model with the new labelled samples "
        "(a minute or two)\n"
        "/retrain full: train a new model from scratch\n"
        "/retrain cancel: stop a running retrain"
    )


def retrain_needs_tensorflow() -> str:
    return _(
        "Retraining is not available: this installation only serves the model (TensorFlow is "
        "not installed). To enable it, run the full Docker image (DIGITBOT_TARGET=full) or "
        "install the training extra (pip install -e '.[train]' in the project's folder), then "
        "restart the bot."
    )


def retrain_not_running() -> str:
    return _("No retrain is running.")


def retrain_interrupted() -> str:
    """A queued retrain that ended without a result: the trainer died, or none is running."""
    return _(
        "The retrain stopped before it finished: the trainer stopped or is not running. "
        "The served model stays; /retrain tries again."
    )


def retrain_cancelling() -> str:
    return _("Stopping the retrain; the served model stays as it is.")


def refusal(reason: Refusal, detail: str | None = None) -> str:
    """Why /retrain, /retrain cancel or /rollback cannot be done now, and what to do."""
    texts = {
        Refusal.ALREADY_RUNNING: _("A retrain is already running. /retrain cancel stops it."),
        Refusal.NO_KERAS_MODEL: _(
            "The served model can't be fine-tuned (it has no .keras file): use /retrain full."
        ),
        Refusal.NOTHING_NEW: _(
            "Nothing new to learn: nobody has labelled a picture since the served model was "
            "trained, so a quick retrain would only give the same model again. Wait for new "
            "Right/Wrong answers, or /retrain full to train from scratch."
        ),
        Refusal.TOO_LATE_TO_CANCEL: _(
            "Too late to cancel: the new model passed the checks and is being switched in now. "
            "/rollback returns to the previous one."
        ),
        Refusal.RETRAIN_RUNNING: _("Can't roll back while a retrain runs: /retrain cancel first."),
        Refusal.NO_EARLIER_VERSION: _(
            "Can't roll back: there is no earlier model version to go back to."
        ),
        Refusal.CANNOT_SERVE: _("Can't roll back: that model version doesn't load ({detail})."),
    }
    return texts[reason].format(detail=detail or "")


def _mode_name(mode_value: str) -> str:
    return _("quick fine-tune") if mode_value == "quick" else _("full training from scratch")


def _stage(stage: str) -> str:
    stages = {
        STARTING: _("starting (loading TensorFlow and the data)"),
        TRAINING: _("training"),
        EXPORT_STAGE: _("exporting the new model"),
        CHECKING: _("checking the new model against the served one"),
        SWITCHING: _("switching to the new model"),
        FINISHED: _("finished"),
    }
    return stages.get(stage, stage)


def retrain_progress(progress: Progress) -> str:
    """The one message edited as a retrain goes: mode, epoch k/n, validation accuracy, ETA."""
    title = _("Retraining ({mode})").format(mode=_mode_name(progress.mode.value))
    if progress.stage != TRAINING:
        return f"{title}: {_stage(progress.stage)}…"
    if progress.epoch == 0:
        return _("{title}: epoch 1/{epochs} running…").format(title=title, epochs=progress.epochs)
    lines = [
        _("{title}: epoch {epoch}/{epochs} done").format(
            title=title, epoch=progress.epoch, epochs=progress.epochs
        )
    ]
    if progress.val_accuracy is not None:
        lines.append(
            _("validation accuracy {accuracy}").format(accuracy=percent(progress.val_accuracy, 2))
        )
    if progress.eta_s is not None and progress.epoch < (progress.epochs or 0):
        lines.append(_("about {duration} left").format(duration=_duration(progress.eta_s)))
    return "\n".join(lines)


def retrain_already_running(progress: Progress | None) -> str:
    """'A retrain is already running, epoch 3/10': where it is, and how to stop it."""
    if progress is not None and progress.epochs and progress.stage == TRAINING:
        return _(
            "A retrain is already running, epoch {epoch}/{epochs}. /retrain cancel stops it."
        ).format(epoch=max(progress.epoch, 1), epochs=progress.epochs)
    if progress is not None:
        return _("A retrain is already running ({stage}). /retrain cancel stops it.").format(
            stage=_stage(progress.stage)
        )
    return refusal(Refusal.ALREADY_RUNNING)


def retrain_outcome(outcome: Outcome) -> str:
    took = _duration(outcome.seconds)
    if outcome.result is Result.SERVED:
        assert outcome.verdict is not None
        return _(
            "Retrain done in {took}: model {version} is now served.\n{verdict}\n"
            "/rollback returns to the previous model."
        ).format(took=took, version=outcome.version, verdict=_verdict_lines(outcome.verdict))
    if outcome.result is Result.REJECTED:
        assert outcome.verdict is not None
        return _(
            "Retrain done in {took}, but the new model is not better, so I keep serving the "
            "current one.\n{verdict}"
        ).format(took=took, verdict=_verdict_lines(outcome.verdict))
    if outcome.result is Result.CANCELLED:
        why = (
            _("cancelled by an admin")
            if outcome.stop is Stop.BY_ADMIN
            else _("the bot is shutting down")
        )
        return _("Retrain stopped ({why}) after {took}. The served model is unchanged.").format(
            why=why, took=took
        )
    return _(
        "Retrain failed after {took}: {why}\nThe served model is unchanged and I keep "
        "answering photos."
    ).format(took=took, why=_failure(outcome.failure, outcome.detail))


def _failure(failure: Failure | None, detail: str | None) -> str:
    """Why a retrain failed, with what an admin can do about it in their settings or chat."""
    texts = {
        Failure.MNIST_MISSING: _(
            "the MNIST data set isn't where the DIGITBOT_MNIST_PATH setting says ({detail}). "
            "Put mnist.npz there, or correct the setting in the bot's .env, restart the bot and "
            "send /retrain again."
        ),
        Failure.MNIST_DOWNLOAD: _(
            "I have no copy of the MNIST data set and couldn't download it (no internet access "
            "from the server?). Copy mnist.npz onto the server, set DIGITBOT_MNIST_PATH to its "
            "path in the bot's .env, restart the bot and send /retrain again."
        ),
        Failure.NO_TENSORFLOW: retrain_needs_tensorflow(),
        Failure.KILLED: _(
            "the training process was killed (SIGKILL), most likely out of memory. Give the "
            "bot's server or container more memory, or try /retrain quick."
        ),
        Failure.STOPPED_BY_SIGNAL: _("the training process was stopped by {detail}."),
        Failure.NO_MODEL_WRITTEN: _("training ended without writing a model."),
        Failure.TRAINING_ERROR: _("training stopped: {detail}"),
        Failure.EXITED: _("training exited with {detail}."),
        Failure.NEW_MODEL_DOES_NOT_LOAD: _("the new model does not load ({detail})."),
        Failure.UNEXPECTED: _("an unexpected error ({detail}); the bot's log has the details."),
    }
    text = texts.get(failure or Failure.UNEXPECTED, texts[Failure.UNEXPECTED])
    return text.format(detail=detail or "")


def _verdict_lines(verdict: Verdict) -> str:
    served = (
        _("unknown") if verdict.served_accuracy is None else percent(verdict.served_accuracy, 2)
    )
    mark = {True: _("ok"), False: _("too low")}
    lines = [
        _(
            "MNIST test accuracy, same test images: new {new}, served {served} (may drop at "
            "most {max_drop} points): {mark}"
        ).format(
            new=percent(verdict.new_accuracy, 2),
            served=served,
            max_drop=f"{verdict.max_drop_pp:g}",
            mark=mark[verdict.mnist_ok],
        )
    ]
    if verdict.holdout_size:
        lines.append(
            _("Held-out user samples: new {new}/{size}, served {served}/{size}: {mark}").format(
                new=verdict.new_holdout_correct,
                served=verdict.served_holdout_correct,
                size=verdict.holdout_size,
                mark=mark[verdict.holdout_ok],
            )
        )
    else:
        lines.append(_("Held-out user samples: none yet (every 5th labelled sample is held out)"))
    return "\n".join(lines)


def rolled_back(version: str) -> str:
    return _("Rolled back: model {version} is served again. /model shows its figures.").format(
        version=version
    )


def model_report(version: str, metrics: ModelMetrics | None, versions: list[str]) -> str:
    """/model: which version is served, how good it is, when it was trained."""
    lines = [_("Served model: {version}").format(version=version)]
    if metrics is None:
        lines.append(_("No readable metrics.json beside it."))
    else:
        when = (
            _("an unknown time")
            if metrics.trained_at is None
            else f"{metrics.trained_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        )
        lines.append(_("Trained: {when}").format(when=when))
        lines.append(
            _("MNIST test accuracy: {accuracy}").format(accuracy=percent(metrics.test_accuracy, 2))
        )
    lines.append(_("Versions kept: {versions}").format(versions=", ".join(versions)))
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(max(0, round(seconds)), 60)
    if minutes:
        return _("{minutes} min {seconds:02d} s").format(minutes=minutes, seconds=secs)
    return _("{seconds} s").format(seconds=secs)


def error_notice(error_type: str, raised_at: str | None, source: str, unreported: int) -> str:
    """The admins' notice of an unexpected error: what and where, never whose or what data.

    ``raised_at`` is a place in the code (None: unknown), ``source`` the update's kind or the job's
    name, ``unreported`` how many errors went unannounced since the last notice."""
    notice = _("Unexpected error: {error_type} at {raised_at} ({source}). See the log.").format(
        error_type=error_type, raised_at=raised_at or _("an unknown place"), source=source
    )
    if unreported:
        notice += "\n" + ngettext(
            "{count} more since the last notice.", "{count} more since the last notice.", unreported
        ).format(count=unreported)
    return notice
