"""Accumulates plain text and the entities opened and closed along it, in UTF-16 units."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.entities import utf16_length
from emulator.errors import ApiError, bad_request


def cant_parse(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


@dataclass
class OpenEntity:
    """An entity whose end is not seen yet; `token` is the markup that opened it."""

    token: str
    entity: dict[str, Any]
    byte_offset: int


@dataclass
class TextBuilder:
    parts: list[str] = field(default_factory=list)
    length: int = 0
    open: list[OpenEntity] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_length(text)

    def start(self, token: str, kind: str, byte_offset: int, **extra: Any) -> None:
        self.open.append(
            OpenEntity(token, {"type": kind, "offset": self.length, **extra}, byte_offset)
        )

    def is_open(self, token: str) -> bool:
        return any(item.token == token for item in self.open)

    def end(self) -> dict[str, Any]:
        """Closes the innermost entity; empty entities are dropped, as Telegram does."""
        item = self.open.pop().entity
        item["length"] = self.length - item["offset"]
        if item["length"] > 0:
            self.entities.append(item)
        return item

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        ordered = sorted(self.entities, key=lambda item: (item["offset"], -item["length"]))
        return "".join(self.parts), ordered
