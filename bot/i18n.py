"""The bot's languages: each update is answered in its sender's Telegram language.

Translations are gettext catalogs, one ``locales/<language>/LC_MESSAGES/digitbot.po`` per
language, kept in the repository as the source. They are compiled with Babel when first used,
in memory, rather than at build time: a fresh ``pip install -e .``, a wheel and the Docker
image then all run from the very ``.po`` files in the package, with no build step to forget and
no compiled file that could fall out of date with its source.

The language travels in a context variable: python-telegram-bot handles each update in its own
task (see ``bot.update_log``), so setting it when an update arrives makes every text of that
update, and of a background task it starts (a /retrain), come out in the sender's language.
English, the language of the source strings, is the fallback for every other language.
"""

from __future__ import annotations

import gettext as gnu_gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_percent

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "digitbot"
SOURCE_LANGUAGE = "en"

_language: ContextVar[str] = ContextVar("language", default=SOURCE_LANGUAGE)


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def languages() -> tuple[str, ...]:
    """English, then every language with a catalog, e.g. ``("en", "ru")``."""
    found = sorted(p.name for p in LOCALES_DIR.iterdir() if catalog_path(p.name).is_file())
    return (SOURCE_LANGUAGE, *(language for language in found if language != SOURCE_LANGUAGE))


def negotiate(language_code: str | None) -> str:
    """A Telegram ``language_code`` (an IETF tag: "ru", "pt-br", or none) -> one we speak."""
    primary = (language_code or "").replace("_", "-").split("-")[0].lower()
    return primary if primary in languages() else SOURCE_LANGUAGE


def use(language_code: str | None) -> None:
    """Answer the rest of the current update (or task) in this language, or in English."""
    _language.set(negotiate(language_code))


@contextmanager
def speaking(language_code: str | None) -> Iterator[None]:
    """Within the block, texts come out in this language (the command menus, tests)."""
    token = _language.set(negotiate(language_code))
    try:
        yield
    finally:
        _language.reset(token)


def current() -> str:
    return _language.get()


@cache
def _translations(language: str) -> gnu_gettext.NullTranslations:
    """The catalog compiled with Babel into an in-memory .mo; English needs none."""
    path = catalog_path(language)
    if language == SOURCE_LANGUAGE or not path.is_file():
        return gnu_gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gnu_gettext.GNUTranslations(compiled)


def gettext(message: str) -> str:
    return _translations(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for ``count`` in the current language (Russian has three)."""
    return _translations(current()).ngettext(singular, plural, count)


def percent(value: float, decimals: int = 1) -> str:
    """A share as the current language writes it: "99.8%" in English, "99,8 %" in Russian."""
    locale = Locale.parse(current())
    pattern = locale.percent_formats[None].pattern  # "#,##0%", Russian "#,##0\xa0%"
    if decimals:
        last = pattern.rindex("0")
        pattern = f"{pattern[: last + 1]}.{'0' * decimals}{pattern[last + 1 :]}"
    return format_percent(value, pattern, locale=locale)
