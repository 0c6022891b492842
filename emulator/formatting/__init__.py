"""parse_mode handling: Telegram turns markup into plain text plus entities, or refuses it.

A bot that forgets to escape `<` in HTML or `.` in MarkdownV2 gets "can't parse entities" from
Telegram; the emulator answers the same, so end-to-end tests catch it before users do.
"""

from __future__ import annotations

from typing import Any

from emulator.errors import bad_request
from emulator.formatting.html_markup import parse_html
from emulator.formatting.markdown import parse_markdown, parse_markdown_v2


def format_text(
    text: str, parse_mode: str | None, explicit_entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """The stored text and entities of a sent message, whichever way the bot formatted it."""
    if explicit_entities:
        return text, explicit_entities
    if not parse_mode:
        return text, []
    parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
    parser = parsers.get(parse_mode.lower())
    if parser is None:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return parser(text)
