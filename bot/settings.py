"""The bot's whole configuration, read once from the environment and an optional ``.env`` file.

Every setting the bot reads lives here, so ``.env.example`` can list them all and nothing else
reaches for ``os.environ``. The variable names are a contract with users and tools: keep them.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.database import url_for
from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.contracts import MNIST_PATH_ENV

_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
"""BotFather's tokens: the bot's numeric id, a colon, then a long url-safe secret."""

_SECRET_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
"""What Telegram accepts as setWebhook's secret_token."""

_SWITCH_ON = frozenset({"on", "true", "yes", "1"})
_SWITCH_OFF = frozenset({"off", "false", "no", "0"})

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")

TOKEN_VARIABLE = "TELEGRAM_BOT_TOKEN"
"""The one required setting; the retrainer keeps it out of the training process's environment."""

ENV_VARIABLES = (
    TOKEN_VARIABLE,
    "TELEGRAM_API_BASE_URL",
    "TELEGRAM_FILE_BASE_URL",
    "TELEGRAM_LOCAL_MODE",
    "ADMIN_IDS",
    "DATA_DIR",
    "MODEL_DIR",
    "LOG_LEVEL",
    "RATE_LIMIT_MESSAGES",
    "RATE_LIMIT_WINDOW_SECONDS",
    "MAX_IMAGE_MB",
    "RECOGNIZER_THREADS",
    "OUTGOING_RATE_LIMIT",
    MNIST_PATH_ENV,
    "MODEL_VERSIONS_KEEP",
    "MODEL_POLL_SECONDS",
    "SEPARATE_TRAINER",
    "RETRAIN_MAX_DROP_PP",
    "RETRAIN_EPOCHS",
    "RETRAIN_LIMIT",
    "DATABASE_URL",
    "REPLICA_ID",
    "WEBHOOK_URL",
    "WEBHOOK_LISTEN",
    "WEBHOOK_PORT",
    "WEBHOOK_SECRET_TOKEN",
)
"""Every variable the bot reads; ``.env.example`` documents exactly these."""

DATABASE_FILE = "digitbot.sqlite3"
SAMPLES_DIR = "samples"
MODELS_DIR = "models"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable and the fix."""


DEFAULT_MAX_IMAGE_MB = 10
"""Telegram lets bots download up to 20 MB; a phone photo sent as a file is a few MB."""


DEFAULT_WEBHOOK_LISTEN = "127.0.0.1"
DEFAULT_WEBHOOK_PORT = 8080


@dataclass(frozen=True)
class WebhookSettings:
    """Where Telegram POSTs updates (``url``, the public address, usually a reverse proxy's)
    and where this process listens for them; the secret proves a request came from Telegram."""

    url: str
    listen: str
    port: int
    secret_token: str = field(repr=False)

    @property
    def url_path(self) -> str:
        """The public URL's path: the proxy passes it through unchanged, so the bot serves it."""
        return urlsplit(self.url).path.lstrip("/")


@dataclass(frozen=True)
class Settings:
    """Validated settings; the token is kept out of ``repr`` so it never lands in a log."""

    token: str = field(repr=False)
    api_base_url: str | None
    file_base_url: str | None
    admin_ids: frozenset[int]
    data_dir: Path
    model_dir: Path
    log_level: str
    rate_limit_messages: int
    rate_limit_window_seconds: float
    max_image_bytes: int
    recognizer_threads: int
    local_mode: bool = False
    """A local Bot API server started with ``--local`` answers getFile with paths on this
    machine; only then may the bot read a file from its own disk (never by default)."""
    outgoing_rate_limit: bool = True
    """Keep outgoing calls under Telegram's flood limits; a local Bot API server has none."""
    mnist_path: Path | None = None
    """Passed to retraining as ``--data``; unset, training falls back to Keras' download."""
    model_versions_keep: int = 5
    model_poll_seconds: float = 3.0
    separate_trainer: bool = False
    """/retrain is queued for ``digitbot-trainer`` (``bot.trainer``) instead of run here."""
    """How often a replica asks the database which model version to serve (``bot.model_sync``)."""
    retrain_max_drop_pp: float = 0.1
    """How far (percentage points of MNIST test accuracy) a retrained model may fall behind."""
    retrain_epochs: int | None = None
    """Epochs for /retrain; unset, training's recipe (a few to fine-tune, more from scratch)."""
    retrain_limit: int | None = None
    """At most this many MNIST training images for /retrain (tests keep runs tiny); unset: all."""
    webhook: WebhookSettings | None = None
    """Receive updates through a webhook; unset (the default), the bot polls."""
    replica_id: str = "bot"
    """This process's name among replicas sharing a database; stable across its restarts."""
    database_url: str | None = field(default=None, repr=False)
    """A PostgreSQL server (``postgresql://user:password@host/db``); unset: SQLite in DATA_DIR.
    Kept out of ``repr``: it may hold a password."""

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def database(self) -> str | Path:
        """What the store opens: DATABASE_URL if set, else the SQLite file in DATA_DIR."""
        return self.database_url or self.database_path

    @property
    def samples_dir(self) -> Path:
        """Where bots before revision 0006 kept labelled crops as ``<digit>/<id>.png``; the
        store moves any found there into the database at start-up."""
        return self.data_dir / SAMPLES_DIR

    @property
    def models_root(self) -> Path:
        """The local cache of the database's model versions and the ``current`` it serves."""
        return self.data_dir / MODELS_DIR


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Read settings; real environment variables win over the ``.env`` file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    reader = _Reader(values)
    return Settings(
        token=reader.token(),
        api_base_url=reader.optional("TELEGRAM_API_BASE_URL"),
        file_base_url=reader.optional("TELEGRAM_FILE_BASE_URL"),
        admin_ids=reader.id_list("ADMIN_IDS"),
        data_dir=Path(reader.optional("DATA_DIR") or "data"),
        model_dir=Path(reader.optional("MODEL_DIR") or DEFAULT_MODEL_DIR),
        log_level=reader.log_level(),
        rate_limit_messages=int(reader.number("RATE_LIMIT_MESSAGES", 20, minimum=1)),
        rate_limit_window_seconds=reader.number("RATE_LIMIT_WINDOW_SECONDS", 60, minimum=0.1),
        max_image_bytes=int(
            reader.number("MAX_IMAGE_MB", DEFAULT_MAX_IMAGE_MB, minimum=0.01) * 1024 * 1024
        ),
        recognizer_threads=int(reader.number("RECOGNIZER_THREADS", 2, minimum=1)),
        local_mode=reader.switch("TELEGRAM_LOCAL_MODE", default=False),
        outgoing_rate_limit=reader.switch("OUTGOING_RATE_LIMIT", default=True),
        mnist_path=reader.path(MNIST_PATH_ENV),
        model_versions_keep=int(reader.number("MODEL_VERSIONS_KEEP", 5, minimum=2)),
        model_poll_seconds=reader.number("MODEL_POLL_SECONDS", 3.0, minimum=0.1),
        separate_trainer=reader.switch("SEPARATE_TRAINER", default=False),
        retrain_max_drop_pp=reader.number("RETRAIN_MAX_DROP_PP", 0.1, minimum=0),
        retrain_epochs=reader.optional_int("RETRAIN_EPOCHS"),
        retrain_limit=reader.optional_int("RETRAIN_LIMIT"),
        webhook=reader.webhook(),
        database_url=reader.database_url(),
        replica_id=reader.optional("REPLICA_ID") or socket.gethostname(),
    )


class _Reader:
    """Turns raw strings into typed values, raising one clear error per bad variable."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def optional(self, name: str) -> str | None:
        value = self._values.get(name, "").strip()
        return value or None

    def path(self, name: str) -> Path | None:
        value = self.optional(name)
        return Path(value) if value else None

    def optional_int(self, name: str) -> int | None:
        if self.optional(name) is None:
            return None
        value = self.number(name, 0, minimum=1)
        if value != int(value):
            raise SettingsError(f"{name} must be a whole number, got {self.optional(name)!r}")
        return int(value)

    def token(self) -> str:
        token = self.optional(TOKEN_VARIABLE)
        if token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put it in the "
                "environment or in .env (see .env.example)"
            )
        if not _TOKEN_SHAPE.match(token):
            # Never echo the value: a malformed token may still be most of a real one.
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed: expected '<bot id>:<secret>' as @BotFather "
                "gives it, with no quotes or spaces"
            )
        return token

    def database_url(self) -> str | None:
        raw = self.optional("DATABASE_URL")
        if raw is None:
            return None
        try:
            if "://" not in raw:
                raise ValueError("no scheme")
            url_for(raw)
        except ValueError as error:
            # Not echoed: the value may hold a password.
            raise SettingsError(
                "DATABASE_URL must be postgresql://user:password@host:port/database "
                f"(or sqlite:///path): {error}"
            ) from None
        return raw

    def webhook(self) -> WebhookSettings | None:
        url = self.optional("WEBHOOK_URL")
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise SettingsError(
                f"WEBHOOK_URL must be the public https:// address Telegram posts to, got {url!r}"
            )
        secret = self.optional("WEBHOOK_SECRET_TOKEN")
        if secret is None or not _SECRET_TOKEN_SHAPE.match(secret):
            # Never echo the value: it is a secret.
            raise SettingsError(
                "WEBHOOK_SECRET_TOKEN must be set with WEBHOOK_URL: 1-256 letters, digits, _ or -"
                " (e.g. from: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        port = self.number("WEBHOOK_PORT", DEFAULT_WEBHOOK_PORT, minimum=1)
        if port != int(port) or port > 65535:
            raise SettingsError(f"WEBHOOK_PORT must be a port number, got {port:g}")
        listen = self.optional("WEBHOOK_LISTEN") or DEFAULT_WEBHOOK_LISTEN
        return WebhookSettings(url, listen, int(port), secret)

    def id_list(self, name: str) -> frozenset[int]:
        raw = self.optional(name) or ""
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        try:
            return frozenset(int(part) for part in parts)
        except ValueError:
            raise SettingsError(
                f"{name} must be comma-separated numeric Telegram user ids, got {raw!r}"
            ) from None

    def log_level(self) -> str:
        level = (self.optional("LOG_LEVEL") or "INFO").upper()
        if level not in _LOG_LEVELS:
            raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}, got {level!r}")
        return level

    def switch(self, name: str, *, default: bool) -> bool:
        raw = (self.optional(name) or "").lower()
        if not raw:
            return default
        if raw in _SWITCH_ON:
            return True
        if raw in _SWITCH_OFF:
            return False
        raise SettingsError(f"{name} must be on or off, got {raw!r}")

    def number(self, name: str, default: float, *, minimum: float) -> float:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if value < minimum:
            raise SettingsError(f"{name} must be at least {minimum:g}, got {raw!r}")
        return value
