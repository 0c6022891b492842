"""Bot API errors, shaped exactly like Telegram's so the bot's error handling is really exercised.

python-telegram-bot picks its exception class from the HTTP status and reads `description` and
`parameters.retry_after` from the body, so both must match what api.telegram.org sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiError(Exception):
    """A failed Bot API call; `payload()` is the JSON body Telegram would answer with."""

    status: int
    description: str
    retry_after: int | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.description}"

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")
INTERNAL_ERROR = ApiError(500, "Internal Server Error")
BLOCKED_BY_USER = forbidden("bot was blocked by the user")
CHAT_NOT_FOUND = bad_request("chat not found")
