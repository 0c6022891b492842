"""Telegram's MarkdownV2 and legacy Markdown parse modes.

MarkdownV2 reserves `_*[]()~`>#+-=|{}.!` everywhere outside code: an unescaped `.` or `!` in a
bot's reply (a confidence "99.8%", an exclamation) is the most common way a bot's answer fails in
production, so the emulator refuses it exactly like Telegram.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.formatting.builder import TextBuilder, cant_parse

_RESERVED_V2 = frozenset("_*[]()~`>#+-=|{}.!")
# Markup token -> (entity type, the name Telegram uses in its error messages). Longer first.
_STYLES_V2 = {
    "__": ("underline", "Underline"),
    "||": ("spoiler", "Spoiler"),
    "*": ("bold", "Bold"),
    "_": ("italic", "Italic"),
    "~": ("strikethrough", "Strikethrough"),
}
_STYLES_V1 = {"*": ("bold", "Bold"), "_": ("italic", "Italic")}
_NAMES = {token: name for token, (_, name) in _STYLES_V2.items()} | {
    "[": "TextUrl",
    ">": "Blockquote",
    "**>": "ExpandableBlockquote",
}
_USER_LINK = re.compile(r"tg://user\?id=(\d+)")
_EMOJI_LINK = re.compile(r"tg://emoji\?id=(\d+)")


def _byte_offset(markup: str, index: int) -> int:
    return len(markup[:index].encode())


def _read_until(markup: str, start: int, end_token: str, escapable: str | None) -> tuple[str, int]:
    """Text up to `end_token` with backslash escapes resolved; returns it and the index after.

    `escapable` limits which characters a backslash escapes (None: any ASCII character).
    """
    chunks: list[str] = []
    index = start
    while index < len(markup):
        if markup.startswith(end_token, index):
            return "".join(chunks), index + len(end_token)
        char = markup[index]
        following = markup[index + 1] if index + 1 < len(markup) else ""
        if char == "\\" and following and (escapable is None or following in escapable):
            chunks.append(following)
            index += 2
        else:
            chunks.append(char)
            index += 1
    return "".join(chunks), -1


def _add_code(builder: TextBuilder, markup: str, index: int, escapable: str | None) -> int:
    """Inline code or a pre block starting at `index`; returns where parsing continues."""
    offset = _byte_offset(markup, index)
    token = "```" if markup.startswith("```", index) else "`"
    content, after = _read_until(markup, index + len(token), token, escapable)
    if after < 0:
        name = "Pre" if token == "```" else "Code"
        raise cant_parse(f"Can't find end of {name} entity at byte offset {offset}")
    extra: dict[str, Any] = {}
    if token == "```" and "\n" in content:
        language, content = content.split("\n", 1)
        if language.strip():
            extra["language"] = language.strip()
    builder.start(token, "pre" if token == "```" else "code", offset, **extra)
    builder.add(content)
    builder.end()
    return after


def _add_link(builder: TextBuilder, markup: str, index: int, escapable: str | None) -> int:
    """Closes the `[text` opened earlier with `](url)` at `index`."""
    if not markup.startswith("](", index):
        raise cant_parse(f"Can't find end of a URL at byte offset {_byte_offset(markup, index)}")
    url, after = _read_until(markup, index + 2, ")", escapable)
    if after < 0:
        raise cant_parse(f"Can't find end of a URL at byte offset {_byte_offset(markup, index)}")
    entity = builder.open[-1].entity
    user = _USER_LINK.fullmatch(url)
    emoji = _EMOJI_LINK.fullmatch(url)
    if entity["type"] == "custom_emoji" and emoji:
        entity["custom_emoji_id"] = emoji.group(1)
    elif user:
        entity.update(type="text_mention", user={"id": int(user.group(1))})
    else:
        entity["url"] = url
    builder.end()
    return after


def _toggle(builder: TextBuilder, token: str, kind: str, markup: str, index: int) -> None:
    if not builder.is_open(token):
        builder.start(token, kind, _byte_offset(markup, index))
    elif builder.open[-1].token == token:
        builder.end()
    else:
        inner = builder.open[-1]
        raise cant_parse(
            f"Can't find end of {_NAMES.get(inner.token, inner.token)} entity "
            f"at byte offset {inner.byte_offset}"
        )


def _quote_line_start(builder: TextBuilder, markup: str, index: int) -> int:
    """Opens or continues a blockquote at the start of a line; returns the index after `>`."""
    for token, kind in (("**>", "expandable_blockquote"), (">", "blockquote")):
        if markup.startswith(token, index):
            if not (builder.is_open(">") or builder.is_open("**>")):
                builder.start(token, kind, _byte_offset(markup, index))
            return index + len(token)
    return index


def _end_quote_if_last_line(builder: TextBuilder, markup: str, newline: int) -> None:
    quoted = builder.open and builder.open[-1].token in {">", "**>"}
    if quoted and not markup.startswith((">", "**>"), newline + 1):
        builder.end()


def parse_markdown_v2(markup: str) -> tuple[str, list[dict[str, Any]]]:
    builder = TextBuilder()
    index = 0
    at_line_start = True
    while index < len(markup):
        if at_line_start:
            index = _quote_line_start(builder, markup, index)
            at_line_start = False
            continue
        char = markup[index]
        following = markup[index + 1] if index + 1 < len(markup) else ""
        token = next((t for t in _STYLES_V2 if markup.startswith(t, index)), None)
        if char == "\\" and following and 1 <= ord(following) <= 126:
            builder.add(following)
            index += 2
        elif char == "`":
            index = _add_code(builder, markup, index, "`\\")
        elif token == "||" and builder.open and builder.open[-1].token == "**>":
            builder.end()  # `||` closes an expandable blockquote
            index += 2
        elif token is not None:
            _toggle(builder, token, _STYLES_V2[token][0], markup, index)
            index += len(token)
        elif char == "[" or markup.startswith("![", index):
            kind = "text_link" if char == "[" else "custom_emoji"
            builder.start("[", kind, _byte_offset(markup, index))
            index += 1 if char == "[" else 2
        elif char == "]" and builder.open and builder.open[-1].token == "[":
            index = _add_link(builder, markup, index, ")\\")
        elif char in _RESERVED_V2:
            raise cant_parse(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        else:
            if char == "\n":
                _end_quote_if_last_line(builder, markup, index)
                at_line_start = True
            builder.add(char)
            index += 1
    while builder.open and builder.open[-1].token in {">", "**>"}:
        builder.end()
    if builder.open:
        unclosed = builder.open[-1]
        raise cant_parse(
            f"Can't find end of {_NAMES.get(unclosed.token, unclosed.token)} entity "
            f"at byte offset {unclosed.byte_offset}"
        )
    return builder.result()


def parse_markdown(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy Markdown: `*bold*`, `_italic_`, code, pre and links, never nested."""
    builder = TextBuilder()
    index = 0
    while index < len(markup):
        char = markup[index]
        following = markup[index + 1] if index + 1 < len(markup) else ""
        if char == "\\" and following in {"_", "*", "`", "["}:
            builder.add(following)
            index += 2
        elif char == "`" and not builder.open:
            index = _add_code(builder, markup, index, "")
        elif char in _STYLES_V1 and (not builder.open or builder.open[-1].token == char):
            _toggle(builder, char, _STYLES_V1[char][0], markup, index)
            index += 1
        elif char == "[" and not builder.open:
            builder.start("[", "text_link", _byte_offset(markup, index))
            index += 1
        elif char == "]" and builder.open and builder.open[-1].token == "[":
            index = _add_link(builder, markup, index, "")
        else:
            builder.add(char)
            index += 1
    if builder.open:
        raise cant_parse(
            f"Can't find end of the entity starting at byte offset {builder.open[-1].byte_offset}"
        )
    return builder.result()
