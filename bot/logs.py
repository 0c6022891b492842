"""Logging set-up: one readable stream on stderr with every secret scrubbed out.

The Bot API puts the token in every request URL, and HTTP client libraries log those URLs (and
put them in exception messages). Scrubbing the final formatted text, traceback included, is the
one place that catches all of them, whichever library wrote the record.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "[REDACTED]"

_NOISY_LOGGERS = ("httpx", "httpcore", "alembic", "apscheduler")
"""httpx and httpcore log one line per request (with the token in it), Alembic several lines per
start-up, APScheduler (the JobQueue) two lines per job run, every few seconds: kept to warnings
(bot.database says itself when it upgrades a schema; a failing job is logged as an error)."""


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces each secret with a placeholder in the finished line."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self._secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record), self._secrets)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret replaced, longest first (a whole token before its half)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def token_forms(token: str) -> tuple[str, ...]:
    """The token and its secret half: the half alone is enough to hijack the bot."""
    _, _, secret = token.partition(":")
    return (token, secret)


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    """Send all records to stderr through the redacting formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
