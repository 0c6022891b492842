"""The bot's whole configuration, read once from the environment and an optional ``.env`` file.

Every setting is one field of ``Settings`` made by ``_setting``, which names the environment
variable, the default (as the text a user would write in ``.env``), the parser with its limits
and the documentation. Everything else is derived from those fields: ``load_settings``,
``ENV_VARIABLES`` and ``.env.example`` (``python -m bot.settings`` writes it; a test keeps the
committed file equal to it and README's settings table naming the same variables). Nothing else
in the bot reaches for ``os.environ``. The variable names are a contract with users and tools:
keep them. Other code spells a name as a member of ``Env``, never as a string literal.
"""

from __future__ import annotations

import os
import re
import socket
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.database import url_for
from recognizer.config import DEFAULT_MODEL_DIR
from recognizer.contracts import MNIST_PATH_ENV


class Env(StrEnum):
    """The names of the environment variables the bot reads, each read by one ``Settings`` field.

    Members are strings, so ``{Env.DATA_DIR: "/data"}`` is a process environment as it is.
    """

    TELEGRAM_BOT_TOKEN = "TELEGRAM_BOT_TOKEN"
    TELEGRAM_API_BASE_URL = "TELEGRAM_API_BASE_URL"
    TELEGRAM_FILE_BASE_URL = "TELEGRAM_FILE_BASE_URL"
    ADMIN_IDS = "ADMIN_IDS"
    DATA_DIR = "DATA_DIR"
    DATABASE_URL = "DATABASE_URL"
    REPLICA_ID = "REPLICA_ID"
    MODEL_DIR = "MODEL_DIR"
    LOG_LEVEL = "LOG_LEVEL"
    RATE_LIMIT_MESSAGES = "RATE_LIMIT_MESSAGES"
    RATE_LIMIT_WINDOW_SECONDS = "RATE_LIMIT_WINDOW_SECONDS"
    TELEGRAM_LOCAL_MODE = "TELEGRAM_LOCAL_MODE"
    MAX_IMAGE_MB = "MAX_IMAGE_MB"
    RECOGNIZER_THREADS = "RECOGNIZER_THREADS"
    OUTGOING_RATE_LIMIT = "OUTGOING_RATE_LIMIT"
    DIGITBOT_MNIST_PATH = MNIST_PATH_ENV
    MODEL_VERSIONS_KEEP = "MODEL_VERSIONS_KEEP"
    MODEL_POLL_SECONDS = "MODEL_POLL_SECONDS"
    SEPARATE_TRAINER = "SEPARATE_TRAINER"
    RETRAIN_MAX_DROP_PP = "RETRAIN_MAX_DROP_PP"
    RETRAIN_EPOCHS = "RETRAIN_EPOCHS"
    RETRAIN_LIMIT = "RETRAIN_LIMIT"
    WEBHOOK_URL = "WEBHOOK_URL"
    WEBHOOK_LISTEN = "WEBHOOK_LISTEN"
    WEBHOOK_PORT = "WEBHOOK_PORT"
    WEBHOOK_SECRET_TOKEN = "WEBHOOK_SECRET_TOKEN"


TOKEN_VARIABLE = Env.TELEGRAM_BOT_TOKEN
"""The one required setting; the retrainer keeps it out of the training process's environment."""

DATABASE_FILE = "digitbot.sqlite3"
SAMPLES_DIR = "samples"
MODELS_DIR = "models"

_MEGABYTE = 1024 * 1024

_ENV_EXAMPLE_HEADER = (
    "digitbot settings. Copy to .env (never commit .env) or set them in the environment;\n"
    "environment variables win over .env. Only TELEGRAM_BOT_TOKEN is required."
)
_ENV_EXAMPLE_WIDTH = 95


class SettingsError(Exception):
    """A setting is missing or malformed; the message names the variable and the fix."""


Parse = Callable[[str, str], Any]
"""Turns a variable's name and its stripped text (the default's when unset or empty) into the
setting's value, or raises SettingsError naming the variable."""


def _setting(variable: Env, default: str, parse: Parse, doc: str, *, secret: bool = False) -> Any:
    """A ``Settings`` field read from ``variable``; unset or empty, its text is ``default``.

    ``doc`` is the comment above the variable in ``.env.example`` (``\\n`` starts a new line);
    an empty ``doc`` lists the variable right under the one before it, sharing that comment.
    ``secret`` keeps the value out of ``repr`` so it never lands in a log.
    """
    return field(
        repr=not secret,
        metadata={"variable": variable, "default": default, "parse": parse, "doc": doc},
    )


# -- parsers: (variable name, stripped text) -> value, or SettingsError -------------------------

_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
"""BotFather's tokens: the bot's numeric id, a colon, then a long url-safe secret."""

_SECRET_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
"""What Telegram accepts as setWebhook's secret_token."""

_SWITCH_ON = frozenset({"on", "true", "yes", "1"})
_SWITCH_OFF = frozenset({"off", "false", "no", "0"})

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def _optional(parse: Parse) -> Parse:
    """Empty text is None; anything else goes to ``parse``."""
    return lambda name, raw: parse(name, raw) if raw else None


def _text(name: str, raw: str) -> str:
    return raw


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _path_or(default: Path) -> Parse:
    return lambda name, raw: Path(raw) if raw else default


def _host_name_unless_set(name: str, raw: str) -> str:
    return raw or socket.gethostname()


def _token(name: str, raw: str) -> str:
    if not raw:
        raise SettingsError(
            f"{name} is not set: get a token from @BotFather and put it in the environment or "
            "in .env (see .env.example)"
        )
    if not _TOKEN_SHAPE.match(raw):
        # Never echo the value: a malformed token may still be most of a real one.
        raise SettingsError(
            f"{name} is malformed: expected '<bot id>:<secret>' as @BotFather gives it, with no "
            "quotes or spaces"
        )
    return raw


_SECRET_TOKEN_RULE = (
    "{name} must be set with {url}: 1-256 letters, digits, _ or - (e.g. from: python3 -c "
    "'import secrets; print(secrets.token_urlsafe(32))')"
)


def _secret_token(name: str, raw: str) -> str:
    if not _SECRET_TOKEN_SHAPE.match(raw):
        # Never echo the value: it is a secret.
        raise SettingsError(_SECRET_TOKEN_RULE.format(name=name, url=Env.WEBHOOK_URL))
    return raw


def _database_url(name: str, raw: str) -> str:
    try:
        if "://" not in raw:
            raise ValueError("no scheme")
        url_for(raw)
    except ValueError as error:
        # Not echoed: the value may hold a password.
        raise SettingsError(
            f"{name} must be postgresql://user:password@host:port/database "
            f"(or sqlite:///path): {error}"
        ) from None
    return raw


def _webhook_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise SettingsError(
            f"{name} must be the public https:// address Telegram posts to, got {raw!r}"
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


def _number(minimum: float) -> Parse:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a number, got {raw!r}") from None
        if value < minimum:
            raise SettingsError(f"{name} must be at least {minimum:g}, got {raw!r}")
        return value

    return parse


def _whole(minimum: int) -> Parse:
    at_least = _number(minimum)

    def parse(name: str, raw: str) -> int:
        value = at_least(name, raw)
        if value != int(value):
            raise SettingsError(f"{name} must be a whole number, got {raw!r}")
        return int(value)

    return parse


def _megabytes(minimum: float) -> Parse:
    at_least = _number(minimum)
    return lambda name, raw: int(at_least(name, raw) * _MEGABYTE)


def _port(name: str, raw: str) -> int:
    port = _number(minimum=1)(name, raw)
    if port != int(port) or port > 65535:
        raise SettingsError(f"{name} must be a port number, got {port:g}")
    return int(port)


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
    """Validated settings, made by ``load_settings``; secrets are kept out of ``repr``."""

    token: str = _setting(
        Env.TELEGRAM_BOT_TOKEN,
        "",
        _token,
        'The bot\'s token from @BotFather ("<bot id>:<secret>"). Keep it secret: it is never '
        "logged.",
        secret=True,
    )
    api_base_url: str | None = _setting(
        Env.TELEGRAM_API_BASE_URL,
        "",
        _optional(_text),
        "Bot API server. Leave empty for Telegram's own (https://api.telegram.org/bot and "
        "https://api.telegram.org/file/bot); set both for a local Bot API server or the emulator. "
        "The token is appended by the bot, e.g. TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot",
    )
    file_base_url: str | None = _setting(Env.TELEGRAM_FILE_BASE_URL, "", _optional(_text), "")
    admin_ids: frozenset[int] = _setting(
        Env.ADMIN_IDS,
        "",
        _ids,
        "Comma-separated numeric Telegram user ids allowed to use the admin commands (/retrain, "
        "/rollback, /model, /debug); they also get a short notice when something unexpected "
        "fails (at most one every ten minutes). Empty: nobody is an admin.",
    )
    data_dir: Path = _setting(
        Env.DATA_DIR,
        "./data",
        _path_or(Path("data")),
        "Where the SQLite database (digitbot.sqlite3) and the labelled samples "
        "(samples/<digit>/*.png) are kept. Back this folder up; it must be writable.",
    )
    database_url: str | None = _setting(
        Env.DATABASE_URL,
        "",
        _optional(_database_url),
        "A PostgreSQL database instead of the SQLite file in DATA_DIR (for several replicas, "
        "see README), e.g. postgresql://digitbot:password@db:5432/digitbot (driver: psycopg 3). "
        "Empty: SQLite. Move an existing SQLite database over with:\n"
        "digitbot-copy-database data/digitbot.sqlite3 postgresql://...",
        secret=True,
    )
    replica_id: str = _setting(
        Env.REPLICA_ID,
        "",
        _host_name_unless_set,
        "This bot process's name among replicas sharing DATABASE_URL, stable across its "
        "restarts: the updates it received but did not answer before a crash are its own to "
        "answer when it is back (the other replicas take them over after 15 s). Empty: the host "
        "name (a container's is).",
    )
    model_dir: Path = _setting(
        Env.MODEL_DIR,
        "",
        _path_or(DEFAULT_MODEL_DIR),
        "The model directory holding digits.tflite and metrics.json. Empty: the repository's "
        "models/. A model here that the bot has not seen before (first start, an upgrade) is "
        "copied into DATA_DIR/models as a new version and served; restarts keep the version the "
        "admins chose.",
    )
    log_level: str = _setting(
        Env.LOG_LEVEL,
        "INFO",
        _log_level,
        "CRITICAL, ERROR, WARNING, INFO (one line per update) or DEBUG (every Bot API call).",
    )
    rate_limit_messages: int = _setting(
        Env.RATE_LIMIT_MESSAGES,
        "20",
        _whole(minimum=1),
        "Per-user limit on incoming messages: at most RATE_LIMIT_MESSAGES in any "
        "RATE_LIMIT_WINDOW_SECONDS. Further messages get one friendly notice and are dropped.",
    )
    rate_limit_window_seconds: float = _setting(
        Env.RATE_LIMIT_WINDOW_SECONDS, "60", _number(minimum=0.1), ""
    )
    local_mode: bool = _setting(
        Env.TELEGRAM_LOCAL_MODE,
        "off",
        _switch,
        '"on" only with your own Bot API server started with --local on this machine (README, '
        "Self-hosting): getFile then gives local file paths, which the bot reads. Off (the "
        "default), the bot never reads a file from its own disk whatever getFile answers.",
    )
    max_image_bytes: int = _setting(
        Env.MAX_IMAGE_MB,
        "10",
        _megabytes(minimum=0.01),
        "Largest image file accepted, in megabytes (Telegram lets bots download up to 20 MB; a "
        "phone photo sent as a file is a few MB).",
    )
    """Set in megabytes (MAX_IMAGE_MB), kept in bytes."""
    recognizer_threads: int = _setting(
        Env.RECOGNIZER_THREADS,
        "2",
        _whole(minimum=1),
        "Threads reading photos in parallel. More than the number of CPU cores does not help.",
    )
    outgoing_rate_limit: bool = _setting(
        Env.OUTGOING_RATE_LIMIT,
        "on",
        _switch,
        "Keep outgoing messages under Telegram's flood limits (about 30 a second). Leave on with "
        'api.telegram.org; "off" only behind a local Bot API server that has no such limit.',
    )
    mnist_path: Path | None = _setting(
        Env.DIGITBOT_MNIST_PATH,
        "",
        _optional(_path),
        "Retraining from the chat (/retrain, admins only; needs the training extra: "
        'pip install -e ".[train]").\n'
        "The Keras-layout mnist.npz to retrain on (passed to training as --data). Empty: Keras' "
        "earlier download if there is one (~/.keras/datasets/mnist.npz; /data/.keras/... in the "
        "Docker image), else a download. Offline server: copy mnist.npz into the data volume and "
        "set e.g. /data/mnist.npz here.",
    )
    model_versions_keep: int = _setting(
        Env.MODEL_VERSIONS_KEEP,
        "5",
        _whole(minimum=2),
        "Model versions kept in the database (for /rollback); older ones are deleted.",
    )
    model_poll_seconds: float = _setting(
        Env.MODEL_POLL_SECONDS,
        "3",
        _number(minimum=0.1),
        "Seconds between a replica's checks of which model version the database says to serve: "
        "a retrain or /rollback on any replica (or the trainer) reaches every replica within "
        "this.",
    )
    separate_trainer: bool = _setting(
        Env.SEPARATE_TRAINER,
        "off",
        _switch,
        "off: the bot that receives /retrain trains itself (needs the full image). on: it only "
        "queues the retrain in the database for the one digitbot-trainer service "
        "(compose.production.yaml), so the replicas can run the slim image.",
    )
    retrain_max_drop_pp: float = _setting(
        Env.RETRAIN_MAX_DROP_PP,
        "0.1",
        _number(minimum=0),
        "A retrained model is served only if its MNIST test accuracy is at most this many "
        "percentage points below the served model's on the same test images (and it is not "
        "worse on held-out user samples).",
    )
    retrain_epochs: int | None = _setting(
        Env.RETRAIN_EPOCHS,
        "",
        _optional(_whole(minimum=1)),
        "Epochs and MNIST training images per retrain (tests keep runs tiny). Empty: training's "
        "recipe (quick: 2 epochs on 10,000 images; full: 18 epochs on all of MNIST).",
    )
    retrain_limit: int | None = _setting(Env.RETRAIN_LIMIT, "", _optional(_whole(minimum=1)), "")
    webhook_url: str | None = _setting(
        Env.WEBHOOK_URL,
        "",
        _optional(_webhook_url),
        "Webhook mode (optional; for several replicas behind a reverse proxy, see README). Empty "
        "WEBHOOK_URL: the bot polls Telegram (the default, no open port needed). Set, the bot "
        "asks Telegram to POST updates to WEBHOOK_URL (the public https:// address of your "
        "reverse proxy; its path is served as is) and listens on WEBHOOK_LISTEN:WEBHOOK_PORT. "
        "Requests without WEBHOOK_SECRET_TOKEN in the X-Telegram-Bot-Api-Secret-Token header are "
        "refused (403); it is required with WEBHOOK_URL: 1-256 letters, digits, _ or -, e.g. "
        "from\npython3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
    )
    webhook_listen: str = _setting(Env.WEBHOOK_LISTEN, "127.0.0.1", _text, "")
    webhook_port: int = _setting(Env.WEBHOOK_PORT, "8080", _port, "")
    webhook_secret_token: str | None = _setting(
        Env.WEBHOOK_SECRET_TOKEN, "", _optional(_secret_token), "", secret=True
    )

    def __post_init__(self) -> None:
        if self.webhook_url is not None and self.webhook_secret_token is None:
            raise SettingsError(
                _SECRET_TOKEN_RULE.format(name=Env.WEBHOOK_SECRET_TOKEN, url=Env.WEBHOOK_URL)
            )

    @property
    def webhook(self) -> WebhookSettings | None:
        """Receive updates through a webhook; None (no WEBHOOK_URL, the default): poll."""
        if self.webhook_url is None or self.webhook_secret_token is None:
            return None
        return WebhookSettings(
            self.webhook_url, self.webhook_listen, self.webhook_port, self.webhook_secret_token
        )

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


ENV_VARIABLES: tuple[Env, ...] = tuple(setting.metadata["variable"] for setting in fields(Settings))
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
        variable = setting.metadata["variable"]
        raw = values.get(variable, "").strip() or setting.metadata["default"]
        read[setting.name] = setting.metadata["parse"](str(variable), raw)
    return Settings(**read)


def env_example() -> str:
    """``.env.example``'s text: every variable with its default, under its documentation."""
    lines = [f"# {line}" for line in _ENV_EXAMPLE_HEADER.splitlines()]
    for setting in fields(Settings):
        doc = setting.metadata["doc"]
        if doc:
            lines.append("")
            for paragraph in doc.split("\n"):
                lines += textwrap.wrap(
                    paragraph,
                    _ENV_EXAMPLE_WIDTH,
                    initial_indent="# ",
                    subsequent_indent="# ",
                    break_on_hyphens=False,
                    break_long_words=False,
                )
        lines.append(f"{setting.metadata['variable']}={setting.metadata['default']}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(env_example(), end="")
