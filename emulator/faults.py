"""Injected failures and delays, so tests can prove the bot survives Telegram misbehaving.

Faults apply per Bot API method (case-insensitive) or to file downloads (``DOWNLOAD``).
"""

from __future__ import annotations

from dataclasses import dataclass

from emulator.errors import ApiError

DOWNLOAD = "download"
"""The method name faults use for file downloads (``/file/bot<token>/<path>``)."""


@dataclass
class Fault:
    """Applies to calls of `method` (any method when None) about `chat_id` (any when None).

    `remaining` counts the calls still affected; None means until cleared. A `garbled` call is
    not carried out and is answered "ok" with a result of the wrong shape, as a broken Bot API
    server or proxy might.
    """

    method: str | None
    chat_id: int | None
    error: ApiError | None = None
    delay: float = 0.0
    remaining: int | None = 1
    garbled: bool = False
    drop: bool = False
    """Close the connection without an answer (the call is not carried out)."""

    def matches(self, method: str, chat_id: int | None) -> bool:
        return (self.method is None or self.method == method.lower()) and (
            self.chat_id is None or self.chat_id == chat_id
        )


@dataclass(frozen=True)
class Effect:
    """What the faults do to one call: wait first, then fail, answer garbage, drop the
    connection, or go ahead."""

    delay: float = 0.0
    error: ApiError | None = None
    garbled: bool = False
    drop: bool = False


class Faults:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.method is not None:
            fault.method = fault.method.lower()
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def take(self, method: str, chat_id: int | None) -> Effect:
        """The total delay and the first failure (an error, a garbled answer or a dropped
        connection) for this call, using up one count of each fault that applies."""
        delay = 0.0
        error = None
        garbled = drop = False
        for fault in list(self._faults):
            if not fault.matches(method, chat_id):
                continue
            if fault.error is not None or fault.garbled or fault.drop:
                if error is not None or garbled or drop:
                    continue  # one failure per call; the next fault waits for the next call
                error, garbled, drop = fault.error, fault.garbled, fault.drop
            delay += fault.delay
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
        return Effect(delay, error, garbled, drop)
