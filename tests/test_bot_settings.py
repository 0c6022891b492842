"""The bot's settings: names, defaults, validation and where they come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ENV_VARIABLES, SettingsError, load_settings
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


def test_env_example_documents_every_setting_with_the_defaults(tmp_path: Path) -> None:
    example = (REPO_ROOT / ".env.example").read_text()
    names = [line.partition("=")[0] for line in example.splitlines() if "=" in line]
    names = [name for name in names if not name.startswith("#")]
    assert sorted(names) == sorted(ENV_VARIABLES)
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
