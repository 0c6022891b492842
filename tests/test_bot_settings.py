"""The bot's settings: names, defaults, validation and where they come from."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.settings import ENV_VARIABLES, Env, Settings, SettingsError, env_example, load_settings
from recognizer.config import DEFAULT_MODEL_DIR
from tests.conftest import REPO_ROOT

TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"


def test_defaults_need_only_a_token(tmp_path: Path) -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert settings.token == TOKEN
    assert settings.api_base_url is None
    assert settings.file_base_url is None
    assert settings.admin_ids == frozenset()
    assert settings.data_dir == Path("data")
    assert settings.model_dir == DEFAULT_MODEL_DIR
    assert settings.log_level == "INFO"
    assert settings.max_image_bytes == 10 * 1024 * 1024
    assert settings.database_path == Path("data/digitbot.sqlite3")
    assert settings.samples_dir == Path("data/samples")
    assert settings.outgoing_rate_limit is True


def test_every_setting_is_read(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "TELEGRAM_FILE_BASE_URL": "http://127.0.0.1:8081/file/bot",
            "ADMIN_IDS": " 1, 22 ,333 ",
            "DATA_DIR": str(tmp_path),
            "MODEL_DIR": "elsewhere",
            "LOG_LEVEL": "debug",
            "RATE_LIMIT_MESSAGES": "5",
            "RATE_LIMIT_WINDOW_SECONDS": "2.5",
            "MAX_IMAGE_MB": "0.5",
            "RECOGNIZER_THREADS": "3",
            "OUTGOING_RATE_LIMIT": "Off",
        },
        env_file=None,
    )
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.file_base_url == "http://127.0.0.1:8081/file/bot"
    assert settings.admin_ids == {1, 22, 333}
    assert settings.data_dir == tmp_path
    assert settings.model_dir == Path("elsewhere")
    assert settings.log_level == "DEBUG"
    assert (settings.rate_limit_messages, settings.rate_limit_window_seconds) == (5, 2.5)
    assert settings.max_image_bytes == 512 * 1024
    assert settings.recognizer_threads == 3
    assert settings.outgoing_rate_limit is False


def test_dotenv_fills_in_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nLOG_LEVEL=WARNING\nADMIN_IDS=7\n")
    settings = load_settings({"LOG_LEVEL": "ERROR"}, env_file=env_file)
    assert settings.token == TOKEN
    assert settings.admin_ids == {7}
    assert settings.log_level == "ERROR"


def test_the_token_stays_out_of_repr() -> None:
    settings = load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)
    assert TOKEN.partition(":")[2] not in repr(settings)


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "  "}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "123:tooShortSecret"}, "malformed"),
        ({"TELEGRAM_BOT_TOKEN": f'"{TOKEN}"'}, "malformed"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_IDS": "12,bob"}, "ADMIN_IDS"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "RATE_LIMIT_MESSAGES": "0"}, "at least 1"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "MAX_IMAGE_MB": "ten"}, "MAX_IMAGE_MB must be a number"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "OUTGOING_RATE_LIMIT": "maybe"}, "must be on or off"),
    ],
)
def test_bad_settings_name_the_variable(environment: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings(environment, env_file=None)
    assert "tooShortSecret" not in str(caught.value), "a bad token is never echoed"


def test_env_example_is_the_one_the_settings_write() -> None:
    committed = (REPO_ROOT / ".env.example").read_text()
    assert committed == env_example(), "regenerate it: python -m bot.settings > .env.example"


def test_env_example_documents_every_setting_with_the_defaults(tmp_path: Path) -> None:
    example = (REPO_ROOT / ".env.example").read_text()
    names = [line.partition("=")[0] for line in example.splitlines() if "=" in line]
    names = [name for name in names if not name.startswith("#")]
    assert sorted(names) == sorted(ENV_VARIABLES)
    assert sorted(ENV_VARIABLES) == sorted(Env), "every name in Env is read by one setting"
    filled = tmp_path / ".env"
    filled.write_text(example.replace("TELEGRAM_BOT_TOKEN=", f"TELEGRAM_BOT_TOKEN={TOKEN}", 1))
    from_example = load_settings({}, env_file=filled)
    assert from_example == load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None)


WEBHOOK = {
    "TELEGRAM_BOT_TOKEN": TOKEN,
    "WEBHOOK_URL": "https://bot.example.org/telegram/updates",
    "WEBHOOK_SECRET_TOKEN": "a_Secret-0123456789",
}


def test_polling_is_the_default_and_a_webhook_url_switches_to_webhook_mode() -> None:
    assert load_settings({"TELEGRAM_BOT_TOKEN": TOKEN}, env_file=None).webhook is None
    webhook = load_settings(
        {**WEBHOOK, "WEBHOOK_LISTEN": "0.0.0.0", "WEBHOOK_PORT": "8443"}, env_file=None
    ).webhook
    assert webhook is not None
    assert (webhook.url, webhook.listen, webhook.port) == (WEBHOOK["WEBHOOK_URL"], "0.0.0.0", 8443)
    assert webhook.url_path == "telegram/updates"
    assert webhook.secret_token == WEBHOOK["WEBHOOK_SECRET_TOKEN"]
    assert WEBHOOK["WEBHOOK_SECRET_TOKEN"] not in repr(webhook)
    defaults = load_settings(WEBHOOK, env_file=None).webhook
    assert defaults is not None
    assert (defaults.listen, defaults.port) == ("127.0.0.1", 8080)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"WEBHOOK_SECRET_TOKEN": ""}, "WEBHOOK_SECRET_TOKEN must be set"),
        ({"WEBHOOK_SECRET_TOKEN": "has spaces in it"}, "WEBHOOK_SECRET_TOKEN must be set"),
        ({"WEBHOOK_URL": "bot.example.org/hook"}, "WEBHOOK_URL must be"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT must be a port number"),
        ({"WEBHOOK_PORT": "80.5"}, "WEBHOOK_PORT must be a port number"),
    ],
)
def test_a_webhook_needs_a_url_a_secret_and_a_port(changes: dict[str, str], complaint: str) -> None:
    with pytest.raises(SettingsError, match=complaint) as raised:
        load_settings({**WEBHOOK, **changes}, env_file=None)
    assert "has spaces in it" not in str(raised.value), "a secret is never echoed"


def test_readmes_settings_table_names_every_variable_once() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    table = readme.partition("## Configuration")[2].partition("\n\n**")[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    named = [name for row in rows for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])]
    assert sorted(named) == sorted(ENV_VARIABLES)


# A value each setting accepts that differs from its default, with what it reads as.
SET_VALUES: dict[Env, tuple[str, object]] = {
    Env.TELEGRAM_BOT_TOKEN: (TOKEN, TOKEN),
    Env.TELEGRAM_API_BASE_URL: ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/bot"),
    Env.TELEGRAM_FILE_BASE_URL: ("http://h/file/bot", "http://h/file/bot"),
    Env.ADMIN_IDS: ("5,6", frozenset({5, 6})),
    Env.DATA_DIR: ("/srv/bot", Path("/srv/bot")),
    Env.DATABASE_URL: ("postgresql://u:p@db:5432/bot", "postgresql://u:p@db:5432/bot"),
    Env.REPLICA_ID: ("replica-7", "replica-7"),
    Env.MODEL_DIR: ("/srv/model", Path("/srv/model")),
    Env.LOG_LEVEL: ("warning", "WARNING"),
    Env.RATE_LIMIT_MESSAGES: ("3", 3),
    Env.RATE_LIMIT_WINDOW_SECONDS: ("0.5", 0.5),
    Env.TELEGRAM_LOCAL_MODE: ("yes", True),
    Env.MAX_IMAGE_MB: ("2", 2 * 1024 * 1024),
    Env.RECOGNIZER_THREADS: ("4", 4),
    Env.OUTGOING_RATE_LIMIT: ("false", False),
    Env.DIGITBOT_MNIST_PATH: ("/data/mnist.npz", Path("/data/mnist.npz")),
    Env.MODEL_VERSIONS_KEEP: ("9", 9),
    Env.MODEL_POLL_SECONDS: ("0.5", 0.5),
    Env.SEPARATE_TRAINER: ("on", True),
    Env.RETRAIN_MAX_DROP_PP: ("1.5", 1.5),
    Env.RETRAIN_EPOCHS: ("3", 3),
    Env.RETRAIN_LIMIT: ("600", 600),
    Env.WEBHOOK_URL: ("https://example.org/hook", "https://example.org/hook"),
    Env.WEBHOOK_LISTEN: ("0.0.0.0", "0.0.0.0"),
    Env.WEBHOOK_PORT: ("8443", 8443),
    Env.WEBHOOK_SECRET_TOKEN: ("s3cret", "s3cret"),
}
"""Kept next to the test so a new setting without a case here fails it."""


def test_every_setting_is_loadable_from_the_environment() -> None:
    assert sorted(SET_VALUES) == sorted(ENV_VARIABLES), "add the new setting to SET_VALUES"
    settings = load_settings({name: text for name, (text, _) in SET_VALUES.items()}, None)
    for setting in dataclasses.fields(Settings):
        expected = SET_VALUES[setting.metadata["variable"]][1]
        assert getattr(settings, setting.name) == expected, setting.metadata["variable"]
    defaults = load_settings({Env.TELEGRAM_BOT_TOKEN: TOKEN}, env_file=None)
    for setting in dataclasses.fields(Settings)[1:]:
        assert getattr(defaults, setting.name) != getattr(settings, setting.name), setting.name


# Text each numeric or parsed setting refuses.
@pytest.mark.parametrize(
    ("variable", "bad"),
    [
        (Env.ADMIN_IDS, "me"),
        (Env.DATABASE_URL, "localhost"),
        (Env.LOG_LEVEL, "chatty"),
        (Env.RATE_LIMIT_MESSAGES, "1.5"),
        (Env.RATE_LIMIT_WINDOW_SECONDS, "0"),
        (Env.TELEGRAM_LOCAL_MODE, "maybe"),
        (Env.MAX_IMAGE_MB, "-1"),
        (Env.RECOGNIZER_THREADS, "many"),
        (Env.OUTGOING_RATE_LIMIT, "2"),
        (Env.MODEL_VERSIONS_KEEP, "1"),
        (Env.MODEL_POLL_SECONDS, "0"),
        (Env.SEPARATE_TRAINER, "sometimes"),
        (Env.RETRAIN_MAX_DROP_PP, "-0.5"),
        (Env.RETRAIN_EPOCHS, "0"),
        (Env.RETRAIN_LIMIT, "ten"),
        (Env.WEBHOOK_URL, "ftp://example.org"),
        (Env.WEBHOOK_PORT, "65536"),
        (Env.WEBHOOK_SECRET_TOKEN, "not secret"),
    ],
)
def test_a_bad_value_names_its_variable(variable: Env, bad: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({Env.TELEGRAM_BOT_TOKEN: TOKEN, variable: bad}, env_file=None)
    assert str(caught.value).startswith(f"{variable} must be")
    assert "not secret" not in str(caught.value)
