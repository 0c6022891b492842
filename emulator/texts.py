"""Every sentence the emulator says to a person: the playground page's notices and what
``python -m emulator`` prints. The Bot API's own error descriptions are not here: they copy
Telegram's wording, which bots match on (``emulator/errors.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from emulator.server import MAX_UPLOAD_BYTES

# -- python -m emulator ------------------------------------------------------------------------


def connection_settings(token: str, api_base_url: str, file_base_url: str) -> str:
    """``.env`` lines that point digitbot at the emulator. The names are the bot's settings
    (``bot.settings.Env``, which the emulator may not import); a test reads them with those."""
    return (
        f"TELEGRAM_BOT_TOKEN={token}\n"
        f"TELEGRAM_API_BASE_URL={api_base_url}\n"
        f"TELEGRAM_FILE_BASE_URL={file_base_url}"
    )


# -- the playground page -----------------------------------------------------------------------

TYPE_FIRST = "Type a message first."
BUTTON_GONE = "That button is gone: the message has changed."
NO_SUCH_MESSAGE = "There is no such message in this chat to reply to."
CHOOSE_A_FILE = "Choose a file first."
EMPTY_FILE = "That file is empty: Telegram doesn't send empty files."
SEND_JSON = "Send JSON."
SEND_A_JSON_OBJECT = "Send a JSON object."
NO_SUCH_FILE = "no such file"


def file_too_big() -> str:
    return f"That file is bigger than the {MAX_UPLOAD_BYTES // 2**20} MB this playground takes."


def nobody_called(who: str, people: Iterable[str]) -> str:
    return f"nobody called {who!r}; try one of {', '.join(people)}"
