"""Languages: the catalogs match the source, every placeholder survives translation, and the
texts come out in the language asked for (English for any other)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n, texts
from bot.model_metrics import ModelMetrics
from bot.retrain.retrainer import Failure, Mode, Outcome, Refusal, Result
from bot.storage import LabelStatus, Usage
from recognizer import ImageDecodeError, NoDigitError, TooManyDigitsError
from tests.conftest import REPO_ROOT

_PLACEHOLDER = re.compile(r"\{(\w+)[^}]*\}")
_KEYWORDS = {"_": None, "ngettext": (1, 2)}


def _source_messages() -> set[object]:
    found = extract_from_dir(REPO_ROOT / "bot", keywords=_KEYWORDS)
    return {message for _, _, message, _, _ in found}


def _catalog(language: str):
    with i18n.catalog_path(language).open("rb") as source:
        return read_po(source, locale=language)


def test_russian_is_offered_besides_english() -> None:
    assert i18n.languages()[0] == "en"
    assert "ru" in i18n.languages()


@pytest.mark.parametrize("language", [code for code in i18n.languages() if code != "en"])
def test_each_catalog_translates_exactly_the_source_strings(language: str) -> None:
    catalog = _catalog(language)
    translated = {message.id for message in catalog if message.id}
    assert translated == _source_messages(), "run the catalog update (README, Languages)"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        assert all(strings), f"untranslated: {message.id!r}"
        wanted = set(_PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            assert set(_PLACEHOLDER.findall(string)) == wanted, f"placeholders of {ids[0]!r}"


@pytest.mark.parametrize(
    ("code", "language"),
    [("ru", "ru"), ("ru-RU", "ru"), ("RU", "ru"), ("en", "en"), ("de", "en"), (None, "en")],
)
def test_a_telegram_language_code_finds_our_language(code: str | None, language: str) -> None:
    assert i18n.negotiate(code) == language


def test_texts_follow_the_language_and_fall_back_to_english() -> None:
    with i18n.speaking("ru"):
        russian = texts.start()
        assert texts.right() == "Верно"
        assert i18n.percent(0.998) == "99,8\xa0%"
        assert texts.forgotten(1).startswith("Готово: я удалил 1 размеченный")
        assert "3 размеченных вами примера" in texts.forgotten(3)
        assert "5 размеченных вами примеров" in texts.forgotten(5)
        assert "21 размеченный" in texts.forgotten(21)
    with i18n.speaking("de"):
        german = texts.start()
    english = texts.start()
    assert russian.startswith("Привет!")
    assert german == english
    assert english.startswith("Hi! I read handwritten digits.")
    assert i18n.percent(0.998) == "99.8%"


def test_every_text_renders_in_every_language() -> None:
    """Formatting with the placeholders each text passes: a typo in a translation fails here."""
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    metrics = ModelMetrics(0.9912, (0.99,) * 10, now - timedelta(days=3))
    outcomes = [
        Outcome(Result.FAILED, Mode.QUICK, 75, failure=failure, detail="x") for failure in Failure
    ]
    for language in i18n.languages():
        with i18n.speaking(language):
            rendered = [
                texts.stats(metrics, Usage(120, 15, 8, 6), now),
                texts.model_report("v0002", metrics, ["v0001", "v0002"]),
                *(texts.refusal(reason, "detail") for reason in Refusal),
                *(texts.retrain_outcome(outcome) for outcome in outcomes),
                *(texts.label_refused(status) for status in LabelStatus),
                texts.type_number(4),
                texts.wrong_length(2, 4),
                texts.too_large(3 * 2**20, 2**20),
                texts.rate_limited(20, 60, 3.2),
                texts.privacy(24),
                *(
                    texts.recognizer_refusal(error("x"))
                    for error in (ImageDecodeError, NoDigitError, TooManyDigitsError)
                ),
            ]
            assert all(text and "{" not in text for text in rendered), language


def test_the_stats_caption_names_its_chart_in_the_users_language() -> None:
    """The /stats picture holds no words (Pillow's built-in font has no Cyrillic): its title
    is the caption's last line, translated; without figures there is no chart to name."""
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    metrics = ModelMetrics(0.9912, (0.99,) * 10, now)
    with i18n.speaking("ru"):
        russian = texts.stats(metrics, Usage(1, 1, 0, 0), now)
    english = texts.stats(metrics, Usage(1, 1, 0, 0), now)
    assert russian.splitlines()[-1] == "График: точность на тесте по цифрам (MNIST)."
    assert english.splitlines()[-1] == "Chart: test accuracy per digit (MNIST)."
    assert "Chart:" not in texts.stats(None, Usage(0, 0, 0, 0), now)


def test_recognizer_refusals_are_the_bots_own_words() -> None:
    """The recognizer's English message never reaches a user: the type picks the text."""
    for error in (ImageDecodeError("internal"), NoDigitError("internal")):
        assert "internal" not in texts.recognizer_refusal(error)
    assert texts.recognizer_refusal(NoDigitError("x")) != texts.recognizer_refusal(
        ImageDecodeError("x")
    )
