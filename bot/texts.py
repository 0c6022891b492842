"""Every sentence the bot says, in one place so tone and facts stay consistent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.model_metrics import ModelMetrics
from bot.retrain.gate import Verdict
from bot.retrain.retrainer import (
    CHECKING,
    STARTING,
    SWITCHING,
    TRAINING,
    Outcome,
    Progress,
    Result,
)
from bot.storage import LabelStatus, Usage
from recognizer import Prediction, Reading, Row
from recognizer.contracts import EXPORT_STAGE

START = (
    "Hi! I read handwritten digits.\n\n"
    "Write a digit (0-9), or a number of up to 12 digits, on paper, take a photo and send "
    "it to me: I'll tell you what it says, how sure I am, and show you what I saw.\n\n"
    "/help: how to take a good photo\n/stats: how good I am\n/privacy: what I keep"
)

HELP = (
    "How to get a good answer:\n"
    "• one digit or one number per photo, written large with a dark pen or marker on plain "
    "light paper, the digits side by side with a little space between them;\n"
    "• fill most of the photo with the digit, in even light, without shadows over it;\n"
    "• send it as a photo, or as an image file (JPEG, PNG, WebP, HEIC or AVIF).\n\n"
    "Under each answer press Right or Wrong: your corrections teach me.\n"
    "In a group, I read a photo whose caption mentions me (@ and my username), a photo "
    "sent as a reply to one of my messages, or the photo you reply /digit to. An album: "
    "mention me in the caption of its first photo. If the group's member list says I have "
    "no access to messages (Telegram's privacy mode, on by default), Telegram shows me only "
    "the album's first photo: reply /digit to each of the others.\n\n"
    "Commands: /stats, /privacy, /forget"
)

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "What this bot does"),
    ("help", "How to take a good photo"),
    ("stats", "How accurate the model is"),
    ("digit", "Reply to a photo to read it (in groups)"),
    ("privacy", "What is stored about you"),
    ("forget", "Delete the samples you labelled"),
)
"""The list registered with Telegram at start-up, shown in the clients' command menu."""

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("retrain", "Retrain the model: quick, full or cancel"),
    ("rollback", "Serve the previous model version"),
    ("model", "The served model version and its figures"),
)
"""Added to the menu in each admin's own chat only: nobody else is offered them."""


def privacy(pending_hours: int) -> str:
    return (
        "What I keep:\n"
        "• for each answer: when, who asked, in which chat, the digit and my confidence;\n"
        f"• the 28x28 picture I read, for {pending_hours} hours, so you can tell me whether "
        "I was right;\n"
        "• when you press Right or Wrong: that small picture with your label, your user id "
        "and the time, to retrain me.\n\n"
        "I never keep your photos. /forget deletes your labelled pictures and removes your "
        "user id from my log."
    )


def forgotten(count: int) -> str:
    if count == 0:
        return "Done. You had no labelled samples; your user id is gone from my log."
    noun = "sample" if count == 1 else "samples"
    return f"Done: I deleted your {count} labelled {noun} and your user id from my log."


def caption(prediction: Prediction) -> str:
    """'7 (99.8% sure)', or a hedged answer naming the runner-up when the model is unsure."""
    sure = f"{prediction.digit} ({prediction.confidence:.1%} sure)"
    if not prediction.is_unsure:
        return sure
    return (
        f"Maybe {sure}, but I'm not confident: it could also be a {prediction.runner_up}. "
        "A larger, darker digit helps: /help"
    )


def thanks(label: int | None) -> str:
    """Appended to the answer once labelled; ``None`` means the user confirmed it."""
    if label is None:
        return "Thanks for confirming! Saved to help me learn."
    return f"Thanks! Saved as a {label}: I'll learn from it."


LABEL_SAVED = "Saved, thank you!"
PICK_DIGIT = "Which digit is it?"
LABEL_REFUSED = {
    LabelStatus.ALREADY_LABELLED: "This answer is already labelled, thanks.",
    LabelStatus.EXPIRED: "This answer can't be labelled any more. Send the photo again?",
    LabelStatus.NOT_OWNER: "Only the person who sent the photo can label it.",
    LabelStatus.UNKNOWN: "I don't know this answer any more. Send the photo again?",
}
"""Why a button press did nothing."""

UNKNOWN_BUTTON = "This button doesn't do anything any more."

TEXT_HINT = (
    "Send me a photo of one handwritten digit and I'll tell you which it is. "
    "Tips for a good photo: /help"
)
STICKER = "Nice sticker! I only read handwritten digits though: send me a photo of one."
VOICE = "I can't listen, sorry: write the digit on paper and send me a photo of it."
VIDEO = "I read still photos, not videos: send me a photo of a handwritten digit."
ANIMATION = "GIFs are fun, but I read still photos: send me a photo of a handwritten digit."
NOT_AN_IMAGE_FILE = (
    "I can't read that file. Send a photo, or an image file: JPEG, PNG, WebP, HEIC or AVIF."
)
OTHER = "I only understand photos of handwritten digits (and a few commands: /help)."
UNKNOWN_COMMAND = "I don't know that command. Here is what I can do: /help"
DIGIT_NEEDS_REPLY = "Reply /digit to a message with a photo of a digit, and I'll read it."
DIGIT_REPLY_NOT_IMAGE = "The message you replied to has no photo or image file I can read."
ADMINS_ONLY = "Sorry, that command is for the bot's admins."

STORAGE_DOWN = (
    "My database isn't available right now, so I couldn't record that. "
    "Please try again in a minute."
)
SEND_AGAIN = (
    "Sorry, Telegram had trouble passing your photo to me (or my answer back). "
    "Please send it again."
)
INTERNAL_ERROR = "Sorry, something went wrong on my side. Please try again."


def too_large(size_bytes: int, limit_bytes: int) -> str:
    return (
        f"That file is {size_bytes / 2**20:.1f} MB; I accept images up to "
        f"{limit_bytes / 2**20:g} MB. Send it as a photo (Telegram shrinks it) or make it smaller."
    )


def rate_limited(limit: int, window_seconds: float, retry_in: float) -> str:
    return (
        f"Easy there! I read up to {limit} messages per {window_seconds:g} seconds from each "
        f"person. Please try again in {max(1, round(retry_in))} s."
    )


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def debug_report(*, tensorflow_loaded: bool, model_dir: str, uptime_seconds: float) -> str:
    return (
        f"tensorflow loaded: {yes_no(tensorflow_loaded)}\n"
        f"model dir: {model_dir}\n"
        f"uptime: {uptime_seconds:.0f} s"
    )


def stats(metrics: ModelMetrics | None, usage: Usage, now: datetime) -> str:
    """The /stats message: the model's test figures, then what users saw and told us."""
    lines = [_model_lines(metrics, now)]
    lines.append(
        f"Answers served: {usage.predictions_total} in total, "
        f"{usage.predictions_last_day} in the last 24 h."
    )
    if usage.feedback_total:
        share = usage.feedback_correct / usage.feedback_total
        lines.append(
            f"Live accuracy from your feedback: {share:.1%} "
            f"({usage.feedback_correct} right out of {usage.feedback_total} labelled)."
        )
    else:
        lines.append("Live accuracy: no feedback yet. Press Right or Wrong under an answer!")
    return "\n\n".join(lines)


def _model_lines(metrics: ModelMetrics | None, now: datetime) -> str:
    if metrics is None:
        return "Model figures are not available (no readable metrics.json beside the model)."
    trained = "at an unknown time"
    if metrics.trained_at is not None:
        trained_at = metrics.trained_at.astimezone(UTC)
        trained = f"{trained_at:%Y-%m-%d %H:%M} UTC ({_age(now - trained_at)} ago)"
    digits = " · ".join(f"{digit}: {value:.1%}" for digit, value in enumerate(metrics.per_digit))
    return (
        f"Model trained {trained}.\n"
        f"Test accuracy (MNIST): {metrics.test_accuracy:.2%}\n"
        f"Per digit: {digits}"
    )


def _age(elapsed: timedelta) -> str:
    minutes = max(0, int(elapsed.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


STATS_CHART_TITLE = "Test accuracy per digit (MNIST)"


# -- retraining, /model and /rollback (admins) ------------------------------------------------

RETRAIN_USAGE = (
    "/retrain or /retrain quick: fine-tune the served model with the labelled samples\n"
    "/retrain full: train a new model from scratch\n"
    "/retrain cancel: stop a running retrain"
)
RETRAIN_NEEDS_TENSORFLOW = (
    "Retraining is not available: this installation only serves the model (TensorFlow is not "
    'installed). To enable it, install the training extra (pip install -e ".[train]") or run '
    "the full Docker image, then restart the bot."
)
RETRAIN_NOT_RUNNING = "No retrain is running."
RETRAIN_CANCELLING = "Stopping the retrain; the served model stays as it is."
_MODE_NAMES = {"quick": "quick fine-tune", "full": "full training from scratch"}
_STAGES = {
    STARTING: "starting (loading TensorFlow and the data)",
    EXPORT_STAGE: "exporting the new model",
    CHECKING: "checking the new model against the served one",
    SWITCHING: "switching to the new model",
}


def cancel_refused(reason: str) -> str:
    return f"Too late to cancel: {reason}."


def retrain_refused(reason: str) -> str:
    return f"Can't retrain: {reason}."


def retrain_progress(progress: Progress) -> str:
    """The one message edited as a retrain goes: mode, epoch k/n, validation accuracy, ETA."""
    title = f"Retraining ({_MODE_NAMES[progress.mode.value]})"
    if progress.stage != TRAINING:
        return f"{title}: {_STAGES.get(progress.stage, progress.stage)}…"
    if progress.epoch == 0:
        return f"{title}: epoch 1/{progress.epochs} running…"
    lines = [f"{title}: epoch {progress.epoch}/{progress.epochs} done"]
    if progress.val_accuracy is not None:
        lines.append(f"validation accuracy {progress.val_accuracy:.2%}")
    if progress.eta_s is not None and progress.epoch < (progress.epochs or 0):
        lines.append(f"about {_duration(progress.eta_s)} left")
    return "\n".join(lines)


def retrain_already_running(progress: Progress | None) -> str:
    """'A retrain is already running, epoch 3/10': where it is, and how to stop it."""
    where = ""
    if progress is not None and progress.epochs:
        where = f", epoch {max(progress.epoch, 1)}/{progress.epochs}"
    if progress is not None and progress.stage != TRAINING:
        where += f" ({_STAGES.get(progress.stage, progress.stage)})"
    return f"A retrain is already running{where}. /retrain cancel stops it."


def retrain_outcome(outcome: Outcome) -> str:
    took = _duration(outcome.seconds)
    if outcome.result is Result.SERVED:
        assert outcome.verdict is not None
        return (
            f"Retrain done in {took}: model {outcome.version} is now served.\n"
            f"{_verdict_lines(outcome.verdict)}\n/rollback returns to the previous model."
        )
    if outcome.result is Result.REJECTED:
        assert outcome.verdict is not None
        return (
            f"Retrain done in {took}, but the new model is not better, so I keep serving the "
            f"current one.\n{_verdict_lines(outcome.verdict)}"
        )
    if outcome.result is Result.CANCELLED:
        return f"Retrain stopped ({outcome.reason}) after {took}. The served model is unchanged."
    return (
        f"Retrain failed after {took}: {outcome.reason}\n"
        "The served model is unchanged and I keep answering photos."
    )


def _verdict_lines(verdict: Verdict) -> str:
    served = "unknown" if verdict.served_accuracy is None else f"{verdict.served_accuracy:.2%}"
    mark = {True: "ok", False: "too low"}
    lines = [
        f"MNIST test accuracy: new {verdict.new_accuracy:.2%}, served {served} "
        f"(may drop at most {verdict.max_drop_pp:g}pp): {mark[verdict.mnist_ok]}"
    ]
    if verdict.holdout_size:
        lines.append(
            f"Held-out user samples: new {verdict.new_holdout_correct}/{verdict.holdout_size}, "
            f"served {verdict.served_holdout_correct}/{verdict.holdout_size}: "
            f"{mark[verdict.holdout_ok]}"
        )
    else:
        lines.append("Held-out user samples: none yet (every 5th labelled sample is held out)")
    return "\n".join(lines)


def rolled_back(version: str) -> str:
    return f"Rolled back: model {version} is served again. /model shows its figures."


def rollback_refused(reason: str) -> str:
    return f"Can't roll back: {reason}."


def model_report(version: str, metrics: ModelMetrics | None, versions: list[str]) -> str:
    """/model: which version is served, how good it is, when it was trained."""
    lines = [f"Served model: {version}"]
    if metrics is None:
        lines.append("No readable metrics.json beside it.")
    else:
        when = "an unknown time"
        if metrics.trained_at is not None:
            when = f"{metrics.trained_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        lines.append(f"Trained: {when}")
        lines.append(f"MNIST test accuracy: {metrics.test_accuracy:.2%}")
    lines.append(f"Versions kept: {', '.join(versions)}")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(max(0, round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def number_caption(reading: Reading) -> str:
    """'2026' with each digit's confidence; an unsure digit names its runner-up. Several rows:
    one line per row, top to bottom; writing that is not digits is said to be left out."""
    lead = "I'm not sure about every digit of this one" if reading.is_unsure else "I read"
    if len(reading.rows) == 1:
        caption = f"{lead}: {reading.number}\n" + _confidences(reading.rows[0])
    else:
        rows = "\n".join(f"{row.number}  ({_confidences(row)})" for row in reading.rows)
        caption = f"{lead} {len(reading.rows)} rows:\n{rows}"
    if reading.other_writing:
        caption += "\n(I left out writing that isn't digits.)"
    return caption


def _confidences(row: Row) -> str:
    parts = []
    for prediction in row.digits:
        part = f"{prediction.digit}: {prediction.confidence:.0%}"
        if prediction.is_unsure:
            part += f" (maybe {prediction.runner_up}?)"
        parts.append(part)
    return " · ".join(parts)


def type_number(count: int) -> str:
    return f"Which number is it? Type its {count} digits, for example {('1234567890' * 2)[:count]}."


def wrong_length(typed: int, count: int) -> str:
    return (
        f"That's {typed} digits, but I found {count} in the photo. Please type all {count} "
        "digits, left to right (or press Back under my answer)."
    )


NOT_A_NUMBER = "Please type just the digits of the number, like 2026 (or press Back)."
TYPE_NUMBER_TOAST = "Type the right number in the chat."


def number_thanks(number: str | None) -> str:
    """Appended to a number's answer once labelled; ``None`` means the user confirmed it."""
    if number is None:
        return "Thanks for confirming! Saved to help me learn."
    return f"Thanks! Saved as {number}: I'll learn from each digit."


def error_notice(error_type: str, raised_at: str, source: str, unreported: int) -> str:
    """The admins' notice of an unexpected error: what and where, never whose or what data."""
    earlier = f"\n{unreported} more since the last notice." if unreported else ""
    return f"Unexpected error: {error_type} at {raised_at} ({source}). See the log.{earlier}"
