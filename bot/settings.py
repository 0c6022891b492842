"""The bot's whole configuration, read once from the environment and an optional ``.env`` file.

Every setting is one field of ``Settings`` that names its environment variable, its default and
how its text is read, so that field is the only place either is written: ``ENV_VARIABLES`` and
``load_settings`` are derived from the fields, and ``.env.example`` lists the same variables with
the same defaults (a test compares them). Nothing else in the bot reaches for ``os.environ``.
The variable names are a contract with users and tools: keep them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from dotenv import dotenv_values

from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.contracts import MNIST_PATH_ENV

T = TypeVar("T")

Parse = Callable[[str, str], Any]
"""Turns a variable's name and its non-empty, stripped text into the setting's value."""

_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
"""BotFather's tokens: the bot's numeric id, a colon, then a long url-safe secret."""

_SWITCH_ON = frozenset({"on", "true", "yes", "1"})
_SWITCH_OFF = frozenset({"off", "false", "no", "0"})

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

_MEGABYTE = 1024 * 1024

TOKEN_VARIABLE = "TELEGRAM_BOT_TOKEN"
"""The one required setting; the retrainer keeps it out of the training process's environment."""

DATABASE_FILE = "digitbot.sqlite3"
SAMPLES_DIR = "samples"
MODELS_DIR = "models"

DEFAULT_MAX_IMAGE_MB = 10
"""Telegram lets bots download up to 20 MB; a phone photo sent as a file is a few MB."""


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable and the fix."""


def _setting(variable: str, default: T, parse: Parse, *, secret: bool = False) -> T:
    """A ``Settings`` field read from ``variable``; unset or empty, it is ``default``."""
    found: T = field(
        default=default, repr=not secret, metadata={"variable": variable, "parse": parse}
    )
    return found


# -- parsers: (variable name, non-empty stripped text) -> value, or SettingsError -----------


def _text(name: str, raw: str) -> str:
    return raw


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _token(name: str, raw: str) -> str:
    if not _TOKEN_SHAPE.match(raw):
        # Never echo the value: a malformed token may still be most of a real one.
        raise SettingsError(
            f"{name} is malformed: expected '<bot id>:<secret>' as @BotFather gives it, with no "
            "quotes or spaces"
        )
    return raw


def _ids(name: str, raw: str) -> frozenset[int]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    try:
        return frozenset(int(part) for part in parts)
    except ValueError:
        raise SettingsError(
            f"{name} must be comma-separated numeric Telegram user ids, got {raw!r}"
        ) from None


def _log_level(name: str, raw: str) -> str:
    level = raw.upper()
    if level not in _LOG_LEVELS:
        raise SettingsError(f"{name} must be one of {', '.join(_LOG_LEVELS)}, got {level!r}")
    return level


def _switch(name: str, raw: str) -> bool:
    value = raw.lower()
    if value in _SWITCH_ON:
        return True
    if value in _SWITCH_OFF:
        return False
    raise SettingsError(f"{name} must be on or off, got {value!r}")


def _number(minimum: float) -> Callable[[str, str], float]:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if value < minimum:
            raise SettingsError(f"{name} must be at least {minimum:g}, got {raw!r}")
        return value

    return parse


def _whole(minimum: int) -> Callable[[str, str], int]:
    at_least = _number(minimum)

    def parse(name: str, raw: str) -> int:
        value = at_least(name, raw)
        if value != int(value):
            raise SettingsError(f"{name} must be a whole number, got {raw!r}")
        return int(value)

    return parse


def _megabytes(minimum: float) -> Callable[[str, str], int]:
    at_least = _number(minimum)
    return lambda name, raw: int(at_least(name, raw) * _MEGABYTE)


@dataclass(frozen=True)
class Settings:
    """Validated settings; the token is kept out of ``repr`` so it never lands in a log."""

    token: str = _setting(TOKEN_VARIABLE, "", _token, secret=True)
    """Required: ``load_settings`` refuses to start without it."""
    api_base_url: str | None = _setting("TELEGRAM_API_BASE_URL", None, _text)
    file_base_url: str | None = _setting("TELEGRAM_FILE_BASE_URL", None, _text)
    admin_ids: frozenset[int] = _setting("ADMIN_IDS", frozenset(), _ids)
    data_dir: Path = _setting("DATA_DIR", Path("data"), _path)
    model_dir: Path = _setting("MODEL_DIR", DEFAULT_MODEL_DIR, _path)
    log_level: str = _setting("LOG_LEVEL", "INFO", _log_level)
    rate_limit_messages: int = _setting("RATE_LIMIT_MESSAGES", 20, _whole(minimum=1))
    rate_limit_window_seconds: float = _setting(
        "RATE_LIMIT_WINDOW_SECONDS", 60.0, _number(minimum=0.1)
    )
    max_image_bytes: int = _setting(
        "MAX_IMAGE_MB", DEFAULT_MAX_IMAGE_MB * _MEGABYTE, _megabytes(minimum=0.01)
    )
    """Set in megabytes (MAX_IMAGE_MB), kept in bytes."""
    recognizer_threads: int = _setting("RECOGNIZER_THREADS", 2, _whole(minimum=1))
    outgoing_rate_limit: bool = _setting("OUTGOING_RATE_LIMIT", True, _switch)
    """Keep outgoing calls under Telegram's flood limits; a local Bot API server has none."""
    mnist_path: Path | None = _setting(MNIST_PATH_ENV, None, _path)
    """Passed to retraining as ``--data``; unset, training falls back to Keras' download."""
    model_versions_keep: int = _setting("MODEL_VERSIONS_KEEP", 5, _whole(minimum=2))
    retrain_max_drop_pp: float = _setting("RETRAIN_MAX_DROP_PP", 0.1, _number(minimum=0))
    """How far (percentage points of MNIST test accuracy) a retrained model may fall behind."""
    retrain_epochs: int | None = _setting("RETRAIN_EPOCHS", None, _whole(minimum=1))
    """Epochs for /retrain; unset, training's recipe (a few to fine-tune, more from scratch)."""
    retrain_limit: int | None = _setting("RETRAIN_LIMIT", None, _whole(minimum=1))
    """At most this many MNIST training images for /retrain (tests keep runs tiny); unset: all."""

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def samples_dir(self) -> Path:
        """Labelled crops as ``<digit>/<id>.png``: the layout training reads user samples from."""
        return self.data_dir / SAMPLES_DIR

    @property
    def models_root(self) -> Path:
        """Versioned model directories and the ``current`` pointer the bot serves."""
        return self.data_dir / MODELS_DIR


ENV_VARIABLES = tuple(str(setting.metadata["variable"]) for setting in fields(Settings))
"""Every variable the bot reads, in ``Settings``' order; ``.env.example`` documents these."""


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings; real environment variables win over the ``.env`` file.

    Raises SettingsError naming the first variable that is missing (the token) or malformed.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    read: dict[str, Any] = {}
    for setting in fields(Settings):
        name = setting.metadata["variable"]
        raw = values.get(name, "").strip()
        if raw:
            read[setting.name] = setting.metadata["parse"](name, raw)
    if "token" not in read:
        raise SettingsError(
            f"{TOKEN_VARIABLE} is not set: get a token from @BotFather and put it in the "
            "environment or in .env (see .env.example)"
        )
    return Settings(**read)
