"""Telegram-flavoured HTML: a fixed set of tags, and only &lt; &gt; &amp; &quot; and numeric
character references; anything else that looks like a tag is refused."""

from __future__ import annotations

import html
import re
from typing import Any

from emulator.formatting.builder import TextBuilder, cant_parse

_KINDS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}
_ATTRIBUTE = r"([A-Za-z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?"
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+" + _ATTRIBUTE + r")*)\s*/?>")
_ATTRIBUTES = re.compile(_ATTRIBUTE)
_REFERENCE = re.compile(r"&(#\d+|#x[0-9A-Fa-f]+|lt|gt|amp|quot);")
_USER_LINK = re.compile(r"tg://user\?id=(\d+)")


def _unescape(fragment: str) -> str:
    return _REFERENCE.sub(lambda match: html.unescape(match.group(0)), fragment)


def _attributes(raw: str) -> dict[str, str]:
    return {
        match.group(1).lower(): _unescape(match.group(2) or match.group(3) or match.group(4) or "")
        for match in _ATTRIBUTES.finditer(raw)
    }


def _start_tag(builder: TextBuilder, tag: str, attributes: dict[str, str], offset: int) -> None:
    extra: dict[str, Any] = {}
    kind = _KINDS[tag]
    if tag == "a":
        user = _USER_LINK.fullmatch(attributes.get("href", ""))
        kind, extra = (
            ("text_mention", {"user": {"id": int(user.group(1))}})
            if user
            else ("text_link", {"url": attributes.get("href", "")})
        )
    elif tag == "span" and attributes.get("class") != "tg-spoiler":
        raise cant_parse(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    elif tag == "blockquote" and "expandable" in attributes:
        kind = "expandable_blockquote"
    elif tag == "tg-emoji":
        extra = {"custom_emoji_id": attributes.get("emoji-id", "")}
    elif tag == "code" and builder.open and builder.open[-1].token == "pre":
        language = attributes.get("class", "").removeprefix("language-")
        if language:
            builder.open[-1].entity["language"] = language
        kind = "nested_code"  # the <pre> carries it; dropped from the result below
    builder.start(tag, kind, offset, **extra)


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    builder = TextBuilder()
    position = 0
    while position < len(markup):
        bracket = markup.find("<", position)
        builder.add(_unescape(markup[position : len(markup) if bracket < 0 else bracket]))
        if bracket < 0:
            break
        offset = len(markup[:bracket].encode())
        match = _TAG.match(markup, bracket)
        tag = match.group(2).lower() if match else ""
        if match is None or tag not in _KINDS:
            raise cant_parse(f'Unsupported start tag "{tag}" at byte offset {offset}')
        if match.group(1):
            if not builder.open or builder.open[-1].token != tag:
                raise cant_parse(f'Unmatched end tag at byte offset {offset}, found "</{tag}>"')
            builder.end()
        else:
            _start_tag(builder, tag, _attributes(match.group(3)), offset)
        position = match.end()
    if builder.open:
        raise cant_parse(
            f'Can\'t find end tag corresponding to start tag "{builder.open[-1].token}"'
        )
    text, entities = builder.result()
    return text, [item for item in entities if item["type"] != "nested_code"]
