"""parse_mode handling matches Telegram: plain text plus entities, or "can't parse entities"."""

from __future__ import annotations

import pytest

from emulator.entities import entity_text
from emulator.errors import ApiError
from emulator.formatting import format_text


def spans(text: str, entities: list[dict]) -> list[tuple[str, str]]:
    return [(item["type"], entity_text(text, item)) for item in entities]


@pytest.mark.parametrize(
    ("markup", "text", "expected"),
    [
        (r"*7* \(99\.8% sure\)", "7 (99.8% sure)", [("bold", "7")]),
        (
            "__u__ ||s|| ~x~",
            "u s x",
            [("underline", "u"), ("spoiler", "s"), ("strikethrough", "x")],
        ),
        (r"`a\`b` done", "a`b done", [("code", "a`b")]),
        ("```python\nprint(1)```", "print(1)", [("pre", "print(1)")]),
        (r"[docs](https://example.org/a\)b)", "docs", [("text_link", "docs")]),
        ("🙂 *é*", "🙂 é", [("bold", "é")]),
        (">quoted\n>twice\nafter", "quoted\ntwice\nafter", [("blockquote", "quoted\ntwice")]),
    ],
)
def test_markdown_v2(markup: str, text: str, expected: list[tuple[str, str]]) -> None:
    plain, entities = format_text(markup, "MarkdownV2", None)
    assert plain == text
    assert spans(plain, entities) == expected


@pytest.mark.parametrize(
    ("markup", "complaint"),
    [
        ("7 (99.8% sure)", "Character '(' is reserved"),
        ("Done!", "Character '!' is reserved"),
        ("*bold", "Can't find end of Bold entity at byte offset 0"),
        ("*a _b* c_", "Can't find end of Italic entity"),
        ("`code", "Can't find end of Code entity"),
    ],
)
def test_markdown_v2_refuses_what_telegram_refuses(markup: str, complaint: str) -> None:
    with pytest.raises(ApiError) as caught:
        format_text(markup, "MarkdownV2", None)
    assert caught.value.status == 400
    assert complaint in caught.value.description


def test_legacy_markdown_needs_no_escaping_of_punctuation() -> None:
    plain, entities = format_text("*7* (99.8% sure) [why](http://x.org)!", "Markdown", None)
    assert plain == "7 (99.8% sure) why!"
    assert spans(plain, entities) == [("bold", "7"), ("text_link", "why")]
    with pytest.raises(ApiError, match="Can't find end of the entity"):
        format_text("snake_case", "Markdown", None)


@pytest.mark.parametrize(
    ("markup", "text", "expected"),
    [
        (
            "<b>7</b> &lt;sure&gt; &amp; <i>ok</i>",
            "7 <sure> & ok",
            [("bold", "7"), ("italic", "ok")],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [("pre", "x = 1")],
        ),
        ('<a href="https://example.org">site</a>', "site", [("text_link", "site")]),
        ('<span class="tg-spoiler">s</span>', "s", [("spoiler", "s")]),
    ],
)
def test_html(markup: str, text: str, expected: list[tuple[str, str]]) -> None:
    plain, entities = format_text(markup, "HTML", None)
    assert plain == text
    assert spans(plain, entities) == expected


@pytest.mark.parametrize(
    ("markup", "complaint"),
    [
        ("x < 5", 'Unsupported start tag ""'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
    ],
)
def test_html_refuses_what_telegram_refuses(markup: str, complaint: str) -> None:
    with pytest.raises(ApiError) as caught:
        format_text(markup, "HTML", None)
    assert complaint in caught.value.description


def test_explicit_entities_win_and_unknown_parse_mode_is_refused() -> None:
    entities = [{"type": "bold", "offset": 0, "length": 1}]
    assert format_text("*x*", "MarkdownV2", entities) == ("*x*", entities)
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "BBCode", None)
