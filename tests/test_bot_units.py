"""Small pieces of the bot on their own: rate limit, log scrubbing, buttons, texts, charts."""

from __future__ import annotations

import importlib
import io
import logging
import os
import re
import subprocess
import sys
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from telegram import Animation, Bot, Chat, Document, File, Message, PhotoSize

import bot.__main__ as bot_main
from bot import keyboards, texts
from bot.admin_notices import NoticeLimiter
from bot.downloads import DownloadRefusedError, FileTooLargeError, download
from bot.images import ImageRef, image_of
from bot.logs import REDACTED, RedactingFormatter, configure_logging, token_forms
from bot.model_metrics import ModelMetrics
from bot.ratelimit import UserRateLimiter
from bot.stats_chart import axis_start, render_accuracy_chart
from bot.storage import Usage
from recognizer import Box, Prediction
from tests.conftest import REPO_ROOT, python_path_hiding

TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_limit_allows_the_limit_then_tells_once_per_window() -> None:
    clock = Clock()
    limiter = UserRateLimiter(3, 10.0, clock)
    assert all(limiter.check(1).allowed for _ in range(3))
    first, second = limiter.check(1), limiter.check(1)
    assert not first.allowed
    assert first.notify
    assert first.retry_in == pytest.approx(10.0)
    assert not second.allowed
    assert not second.notify
    assert limiter.check(2).allowed, "other users are not affected"
    clock.now += 10.01
    assert limiter.check(1).allowed


def test_rate_limit_forgets_idle_users() -> None:
    clock = Clock()
    limiter = UserRateLimiter(1, 1.0, clock)
    for user in range(2000):
        limiter.check(user)
        clock.now += 0.01
    assert len(limiter._recent) < 1000


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("httpx", logging.INFO, __file__, 1, message, args, None)


def test_log_lines_never_show_the_token_or_its_secret() -> None:
    formatter = RedactingFormatter("%(message)s", token_forms(TOKEN))
    secret = TOKEN.partition(":")[2]
    url = f"POST http://127.0.0.1/bot{TOKEN}/getUpdates"
    assert formatter.format(_record(url)) == f"POST http://127.0.0.1/bot{REDACTED}/getUpdates"
    assert secret not in formatter.format(_record("%s", f"/bot123%3A{secret}/x"))
    record = _record("boom")
    try:
        raise ValueError(f"failed at {url}")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert secret not in formatter.format(record)


def test_info_logging_leaves_out_per_request_and_per_job_lines() -> None:
    """At LOG_LEVEL=INFO the bot's own lines show, but not a line per HTTP request or per
    JobQueue run (every few seconds); their warnings and errors still do."""
    root = logging.getLogger()
    families = ("httpx", "httpcore", "alembic", "apscheduler")
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {name: logging.getLogger(name).level for name in families}
    try:
        configure_logging("INFO", token_forms(TOKEN))
        assert logging.getLogger("bot.application").isEnabledFor(logging.INFO)
        for name in ("httpx", "apscheduler.executors.default", "alembic.runtime.migration"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
            assert logging.getLogger(name).isEnabledFor(logging.WARNING), name
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)


def test_feedback_buttons_round_trip() -> None:
    data = [b.callback_data for row in keyboards.right_or_wrong(42).inline_keyboard for b in row]
    assert [keyboards.parse(str(d)) for d in data] == [
        keyboards.FeedbackPress(42, "right"),
        keyboards.FeedbackPress(42, "wrong"),
    ]
    keypad = keyboards.digit_keypad(42).inline_keyboard
    assert [b.text for row in keypad for b in row] == [*map(str, range(10)), "Back"]
    seven = keyboards.parse(str(keypad[1][2].callback_data))
    assert seven is not None
    assert seven.label == 7
    assert keyboards.parse("fb:42:11") is None
    assert keyboards.parse("other:1:right") is None


def test_forget_buttons_round_trip_and_anything_else_is_refused() -> None:
    rows = keyboards.forget_question(1234).inline_keyboard
    data = [str(button.callback_data) for row in rows for button in row]
    assert [keyboards.parse_forget(d) for d in data] == [
        keyboards.ForgetPress(1234, confirmed=True),
        keyboards.ForgetPress(1234, confirmed=False),
    ]
    hostile = [
        "",
        "fg",
        "fg:1234",
        "fg:1234:yes:more",
        "fg:1234:YES",
        "fg:-1234:yes",
        "fg:0:yes",
        "fg:01234:yes",
        "fg: 1234:yes",
        "fg:1234:yes\n",
        "fg:12345678901234567890:yes",
        "fg:\uff11\uff12:yes",  # full-width digits: digits to Python's int(), not to us
        "fg:1\uff12\uff13:yes",
        "fb:1234:yes",
        "x" * 64,
    ]
    assert [keyboards.parse_forget(d) for d in hostile] == [None] * len(hostile)


@pytest.mark.parametrize(
    ("pattern", "data"),
    [
        (keyboards.PATTERN, "fb:12:right"),
        (keyboards.NUMBER_PATTERN, "nb:12:3:wrong"),
        (keyboards.FORGET_PATTERN, "fg:1234:yes"),
    ],
)
def test_callback_patterns_route_no_trailing_newline(pattern: re.Pattern[str], data: str) -> None:
    """The application routes callback data with ``re.match``, as python-telegram-bot does: a
    pattern that let ``data + "\\n"`` through would hand its handler a press it cannot read."""
    assert pattern.match(data)
    assert pattern.match(data + "\n") is None


def _prediction(probabilities: list[float]) -> Prediction:
    digit = int(np.argmax(probabilities))
    return Prediction(
        digit,
        probabilities[digit],
        tuple(probabilities),
        np.zeros((28, 28), np.uint8),
        Box(0, 0, 28, 28),
    )


def test_caption_is_short_when_sure_and_names_the_runner_up_when_not() -> None:
    sure = _prediction([0.0] * 7 + [0.998, 0.002, 0.0])
    assert texts.caption(sure) == "7 (99.8% sure)"
    unsure = _prediction([0.0, 0.35, 0.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.05, 0.0])
    caption = texts.caption(unsure)
    assert caption.startswith("Maybe 7 (60.0% sure)")
    assert "could also be a 1" in caption


def test_stats_text_reports_model_usage_and_feedback() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    metrics = ModelMetrics(0.9912, tuple(0.99 for _ in range(10)), now - timedelta(hours=3))
    report = texts.stats(metrics, Usage(120, 15, 8, 6), now)
    assert "2026-11-25 09:00 UTC (3 hours ago)" in report
    assert "99.12%" in report
    assert "120 in total, 15 in the last 24 h" in report
    assert "75.0% (6 right out of 8 labelled)" in report
    assert "Per digit" not in report, "the chart shows each digit"
    assert "not available" in texts.stats(None, Usage(0, 0, 0, 0), now)


def test_accuracy_chart_is_a_png_with_a_bar_per_digit() -> None:
    chart = render_accuracy_chart([0.99, 0.995, 0.98, 0.97, 0.96, 0.99, 0.99, 0.95, 0.97, 0.96])
    with Image.open(io.BytesIO(chart)) as image:
        assert image.format == "PNG"
        assert image.height > image.width / 2
    assert axis_start([0.99, 0.95]) == pytest.approx(0.9)
    assert axis_start([0.4]) == pytest.approx(0.35)


def _message(**content: Any) -> Message:
    chat = Chat(1, Chat.PRIVATE)
    return Message(1, datetime(2026, 1, 1, tzinfo=UTC), chat, **content)


def test_the_largest_photo_size_is_read() -> None:
    sizes = [
        PhotoSize("big", "b", 1280, 960, file_size=200_000),
        PhotoSize("small", "s", 90, 68, file_size=2_000),
        PhotoSize("medium", "m", 320, 240, file_size=20_000),
    ]
    assert image_of(_message(photo=sizes)) == ImageRef("big", 200_000)


@pytest.mark.parametrize(
    ("file_name", "mime_type"),
    [
        ("scan.png", "image/png"),
        ("doc-scan.jpg", "image/jpg"),
        ("PHOTO.JPG", "IMAGE/JPEG"),
        ("noext", None),
        ("camera.jfif", "application/octet-stream"),
        ("notes.pdf", "application/pdf"),
    ],
)
def test_every_file_is_a_candidate_whatever_its_name_or_type(
    file_name: str, mime_type: str | None
) -> None:
    """Clients label image files inconsistently; the downloaded bytes decide (sniff)."""
    document = Document("id", "uid", file_name=file_name, mime_type=mime_type, file_size=10)
    assert image_of(_message(document=document)) == ImageRef("id", 10)


def test_a_gif_animation_is_not_an_image_to_read() -> None:
    animation = Animation("a", "ua", 320, 240, 1, file_name="a.mp4", mime_type="video/mp4")
    document = Document("a", "ua", file_name="a.png", mime_type="image/png")
    assert image_of(_message(animation=animation, document=document)) is None


def test_the_digitbot_console_script_is_the_module_entry_point() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    module, _, function = project["project"]["scripts"]["digitbot"].partition(":")
    assert getattr(importlib.import_module(module), function) is bot_main.main


def test_admins_hear_of_errors_at_most_once_per_interval_with_a_count_of_the_rest() -> None:
    now = [1000.0]
    limiter = NoticeLimiter(every_seconds=600, clock=lambda: now[0])
    assert limiter.admit() == 0, "the first error is told at once"
    now[0] += 599
    assert [limiter.admit(), limiter.admit()] == [None, None]
    now[0] += 1
    assert limiter.admit() == 2, "the next notice counts the errors in between"
    now[0] += 10
    assert limiter.admit() is None
    now[0] += 600
    assert limiter.admit() == 1
    notice = texts.error_notice("KeyError", "bot/x.py:3 in f", "update: photo", 2)
    assert notice.endswith("2 more since the last notice.")


def test_the_bot_imports_neither_training_nor_tensorflow() -> None:
    """bot -> recognizer only: its contracts with training come from recognizer.contracts.
    (Alembic's migration scripts run only inside Alembic, which the storage tests cover.)"""
    probe = (
        "import pkgutil, importlib, sys, bot\n"
        "for found in pkgutil.walk_packages(bot.__path__, 'bot.'):\n"
        "    if not found.name.startswith('bot.migrations'):\n"
        "        importlib.import_module(found.name)\n"
        "print(sorted({n.split('.')[0] for n, m in sys.modules.items() if m is not None}"
        " & {'training', 'tensorflow', 'keras'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


async def test_local_mode_reads_a_local_path_only_on_purpose_and_after_its_size(
    tmp_path: Path,
) -> None:
    """A local Bot API server (--local) gives paths on this machine: read with
    TELEGRAM_LOCAL_MODE on, the size checked before a byte is read; never read otherwise."""
    bot = Bot("123456:" + "A" * 35)
    small = tmp_path / "digit.png"
    small.write_bytes(b"\x89PNG" + bytes(60))
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as sparse:
        sparse.truncate(1536 * 2**20)
    local = File("id", "uid", file_path=str(small))
    assert await download(bot, local, 100, local_mode=True) == small.read_bytes()
    with pytest.raises(FileTooLargeError):
        await download(bot, File("id", "uid", file_path=str(huge)), 100, local_mode=True)
    with pytest.raises(DownloadRefusedError, match="TELEGRAM_LOCAL_MODE is off"):
        await download(bot, local, 100, local_mode=False)


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        ("fb:12:right", keyboards.FeedbackPress(12, "right")),
        ("fb:12:7", keyboards.FeedbackPress(12, "7")),
        ("fb:9223372036854775808:wrong", None),
        ("fb:012:right", None),
        ("fb:12:right\n", None),
    ],
)
def test_feedback_data_is_parsed_strictly(
    data: str, parsed: keyboards.FeedbackPress | None
) -> None:
    assert keyboards.parse(data) == parsed


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        ("nb:40:12:wrong", keyboards.NumberPress(40, 12, "wrong")),
        ("nb:40:1000000000:right", None),
        ("nb:40:13:right", None),
        ("nb:40:1:right", keyboards.NumberPress(40, 1, "right")),
        ("nb:40:0:right", None),
        ("nb:40:01:right", None),
    ],
)
def test_number_data_counts_at_most_max_digits(
    data: str, parsed: keyboards.NumberPress | None
) -> None:
    assert keyboards.parse_number(data) == parsed


def test_the_trainer_answers_help_without_starting() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.trainer", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: digitbot-trainer")
    assert "SEPARATE_TRAINER" in result.stdout


def test_the_trainer_refuses_to_start_without_tensorflow(tmp_path: Path) -> None:
    """A serve-only install has no TensorFlow: the trainer says so at once instead of waiting
    for a retrain that would fail."""
    hidden = python_path_hiding(tmp_path / "site", "tensorflow", rest=str(REPO_ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "bot.trainer"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": hidden},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "TensorFlow is not installed" in result.stderr
    assert not (tmp_path / "data").exists(), "nothing is created before the refusal"
