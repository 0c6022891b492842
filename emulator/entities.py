"""Message entities as Telegram computes them.

Telegram measures entity offsets and lengths in UTF-16 code units, not Python characters, so an
emoji before a command shifts the offset by two; bots that slice text by entity get this wrong
unless the fake server gets it right.
"""

from __future__ import annotations

import re
from typing import Any

_COMMAND = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s.,;:!?)])")
_MENTION = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{4,32}(?![\w@])")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entity(kind: str, text: str, start: int, end: int, **extra: Any) -> dict[str, Any]:
    """An entity covering text[start:end] (Python indices), with UTF-16 offset and length."""
    return {
        "type": kind,
        "offset": utf16_length(text[:start]),
        "length": utf16_length(text[start:end]),
        **extra,
    }


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities a Telegram client derives from plain text: bot commands and @mentions."""
    found: list[tuple[int, dict[str, Any]]] = []
    command_spans: list[tuple[int, int]] = []
    for match in _COMMAND.finditer(text):
        command_spans.append(match.span())
        found.append((match.start(), entity("bot_command", text, *match.span())))
    for match in _MENTION.finditer(text):
        if not any(start <= match.start() < end for start, end in command_spans):
            found.append((match.start(), entity("mention", text, *match.span())))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def entity_text(text: str, item: dict[str, Any]) -> str:
    """The substring an entity covers, converting its UTF-16 offsets back."""
    encoded = text.encode("utf-16-le")
    start = item["offset"] * 2
    return encoded[start : start + item["length"] * 2].decode("utf-16-le")
